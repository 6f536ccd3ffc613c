"""Write TOML: the inverse of :func:`symcnn.checked.read_toml` for the values a spec holds.

Tables become ``[a.b]`` sections, lists of tables ``[[a.b]]`` sections, and every other
value is written inline. Strings are TOML basic strings with every special character
escaped; decimals keep their exact digits (``0.010`` stays ``0.010``); keys are quoted
unless they are bare. ``read_toml(dumps(d)) == d`` for any such data (tests check it).

>>> print(dumps({"exam": {"title": 'say "hi"'}, "layers": [{"k": 3}, {"k": 5}]}), end="")
[exam]
title = "say \\"hi\\""
<BLANKLINE>
[[layers]]
k = 3
<BLANKLINE>
[[layers]]
k = 5
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def key(name: str) -> str:
    """A key as TOML writes it: bare when it can be, else a quoted string."""
    return name if _BARE.fullmatch(name) else string(name)


def string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def value(v: Any) -> str:
    """Any value inline: numbers, booleans, strings, lists, inline tables."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise ValueError(f"TOML has no exact form for {v}")
        text = format(v, "f")
        return text if "." in text else text + ".0"  # a decimal stays a decimal when read back
    if isinstance(v, str):
        return string(v)
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _section(name: str, table: dict[str, Any], header: str, lines: list[str]) -> None:
    """One table: a header (unless top level, or implied by its sub-tables), its values, then its sub-tables."""
    implied = header.startswith("[[") is False and table and all(
        isinstance(v, dict) or _is_table_array(v) for v in table.values())
    if header and not implied:
        if lines:
            lines.append("")
        lines.append(header)
    subs = []
    for k, v in table.items():
        if isinstance(v, dict) or _is_table_array(v):
            subs.append((k, v))
        else:
            lines.append(f"{key(k)} = {value(v)}")
    for k, v in subs:
        path = f"{name}.{key(k)}" if name else key(k)
        if isinstance(v, dict):
            _section(path, v, f"[{path}]", lines)
        else:
            for item in v:
                _section(path, item, f"[[{path}]]", lines)


def dumps(data: dict[str, Any], comment: str = "") -> str:
    """The TOML text of ``data``, after ``comment`` (each of its lines becomes ``# ...``)."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    if lines:
        lines.append("")
    body: list[str] = []
    _section("", data, "", body)
    return "\n".join(lines + body) + "\n"

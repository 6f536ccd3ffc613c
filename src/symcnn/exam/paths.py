"""Field paths into a spec's TOML data: ``network.layers[0].filters``, ``dataset.images``.

A path is keys joined by dots; after a key, ``[i]`` picks item ``i`` (from 0) of a list
and ``[name]`` picks the item of a list of tables whose ``name`` (layers) or ``id``
(questions) is ``name``: ``network.layers[conv1].filters``, ``questions[4c].height``.
A path must end at a value (a number, a text, a list of values), never at a table.
Paths are parsed by hand (never evaluated); every error says which part names nothing.

>>> data = {"network": {"layers": [{"name": "conv1", "filters": 16}]}}
>>> resolve(data, "network.layers[conv1].filters")
('network', 'layers', 0, 'filters')
>>> assign(data, ('network', 'layers', 0, 'filters'), 24)["network"]["layers"][0]["filters"]
24
"""

from __future__ import annotations

import copy
import difflib
import re
from typing import Any

from ..errors import SpecError

_KEY = re.compile(r"[A-Za-z0-9_-]{1,60}")
_SELECTORS = re.compile(r"\[([^\[\]]{1,200})\]")
MAX_PATH = 300  # characters
NAMING = ("name", "id")  # the field that names an item of a list of tables


class PathError(SpecError):
    """A path that cannot be read or names no field (the message says why, without the file)."""


def parse(path: str) -> list[str | tuple[str]]:
    """The parts of ``path``: keys (str) and list selectors (a 1-tuple holding the selector text)."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH or not path.isprintable():
        raise PathError(f"must be a field path of 1 to {MAX_PATH} printable characters")
    parts: list[str | tuple[str]] = []
    for segment in _split(path):
        head = segment.split("[", 1)[0]
        if not _KEY.fullmatch(head):
            raise PathError(f"{segment!r} is not a field name (letters, digits, _ and -) with optional [index]")
        parts.append(head)
        rest = segment[len(head):]
        for m in _SELECTORS.finditer(rest):
            parts.append((m.group(1).strip(),))
        if _SELECTORS.sub("", rest):
            raise PathError(f"{segment!r}: brackets must hold an index or a name, as in layers[0] or layers[conv1]")
    return parts


def _split(path: str) -> list[str]:
    """Split at dots outside brackets (a layer name such as ``layer1.0.conv1`` may hold dots)."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(path):
        depth += (c == "[") - (c == "]")
        if c == "." and depth == 0:
            out.append(path[start:i])
            start = i + 1
    out.append(path[start:])
    return out


def resolve(data: Any, path: str) -> tuple[str | int, ...]:
    """The keys and indices ``path`` names in ``data``; PathError when a part names nothing."""
    steps: list[str | int] = []
    node = data
    where = ""
    for part in parse(path):
        if isinstance(part, str):
            if not isinstance(node, dict):
                raise PathError(f"{where or 'the spec'} is not a table, so it has no field {part!r}")
            if part not in node:
                close = difflib.get_close_matches(part, list(node), n=1, cutoff=0.75)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                known = ", ".join(list(node)[:12]) or "none"
                raise PathError(f"names no field: {where or 'the spec'} has no {part!r}{hint}; its fields: {known}")
            steps.append(part)
            node = node[part]
            where = f"{where}.{part}" if where else part
        else:
            steps.append(_select(node, part[0], where))
            node = node[steps[-1]]  # type: ignore[index]
            where = f"{where}[{steps[-1]}]"
    if isinstance(node, dict) or (isinstance(node, list) and any(isinstance(v, dict) for v in node)):
        raise PathError(f"names a table ({where}), not a value: add the field's name")
    return tuple(steps)


def _select(node: Any, selector: str, where: str) -> int:
    if not isinstance(node, list):
        raise PathError(f"{where} is not a list, so [{selector}] selects nothing")
    if selector.isdigit():
        i = int(selector)
        if i >= len(node):
            raise PathError(f"names no field: {where} has {len(node)} item(s), numbered from 0; [{i}] is past the end")
        return i
    for i, item in enumerate(node):
        if isinstance(item, dict) and any(item.get(k) == selector for k in NAMING):
            return i
    raise PathError(f"names no field: no item of {where} is named {selector!r}")


def lookup(data: Any, steps: tuple[str | int, ...]) -> Any:
    """The value at resolved ``steps``."""
    for s in steps:
        data = data[s]
    return data


def assign(data: Any, steps: tuple[str | int, ...], value: Any) -> Any:
    """A deep copy of ``data`` with the value at ``steps`` replaced by ``value``."""
    out = copy.deepcopy(data)
    put(out, steps, value)
    return out


def put(data: Any, steps: tuple[str | int, ...], value: Any) -> None:
    """Replace the value at ``steps`` in ``data`` itself by (a copy of) ``value``."""
    node = data
    for s in steps[:-1]:
        node = node[s]
    node[steps[-1]] = copy.deepcopy(value)


def canonical(steps: tuple[str | int, ...]) -> str:
    """The path of resolved ``steps`` with indices: ``network.layers[0].filters``."""
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else (f".{s}" if out else s)
    return out

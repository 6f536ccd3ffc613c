"""Hypothesis strategies for the fuzz tests: hostile TOML values, mutations of a parsed
document, and a small TOML writer (inline tables only, so any nesting stays valid)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

BARE = re.compile(r"[A-Za-z0-9_-]+")

# text a loader must reject or carry safely: controls, bidi overrides, TeX, markup, code
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(["", " ", "a" * 300, "conv1", "input", "HG", "\u202e", "x\ny", "[/]", "\\input{x}", "}$\\def",
                     "__import__('os')", "{0.__class__}", "%s", "1e-2", "0x10", "nan", "layer1", "dense"]),
)
HUGE_INTS = st.sampled_from([0, -1, 1, 2**62, 2**63 - 1, 2**64, 2**64 + 1, 2**200, -(2**70), 10**1000])
DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.sampled_from([Decimal("1e999999999"), Decimal("1e-999999999"), Decimal("-0.0"), Decimal("1" * 60),
                     Decimal("0." + "0" * 40 + "1"), Decimal("123456.7")]),
)
SCALARS = st.one_of(st.integers(-(2**70), 2**70), HUGE_INTS, DECIMALS, TEXT, st.booleans(), st.dates())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)


def _string(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _key(k: str) -> str:
    return k if BARE.fullmatch(k) else _string(k)


def value(v: Any) -> str:
    """One TOML value (tables inline)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return hex(v) if v > 0 and v.bit_length() > 4000 else str(v)
    if isinstance(v, Decimal):
        if v.is_nan():
            return "nan"
        if v.is_infinite():
            return "-inf" if v < 0 else "inf"
        text = str(v)
        return text if any(c in text for c in ".Ee") else text + ".0"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def document(d: dict[str, Any]) -> str:
    """A whole TOML document: one ``key = value`` line per top-level key."""
    return "".join(f"{_key(k)} = {value(v)}\n" for k, v in d.items())


def _containers(node: Any, path: tuple = ()) -> list[tuple[Any, ...]]:
    out = [path]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        if isinstance(v, (dict, list)):
            out += _containers(v, path + (k,))
    return out


def _at(node: Any, path: tuple) -> Any:
    for k in path:
        node = node[k]
    return node


def mutate(data: st.DataObject, doc: dict[str, Any], max_mutations: int = 3) -> dict[str, Any]:
    """Apply 1–3 random edits: drop, replace, retype or duplicate a field, or add an unknown one."""
    import copy

    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, max_mutations))):
        containers = _containers(doc)
        where = _at(doc, data.draw(st.sampled_from(containers)))
        keys = list(where) if isinstance(where, dict) else list(range(len(where)))
        op = data.draw(st.sampled_from(["drop", "replace", "retype", "duplicate", "add"]))
        if op == "add" or not keys:
            if isinstance(where, dict):
                where[data.draw(TEXT)] = data.draw(VALUES)
            else:
                where.append(data.draw(VALUES))
            continue
        k = data.draw(st.sampled_from(keys))
        if op == "drop":
            del where[k]
        elif op == "replace":
            where[k] = data.draw(VALUES)
        elif op == "retype":
            old = where[k]
            where[k] = data.draw(st.sampled_from([
                str(old)[:50], [old], {"value": old}, -1, 0, 2**64 + 1, Decimal("0.5"), Decimal("NaN"), "", True,
            ]))
        elif isinstance(where, list):
            where.insert(k, copy.deepcopy(where[k]))
        else:
            where[k] = copy.deepcopy(where[data.draw(st.sampled_from(keys))])
    return doc


# TOML-ish lines: real section headers and field names with hostile values, for text fuzzing
HEADERS = ["[exam]", "[dataset]", "[[network.layers]]", "[network.input]", "[training]", "[softmax]",
           "[inference]", "[[questions]]", "[key]", "[questions.1a]", "[questions.2a]", "[model]",
           "[blocks.b]", "[network]", "[exam", "[[", "]]"]
FIELDS = ["title", "language", "convention", "images", "crops_per_image", "crop_height", "crop_width", "channels",
          "bytes_per_value", "transforms", "name", "type", "kernel", "filters", "stride", "padding", "units",
          "activation", "inputs", "batch_size", "epochs", "learning_rate", "classes", "logits", "target", "id",
          "kind", "layers", "decimals", "output", "height", "width", "values", "value", "working", "facts",
          "component", "block", "repeat", "args", "defaults", "first"]
LINE = st.one_of(
    st.sampled_from(HEADERS),
    st.builds(lambda k, v: f"{k} = {value(v)}", st.sampled_from(FIELDS), VALUES),
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(FIELDS),
              st.sampled_from(["conv2d", "'dense'", "[1, 2", "1_000", "0o17", "1e5", "+inf", "'''x'''", "{", "\"\\q\""])),
)
TOMLISH = st.lists(LINE, max_size=25).map("\n".join)


def _leaves(node: Any, path: tuple = ()) -> list[tuple[Any, ...]]:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    out: list[tuple[Any, ...]] = []
    for k, v in items:
        out += _leaves(v, path + (k,)) if isinstance(v, (dict, list)) else [path + (k,)]
    return out


NEW_INT = st.one_of(st.integers(1, 300), st.integers(0, 8), st.sampled_from([2**62, 2**63, 2**64, 10**12]))
NEW_DECIMAL = st.decimals(-50, 50, places=3, allow_nan=False, allow_infinity=False)


def retune(data: st.DataObject, doc: dict[str, Any], max_changes: int = 4) -> dict[str, Any]:
    """Keep every type but change 1–4 numbers (ints to 0…300 or 2^62…2^64; decimals within ±50)."""
    import copy

    doc = copy.deepcopy(doc)
    numeric = [p for p in _leaves(doc) if isinstance(_at(doc, p), (int, Decimal)) and not isinstance(_at(doc, p), bool)]
    for _ in range(data.draw(st.integers(1, max_changes))):
        path = data.draw(st.sampled_from(numeric))
        parent = _at(doc, path[:-1])
        parent[path[-1]] = data.draw(NEW_DECIMAL if isinstance(parent[path[-1]], Decimal) else NEW_INT)
    return doc

"""Read an answer key (TOML) into a :class:`KeyFile`, validating every field.

One table per question id::

    [questions.3a]
    values = [1234, "5,678"]                 # one or more claimed values
    working = ["2 * 617 = 1,234"]
    facts = { t = 6 }                        # stated facts, by symbol name
    component = "HG"                         # the claim is one class of a per-class answer

Errors name the file, the field and the value, e.g.
``key.toml: questions.3a.working[0]: expected a number, got 'x' at character 5``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from ..checked import Table, _show, check_str, read_toml
from ..errors import KeyFileError
from ..fileio import read_text
from .arith import ArithError, LineCheck, check_line, read_number

EMBEDDED = "seed_key.toml"
MAX_CLAIM_BITS = 1100  # claims are bounded so that rounding and comparing them stays exact and quick
MAX_CLAIM_EXPONENT = 335  # 2^1100 ≈ 1.4e331
MAX_CLAIM_DECIMALS = 30
MAX_KEY_BYTES = 2**20  # a key file (the seed key is 2 kB)
MAX_WORKING = 100  # working lines in one key: each is parsed and, if wrong, re-derived number by number
MAX_NUMBERS = 4096  # claimed numbers in one key, every list flattened (each wrong one is diagnosed)
MAX_VALUES = 8  # claimed values of one question (each is searched on its own)
Claim = Any  # int | Decimal | tuple of claims


@dataclass(frozen=True)
class KeyEntry:
    """What the key says about one question."""

    id: str
    claims: tuple[Claim, ...]
    working: tuple[LineCheck, ...] = ()
    facts: Mapping[str, int | Decimal] = field(default_factory=dict)
    component: str | None = None
    written: tuple[Any, ...] = ()  # each claim as the key writes it (its TOML value: "2,461" stays text)


@dataclass(frozen=True)
class KeyFile:
    source: str
    entries: Mapping[str, KeyEntry]
    title: str = ""


class _KeyTable(Table):
    def fail(self, field: str, why: str, value: Any = ..., error: Any = KeyFileError) -> None:
        super().fail(field, why, value, KeyFileError)


def embedded_key_text() -> str:
    return resources.files("symcnn.data").joinpath(EMBEDDED).read_text(encoding="utf-8")


def load_key(path: str | Path | None = None) -> KeyFile:
    """Load a key file; ``None`` loads the embedded seed key."""
    if path is None:
        return parse_key(embedded_key_text(), "<embedded seed key>")
    return parse_key(read_text(path, KeyFileError, limit=MAX_KEY_BYTES), str(path))


def parse_key(text: str, source: str) -> KeyFile:
    root = _KeyTable(read_toml(text, source, KeyFileError), "", source)
    head = root.table("key", {})
    title = head.raw("title", "")
    title = check_str(title, head.path("title"), source, error=KeyFileError) if title != "" else ""
    head.done()
    questions = root.table("questions", {})
    count_work(questions.data, source)
    entries = {qid: _entry(_KeyTable(raw, f"questions.{qid}", source), qid) for qid, raw in questions.data.items()}
    questions.used.update(entries)
    root.done()
    return KeyFile(source, entries, str(title))


def count_work(questions: Mapping[str, Any], source: str, max_working: int = MAX_WORKING,
               max_numbers: int = MAX_NUMBERS) -> tuple[int, int]:
    """Working lines and claimed numbers in a key, counted before any is read; over a bound → KeyFileError.

    >>> count_work({"1a": {"values": [[1, 2], 3], "working": ["1 = 1"]}}, "k.toml")
    (1, 3)
    >>> count_work({"1a": {"values": list(range(5000))}}, "k.toml")
    Traceback (most recent call last):
    symcnn.errors.KeyFileError: k.toml: questions.1a.values holds more than 4096 numbers (a key may claim at most 4096 in all)
    """
    lines = numbers = 0
    for qid, raw in questions.items():
        if not isinstance(raw, Mapping):
            continue  # refused with its field name when the entry is read
        working = raw.get("working")
        if isinstance(working, list):
            lines += len(working)
            if lines > max_working:
                raise KeyFileError(f"{source}: questions.{_key(qid)}.working brings the key to {lines} working lines;"
                                   f" a key may have at most {max_working}")
        stack = [raw.get("values"), raw.get("value")]
        while stack:
            v = stack.pop()
            if isinstance(v, list):
                stack.extend(v)
            elif v is not None:
                numbers += 1
                if numbers > max_numbers:
                    raise KeyFileError(f"{source}: questions.{_key(qid)}.values holds more than {max_numbers} numbers"
                                       f" (a key may claim at most {max_numbers} in all)")
    return lines, numbers


def _key(qid: str) -> str:
    return Table({}, "", "").path(qid)


def _entry(t: _KeyTable, qid: str) -> KeyEntry:
    if "value" in t.data and "values" in t.data:
        t.fail(t.path("values"), "cannot be given together with value")
    if "values" in t.data:
        raw = t.raw("values")
        if not isinstance(raw, list):
            t.fail(t.path("values"), "must be a list of claimed values", raw)
        if len(raw) > MAX_VALUES:
            t.fail(t.path("values"), f"must list at most {MAX_VALUES} claimed values", f"{len(raw)} values")
        claims = tuple(claim(v, f"{t.path('values')}[{i}]", t) for i, v in enumerate(raw))
        written = tuple(raw)
    elif "value" in t.data:
        claims = (claim(t.raw("value"), t.path("value"), t),)
        written = (t.raw("value"),)
    else:
        claims = written = ()
    lines = t.raw("working", [])
    if not isinstance(lines, list):
        t.fail(t.path("working"), "must be a list of 'expression = value' lines", lines)
    working = tuple(_line(line, f"{t.path('working')}[{i}]", t) for i, line in enumerate(lines))
    facts_t = _KeyTable(t.raw("facts", {}), t.path("facts"), t.source)
    facts = {name: _scalar(v, facts_t.path(name), t) for name, v in facts_t.data.items()}
    component = t.raw("component", None)
    if component is not None and (not isinstance(component, str) or not component.strip()):
        t.fail(t.path("component"), "must be a class or layer name", component)
    t.allow("value", "values")
    t.done()
    return KeyEntry(qid, claims, working, facts, component, written)


def _line(text: Any, field: str, t: _KeyTable) -> LineCheck:
    if not isinstance(text, str):
        t.fail(field, "must be a string 'expression = value'", text)
    try:
        return check_line(text)
    except ArithError as e:
        raise KeyFileError(f"{t.source}: {field}: {e} in {_show(text)}") from None


def _scalar(value: Any, field: str, t: _KeyTable) -> int | Decimal:
    """A claimed number: an int, a decimal, or a string with thousands separators."""
    if isinstance(value, bool):
        t.fail(field, "must be a number", value)
    if isinstance(value, int):
        if value.bit_length() > MAX_CLAIM_BITS:
            t.fail(field, f"must be below 2^{MAX_CLAIM_BITS} (no exam answer is larger)", value)
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            t.fail(field, "must be a finite number", value)
        if value and not -MAX_CLAIM_DECIMALS <= value.adjusted() <= MAX_CLAIM_EXPONENT:
            t.fail(field, f"must lie within 1e-{MAX_CLAIM_DECIMALS} … 1e{MAX_CLAIM_EXPONENT} (or be 0)", value)
        if len(value.as_tuple().digits) > 2 * MAX_CLAIM_DECIMALS:
            t.fail(field, f"must have at most {2 * MAX_CLAIM_DECIMALS} significant digits", value)
        return value
    if isinstance(value, str):
        text = value.strip()
        negative = text[:1] in "-−" and bool(text)
        if negative and text[1:2].isspace():
            text = text[0] + text[1:].lstrip()  # "- 5" as written by hand
        try:
            number, decimals = read_number(text[1:] if negative else text)
        except ValueError:
            t.fail(field, "must be a number", value)
        if decimals > MAX_CLAIM_DECIMALS or abs(number) >= 2**MAX_CLAIM_BITS:
            t.fail(field, f"must be below 2^{MAX_CLAIM_BITS} with at most {MAX_CLAIM_DECIMALS} decimals", value)
        number = -number if negative else number
        return int(number) if decimals == 0 else _decimal(number, decimals)
    t.fail(field, "must be a number", value)
    raise AssertionError  # unreachable: fail raises


def _decimal(x: Fraction, decimals: int) -> Decimal:
    with localcontext(Context(prec=MAX_CLAIM_EXPONENT + 2 * MAX_CLAIM_DECIMALS)):  # exact within the bounds
        return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1).scaleb(-decimals))


SHAPE_TEXT = re.compile(r"\s*[0-9][0-9.,]*(\s*[x×]\s*[0-9][0-9.,]*)+\s*", re.ASCII | re.IGNORECASE)


def claim(value: Any, field: str, t: _KeyTable) -> Claim:
    """A claimed value: a number, a list of claims, or a shape written as text (``"124x124x16"``)."""
    if isinstance(value, list):
        return tuple(claim(v, f"{field}[{i}]", t) for i, v in enumerate(value))
    if isinstance(value, str) and SHAPE_TEXT.fullmatch(value):
        parts = re.split(r"[x×]", value, flags=re.IGNORECASE)
        return tuple(_scalar(p.strip(), f"{field}", t) for p in parts)
    return _scalar(value, field, t)


# --------------------------------------------------------------------------- against the exam


def shape_of(value: Any) -> Any:
    """The nesting of a value: None for a number, else a tuple of the items' shapes."""
    return tuple(shape_of(v) for v in value) if isinstance(value, tuple) else None


def check_against(key: KeyFile, solution: Any, components: Mapping[str, tuple[str, ...]]) -> KeyFile:
    """Every id, component and claim must fit the exam; raise KeyFileError naming the field.

    Returns the key with its claims in the answers' nesting: where a question's answer is
    a list (shapes per layer, a gradient per class), ``values`` may be that one list
    (``["124x124x16", "61x61x16"]``, ``[[124, 124, 16], [61, 61, 16]]``, ``[-0.87, 0.87]``)
    as well as a list of such lists (``[[[124, 124, 16], …]]``, one per claim).
    """
    ids = [a.id for a in solution.answers]
    entries = dict(key.entries)
    for qid, entry in key.entries.items():
        where = f"{key.source}: questions.{qid}"
        if qid not in ids:
            raise KeyFileError(f"{where} is not a question of the exam (known: {', '.join(ids)})")
        answer = solution.answer(qid)
        expected = shape_of(answer.value)
        names = components.get(qid, ())
        if entry.component is not None:
            if entry.component not in names:
                known = ", ".join(names) or "none"
                raise KeyFileError(f"{where}.component must be one of {known}, got {entry.component!r}")
            expected = expected[names.index(entry.component)]
        if (expected is not None and entry.claims and any(shape_of(c) != expected for c in entry.claims)
                and shape_of(tuple(entry.claims)) == expected):
            entry = replace(entry, claims=(tuple(entry.claims),), written=(list(entry.written),))
            entries[qid] = entry
        natural = (isinstance(expected, tuple) and len(entry.claims) == len(expected)
                   and not any(shape_of(c) == expected for c in entry.claims))
        for i, c in enumerate(entry.claims):
            want_here = expected[i] if natural else expected  # values = [item, item, …]: item i of the answer
            if shape_of(c) != want_here:
                want = "a number" if want_here is None else f"a list shaped like {_nesting(want_here)}"
                raise KeyFileError(f"{where}.values[{i}] must be {want}, got {_show(_plain(c))}")
    return replace(key, entries=entries)


def _nesting(shape: Any) -> str:
    return "x" if shape is None else "[" + ", ".join(_nesting(s) for s in shape) + "]"


def _plain(c: Any) -> Any:
    return [_plain(x) for x in c] if isinstance(c, tuple) else c


def toml_key(key: str) -> str:
    """A TOML key: bare when it may be, else a quoted basic string (any text loads back).

    >>> print(toml_key("2a"), toml_key("3.a"), toml_key('a "b"'))
    2a "3.a" "a \\"b\\""
    """
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_string(text: str) -> str:
    """A TOML basic string: backslash, quote and every control character escaped."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(c, f"\\u{ord(c):04X}"))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def expected_form(answer: Any, names: tuple[str, ...], lang: str) -> str:
    """How ``values`` is written for this answer, with placeholders (never the answer itself)."""
    from ..catalogue import text

    shape = shape_of(answer.value)
    if shape is None:
        return text(lang, "key_template.number" if answer.decimals is None else "key_template.rounded",
                    decimals=answer.decimals)
    if all(s is None for s in shape):
        labels = ", ".join(names) if names else text(lang, "key_template.items", count=len(shape))
        return text(lang, "key_template.vector", count=len(shape), labels=labels, slots=", ".join(["x"] * len(shape)))
    if all(s is not None and all(x is None for x in s) for s in shape):
        dims = len(shape[0])
        letters = ["H", "W", "D"] if dims == 3 else list("abcdef"[:dims])
        return text(lang, "key_template.shapes", count=len(shape), letters=", ".join(letters),
                    slots=", ".join(['"' + "x".join(letters) + '"'] * len(shape)))
    return text(lang, "key_template.nested", nesting=_nesting(shape))


def template(solution: Any, lang: str) -> str:
    """An empty key for every question of the exam, ready to fill in; it loads back as a key.

    Each question says how its values are written (a number, one shape per layer, one
    number per class), so the filled-in key is shaped as the exam's answers are.
    """
    from ..catalogue import text
    from .diagnose import components

    names = components(solution)
    lines = [f"# {text(lang, 'key_template.' + k)}" for k in ("head", "values", "working")]
    lines += ["[key]", f"title = {toml_string(str(solution.exam.title))}", ""]
    for a in solution.answers:
        lines += [f"# {a.id}: {text(lang, f'kind.{a.kind}')}", f"# {expected_form(a, names.get(a.id, ()), lang)}",
                  f"[questions.{toml_key(a.id)}]", "values = []", "working = []", ""]
    return "\n".join(lines)

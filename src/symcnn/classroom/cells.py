"""Numbers as students type them into a form: one cell read by the question's kind and the exam's language.

A cell may hold ``12582912000``, ``12,582,912,000``, ``12.582.912.000``, ``12 582 912 000``,
``1.2582912e10``, ``1,2582912 × 10^10``, ``0,87``, ``-0.87; 0.87`` (one number per class),
``124x124x16`` or ``124 × 124 × 16`` (a shape; several shapes ``;``-separated), with a
trailing unit (``bytes``, ``MACs``). Separators follow the exam's language where they can
be read two ways: in Vietnamese ``.`` groups thousands and ``,`` is the decimal mark, in
English the reverse. A separator is only read by the language when the text allows both
readings: ``1,234`` (one separator, then exactly three digits, at most three before it);
``0,87``, ``1.2582912e10`` and ``12.582.912.000`` mean one thing in any language. Such an
ambiguous cell gets both readings (the language's first), and grading tries both.

Reading is bounded and exact: a cell is cut off at :data:`MAX_CELL` characters (longer is
unreadable), digits and exponents are bounded before any arithmetic, numbers become
``int`` or ``Decimal`` from their digits (never ``float``), and no text is ever evaluated.

>>> read_cell("12.582.912.000", None, "en").readings
(12582912000,)
>>> read_cell("1,234", None, "en").readings   # thousands in English, a decimal comma otherwise
(1234, Decimal('1.234'))
>>> read_cell("-0,87; 0,87", (None, None), "vi").readings
((Decimal('-0.87'), Decimal('0.87')),)
>>> read_cell("124 × 124 × 16", ((None, None, None),), "vi").readings
(((124, 124, 16),),)
>>> read_cell("abc", None, "vi").status, read_cell("  ", None, "vi").status
('unreadable', 'blank')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

MAX_CELL = 400  # characters: the longest answer (a dozen shapes) is far shorter
MAX_DIGITS = 80  # digits of one number
MAX_EXPONENT = 400  # |n| in e±n or × 10^n
MAX_ITEMS = 64  # numbers in one cell

Structure = Any  # None: a number; a tuple of structures: a vector, a shape or a list of shapes

# characters that group thousands whatever the language (spaces of every width, apostrophes, underscores)
_GROUP = " \u00a0\u2009\u202f'’_"
_MINUS = "-−–‐"
_UNITS = {"b", "byte", "bytes", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "bit", "bits", "mac", "macs",
          "flop", "flops", "param", "params", "parameters", "samples", "sample", "images", "mẫu", "ảnh",
          "tham số", "phép tính", "byte.", "đ", "điểm"}
_POWER = re.compile(r"^(?P<m>.*?)\s*[x×*·⋅]\s*10\s*(?:\^|\*\*)\s*\(?(?P<e>[+\-−]?\d{1,4})\)?$", re.IGNORECASE)
_EXP = re.compile(r"^(?P<m>[^eE]*)[eE](?P<e>[+\-−]?\d{1,4})$")
_SHAPE_SEP = re.compile(r"\s*[x×X*·⋅]\s*")
_LIST_SEP = re.compile(r"\s*[;|\n\r\t]+\s*")
_UNITS_LONGEST_FIRST = tuple(sorted(_UNITS, key=len, reverse=True))
_MAYBE_AMBIGUOUS = re.compile(r"\d[.,]\d{3}(?!\d)")  # only such text may read differently in the other language
_LABEL = re.compile(r"^[^\W\d_][\w ().\-]{0,30}?\s*[:=]\s*")  # "HG: -0.87", "δ_HT = 0.87"


class Unreadable(ValueError):
    """A cell that is not a number of the kind the question asks (the reason is a catalogue key)."""

    def __init__(self, why: str, **args: Any):
        super().__init__(why)
        self.why = why
        self.args_ = args


@dataclass(frozen=True)
class Cell:
    """One cell as read: its text, ``blank``/``number``/``unreadable``, and every reading (language's first)."""

    text: str
    status: str
    readings: tuple[Any, ...] = ()
    why: str | None = None  # catalogue key (grade.unreadable.*) when unreadable
    why_args: tuple[tuple[str, Any], ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.readings) > 1


def read_cell(text: Any, structure: Structure, lang: str, integer: bool = False) -> Cell:
    """Read one form cell for an answer shaped like ``structure`` (see :func:`structure_of`).

    ``integer``: the question's answer is an exact integer, so a typed ``1.2582912e10``
    becomes the int 12582912000 (a value with a fractional part stays a Decimal).
    """
    raw = "" if text is None else str(text)
    shown = raw.strip()
    if not shown:
        return Cell(raw, "blank")
    if len(shown) > MAX_CELL:
        return Cell(raw, "unreadable", why="too_long", why_args=(("limit", MAX_CELL),))
    readings: list[Any] = []
    conventions = (lang, "en" if lang == "vi" else "vi") if _MAYBE_AMBIGUOUS.search(shown) else (lang,)
    try:
        for convention in conventions:
            value = _read(shown, structure, convention, integer)
            if value not in readings:
                readings.append(value)
    except Unreadable as e:
        return Cell(raw, "unreadable", why=e.why, why_args=tuple(sorted(e.args_.items())))
    return Cell(raw, "number", tuple(readings))


def structure_of(value: Any) -> Structure:
    """The nesting of an answer: None for a number, a tuple of the items' structures otherwise."""
    return tuple(structure_of(v) for v in value) if isinstance(value, tuple) else None


def _is_shape(structure: Structure) -> bool:
    return isinstance(structure, tuple) and len(structure) == 3 and all(s is None for s in structure)


def _read(text: str, structure: Structure, lang: str, integer: bool) -> Any:
    if structure is None:
        return scalar(text, lang, integer)
    if all(_is_shape(s) for s in structure):  # a list of shapes
        return _shapes(text, structure, lang)
    if all(s is None for s in structure):  # a vector: one number per class
        parts = _split(text, len(structure), lang)
        return tuple(scalar(_unlabel(p), lang, integer) for p in parts)
    raise Unreadable("structure")


def _strip_brackets(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] + text[-1] in ("()", "[]", "{}", "<>"):
        text = text[1:-1].strip()
    return text


def _unlabel(text: str) -> str:
    m = _LABEL.match(text)
    return text[m.end():] if m and any(c.isdigit() for c in text[m.end():]) else text


_SHAPE_LIST_SPLITTERS = (re.compile(r"\s*,\s*(?=\d+\s*[x×X*·⋅])"), re.compile(r"\s+(?=\d+\s*[x×X*·⋅])"))


def _first_split(body: str, n: int, splitters: Iterable[re.Pattern[str]]) -> list[str] | None:
    """The first splitter's pieces that number exactly ``n``, or None."""
    for splitter in splitters:
        candidate = [p for p in splitter.split(body) if p]
        if len(candidate) == n:
            return candidate
    return None


def _split(text: str, n: int, lang: str) -> list[str]:
    """``n`` items of a list: ``;``/``|``/newline-separated, else by spaces, else by ``, `` (comma and space)."""
    body = _strip_brackets(text)
    parts = [p for p in _LIST_SEP.split(body) if p]
    if len(parts) == 1 and n > 1:
        splitters = [re.compile(r",\s+"), re.compile(r"\s+"), re.compile(r"/")]
        if "." in body or lang == "en":  # decimals written with points: a bare comma separates ("0.1,0.9")
            splitters.append(re.compile(r","))
        parts = _first_split(body, n, splitters) or parts
    if len(parts) > MAX_ITEMS:
        raise Unreadable("too_many", limit=MAX_ITEMS)
    if len(parts) != n:
        raise Unreadable("count", want=n, got=len(parts))
    return [_strip_brackets(p) for p in parts]


def _shapes(text: str, structure: Structure, lang: str) -> tuple[tuple[int, ...], ...]:
    """Shapes ``H×W×D``: separated by ``;``, ``|``, newlines, or brackets ``(…), (…)``."""
    body = _strip_brackets(text)
    n = len(structure)
    pieces = [p for p in re.split(r"\)\s*[,;]?\s*\(|\]\s*[,;]?\s*\[", body) if p.strip()] if n > 1 else [body]
    if len(pieces) != n:
        pieces = [p for p in _LIST_SEP.split(body) if p]
    if len(pieces) == 1 and n > 1:  # "124x124x16, 61x61x16" or "124x124x16 61x61x16"
        pieces = _first_split(body, n, _SHAPE_LIST_SPLITTERS) or pieces
    if len(pieces) > MAX_ITEMS:
        raise Unreadable("too_many", limit=MAX_ITEMS)
    if len(pieces) != n:
        raise Unreadable("shape_count", want=n, got=len(pieces))
    return tuple(_shape(_unlabel(_strip_brackets(p)), lang) for p in pieces)


def _shape(text: str, lang: str) -> tuple[int, ...]:
    dims = [d for d in _SHAPE_SEP.split(text) if d]
    if len(dims) == 1:  # "124, 124, 16" or "124 124 16"
        dims = [d for d in re.split(r"\s*[,;]\s*|\s+", text) if d]
    if len(dims) != 3:
        raise Unreadable("shape", got=len(dims))
    out = []
    for d in dims:
        v = scalar(d, lang, True)
        if not isinstance(v, int):
            raise Unreadable("shape_integer")
        out.append(v)
    return tuple(out)


def _drop_unit(text: str) -> str:
    if text[-1:].isdigit():
        return text
    low = text.lower().rstrip(". ")
    for unit in _UNITS_LONGEST_FIRST:
        if low.endswith(unit) and len(low) > len(unit):
            head = text[: len(low) - len(unit)]
            if head and (head[-1].isdigit() or head[-1] in " \u00a0"):
                return head.rstrip()
    return text


def scalar(text: str, lang: str, integer: bool = False) -> int | Decimal:
    """One number; separators read as ``lang`` reads them where the text allows both readings.

    >>> scalar("12,582,912,000", "vi"), scalar("0,87", "en"), scalar("1.2582912e10", "vi", True)
    (12582912000, Decimal('0.87'), 12582912000)
    >>> scalar("1.234", "vi"), scalar("1.234", "en")
    (1234, Decimal('1.234'))
    """
    body = _drop_unit(text.strip())
    exponent = 0
    m = _POWER.match(body) or _EXP.match(body)
    if m is not None:
        body = m.group("m").strip()
        exponent = int(m.group("e").replace("−", "-"))
        if abs(exponent) > MAX_EXPONENT:
            raise Unreadable("exponent", limit=MAX_EXPONENT)
        if not body:
            raise Unreadable("not_number")
    negative = False
    if body[:1] in _MINUS or body[:1] == "+":
        negative = body[0] != "+"
        body = body[1:].lstrip()
    if body[:1] in _MINUS or body[:1] == "+":
        raise Unreadable("not_number")
    digits = _mantissa(body, lang, exponent != 0)
    if sum(c.isdigit() for c in digits) > MAX_DIGITS:
        raise Unreadable("digits", limit=MAX_DIGITS)
    value = Decimal(("-" if negative else "") + digits).scaleb(exponent)
    if "." not in digits and exponent >= 0:
        return int(("-" if negative else "") + digits) * 10**exponent
    if integer and value == value.to_integral_value():
        return int(value)
    return value


def _mantissa(body: str, lang: str, scientific: bool) -> str:
    """Digits with at most one ``.`` as the decimal point, from a mantissa with any separators."""
    if not body or any(not (c.isdigit() or c in ".," + _GROUP) for c in body) or not any(c.isdigit() for c in body):
        raise Unreadable("not_number")
    if not all(c.isascii() or not c.isdigit() for c in body):  # other scripts' digits: read, not guessed
        raise Unreadable("not_number")
    # spaces (and the like) group thousands: 12 582 912 000, 1 234,5
    grouped = [g for g in re.split(f"[{re.escape(_GROUP)}]+", body)]
    if len(grouped) > 1:
        _check_groups(grouped, last_may_have_point=True)
        body = "".join(grouped)
    points = {c for c in body if c in ".,"}
    if not points:
        return body
    if len(points) == 2:  # 1,234.5 or 1.234,5: the last one is the decimal mark
        point = max(".,", key=body.rfind)
        thousands = "," if point == "." else "."
        whole, _, frac = body.rpartition(point)
        if point in whole or not frac:
            raise Unreadable("not_number")
        _check_groups(whole.split(thousands))
        return whole.replace(thousands, "") + "." + frac
    (mark,) = points
    parts = body.split(mark)
    if len(parts) > 2:  # 12.582.912.000: thousands in any language
        _check_groups(parts)
        return "".join(parts)
    whole, frac = parts
    if not frac:
        if not whole:
            raise Unreadable("not_number")
        return whole  # "12." : a full stop at the end of a sentence
    ambiguous = not scientific and len(frac) == 3 and 1 <= len(whole) <= 3 and whole[0] != "0"
    if ambiguous:
        decimal_mark = "," if lang == "vi" else "."
        if mark != decimal_mark:
            return whole + frac
    return (whole or "0") + "." + frac


def _check_groups(groups: list[str], last_may_have_point: bool = False) -> None:
    """Thousands groups: 1–3 digits first, then exactly three each (the last may carry decimals)."""
    head, *rest = groups
    if not (1 <= len(head) <= 3 and head.isdigit()):
        raise Unreadable("grouping")
    for i, g in enumerate(rest):
        if last_may_have_point and i == len(rest) - 1:
            g = re.split("[.,]", g, maxsplit=1)[0]
        if len(g) != 3 or not g.isdigit():
            raise Unreadable("grouping")

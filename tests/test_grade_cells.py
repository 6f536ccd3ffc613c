"""Reading a student's cell: a table of what students type, and properties (hypothesis) on any text."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.classroom.cells import MAX_CELL, read_cell, scalar

SHAPES2 = ((None, None, None), (None, None, None))

CASES = [  # (text, structure, language, integer question, readings)
    ("12582912000", None, "vi", True, (12582912000,)),
    ("12,582,912,000", None, "vi", True, (12582912000,)),
    ("12.582.912.000", None, "en", True, (12582912000,)),
    ("12 582 912 000", None, "en", True, (12582912000,)),
    ("12\u202f582\u202f912\u202f000 bytes", None, "en", True, (12582912000,)),
    ("1.2582912e10", None, "vi", True, (12582912000,)),
    ("1,2582912E+10", None, "vi", True, (12582912000,)),
    ("1.2582912 × 10^10", None, "en", True, (12582912000,)),
    ("0,87", None, "en", False, (Decimal("0.87"),)),
    ("-0.87", None, "vi", False, (Decimal("-0.87"),)),
    ("−0,87", None, "vi", False, (Decimal("-0.87"),)),
    ("1,234", None, "en", True, (1234, Decimal("1.234"))),  # ambiguous: the language's reading first
    ("1,234", None, "vi", True, (Decimal("1.234"), 1234)),
    ("1.234", None, "vi", True, (1234, Decimal("1.234"))),
    ("0,123", None, "en", False, (Decimal("0.123"),)),  # thousands never start with 0
    ("1,234.5", None, "vi", False, (Decimal("1234.5"),)),
    ("1.234,5", None, "en", False, (Decimal("1234.5"),)),
    ("-0.87; 0.87", (None, None), "vi", False, ((Decimal("-0.87"), Decimal("0.87")),)),
    ("-0,87; 0,87", (None, None), "en", False, ((Decimal("-0.87"), Decimal("0.87")),)),
    ("-0.87, 0.87", (None, None), "en", False, ((Decimal("-0.87"), Decimal("0.87")),)),
    ("[-0.87 0.87]", (None, None), "en", False, ((Decimal("-0.87"), Decimal("0.87")),)),
    ("-0.87,0.87", (None, None), "vi", False, ((Decimal("-0.87"), Decimal("0.87")),)),
    ("-0,87,0,87", (None, None), "vi", False, None),  # decimal commas and a bare comma between: unreadable
    ("HG: -0.87; HT: 0.87", (None, None), "en", False, ((Decimal("-0.87"), Decimal("0.87")),)),
    ("124x124x16", ((None, None, None),), "vi", True, (((124, 124, 16),),)),
    ("124 × 124 × 16", ((None, None, None),), "vi", True, (((124, 124, 16),),)),
    ("124x124x16; 61X61X16", SHAPES2, "en", True, (((124, 124, 16), (61, 61, 16)),)),
    ("(124, 124, 16), (61, 61, 16)", SHAPES2, "en", True, (((124, 124, 16), (61, 61, 16)),)),
    ("124x124x16\n61x61x16", SHAPES2, "en", True, (((124, 124, 16), (61, 61, 16)),)),
]


@pytest.mark.parametrize("cell, structure, lang, integer, readings", CASES)
def test_what_students_type(cell, structure, lang, integer, readings):
    got = read_cell(cell, structure, lang, integer)
    if readings is None:
        assert got.status == "unreadable"
        return
    assert got.status == "number" and got.readings == readings
    assert got.ambiguous == (len(readings) > 1)


@pytest.mark.parametrize("cell, structure, why", [
    ("abc", None, "not_number"), ("12..3", None, "grouping"), ("1,23,456", None, "grouping"),
    ("--5", None, "not_number"), ("=1+1", None, "not_number"), ("1e99999", None, "not_number"),
    ("9" * 200, None, "digits"), ("1" * (MAX_CELL + 1), None, "too_long"), ("0.87", (None, None), "count"),
    ("124x124", ((None, None, None),), "shape"), ("124x124x16", SHAPES2, "shape_count"),
    ("1.5x2x3", ((None, None, None),), "shape_integer"), ("٣", None, "not_number"),
])
def test_unreadable(cell, structure, why):
    got = read_cell(cell, structure, "en")
    assert (got.status, got.why) == ("unreadable", why)


@pytest.mark.parametrize("cell", ["", "   ", None, "\n"])
def test_blank(cell):
    assert read_cell(cell, None, "vi").status == "blank"


@given(st.integers(min_value=-10**30, max_value=10**30), st.sampled_from(["vi", "en"]),
       st.sampled_from(["plain", "en", "vi", "space"]))
def test_integers_read_back_exactly(n, lang, style):
    """Any integer written with any grouping reads back as itself (the language's reading first)."""
    body = f"{abs(n):,}"
    text = {"plain": str(abs(n)), "en": body, "vi": body.replace(",", "."), "space": body.replace(",", " ")}[style]
    text = ("-" if n < 0 else "") + text
    got = read_cell(text, None, lang, True)
    assert n in got.readings
    ambiguous = style in ("en", "vi") and text.lstrip("-").count(",") + text.count(".") == 1
    assert got.readings[0] == n or (ambiguous and style != lang)


@given(st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
       st.sampled_from(["vi", "en"]))
def test_decimals_read_back_exactly(d, lang):
    point = "," if lang == "vi" else "."
    text = format(d, "f").replace(".", point)
    got = read_cell(text, None, lang, False)
    assert got.status == "number" and got.readings[0] == d


@settings(max_examples=300, deadline=2000)  # generous for a shared machine: benchmarks/grade_bench.py times 1 ms
@given(st.text(max_size=MAX_CELL + 50), st.sampled_from([None, (None, None), ((None, None, None),), SHAPES2]))
def test_any_text_is_read_quickly_and_never_raises(text, structure):
    start = time.process_time()
    got = read_cell(text, structure, "vi", True)
    assert time.process_time() - start < 0.1  # CPU time: 100× the budget, so only a blow-up (backtracking) fails
    assert got.status in ("blank", "number", "unreadable")
    if got.status == "unreadable":
        assert got.why is not None


@settings(max_examples=100, deadline=2000)
@given(st.text(alphabet="0123456789.,  e-x×;", min_size=1, max_size=MAX_CELL))
def test_number_like_text_is_bounded(text):
    got = read_cell(text, None, "en", True)
    for v in got.readings:
        assert abs(v) < 10**500


def test_scalar_is_exact():
    assert scalar("0.1", "en") + scalar("0.2", "en") == Decimal("0.3")
    assert scalar("1e-3", "en") == Decimal("0.001")
    assert scalar("123456789012345678901234567890", "en") == 123456789012345678901234567890

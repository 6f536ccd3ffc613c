"""Working lines: the safe parser, the slips, and the diagnosis of a wrong line."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.verify.arith import ArithError, check_line, evaluate, parse, read_number
from symcnn.verify.review import diagnose_line
from symcnn.verify.slips import slip_code

EXPRESSIONS = [
    ("1 + 2 * 3", 7),  # precedence: 2*3 first
    ("(1 + 2) × 3", 9),
    ("2^10", 1024),
    ("2 ^ 3 ^ 2", 512),  # right-associative: 2^9
    ("-3 + 5", 2),
    ("5 − 8", -3),  # U+2212 minus
    ("6 · 7", 42),
    ("7 / 2", Fraction(7, 2)),
    ("176,947,200 / 100", 1769472),
    ("176.947.200 / 100", 1769472),  # Vietnamese grouping
    ("0.1301 - 1", Fraction(-8699, 10000)),
    ("5,1 + 0", Fraction(51, 10)),  # single comma, not 3 digits after: decimal comma
    ("1,234.5 × 2", Fraction(2469)),  # both separators: the last is the point
    ("1.234,5 × 2", Fraction(2469)),
    ("0.870 × 1000", 870),  # leading 0: a decimal, not 870
]


@pytest.mark.parametrize("text, value", EXPRESSIONS)
def test_evaluates_exactly(text, value):
    assert evaluate(parse(text)) == value


@pytest.mark.parametrize("text, message", [
    ("1 +", "expected a number, got the end at character 4"),
    ("2 * (3 + 4", r"expected '\)' at character 11"),
    ("__import__('os')", "expected a number, got '_' at character 1"),
    ("1 2", "unexpected '2' at character 3"),
    ("1,23,456", "badly grouped number '1,23,456' at character 1"),
    ("2 ^ 0.5", "exponent must be a whole number"),
    ("1 / 0", "division by zero"),
])
def test_rejects_what_it_cannot_read(text, message):
    with pytest.raises(ArithError, match=message):
        evaluate(parse(text))


def test_read_number_reports_decimals():
    assert read_number("51,200") == (51200, 0)
    assert read_number("5.0913") == (Fraction(50913, 10000), 4)


@pytest.mark.parametrize("right, written, decimals, code", [
    (12345, 12945, 0, "DIGIT_SLIP"),
    (12345, 12435, 0, "DIGIT_SWAP"),
    (4096, 40960, 0, "POWER_OF_TEN"),
    (4096, 6094, 0, None),  # two digits swapped, not adjacent: no slip
    (Fraction(50913, 10000), Fraction(50013, 10000), 4, "DIGIT_SLIP"),
    (123, -123, 0, None),  # a sign is not a digit slip
])
def test_slips(right, written, decimals, code):
    assert slip_code(right, written, decimals) == code


@pytest.mark.parametrize("line, key", [
    ("12 × 11 = 142", "line.DIGIT_SLIP"),  # 132 → 142
    ("12 × 11 = 123", "line.DIGIT_SWAP"),  # 132 → 123
    ("12 × 11 = 1320", "line.POWER_OF_TEN"),
    ("4 × (10 + 5) = 15", "line.FACTOR_OMITTED"),  # the 4 is left out
    ("123 × 8 = 1784", "line.operand.DIGIT_SLIP"),  # 223 × 8 = 1784
    ("100 + 250 = 999", "line.SUM_MISMATCH"),
    ("12 × 12 = 999", "line.ARITHMETIC"),
    ("5.1 - 0.01 × (-0.8699) = 5.1087", None),  # 5.108699 rounds to 5.1087
    ("7 / 2 = 9", "line.ARITHMETIC"),  # 3.5: an integer result is not allowed to round
])
def test_line_diagnosis(line, key):
    d = diagnose_line(check_line(line), 1)
    assert (d.key if d else None) == key


def test_chain_checks_every_equals():
    check = check_line("2 × 3 = 6 = 7")
    assert check.bad == 2 and not check.ok



leaf = st.integers(0, 10**7).map(lambda n: (f"{n:,}", Fraction(n)))
OPS = st.sampled_from([("+", lambda a, b: a + b), ("−", lambda a, b: a - b), ("×", lambda a, b: a * b)])
# (text, exact value) pairs built together, so the expected value never comes from the parser
expressions = st.recursive(leaf, lambda inner: st.tuples(inner, OPS, inner).map(
    lambda t: (f"({t[0][0]} {t[1][0]} {t[2][0]})", t[1][1](t[0][1], t[2][1]))), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(expressions, st.sampled_from([",", "."]))
def test_parser_against_values_built_alongside(pair, sep):
    text, value = pair
    text = text.replace(",", sep)  # thousands separators written either way
    assert evaluate(parse(text)) == value
    assert check_line(f"{text} = {value}").ok

"""Working lines ``expression = value``: a small recursive-descent parser, never eval.

Accepts numbers, ``+ - − × · * / ^`` and parentheses. Thousands separators may be
written either way (``176,947,200`` or ``176.947.200``); a single separator followed
by exactly three digits (``51,200``) is read as a thousands separator unless the
number starts with ``0``; otherwise it is the decimal point (``0.1301``, ``5,1``).
Values are exact :class:`~fractions.Fraction` s.

>>> check_line("30 * 30 * 48 * 4096 = 176,947,200").ok
True
>>> evaluate(parse("2^3 × (1 + 0.5)"))
Fraction(12, 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Iterator, Union

MAX_EXPONENT = 64
MAX_LENGTH = 500  # characters of a working line: a number of 10^6 digits is refused before it is read
MAX_DEPTH = 64  # nested parentheses and signs (the parser recurses)
MAX_BITS = 4096  # a power's result: (9^64)^64^… must not exhaust time and memory
MAX_NUMBER_DIGITS = 120  # digits of one number (2^64 has 20; a product of six of them 116)
MAX_LITERALS = 48  # numbers in one working line: the review re-derives a line once per number, so
# its work grows with their square (a line of 240 factors took 3 s)
MAX_RESULT_BITS = 16_384  # any intermediate value, numerator and denominator

OPERATORS = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "·": "*", "/": "/", "^": "^"}
NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*")  # ASCII digits: int() would also take ١٢, 1_000, +5


class ArithError(ValueError):
    """A working line that cannot be read; ``position`` is 0-based in the text."""

    def __init__(self, why: str, position: int):
        super().__init__(f"{why} at character {position + 1}")
        self.position = position


@dataclass(frozen=True)
class Num:
    value: Fraction
    text: str
    decimals: int  # digits written after the decimal point
    index: int  # position among the expression's literals, left to right


@dataclass(frozen=True)
class Neg:
    operand: "Node"


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / ^
    left: "Node"
    right: "Node"


Node = Union[Num, Neg, BinOp]


def read_number(text: str) -> tuple[Fraction, int]:
    """A number as written, with either thousands separator → (exact value, decimals).

    >>> read_number("176.947.200"), read_number("0.1301")[1], read_number("1,234.5")[1]
    ((Fraction(176947200, 1), 0), 4, 1)
    """
    if not NUMBER.fullmatch(text):
        raise ValueError(f"not a number {text!r}")  # "-5", "1_000", " 5", "١٢": int() would read them
    seps = [c for c in text if c in ".,"]
    groups = re.split(r"[.,]", text)
    if not seps:
        return Fraction(int(text)), 0
    if len(set(seps)) == 2:  # both: the last one is the decimal point
        point = seps[-1]
        whole, frac = text.rsplit(point, 1)
        return Fraction(int(re.sub(r"[.,]", "", whole))) + _frac(frac), len(frac)
    thousands = len(seps) > 1 or (len(groups[1]) == 3 and not text.startswith("0"))
    if thousands:
        if len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
            raise ValueError(f"badly grouped number {text!r}")
        return Fraction(int("".join(groups))), 0
    return Fraction(int(groups[0])) + _frac(groups[1]), len(groups[1])


def _frac(digits: str) -> Fraction:
    return Fraction(int(digits), 10 ** len(digits))


class _Parser:
    def __init__(self, text: str, literals: int = MAX_LITERALS):
        self.text, self.pos, self.count, self.depth = text, 0, 0, 0
        self.literals = literals  # numbers still allowed (a line's parts share MAX_LITERALS)

    def peek(self) -> str:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def binary(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        """Left-associative chain ``operand (op operand)*`` for the operators ``ops``."""
        node = operand()
        while OPERATORS.get(self.peek()) in ops:
            op = OPERATORS[self.text[self.pos]]
            self.pos += 1
            node = BinOp(op, node, operand())
        return node

    def expr(self) -> Node:
        return self.binary(("+", "-"), self.term)

    def term(self) -> Node:
        return self.binary(("*", "/"), self.unary)

    def unary(self) -> Node:
        self.depth += 1  # every nesting (parentheses, signs, powers) passes here
        if self.depth > MAX_DEPTH:
            raise ArithError(f"nested more than {MAX_DEPTH} deep", self.pos)
        c = self.peek()
        if OPERATORS.get(c) in ("+", "-"):
            self.pos += 1
            inner = self.unary()
            node: Node = Neg(inner) if OPERATORS[c] == "-" else inner
        else:
            node = self.power()
        self.depth -= 1
        return node

    def power(self) -> Node:
        base = self.atom()
        if self.peek() == "^":
            self.pos += 1
            return BinOp("^", base, self.unary())
        return base

    def atom(self) -> Node:
        c = self.peek()
        start = self.pos
        if c == "(":
            self.pos += 1
            node = self.expr()
            if self.peek() != ")":
                raise ArithError("expected ')'", self.pos)
            self.pos += 1
            return node
        m = NUMBER.match(self.text, self.pos)
        if not m:
            raise ArithError(f"expected a number, got {c!r}" if c else "expected a number, got the end", start)
        self.pos = m.end()
        if sum(ch.isdigit() for ch in m.group()) > MAX_NUMBER_DIGITS:
            raise ArithError(f"a number of more than {MAX_NUMBER_DIGITS} digits", start)
        if self.count >= self.literals:
            raise ArithError(f"more than {MAX_LITERALS} numbers in one line", start)
        try:
            value, decimals = read_number(m.group())
        except ValueError as e:
            raise ArithError(str(e), start) from None
        self.count += 1
        return Num(value, m.group(), decimals, self.count - 1)


def parse(text: str, literals: int = MAX_LITERALS) -> Node:
    """Parse one expression of at most ``literals`` numbers; raise :class:`ArithError` naming the position.

    Every bound is checked as the text is read, so any input is refused in time linear in
    its (bounded) length:

    >>> parse("9" * 10**6)
    Traceback (most recent call last):
    symcnn.verify.arith.ArithError: longer than 500 characters at character 501
    >>> parse("*".join(["9"] * 49))
    Traceback (most recent call last):
    symcnn.verify.arith.ArithError: more than 48 numbers in one line at character 97
    """
    if len(text) > MAX_LENGTH:
        raise ArithError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
    p = _Parser(text, literals)
    node = p.expr()
    if p.peek():
        raise ArithError(f"unexpected {p.peek()!r}", p.pos)
    return node


def _apply(op: str, a: Fraction, b: Fraction) -> Fraction:
    if op == "/" and b == 0:
        raise ArithError("division by zero", 0)
    if op == "^" and (b.denominator != 1 or abs(b) > MAX_EXPONENT or (a == 0 and b < 0)):
        raise ArithError(f"exponent must be a whole number up to {MAX_EXPONENT}", 0)
    if op == "^" and max(a.numerator.bit_length(), a.denominator.bit_length()) * abs(b) > MAX_BITS:
        raise ArithError(f"power larger than 2^{MAX_BITS}", 0)
    out = BINARY[op](a, b)
    if max(out.numerator.bit_length(), out.denominator.bit_length()) > MAX_RESULT_BITS:
        raise ArithError(f"a value larger than 2^{MAX_RESULT_BITS}", 0)
    return out


BINARY: dict[str, Callable[[Fraction, Fraction], Fraction]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a ** int(b),
}


def evaluate(node: Node, values: dict[int, Fraction] | None = None) -> Fraction:
    """Exact value; ``values`` replaces literals by their index (for corrections)."""
    if isinstance(node, Num):
        return values.get(node.index, node.value) if values else node.value
    if isinstance(node, Neg):
        return -evaluate(node.operand, values)
    return _apply(node.op, evaluate(node.left, values), evaluate(node.right, values))


def literals(node: Node) -> Iterator[Num]:
    if isinstance(node, Num):
        yield node
    elif isinstance(node, Neg):
        yield from literals(node.operand)
    else:
        yield from literals(node.left)
        yield from literals(node.right)


def decimals_of(node: Node) -> int:
    """Most decimals written in any literal of the expression."""
    return max((n.decimals for n in literals(node)), default=0)


def factors_dropped(node: Node) -> Iterator[Node]:
    """The expression with one factor of one product left out, each way."""
    if isinstance(node, Neg):
        yield from (Neg(n) for n in factors_dropped(node.operand))
    elif isinstance(node, BinOp):
        if node.op == "*":
            yield node.left
            yield node.right
        yield from (replace(node, left=n) for n in factors_dropped(node.left))
        yield from (replace(node, right=n) for n in factors_dropped(node.right))


def is_sum(node: Node) -> bool:
    return isinstance(node, BinOp) and node.op in "+-"


def agrees(exact: Fraction, written: Fraction, decimals: int) -> bool:
    """Does ``written`` (with ``decimals`` places) state ``exact``? Rounding only with decimals."""
    if exact == written:
        return True
    if decimals == 0:
        return False
    q = Decimal(1).scaleb(-decimals)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(q, "ROUND_HALF_UP") == \
        Decimal(written.numerator) / Decimal(written.denominator)


@dataclass(frozen=True)
class Part:
    text: str
    node: Node
    value: Fraction


@dataclass(frozen=True)
class LineCheck:
    """One working line: its parts ``a = b = c``; ``bad`` = index of the first false ``=``."""

    text: str
    parts: tuple[Part, ...]
    bad: int | None

    @property
    def ok(self) -> bool:
        return self.bad is None

    @property
    def written(self) -> Fraction:
        return self.parts[-1].value


def check_line(text: str) -> LineCheck:
    """Parse ``a = b [= c …]`` and check each ``=`` (a result written with decimals may round)."""
    pieces = text.split("=")
    if len(pieces) < 2:
        raise ArithError("expected 'expression = value'", len(text))
    if len(text) > MAX_LENGTH:
        raise ArithError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
    parts, offset, left = [], 0, MAX_LITERALS
    for piece in pieces:
        try:
            node = parse(piece, left)
        except ArithError as e:
            raise ArithError(str(e).rsplit(" at character", 1)[0], offset + e.position) from None
        parts.append(Part(piece.strip(), node, evaluate(node)))
        left -= sum(1 for _ in literals(node))
        offset += len(piece) + 1
    bad = next((i for i in range(1, len(parts))
                if not agrees(parts[i - 1].value, parts[i].value, decimals_of(parts[i].node))), None)
    return LineCheck(text, tuple(parts), bad)

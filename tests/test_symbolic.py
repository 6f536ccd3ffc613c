"""The fast paths build exactly what sympy builds, and the readable forms equal the rules.

``symcnn.model.symbolic`` builds floors without sympy's evaluation where that evaluation
provably returns them unchanged, and ``symcnn.render.order`` gives sympy's printing order
without its O(n²). Each is compared here against sympy doing the work itself, on random
networks and random expressions: the objects must be identical (``srepr``), the text
byte-identical.
"""

from __future__ import annotations

import contextlib
import random
from typing import Any, Iterator

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.printing.str import StrPrinter

from symcnn.errors import SpecError
from symcnn.model import rules, symbolic
from symcnn.model.layers import (
    Add,
    AvgPool2d,
    BatchNorm2d,
    Concat,
    Conv2d,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2d,
    MaxPool2d,
)
from symcnn.model.network import Network, Node, closed_forms, derive, evaluate
from symcnn.render.order import PrintOrder
from symcnn.render.printing import NumberSubstitutingPrinter, UnicodeFormulaPrinter, formula_text

# --------------------------------------------------------------------------- the slow path


@contextlib.contextmanager
def sympy_does_it() -> Iterator[None]:
    """Every floor and ceiling evaluated by sympy, and the conv's channels and span by the rules."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(symbolic, "FAST", False)
        mp.setattr(Conv2d, "span", lambda self: rules.dilated_kernel(self.kernel, self.dilation))
        mp.setattr(Conv2d, "channels_per_filter", lambda self, ins: rules.group_channels(ins[0][2], self.groups))
        yield


layer = st.one_of(
    st.builds(Conv2d, kernel=st.integers(1, 5), filters=st.sampled_from([4, 8]), stride=st.integers(1, 3),
              padding=st.integers(0, 3), dilation=st.integers(1, 3), groups=st.sampled_from([1, 2, 4]),
              bias=st.booleans(), activation=st.sampled_from([None, "relu"])),
    st.builds(MaxPool2d, kernel=st.integers(1, 4), stride=st.integers(1, 3), padding=st.integers(0, 2),
              ceil_mode=st.booleans()),
    st.builds(AvgPool2d, kernel=st.integers(1, 4), stride=st.integers(1, 3), padding=st.integers(0, 2),
              ceil_mode=st.booleans()),
    st.just(BatchNorm2d()), st.just(Dropout()), st.just(Add()), st.just(Concat()), st.just(GlobalAvgPool2d()),
)


def network(layers: list[Any], head: bool, h: int, w: int) -> Network:
    """A chain; Add and Concat read the previous two outputs; a dense head on request."""
    nodes = []
    for i, lay in enumerate(layers):
        two = isinstance(lay, (Add, Concat)) and i
        inputs = (f"l{i - 1}", f"l{i - 2}" if i > 1 else "input") if two else ()
        nodes.append(Node(f"l{i}", lay if two or not isinstance(lay, (Add, Concat)) else Dropout(), inputs))
    if head:
        nodes += [Node("flat", Flatten()), Node("fc", Dense(units=3))]
    return Network((h, w, 4), tuple(nodes))


def srepr_all(forms: Any) -> list[str]:
    return [sympy.srepr(sympy.sympify(x)) for lay in forms.layers
            for x in (*lay.shape, lay.weights, lay.biases, *lay.counts.values())]


@given(layers=st.lists(layer, min_size=1, max_size=8), head=st.booleans())
@settings(max_examples=150, deadline=None)
def test_derive_builds_what_sympy_builds(layers, head):
    net = network(layers, head, 64, 48)
    with sympy_does_it():
        slow = srepr_all(derive(net))
    assert srepr_all(derive(net)) == slow


@given(layers=st.lists(layer, min_size=1, max_size=8), head=st.booleans(), h=st.integers(16, 80),
       w=st.integers(16, 80))
@settings(max_examples=150, deadline=None)
def test_closed_forms_build_what_sympy_builds(layers, head, h, w):
    net = network(layers, head, h, w)
    try:
        evaluate(net)
    except SpecError:
        return
    with sympy_does_it():
        slow_forms = closed_forms(net)
        slow = ([sympy.srepr(sympy.sympify(x)) for lay in slow_forms.numbers.layers
                 for x in (*lay.shape, lay.params, *lay.counts.values())],
                {str(k): sympy.srepr(v) for k, v in slow_forms.closed_sizes.items()})
    fast_forms = closed_forms(net)
    fast = ([sympy.srepr(sympy.sympify(x)) for lay in fast_forms.numbers.layers
             for x in (*lay.shape, lay.params, *lay.counts.values())],
            {str(k): sympy.srepr(v) for k, v in fast_forms.closed_sizes.items()})
    assert fast == slow


def test_the_fast_divisor_takes_the_cases_it_claims():
    """The fast paths really run in a derivation (else the tests above would compare sympy with itself)."""
    n, k, p, s = sympy.symbols("H_1 k_2 p_2 s_2", integer=True, positive=True)
    assert symbolic._unbounded_both_ways(n + 2 * p - k, s)
    assert not symbolic._unbounded_both_ways(n + 2 * p + 1, s)  # always positive: sympy may know more
    assert not symbolic._unbounded_both_ways(n - s, s)  # the divisor in the numerator
    assert symbolic._size_plus_constant(n - 3) and not symbolic._size_plus_constant(2 * n - 3)
    # by hand: floor((n - 3)/2) keeps -2 outside only when the constant divides: (n - 4)/2 = n/2 - 2
    assert (n - 4) // symbolic.divisor(2) == sympy.floor(n / 2) - 2


@given(n=st.integers(1, 400), k=st.integers(1, 9), p=st.integers(0, 4), s=st.integers(1, 5))
def test_the_readable_ceiling_is_the_rule(n, k, p, s):
    """⌈min(n + p, n + 2p − k + s)/s⌉, substituted, equals the integer rule wherever the window fits."""
    if k <= n + 2 * p:
        syms = sympy.symbols("n k p s", integer=True, positive=True)
        formula = symbolic.pool_out_ceil(*syms)
        assert formula.xreplace(dict(zip(syms, (n, k, p, s)))) == rules.pool_out_ceil(n, k, p, s)
        assert symbolic.pool_out_ceil(sympy.Integer(n), k, p, s) == rules.pool_out_ceil(n, k, p, s)


@given(c=st.integers(1, 6), r=st.integers(-9, 9), a=st.integers(1, 5), y0=st.integers(1, 200))
def test_merged_ceilings_and_floors_keep_their_values(c, r, a, y0):
    """⌈(⌈y⌉ + r)/c⌉ = ⌈(y + r)/c⌉ and the same for floors, checked at a number."""
    h = sympy.Symbol("H_0", integer=True, positive=True)
    y = (h - 1) / a
    for f in (sympy.floor, sympy.ceiling):
        nested = f((f(y) + r) / c)
        merged = symbolic.merge_floors(nested)
        assert merged.xreplace({h: y0}) == nested.xreplace({h: y0})
        assert len(merged.atoms(f)) <= 1  # one floor left (none when y is whole)


def test_total_adds_like_sum():
    x = sympy.symbols("x_0:50", integer=True, positive=True)
    terms = [i * xi * x[(i * 7) % 50] for i, xi in enumerate(x)] + [3, 4]
    assert sympy.srepr(symbolic.total(terms)) == sympy.srepr(sum(terms))
    assert symbolic.total([1, 2, 3]) == 6 and type(symbolic.total([1, 2, 3])) is int


def test_network_totals_stay_symbolic():
    """NetworkNumbers.params and .activations add formulas too (closed_forms' numbers)."""
    net = Network((32, 32, 3), (Node("c", Conv2d(kernel=3, filters=8, stride=2)), Node("fc", Dense(units=2))))
    forms = closed_forms(net)
    # by hand: conv 3·3·3·8 + 8 = 224; dense 8·H_1·W_1·2 + 2; values 3·H_0·W_0 + 8·H_1·W_1 + 2
    h0, w0 = forms.input_symbols
    h1, w1 = forms.numbers.layers[0].shape[:2]
    assert forms.numbers.params == 16 * h1 * w1 + 226
    assert forms.numbers.activations == 3 * h0 * w0 + 8 * h1 * w1 + 2


# --------------------------------------------------------------------------- printing order


NAMES = ["H_0", "W_0", "H_1", "W_1", "k_1", "p_2", "s_2", "D_3", "f_4", "delta_HT", "x"]
MANY = NAMES + ["H_10", "H_144", "W_40", "V_12"]


def expression(rng: random.Random, names: list[str], depth: int = 0) -> Any:
    """A random expression of the kinds symcnn prints: sums, products, powers, floors, ceilings, min."""
    pick = rng.random()
    if depth > 2 or pick < 0.25:
        if rng.random() < 0.7:
            return sympy.Symbol(rng.choice(names), integer=True, positive=True)
        return sympy.Rational(rng.choice([-1, 1]) * rng.randint(1, 20), rng.choice([1, 1, 2, 3, 4]))
    parts = [expression(rng, names, depth + 1) for _ in range(rng.randint(2, 4))]
    if any(p.is_zero or p.has(sympy.zoo, sympy.nan) for p in parts):  # 1/0 or min(zoo, …): no formula
        return parts[0] if not parts[0].has(sympy.zoo, sympy.nan) else sympy.Symbol(names[0])
    if pick < 0.5:
        return sympy.Add(*parts)
    if pick < 0.7:
        return sympy.Mul(*parts)
    if pick < 0.8:
        return sympy.Pow(parts[0], rng.choice([2, 3, -1, -2]))
    if pick < 0.9:
        return rng.choice([sympy.floor, sympy.ceiling])(sympy.Add(*parts) / rng.randint(1, 4))
    return sympy.Min(parts[0], parts[1])


class SympyOrder(NumberSubstitutingPrinter):
    """The same printer with sympy's own ordering (the reference)."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return StrPrinter._as_ordered_terms(self, expr, order)

    def _print_Mul(self, expr: Any) -> str:
        return StrPrinter._print_Mul(self, expr)


class SympyOrderUnicode(UnicodeFormulaPrinter):
    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return StrPrinter._as_ordered_terms(self, expr, order)

    def _print_Mul(self, expr: Any) -> str:
        return StrPrinter._print_Mul(self, expr).replace("*", "·")


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=200, deadline=None)
def test_print_order_is_sympys(seed):
    rng = random.Random(seed)
    e = expression(rng, MANY)
    order = PrintOrder()
    assert order.sort_key(e) == e.sort_key()
    if e.is_Add:
        assert order.terms(e) == e.as_ordered_terms()
    if e.is_Mul:
        assert order.factors(e) == e.as_ordered_factors()
    numbers = {s: rng.randint(-5, 500) for s in e.free_symbols if rng.random() < 0.5}
    settings_ = {"numbers": numbers, "number_format": None}
    assert NumberSubstitutingPrinter(settings_).doprint(e) == SympyOrder(settings_).doprint(e)
    assert formula_text(e) == StrPrinter().doprint(e)


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=100, deadline=None)
def test_long_sums_are_ordered_as_sympy_orders_them(seed):
    """Sums of many monomials over many generators (powers from -2 to 3, floors among them)."""
    rng = random.Random(seed)
    gens = [sympy.Symbol(n, integer=True, positive=True) for n in MANY]
    gens += [sympy.floor(gens[0] / 2 - sympy.Rational(1, 2)), sympy.Symbol("H_0") - 4]
    terms = []
    for _ in range(rng.randint(3, 60)):
        monomial = sympy.Mul(*(rng.choice(gens) ** rng.randint(-2, 3) for _ in range(rng.randint(0, 3))))
        terms.append(sympy.Rational(rng.randint(-9, 9), rng.choice([1, 2, 3])) * monomial)
    e = sympy.Add(*terms)
    if e.is_Add:
        assert PrintOrder().terms(e) == e.as_ordered_terms()
        assert formula_text(e) == StrPrinter().doprint(e)


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=100, deadline=None)
def test_terminal_order_is_sympys_for_one_digit_subscripts(seed):
    """The terminal orders subscripts as numbers (H₄ before H₁₄₄); with one-digit ones that is sympy's order."""
    e = expression(random.Random(seed), NAMES)
    s = {"numbers": {}, "number_format": None}
    assert UnicodeFormulaPrinter(s).doprint(e) == SympyOrderUnicode(s).doprint(e)


def test_terminal_orders_subscripts_as_numbers():
    h = {i: sympy.Symbol(f"H_{i}", integer=True, positive=True) for i in (1, 4, 40, 144)}
    w = {i: sympy.Symbol(f"W_{i}", integer=True, positive=True) for i in (1, 4, 40, 144)}
    total = sum(c * h[i] * w[i] for c, i in ((9, 1), (8, 4), (7, 40), (6, 144))) + 5
    assert formula_text(total, unicode=True) == "9·H₁·W₁ + 8·H₄·W₄ + 7·H₄₀·W₄₀ + 6·H₁₄₄·W₁₄₄ + 5"
    assert formula_text(total) == str(total)  # JSON keeps sympy's order


def test_ceil_mode_prints_as_a_ceiling_of_a_min():
    """Issue 16, item 9: no Abs(…), no 0/2 + 2/2."""
    net = Network((128, 128, 3), (Node("pool", MaxPool2d(kernel=3, stride=2, ceil_mode=True)),))
    formulas, numbers = derive(net), evaluate(net)
    h = formulas.layers[0].shape[0]
    values = numbers.values(formulas)
    assert formula_text(h, unicode=True) == "⌈min(H₀ + p₁, H₀ - k₁ + 2·p₁ + s₁)/s₁⌉"
    assert formula_text(h, values, unicode=True) == "⌈min(128 + 0, 128 - 3 + 2·0 + 2)/2⌉"
    assert h.xreplace(values) == 64  # by hand: windows start at 0, 2, …, 126 (126 < 128 + 0): 64


def test_building_restores_the_collector_as_found():
    import gc

    assert gc.isenabled()
    with symbolic.building():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with symbolic.building():
            pass
        assert not gc.isenabled()  # off before: stays off
    finally:
        gc.enable()
    with pytest.raises(ValueError), symbolic.building():
        raise ValueError("a failed derivation")
    assert gc.isenabled()

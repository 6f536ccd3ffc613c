"""Seeded variants: one exam spec becomes a different exam for every student.

A *policy* says what varies: a list of :class:`Rule` (spec fields and the values they
may take), read from the spec's ``[variants]`` table or, without one, built around the
base values by :func:`default_rules`. :func:`generate` draws whole exams from it with
``random.Random`` streams (never global state) and keeps a draw only when it is

- **valid**: the spec reads (every layer's output is positive, …), the exam solves, it
  has no warning the base exam does not have, no layer whose stride is larger than its
  kernel (unless the base exam's is), and it asks the same questions;
- **discriminating**: for every question, the right answer and the values of the single
  mistakes of the mistake model (:func:`symcnn.classroom.mistakes.single_mistakes`) are
  pairwise different, at the precision the question is graded at (see :func:`collisions`
  for which mistakes a question keeps apart);
- **new**: not a copy of an earlier variant, with a code no other variant has.

Some mistakes cannot be told apart whatever the numbers: half the batch with the
backward pass counted once gives the same 3b as leaving the backward pass out; rounding
a pool's size up gives either the right size or that of one more padding. Before
drawing, PROBES *probe* draws find the mistakes that collide in at least half of them;
those are the mistake model's limits under this policy, reported (:class:`Indistinct`)
and not checked. Every other collision makes the draw be drawn again, and is counted.

The same spec, count and seed give the same variants, byte for byte.
"""

from __future__ import annotations

import copy
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from hashlib import sha256
from itertools import combinations
from typing import Any, Iterator

from ..checked import read_toml
from ..errors import SpecError, SymcnnError
from ..exam import Exam
from ..exam.paths import assign, canonical, put
from ..exam.solve import solve
from ..exam.spec import parse_exam
from ..exam.steps import Solution, round_decimal
from ..verify.diagnose import Explanation
from .mistakes import single_mistakes
from .pool import forked
from .tomlout import dumps

MAX_COUNT = 10_000
MAX_REJECTED = 200  # consecutive rejected draws for one variant before giving up
PROBES = 6  # valid draws that find the mistakes the model cannot tell apart under the policy
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: easy to copy by hand


# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class Rule:
    """Spec fields that take a value drawn from ``choices``.

    Several fields take the same value (a square crop's height and width), or, when
    ``joint``, each choice is a tuple with one value per field (a pool's kernel and stride
    drawn together, so that the stride never exceeds the kernel).
    """

    label: str  # how messages name it: the path as the spec writes it
    fields: tuple[tuple[str | int, ...], ...]
    choices: tuple[Any, ...]
    user: bool = False  # from the spec's [variants] table (else the default policy)
    joint: bool = False

    def assignments(self, choice: Any) -> list[tuple[tuple[str | int, ...], Any]]:
        """The (field, value) pairs one choice sets."""
        return list(zip(self.fields, choice)) if self.joint else [(f, choice) for f in self.fields]


def rules_for(exam: Exam, data: dict[str, Any]) -> tuple[Rule, ...]:
    """The spec's own ``[variants]`` rules, or the default policy around its values."""
    if exam.variants:
        return tuple(Rule(v.path, (v.steps,), v.choices, True) for v in exam.variants)
    return default_rules(data)


def _step(base: int, divisor: int, binary: bool) -> int:
    """The largest round step at most base/divisor: a power of 2, or 1, 2, 5 × 10^k."""
    steps = [2**e for e in range(64)] if binary else [m * 10**e for e in range(20) for m in (1, 2, 5)]
    return max((s for s in steps if s <= base / divisor), default=1)


def around(base: int, spread: Fraction, divisor: int, binary: bool) -> tuple[int, ...]:
    """Integers within ``base`` × (1 ± spread) on a round step (1-2-5 or a power of 2).

    >>> around(200, Fraction(1, 2), 8, False)
    (100, 120, 140, 160, 180, 200, 220, 240, 260, 280, 300)
    >>> around(64, Fraction(1, 2), 8, True)
    (32, 40, 48, 56, 64, 72, 80, 88, 96)
    """
    lo = max(1, math.ceil(base * (1 - spread)))
    hi = max(lo, math.floor(base * (1 + spread)))
    step = _step(base, divisor, binary)
    values = tuple(v for v in range(-(-lo // step) * step, hi + 1, step) if v >= 1)
    return values if len(values) >= 2 else tuple(range(lo, hi + 1))


def _near(base: int, lowest: int, offsets: tuple[int, ...] = (-1, 0, 1)) -> tuple[int, ...]:
    return tuple(v for v in dict.fromkeys(base + d for d in offsets) if v >= lowest)


def _kernels(kind: str, k: int) -> tuple[int, ...]:
    if kind == "conv2d":  # odd kernels keep their centre; a 1×1 stays 1×1
        return (1,) if k == 1 else _near(k, 3, (-2, 0, 2))
    return _near(k, 2)


def _series(base: Decimal) -> tuple[Decimal, ...]:
    """Learning rates of the 1-2-5 series within base/5 … base×5 (smaller ones hide 3e's mistakes in rounding)."""
    out = []
    for e in range(-8, 4):
        for m in (1, 2, 5):
            v = Decimal(m).scaleb(e)
            if base / 5 <= v <= base * 5:
                out.append(v)
    return tuple(out) or (base,)


def _logits(base: Decimal) -> tuple[Decimal, ...]:
    """One-decimal logits within base ± 1 (far apart logits saturate the softmax and hide mistakes)."""
    centre = Decimal(base).quantize(Decimal("0.1"))
    return tuple(centre + Decimal(i).scaleb(-1) for i in range(-10, 11))


def default_rules(data: dict[str, Any]) -> tuple[Rule, ...]:
    """The default policy: the usual numbers of an exam, around the spec's own values.

    Images, crops per image, the crop size (one value for height and width when they are
    equal), every layer's kernel, filters, stride and padding, the hidden dense layers'
    units (not the output layer's: it has one unit per class), batch size, epochs,
    learning rate (1-2-5 series) and logits (one decimal, within ±1). Only fields the spec sets vary.
    """
    half, quarter = Fraction(1, 2), Fraction(1, 4)
    rules: list[Rule] = []

    def add(label: str, fields: tuple[tuple[str | int, ...], ...], choices: tuple[Any, ...],
            joint: bool = False) -> None:
        if len(set(choices)) > 1:
            rules.append(Rule(label, fields, choices, joint=joint))

    def number(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    dataset = data.get("dataset", {})
    for name, divisor in (("images", 8), ("crops_per_image", 8)):
        if number(dataset.get(name)):
            add(f"dataset.{name}", (("dataset", name),), around(dataset[name], half, divisor, False))
    h, w = dataset.get("crop_height"), dataset.get("crop_width")
    if number(h) and h == w:
        add("dataset.crop_height = dataset.crop_width", (("dataset", "crop_height"), ("dataset", "crop_width")),
            around(h, quarter, 8, True))
    else:
        for name in ("crop_height", "crop_width"):
            if number(dataset.get(name)):
                add(f"dataset.{name}", (("dataset", name),), around(dataset[name], quarter, 8, True))
    layers = data.get("network", {}).get("layers", [])
    dense = [i for i, layer in enumerate(layers) if layer.get("type") == "dense"]
    for i, layer in enumerate(layers):
        kind = layer.get("type")
        at = ("network", "layers", i)
        k, s = layer.get("kernel"), layer.get("stride")
        kernels = _kernels(str(kind), k) if number(k) else ()
        pool = kind in ("maxpool", "avgpool")  # a pooling layer keeps shrinking its map: its stride does not go down
        strides = _near(s, 1, (0, 1) if pool or s == 1 else (-1, 0, 1)) if number(s) else ()
        if kernels and strides:  # drawn together: a window never skips input values (stride <= kernel)
            pairs = tuple((a, b) for a in kernels for b in strides if b <= a or (a, b) == (k, s))
            add(f"{canonical(at + ('kernel',))}, .stride", (at + ("kernel",), at + ("stride",)), pairs, joint=True)
        elif kernels:
            add(canonical(at + ("kernel",)), (at + ("kernel",),), kernels)
        elif strides:
            add(canonical(at + ("stride",)), (at + ("stride",),), strides)
        if number(layer.get("filters")):
            add(canonical(at + ("filters",)), (at + ("filters",),), around(layer["filters"], half, 4, True))
        if number(layer.get("padding")):
            add(canonical(at + ("padding",)), (at + ("padding",),), _near(layer["padding"], 0))
        if number(layer.get("units")) and dense and i != dense[-1]:
            add(canonical(at + ("units",)), (at + ("units",),), around(layer["units"], half, 4, True))
    training = data.get("training", {})
    for name in ("batch_size", "epochs"):
        if number(training.get(name)):
            add(f"training.{name}", (("training", name),), around(training[name], half, 8, name == "batch_size"))
    rate = training.get("learning_rate")
    if isinstance(rate, (int, Decimal)) and not isinstance(rate, bool) and rate > 0:
        add("training.learning_rate", (("training", "learning_rate"),), _series(Decimal(rate)))
    logits = data.get("softmax", {}).get("logits", [])
    for j, v in enumerate(logits):
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
            add(f"softmax.logits[{j}]", (("softmax", "logits", j),), _logits(Decimal(v)))
    return tuple(rules)


# --------------------------------------------------------------------------- collisions

Ident = tuple[str, int]  # a mistake's identity and its occurrence among mistakes of that identity
RIGHT: Ident = ("right answer", 0)


def _relation(got: int, right: int) -> str:
    """How a mistaken number relates to the right one, in words that mean the same in every variant."""
    if abs(got - right) == 1:
        return f"{got - right:+d}"
    if got in (0, 1):
        return str(got)
    if got * 2 == right:
        return "half"
    if got == right * 2:
        return "double"
    return f"{got - right:+d}"


def identity(explanation: Explanation) -> str:
    """A name for a mistake that is the same in every variant: codes, texts and relations, no numbers.

    ``uses a mini-batch of 32 instead of 64`` is ``BATCH_SIZE(got=half)`` in every variant
    whose batch it halves, although its numbers differ from variant to variant.

    >>> from symcnn.verify.mistakes import Diagnosis
    >>> identity((Diagnosis("BATCH_SIZE", "BATCH_SIZE", {"got": 32, "right": 64}),))
    'BATCH_SIZE(got=half)'
    """
    parts = []
    for d in explanation:
        args = []
        right = d.args.get("right")
        for k, v in sorted(d.args.items()):
            if isinstance(v, str) or k == "decimals":
                args.append(f"{k}={v}")
            elif k != "right" and isinstance(v, int) and isinstance(right, int) and not isinstance(v, bool):
                args.append(f"{k}={_relation(v, right)}")
        parts.append(f"{d.key}({','.join(args)})")
    return "+".join(parts)


def _code_of(e: Explanation | None) -> str:
    return "+".join(d.code for d in e) if e else ""


@dataclass(frozen=True)
class Collision:
    """Two of a question's values that are equal: the right answer and a mistake, or two mistakes."""

    qid: str
    members: tuple[Ident, Ident]
    explanations: tuple[Explanation | None, Explanation | None]  # None: the right answer
    value: Any


def _graded(value: Any, decimals: int | None) -> Any:
    """The value as grading compares it: rounded quantities at the question's precision."""
    if isinstance(value, tuple):
        return tuple(_graded(v, decimals) for v in value)
    if decimals is None or isinstance(value, int):
        return value
    return round_decimal(value, decimals)


def collisions(solution: Solution) -> Iterator[tuple[str, list[Collision]]]:
    """Per question, in the exam's order: the equal values among its right answer and its new mistakes.

    A mistake is *new* at the first question it changes; later questions that build on
    that answer are graded as carried over (verify's ``CARRIED_OVER``), so it is kept
    apart there only. Two mistakes with the same diagnosis code (two roundings) name the
    same mistake to the student and do not count as a collision.
    """
    seen: set[str] = set()
    for q in solution.exam.questions:
        answer = solution.answer(q.id)
        entries: list[tuple[Ident, Any, Explanation | None]] = [(RIGHT, answer.value, None)]
        occurrences: Counter[str] = Counter()
        for explanation, value in single_mistakes(solution, q.id, skip=lambda e: identity(e) in seen):
            name = identity(explanation)
            entries.append(((name, occurrences[name]), value, explanation))
            occurrences[name] += 1
        seen.update(occurrences)
        groups: dict[Any, list[tuple[Ident, Any, Explanation | None]]] = {}
        for entry in entries:
            groups.setdefault(_graded(entry[1], answer.decimals), []).append(entry)
        found = [Collision(q.id, (a, b), (ea, eb), value)
                 for members in groups.values()
                 for (a, value, ea), (b, _, eb) in combinations(members, 2)
                 if _code_of(ea) != _code_of(eb)]
        yield q.id, found


# --------------------------------------------------------------------------- drawing


@dataclass(frozen=True)
class Variant:
    """One accepted variant: its code, its own seed, its spec text and its answers.

    The text is the whole variant (``exam()`` and ``solve()`` read it again): a set of
    10,000 variants holds texts and answers, not 10,000 solutions.
    """

    code: str
    seed: int
    drawn: tuple[tuple[str, Any], ...]  # (rule label, value)
    text: str  # exam.toml
    answers: tuple[tuple[str, Any], ...]  # (question id, value) in the exam's order

    def exam(self) -> Exam:
        return parse_exam(self.text, f"{self.code}/exam.toml")

    def solve(self) -> Solution:
        return solve(self.exam())

    def answer(self, qid: str) -> Any:
        return dict(self.answers)[qid]


Pair = tuple[str, frozenset[Ident]]  # (question id, the two colliding members)


@dataclass
class Stats:
    """What the drawing rejected, and why."""

    draws: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # reason → draws
    redrawn: Counter[Pair] = field(default_factory=Counter)  # collisions that made a draw be redrawn
    examples: dict[Pair, Collision] = field(default_factory=dict)
    invalid: Counter[str] = field(default_factory=Counter)  # why draws were invalid (first problem)

    def add(self, other: Stats) -> None:
        self.draws += other.draws
        self.rejected.update(other.rejected)
        self.redrawn.update(other.redrawn)
        for pair, c in other.examples.items():
            self.examples.setdefault(pair, c)
        self.invalid.update(other.invalid)


@dataclass(frozen=True)
class Indistinct:
    """A mistake that collided in most probe draws: the mistake model cannot tell it apart here."""

    qid: str
    mistake: Ident
    probes: int  # in how many of the PROBES draws it collided
    example: Collision


@dataclass(frozen=True)
class VariantSet:
    base: Exam
    seed: int
    rules: tuple[Rule, ...]
    variants: tuple[Variant, ...]
    stats: Stats
    indistinct: tuple[Indistinct, ...]  # not checked: they collide whatever the numbers


class _Rejected(Exception):
    def __init__(self, reason: str, detail: Any = None):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def _code(text: str, length: int) -> str:
    digest = int.from_bytes(sha256(text.encode("utf-8")).digest()[:8], "big")
    out = []
    for _ in range(length):
        digest, r = divmod(digest, len(CODE_ALPHABET))
        out.append(CODE_ALPHABET[r])
    return "".join(out)


def code_length(count: int) -> int:
    """Codes long enough that a set of ``count`` rarely draws the same one twice (30^4 = 810,000)."""
    return 4 if count <= 100 else 5 if count <= 1000 else 6


def _header(base: Exam, code: str, seed: int) -> str:
    return (f"Variant {code} of {base.title} (seed {seed}), written by symcnn variants.\n"
            "A complete exam spec: symcnn solve exam.toml; its key: symcnn verify key.toml --exam exam.toml")


def _skipping(exam: Exam) -> set[str]:
    """Layers whose window skips input values (stride > kernel): unusual unless the base exam has them."""
    return {node.name for node in exam.network.nodes
            if isinstance(getattr(node.layer, "kernel", None), int) and node.layer.stride > node.layer.kernel}  # type: ignore[attr-defined]


def _warning_key(w: Any) -> tuple[str, str]:
    return (w.key, str(dict(w.args).get("layer", "")))


class Drawer:
    """Draws candidate exams from a base spec's data and a policy, and checks them."""

    def __init__(self, base: Exam, data: dict[str, Any], rules: tuple[Rule, ...]):
        self.base, self.data, self.rules = base, data, rules
        self.warnings = {_warning_key(w) for w in solve(base).warnings}
        self.ids = tuple(q.id for q in base.questions)
        self.skipping = _skipping(base)
        self.excluded: set[tuple[str, Ident]] = set()

    def draw(self, rng: random.Random) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
        data, drawn = copy.deepcopy(self.data), []
        for rule in self.rules:
            value = rng.choice(rule.choices)
            for f, v in rule.assignments(value):
                put(data, f, v)
            drawn.append((rule.label, value))
        return data, tuple(drawn)

    def candidate(self, data: dict[str, Any], code: str, seed: int) -> tuple[str, Exam, Solution]:
        """The variant's spec text, exam and solution; _Rejected when it is not valid."""
        data = assign(data, ("exam",), {**data.get("exam", {}), "code": code})
        text = dumps(data, _header(self.base, code, seed))
        source = f"{code}/exam.toml"
        try:
            exam = parse_exam(text, source)
            solution = solve(exam)
        except SymcnnError as e:
            raise _Rejected("invalid", str(e).removeprefix(f"{source}: ")) from None
        new = sorted({_warning_key(w) for w in solution.warnings} - self.warnings)
        if new:
            raise _Rejected("warning", f"{new[0][1]}: {new[0][0]} (the base exam has no such warning)")
        if tuple(q.id for q in exam.questions) != self.ids:
            raise _Rejected("invalid", "the questions differ from the base exam's")
        skipping = _skipping(exam) - self.skipping
        if skipping:
            raise _Rejected("unusual", f"{skipping.pop()}: its stride is larger than its kernel (it skips input)")
        return text, exam, solution

    def discriminate(self, solution: Solution) -> None:
        """_Rejected at the first question whose values collide (mistakes known to be indistinct aside)."""
        for qid, found in collisions(solution):
            bad = [c for c in found if not any((qid, m) in self.excluded for m in c.members)]
            if bad:
                raise _Rejected("collision", bad)


def _load(text: str, source: str) -> tuple[Exam, dict[str, Any]]:
    exam = parse_exam(text, source)
    data = read_toml(text, source)
    data.pop("variants", None)
    data.get("exam", {}).pop("code", None)
    return exam, data


def capacity(rules: tuple[Rule, ...], limit: int) -> int:
    """How many different exams the policy can make (at most ``limit`` + 1: the product can be huge)."""
    n = 1
    for r in rules:
        n *= len({repr(c) for c in r.choices})
        if n > limit:
            return limit + 1
    return n


def generate(text: str, source: str, count: int, seed: int, workers: int | None = None) -> VariantSet:
    """``count`` variants of the spec ``text``, deterministic in ``seed``; SpecError on bad input.

    The variants are drawn on ``workers`` processes (default: one per core); the result is
    the same for any number of them.
    """
    if not 1 <= count <= MAX_COUNT:
        raise SpecError(f"--count must be 1 to {MAX_COUNT}, got {count}")
    base, data = _load(text, source)
    rules = rules_for(base, data)
    where = f"{source}: [variants]" if base.variants else f"{source}: the default variant policy"
    if not rules:
        raise SpecError(f"{where} varies nothing: the spec sets none of the fields it varies")
    possible = capacity(rules, count)
    if possible < count:
        raise SpecError(f"{where} allows only {possible} different exam(s), fewer than --count {count}")
    drawer = Drawer(base, data, rules)
    stats = Stats()
    indistinct = _probe(drawer, seed, stats, where)
    drawer.excluded = {(i.qid, i.mistake) for i in indistinct}
    variants: list[Variant] = []
    texts: set[str] = set()
    codes: set[str] = set()
    master = random.Random(seed)
    with forked(_draw_one, (drawer, code_length(count), where), workers) as run:
        while len(variants) < count:  # each variant seed is drawn in a worker; duplicates are weeded here
            seeds = [master.getrandbits(32) for _ in range(count - len(variants))]
            for plain, variant, found in run(seeds):
                stats.add(found)
                if plain in texts:
                    stats.rejected["duplicate"] += 1  # the same exam as an earlier variant: draw afresh
                elif variant.code in codes:
                    stats.rejected["code"] += 1  # another variant has this code: draw afresh
                else:
                    texts.add(plain)
                    codes.add(variant.code)
                    variants.append(variant)
    return VariantSet(base, seed, rules, tuple(variants), stats, indistinct)


def _probe(drawer: Drawer, seed: int, stats: Stats, where: str) -> tuple[Indistinct, ...]:
    """Mistakes that collide in at least half of PROBES valid draws: the mistake model's own limits."""
    rng = random.Random(f"symcnn variants probes {seed}")
    counts: Counter[tuple[str, Ident]] = Counter()
    examples: dict[tuple[str, Ident], Collision] = {}
    found = invalid = 0
    while found < PROBES:
        data, _ = drawer.draw(rng)
        try:
            _, _, solution = drawer.candidate(data, "PROBE", 0)
        except _Rejected as r:
            invalid += 1
            stats.invalid[str(r.detail)] += 1
            if invalid >= MAX_REJECTED:
                raise SpecError(_no_valid(drawer, stats, where)) from None
            continue
        found += 1
        hit: set[tuple[str, Ident]] = set()
        for qid, cs in collisions(solution):
            for c in cs:
                for m in c.members:
                    if m != RIGHT:
                        hit.add((qid, m))
                        examples.setdefault((qid, m), c)
        counts.update(hit)
    order = {qid: i for i, qid in enumerate(drawer.ids)}
    found_all = sorted(((qid, m), n) for (qid, m), n in counts.items() if 2 * n >= PROBES)
    found_all.sort(key=lambda item: order[item[0][0]])  # in the exam's order, then by name
    return tuple(Indistinct(qid, m, n, examples[(qid, m)]) for (qid, m), n in found_all)


def _draw_one(state: tuple[Drawer, int, str], variant_seed: int) -> tuple[str, Variant, Stats]:
    """The first draw of the variant's own stream that passes every check, and what was rejected before it."""
    drawer, length, where = state
    stats = Stats()
    rng = random.Random(variant_seed)
    for _ in range(MAX_REJECTED):
        stats.draws += 1
        data, drawn = drawer.draw(rng)
        plain = dumps(data)
        try:
            code = _code(plain, length)
            text, exam, solution = drawer.candidate(data, code, variant_seed)
            drawer.discriminate(solution)
        except _Rejected as r:
            stats.rejected[r.reason] += 1
            if r.reason in ("invalid", "warning", "unusual"):
                stats.invalid[str(r.detail)] += 1
            elif r.reason == "collision":
                for c in r.detail:
                    pair = (c.qid, frozenset(c.members))
                    stats.redrawn[pair] += 1
                    stats.examples.setdefault(pair, c)
            continue
        answers = tuple((a.id, a.value) for a in solution.answers)
        return plain, Variant(code, variant_seed, drawn, text, answers), stats
    if not stats.rejected["collision"]:
        raise SpecError(_no_valid(drawer, stats, where))
    reasons = ", ".join(f"{n} {reason}" for reason, n in stats.rejected.most_common())
    raise SpecError(f"{where}: no acceptable variant in {MAX_REJECTED} draws in a row ({reasons});"
                    " widen the ranges or vary more fields")


def _no_valid(drawer: Drawer, stats: Stats, where: str) -> str:
    """Why no draw gives a valid exam, naming the field to blame when one is."""
    source = where.rsplit(": ", 1)[0]
    for rule in drawer.rules:
        n = len(rule.choices)
        sample = rule.choices if n <= 12 else tuple(rule.choices[round(i * (n - 1) / 11)] for i in range(12))
        problems = []
        for choice in sample:
            data = drawer.data
            for f, v in rule.assignments(choice):
                data = assign(data, f, v)
            try:
                drawer.candidate(data, "CHECK", 0)
                break
            except _Rejected as r:
                problems.append((choice, r.detail))
        else:
            choice, why = problems[0]
            name = f"variants.{rule.label!r}" if rule.user else f"the default policy's {rule.label}"
            return f"{source}: {name}: no value gives a valid exam (e.g. {_plain(choice)}: {why})"
    why = stats.invalid.most_common(1)[0][0] if stats.invalid else "?"
    return f"{where}: no valid variant in {MAX_REJECTED} draws; most fail with: {why}"


def _plain(v: Any) -> str:
    return format(v, "f") if isinstance(v, Decimal) else str(v)

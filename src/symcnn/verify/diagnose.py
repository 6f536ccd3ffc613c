"""The diagnosis search: the smallest set of perturbations that reproduces a key's value.

Single perturbations first, then pairs; each candidate is re-derived through the
existing pipeline (``QUESTION_KINDS`` on an exam changed with ``dataclasses.replace``),
or by re-evaluating the answer's own step formulas with some symbols overridden. A
slip of the pen (:mod:`.slips`) between a candidate and the key's value counts as one
perturbation. When nothing reproduces a value, the search says so.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any, Iterator, Mapping

import sympy

from ..errors import SymcnnError
from ..exam import Exam, Question
from ..exam.kinds import QUESTION_KINDS
from ..exam.questions import Context
from ..exam.steps import Answer, Solution, Step, round_decimal
from ..model.conventions import Convention, convention
from ..model.exact import expr
from ..model.network import Network, derive, evaluate
from .perturb import EXAM_GENERATORS, READING_GENERATORS, Perturbation, Reading
from .slips import places, slip_code

MAX_SIZE = 2  # perturbations per explanation
MAX_EXPLANATIONS = 4  # equally small explanations reported
MAX_CARRIED = 64  # combinations of the key's earlier values tried


@dataclass(frozen=True)
class Diagnosis:
    """One cause: a stable code, the catalogue key of its sentence, and the sentence's blanks."""

    code: str
    key: str
    args: Mapping[str, Any] = field(default_factory=dict)


Explanation = tuple[Diagnosis, ...]


# --------------------------------------------------------------------------- re-deriving


@lru_cache(maxsize=64)
def _model(network: Network) -> tuple[Any, Any]:
    return derive(network), evaluate(network)


def solve_question(exam: Exam, conv: Convention, q: Question) -> Answer:
    """One question of ``exam`` under cost convention ``conv`` (the network derived once)."""
    formulas, numbers = _model(exam.network)
    return QUESTION_KINDS[q.kind].solve(Context(exam, formulas, numbers, conv), q)


def _number(x: Any) -> Any:
    x = expr(x)
    if x.is_Integer:
        return int(x)
    return Decimal(str(sympy.N(x, 40)))


def _sym(v: Any) -> Any:
    if isinstance(v, Decimal):
        return sympy.Rational(str(v))
    return sympy.Integer(v) if isinstance(v, int) else v


def reevaluate(reading: Reading) -> tuple[Any, frozenset[Any]]:
    """Walk the steps with the overrides; return the target's value and the overrides used."""
    env: dict[Any, Any] = {}
    used: set[Any] = set()
    for st in reading.steps:
        guard = reading.guards.get(st.symbol)
        if st.symbol in reading.overrides and (guard is None or (guard.formula == st.formula
                                                                 and guard.values == st.values)):
            env[st.symbol] = reading.overrides[st.symbol]
            used.add(st.symbol)
            continue
        values, changed = {}, False
        for s, v in st.values.items():
            new = env.get(s, v)
            if s not in env and s in reading.overrides:
                new = reading.overrides[s]
                used.add(s)
            changed = changed or new != v
            values[s] = new
        env[st.symbol] = _number(st.formula.xreplace({k: _sym(v) for k, v in values.items()})) if changed \
            else st.value
    return env.get(reading.target), frozenset(used)


def value_of(reading: Reading) -> tuple[Any, frozenset[Any]]:
    """The reading's answer: as derived, or re-evaluated, then rounded as the question asks."""
    if not reading.overrides and reading.round_to is None:
        return reading.value, frozenset()
    if reading.target is None:
        return None, frozenset()
    if reading.overrides:
        raw, used = reevaluate(reading)
    else:
        raw, used = (reading.unrounded if reading.unrounded is not None else reading.value), frozenset()
    places = reading.round_to if reading.round_to is not None else reading.decimals
    return (round_decimal(raw, places) if places is not None and raw is not None else raw), used


def matches(claim: Any, value: Any, decimals: int | None) -> bool:
    """Integers exactly; rounded quantities at the question's precision."""
    if value is None:
        return False
    if isinstance(claim, tuple) or isinstance(value, tuple):
        return (isinstance(claim, tuple) and isinstance(value, tuple) and len(claim) == len(value)
                and all(matches(c, v, decimals) for c, v in zip(claim, value)))
    if decimals is None:
        return Decimal(claim) == Decimal(value)
    return round_decimal(claim, decimals) == round_decimal(value, decimals)


def written_decimals(claim: Any, decimals: int | None) -> int:
    return places(claim) if isinstance(claim, Decimal) else decimals or 0


# --------------------------------------------------------------------------- readings


def component_step(steps: tuple[Step, ...], component: str) -> Step | None:
    return next((s for s in reversed(steps) if component in (s.args.get("cls"), s.args.get("layer"))), None)


def reading_of(answer: Answer, component: str | None, names: tuple[str, ...]) -> Reading:
    """The answer (or one component of it) as a reading with no overrides."""
    if component is None:
        scalar = not isinstance(answer.value, tuple)
        target = answer.steps[-1].symbol if scalar else None
        return Reading(answer.steps, target, answer.value, answer.unrounded, answer.decimals,
                       alternatives=answer.alternatives)
    i = names.index(component)
    step = component_step(answer.steps, component)
    unrounded = answer.unrounded[i] if isinstance(answer.unrounded, tuple) else None
    return Reading(answer.steps, step.symbol if step else None, answer.value[i], unrounded, answer.decimals)


def named_values(answer: Answer) -> dict[str, Any]:
    """Every quantity an answer's steps name (inputs and results), by symbol name."""
    return {str(s): v for st in answer.steps for s, v in (*st.values.items(), (st.symbol, st.value))}


def components(solution: Solution) -> dict[str, tuple[str, ...]]:
    """Names of the parts of per-class and per-layer answers, by question id."""
    out: dict[str, tuple[str, ...]] = {}
    for a in solution.answers:
        if isinstance(a.value, tuple):
            names = [s.args.get("cls", "") for s in a.steps if s.label == "step.delta"]
            if len(names) == len(a.value):
                out[a.id] = tuple(names)
    return out


def _env(solution: Solution) -> dict[str, Any]:
    """Every symbol's value in the solution, by name; the most precise value wins."""
    env: dict[str, Any] = {}

    for a in solution.answers:
        for st in a.steps:
            for s, v in (*st.values.items(), (st.symbol, st.value)):
                if str(s) not in env or places(v) > places(env[str(s)]):
                    env[str(s)] = v
    return env


# --------------------------------------------------------------------------- carried over


def _shape_layers(solution: Solution, qid: str) -> tuple[int, ...] | None:
    q = next(q for q in solution.exam.questions if q.id == qid)
    if q.kind != "network.shapes":
        return None
    return tuple(q.options.get("layers", range(1, len(solution.formulas.layers) + 1)))


def binding(solution: Solution, qid: str, claim: Any, component: str | None) -> tuple[dict, dict]:
    """Symbols an earlier answer fixes, set to the key's claimed value; and their defining steps."""
    answer = solution.answer(qid)
    defining = {s.symbol: s for s in answer.steps}
    layers = _shape_layers(solution, qid)
    if layers is not None:
        bound = {}
        for i, shape, right in zip(layers, claim, answer.value):
            for sym, v, r in zip(solution.formulas.layers[i - 1].symbols, shape, right):
                if v != r and sym in defining:
                    bound[sym] = v
    elif component is not None:
        step = component_step(answer.steps, component)
        bound = {step.symbol: claim} if step else {}
    elif isinstance(answer.value, tuple):
        bound = {}
    else:
        bound = {answer.steps[-1].symbol: claim}
    return bound, {s: defining[s] for s in bound if s in defining}


def _differing(claim: Any, right: Any) -> Any:
    """What to quote of a claimed list of shapes: only the shapes that are wrong."""
    if not (isinstance(claim, tuple) and claim and isinstance(claim[0], tuple)):
        return claim
    wrong = tuple(c for c, r in zip(claim, right) if c != r)
    return wrong[0] if len(wrong) == 1 else wrong


# --------------------------------------------------------------------------- the search


@dataclass(frozen=True)
class KeyClaim:
    qid: str
    component: str | None
    value: Any


class Search:
    """Re-derivations of one exam under perturbations, cached and shared by every question."""

    def __init__(self, exam: Exam, solution: Solution, key_claims: Mapping[str, tuple[KeyClaim, ...]],
                 key_facts: Mapping[str, Mapping[str, Any]] | None = None):
        self.exam, self.solution, self.key_claims = exam, solution, key_claims
        self.key_facts = key_facts or {}
        self._facts: dict[tuple[str, str, Any], tuple[Explanation, ...]] = {}
        self.convention = convention(exam.convention)
        self.perturbations = [p for g in EXAM_GENERATORS for p in g(exam)]
        self.names = components(solution)
        self.env = _env(solution)
        self._cache: dict[tuple[tuple[int, ...], str], Answer | None] = {}

    def answer(self, combo: tuple[int, ...], q: Question) -> Answer | None:
        key = (combo, q.id)
        if key not in self._cache:
            exam, conv = self.exam, self.convention
            for i in combo:
                p = self.perturbations[i]
                exam = p.exam(exam) if p.exam else exam
                conv = p.convention(conv) if p.convention else conv
            try:
                self._cache[key] = solve_question(exam, conv, q)
            except SymcnnError:
                self._cache[key] = None
        return self._cache[key]

    def affecting(self, q: Question) -> list[int]:
        base = self.answer((), q)
        out = []
        for i in range(len(self.perturbations)):
            a = self.answer((i,), q)
            if a is not None and base is not None and a.value != base.value:
                out.append(i)
        return out

    def exam_combos(self, q: Question, size: int) -> Iterator[tuple[int, ...]]:
        yield ()
        singles = self.affecting(q)
        yield from ((i,) for i in singles)
        if size >= 2:
            for i, j in itertools.combinations(singles, 2):
                if self.perturbations[i].slot != self.perturbations[j].slot:
                    yield (i, j)

    def carried(self, q: Question) -> list[tuple]:
        """Combinations of the key's own wrong values for earlier questions."""
        options = []
        base = self.answer((), q)
        steps = base.steps + tuple(s for alt in base.alternatives for s in alt.steps) if base else ()
        mentioned = {s for st in steps for s in (st.symbol, *st.values)}
        for earlier in self.exam.questions:
            if earlier.id == q.id:
                break
            wrong = []
            for c in self.key_claims.get(earlier.id, ()):
                names = self.names.get(earlier.id, ())
                right = self.solution.answer(earlier.id).value
                right = right[names.index(c.component)] if c.component is not None else right
                decimals = self.solution.answer(earlier.id).decimals
                if not matches(c.value, right, decimals):
                    bound, guards = binding(self.solution, earlier.id, c.value, c.component)
                    if set(bound) & mentioned:
                        wrong.append((earlier.id, _differing(c.value, right), bound, guards))
            if wrong:
                options.append([None, *wrong])
        combos = [tuple(c for c in combo if c is not None) for combo in itertools.product(*options)]
        return sorted((c for c in combos if c), key=len)[:MAX_CARRIED]

    def reading_combos(self, reading: Reading, scope: Any, size: int, start: int = 0
                       ) -> Iterator[tuple[tuple[Perturbation, ...], Reading]]:
        yield (), reading
        if size == 0:
            return
        for g in range(start, len(READING_GENERATORS)):
            for p in READING_GENERATORS[g](reading, scope):
                changed = p.reading(reading) if p.reading else None
                if changed is None:
                    continue
                for rest, final in self.reading_combos(changed, scope, size - 1, g + 1):
                    yield (p, *rest), final

    def explain(self, q: Question, claim: KeyClaim) -> tuple[Explanation, ...]:
        """The smallest explanations of ``claim`` (empty when nothing reproduces it)."""
        names = self.names.get(q.id, ())
        return self._smallest(q, lambda a: reading_of(a, claim.component, names), claim.value,
                              self.solution.answer(q.id).decimals)

    def explain_step(self, q: Question, symbol: Any, value: int) -> tuple[Explanation, ...]:
        """The smallest explanations of ``value`` as the value of one step (a term of a working line)."""
        def read(a: Answer) -> Reading | None:
            step = next((s for s in a.steps if s.symbol == symbol), None)
            return Reading(a.steps, symbol, step.value, None, None) if step is not None else None

        return self._smallest(q, read, value, None)

    def _smallest(self, q: Question, read: Any, claimed: Any, decimals: int | None) -> tuple[Explanation, ...]:
        """Perturbations of the exam, then of the reading ``read`` gives of each answer, smallest first."""
        scope = _Scope(self.exam, self.env, self.carried(q))
        places = written_decimals(claimed, decimals)
        for size in range(1, MAX_SIZE + 1):
            found: dict[tuple, Explanation] = {}
            for combo in self.exam_combos(q, size):
                answer = self.answer(combo, q)
                reading = read(answer) if answer is not None else None
                if reading is None:
                    continue
                exam_part = tuple(self.perturbations[i] for i in combo)
                for perts, final in self.reading_combos(reading, scope, size - len(combo)):
                    n = len(combo) + len(perts)
                    if n < size - 1:
                        continue
                    value, used = value_of(final)
                    if value is None or (perts and value == reading.value):
                        continue
                    diagnoses = _diagnoses(exam_part + perts, used)
                    if diagnoses is None:
                        continue
                    if n == size and matches(claimed, value, decimals):
                        found.setdefault(_ident(diagnoses), diagnoses)
                    elif n == size - 1 and not isinstance(value, tuple):
                        code = slip_code(value, claimed, places)
                        if code:
                            slip = Diagnosis(code, f"value.{code}", {"right": value, "written": claimed})
                            found.setdefault(_ident(diagnoses + (slip,)), diagnoses + (slip,))
            if found:
                return self.rank(tuple(found.values()))[:MAX_EXPLANATIONS]
        return ()

    @cached_property
    def stated(self) -> set[tuple]:
        """Single perturbations that reproduce a fact the key states anywhere (e.g. t = 6)."""
        out: set[tuple] = set()
        for q in self.exam.questions:
            base = self.answer((), q) if q.id in self.key_facts else None
            derived = named_values(base) if base is not None else {}
            for name, value in self.key_facts.get(q.id, {}).items():
                if name in derived and not matches(value, derived[name], None):
                    for e in self.explain_fact(q, name, value):
                        out.update(_ident(e))
        return out

    def rank(self, found: tuple[Explanation, ...]) -> tuple[Explanation, ...]:
        """Equally small explanations, those agreeing with the key's own stated facts first."""
        return tuple(sorted(found, key=lambda e: -sum(i in self.stated for i in _ident(e))))

    def explain_fact(self, q: Question, name: str, value: Any) -> tuple[Explanation, ...]:
        """Single perturbations that make the derivation state ``name = value`` (asked once each)."""
        key = (q.id, name, value)
        if key not in self._facts:
            self._facts[key] = self._explain_fact(q, name, value)
        return self._facts[key]

    def _explain_fact(self, q: Question, name: str, value: Any) -> tuple[Explanation, ...]:
        places = written_decimals(value, None)
        found: dict[tuple, Explanation] = {}
        for i in range(len(self.perturbations)):
            answer = self.answer((i,), q)
            if answer is None:
                continue
            got = named_values(answer)
            if name in got and matches(value, got[name], places if places else None):
                d = _diagnoses((self.perturbations[i],), frozenset())
                if d:
                    found.setdefault(_ident(d), d)
        return tuple(found.values())[:MAX_EXPLANATIONS]


@dataclass(frozen=True)
class _Scope:
    exam: Exam
    env: Mapping[str, Any]
    carried: list[tuple]


def _diagnoses(perts: tuple[Perturbation, ...], used: frozenset[Any]) -> Explanation | None:
    out = []
    for p in perts:
        args = dict(p.args)
        if p.code == "CARRIED_OVER":
            answers = tuple((qid, v) for qid, v, syms in args["answers"] if set(syms) & used)
            if not answers:
                return None
            args = {"answers": answers}
        out.append(Diagnosis(p.code, p.key, args))
    return tuple(out)


def _ident(e: Explanation) -> tuple:
    return tuple((d.code, d.key, repr(sorted(d.args.items()))) for d in e)

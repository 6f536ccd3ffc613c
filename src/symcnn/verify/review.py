"""Verdicts: each question of a key judged against the derivation, with diagnoses.

Per claimed value ``correct`` or ``wrong``; per question ``correct``, ``wrong`` (no value
right), ``partly-correct`` (some of several values right: "1 of 2 values right"),
``correct-value-wrong-working`` (every value right, but a working line or a stated fact is
wrong) or ``missing``. Working lines are checked arithmetically, and their numbers against
the derivation: a wrong line is diagnosed by the slip that makes it (a changed digit in the
result or in an operand, a factor left out, a sum that does not add up); a number that is
another quantity of the derivation than the one its place needs (δ_HG where δ_HT belongs,
a layer's term worked out another way) makes the working wrong even where the arithmetic
holds. A wrong value is explained by the :class:`~.diagnose.Diagnoser`, by the smaller of
two routes: the search on the value itself, or the key's own working corrected line by
line, then the search on what the corrected working gives. Equally small explanations are
ordered by what the key itself shows: a working line that writes ``× 64`` rules out
"a mini-batch of 32", and a stated fact ``t = 6`` puts the reading with 6 transforms first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Iterator

from ..errors import KeyFileError
from ..exam import Exam
from ..exam.steps import Answer, Solution, Step, Vector, round_decimal
from .arith import ArithError, BinOp, LineCheck, Node, agrees, decimals_of, evaluate, factors_dropped, is_sum, literals
from .diagnose import Diagnoser, Found, KeyClaim, components, diagnoser, matches, named_values
from .keyfile import KeyEntry, KeyFile, check_against
from .mistakes import Diagnosis, Explanation, Quantity
from .slips import places, slip_code, variants

VERDICTS = ("correct", "wrong", "partly-correct", "correct-value-wrong-working", "missing")
NOTHING = Diagnosis("NO_EXPLANATION", "NO_EXPLANATION")
NOTHING_SINGLE = Diagnosis("NO_EXPLANATION", "NO_EXPLANATION_SINGLE")  # pairs were over the budget (PAIR_BUDGET)
AMBIGUOUS = re.compile(r"^-?[1-9]\d{0,2}[.,]\d{3}$")  # "2,461": thousands, or a decimal comma


@dataclass(frozen=True)
class LineReview:
    number: int  # 1-based among the question's lines
    check: LineCheck
    diagnosis: Diagnosis | None  # None: the arithmetic is right
    terms: Diagnosis | None = None  # a number that is not (or is another) quantity of the derivation
    explained: tuple[Explanation, ...] = ()  # terms that are a step worked out another way

    @property
    def ok(self) -> bool:
        """Right arithmetic, and every number where it belongs."""
        return self.check.ok and self.terms is None and not self.explained


@dataclass(frozen=True)
class ClaimReview:
    value: Any
    derived: Any
    correct: bool
    explanations: tuple[Explanation, ...] = ()
    written: str | None = None  # the key's text, echoed where it can be read two ways
    reading: Diagnosis | None = None  # how an ambiguous text was read (a decimal comma)

    @property
    def verdict(self) -> str:
        return "correct" if self.correct else "wrong"


@dataclass(frozen=True)
class FactReview:
    name: str
    value: Any
    derived: Any
    correct: bool
    explanations: tuple[Explanation, ...] = ()
    symbol: Any = None  # the fact's quantity (δ_HG, t), for messages


@dataclass(frozen=True)
class QuestionReview:
    id: str
    verdict: str
    answer: Answer
    component: str | None
    claims: tuple[ClaimReview, ...]
    lines: tuple[LineReview, ...]
    facts: tuple[FactReview, ...]

    @property
    def right_count(self) -> int:
        return sum(c.correct for c in self.claims)


@dataclass(frozen=True)
class Review:
    exam: Exam
    solution: Solution
    key: KeyFile
    questions: tuple[QuestionReview, ...]

    @property
    def clean(self) -> bool:
        return all(q.verdict == "correct" for q in self.questions)


def number(x: Fraction) -> int | Decimal:
    """An exact fraction as the key would write it: int, or a (long) decimal."""
    if x.denominator == 1:
        return int(x)
    return Decimal(x.numerator) / Decimal(x.denominator)


# --------------------------------------------------------------------------- what the key shows


class Shown:
    """The numbers a key writes for one question and the facts it states: what ranks explanations."""

    def __init__(self, d: Diagnoser, lines: Iterable[LineCheck], facts: list[tuple[int, Any]]):
        self.d = d
        self.numbers: set[Fraction] = set()  # every number written: literals and results
        self.factors: set[Fraction] = set()  # the numbers written as a factor of a product (× 64)
        for line in lines:
            for part in line.parts:
                self.numbers.add(part.value)
                self.numbers.update(lit.value for lit in literals(part.node))
                self.factors.update(_factors(part.node))
        self.facts = facts  # (node, stated value) of every fact the key states

    def order(self, found: tuple[Found, ...], target: Any) -> tuple[Found, ...]:
        """Equally small explanations: those the key's own working and facts agree with first."""
        if len(found) < 2:
            return found
        keyed = []
        for f in found:
            supported, contradicted = self.judge(f, target)
            keyed.append((f.size, contradicted, -supported, f.priority, f))
        keyed.sort(key=lambda k: k[:4])
        best = [k for k in keyed if k[0] == keyed[0][0]]
        if any(not k[1] for k in best):  # what the working rules out goes, if anything else fits
            best = [k for k in best if not k[1]]
        return tuple(k[4] for k in best)

    def judge(self, f: Found, target: Any) -> tuple[int, bool]:
        """(how many of its changes the key shows or states, whether the key's working rules it out).

        A given number changed (the batch, a padding) is shown when the working multiplies by
        the changed value and not by the right one, and ruled out the other way round (a line
        with ``× 64`` rules out a batch of 32). A derived quantity changed is shown when the
        working writes its value (at least 10: small numbers are everywhere). A stated fact is
        shown when the explanation makes it true.
        """
        g, ev = self.d.graph, self.d.evaluator
        graph_parts = tuple(p for p in f.parts if p.reading is None)
        state = ev.state(graph_parts, target) if graph_parts else None
        supported, contradicted = 0, False
        if state is not None:
            extra = tuple(sorted({e for p in graph_parts for e in p.extra}))
            formulas = {k: v for p in graph_parts for k, v in p.formulas.items()}
            edited = frozenset().union(*(p.edited for p in graph_parts))
            for nid in g.cone(edited, target, extra, formulas):
                v = state[nid]
                if g.nodes[nid].ir is not None and v != g.base[nid] and _shows(self.numbers, v, 10):
                    supported += 1
            for p in graph_parts:
                if p.code == "CARRIED_OVER":
                    continue
                for nid, v in p.values.items():
                    right = g.base[nid]
                    if _shows(self.factors, v, 0) and not _shows(self.factors, right, 0):
                        supported += 1
                    elif _shows(self.factors, right, 0) and not _shows(self.factors, v, 0):
                        contradicted = True
        for nid, stated in self.facts:
            got = ev.value(graph_parts, nid) if graph_parts else None
            if got is not None and got != g.base[nid] and matches(stated, got, None):
                supported += 1
        return supported, contradicted


def _shows(numbers: set[Fraction], v: Any, least: int = 2) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, Fraction, Decimal)):
        return False
    x = Fraction(v)
    return abs(x) >= least and x in numbers


def _factors(node: Node) -> Iterator[Fraction]:
    """Numbers written as an operand of a product."""
    from .arith import Neg, Num

    if isinstance(node, BinOp):
        if node.op == "*":
            for side in (node.left, node.right):
                inner = side.operand if isinstance(side, Neg) else side
                if isinstance(inner, Num):
                    yield inner.value
        yield from _factors(node.left)
        yield from _factors(node.right)
    elif isinstance(node, Neg):
        yield from _factors(node.operand)


# --------------------------------------------------------------------------- working lines


def diagnose_line(check: LineCheck, n: int) -> Diagnosis | None:
    """The slip that makes a wrong line; None when it is right."""
    if check.ok:
        return None
    bad = check.bad or 1
    left, right = check.parts[bad - 1], check.parts[bad]
    shown = decimals_of(right.node)
    base = {"line": n, "right": number(left.value), "written": number(right.value)}
    code = slip_code(number(left.value), number(right.value), shown)
    if code:
        return Diagnosis(code, f"line.{code}", base)
    for variant in factors_dropped(left.node):
        if _agrees(variant, {}, right.value, shown):
            return Diagnosis("FACTOR_OMITTED", "line.FACTOR_OMITTED", base)
    for lit in literals(left.node):
        for code, v in variants(lit.value, lit.decimals):
            if _agrees(left.node, {lit.index: v}, right.value, shown):
                return Diagnosis(code, f"line.operand.{code}",
                                 {**base, "operand": number(lit.value), "meant": number(v)})
    code = "SUM_MISMATCH" if is_sum(left.node) else "ARITHMETIC"
    return Diagnosis(code, f"line.{code}", base)


def _first_sum(node: Node) -> Node | None:
    if is_sum(node):
        return node
    for child in (getattr(node, "operand", None), getattr(node, "left", None), getattr(node, "right", None)):
        found = _first_sum(child) if child is not None else None
        if found is not None:
            return found
    return None


def _addends(node: Node) -> list[Node]:
    if isinstance(node, BinOp) and node.op == "+":
        return _addends(node.left) + _addends(node.right)
    return [node]


def _sum_terms(check: LineCheck, answer: Answer) -> tuple[list[Fraction], list[Fraction]]:
    """(every term, the terms no step of the derivation has) of the line's first sum."""
    total = _first_sum(check.parts[0].node)
    if total is None:
        return [], []
    known = {st.value for st in answer.steps if isinstance(st.value, int)}
    terms = [evaluate(t) for t in _addends(total)]
    return terms, [t for t in terms if t not in known]


def _parts(answer: Answer) -> list[Step]:
    """The steps the answer's total adds up (F_1 … F_L for a network total)."""
    defined = {st.symbol: st for st in answer.steps}
    summed = max(answer.steps, key=lambda st: sum(s in defined for s in st.values))
    return [defined[s] for s in summed.values if s in defined]


def _quantity(step: Step) -> Quantity:
    return Quantity(step.symbol, step.args.get("layer"))


def explained_terms(d: Diagnoser, qid: str, check: LineCheck, n: int, answer: Answer, earlier: tuple[KeyClaim, ...],
                    shown: Shown) -> tuple[Explanation, ...]:
    """Terms of a sum that are one of its parts under the smallest explanation (e.g. pooling counted)."""
    terms, unmatched = _sum_terms(check, answer)
    if not unmatched or len(unmatched) == len(terms):
        return ()
    out = []
    scope = {**d.graph.links.get(qid, {}), **d.graph.scopes.get(qid, {})}
    for term in unmatched:
        if term.denominator != 1:
            continue
        for step in _parts(answer):
            nid = scope.get(step.symbol)
            found = d.explain_node(qid, nid, int(term), earlier) if nid is not None else ()
            if found:
                best = shown.order(found, nid)[0]
                args = {"line": n, "term": int(term), "terms": (int(term),), "symbol": _quantity(step),
                        "right": step.value, "step": str(step.symbol)}
                if best.slip is not None and not best.parts:  # only a slip of the pen
                    head = Diagnosis("WRONG_TERM", "line.WRONG_TERM_FOR", args)
                else:
                    head = Diagnosis("TERM_EXPLAINED", "line.TERM_EXPLAINED", args)
                out.append((head, *best.diagnoses))
                break
    return tuple(out)


def wrong_terms(check: LineCheck, n: int, answer: Answer, explained: tuple[Explanation, ...] = ()) -> Diagnosis | None:
    """In a sum, the terms that are no quantity of the derivation (and which one they stand for)."""
    terms, unmatched = _sum_terms(check, answer)
    accounted = {Fraction(e[0].args["term"]) for e in explained}
    unmatched = [t for t in unmatched if t not in accounted]
    if not unmatched or len(unmatched) + len(accounted) == len(terms):
        return None
    args = {"line": n, "terms": tuple(number(t) for t in unmatched)}
    taken = {e[0].args["step"] for e in explained}
    step = _standing_for(answer, terms, len(unmatched), taken)
    if step is None:
        return Diagnosis("WRONG_TERM", "line.WRONG_TERM", args)
    return Diagnosis("WRONG_TERM", "line.WRONG_TERM_FOR", {**args, "symbol": _quantity(step), "right": step.value})


def _standing_for(answer: Answer, terms: list[Fraction], unmatched: int, taken: set[str]) -> Step | None:
    """The one step of the sum's own kind whose value no term gives, if exactly one term is off."""
    if unmatched != 1:
        return None
    missing = [st for st in _parts(answer) if isinstance(st.value, int) and st.value and st.value not in terms
               and str(st.symbol) not in taken]
    return missing[0] if len(missing) == 1 else None


def wrong_operand(d: Diagnoser, qid: str, check: LineCheck, n: int) -> Diagnosis | None:
    """A number of the line that is another quantity than the one its place needs (δ_HG for δ_HT).

    A literal is where it belongs when it states (at its own precision) some quantity the
    answer is derived from. One that states none of them but states another quantity of
    the same family (another class's, another layer's), while that family's own quantity
    of this answer appears nowhere on the line, stands in its place.
    """
    g = d.graph
    own = [nid for nid in g.ancestors(d.view(qid).target) if g.nodes[nid].symbol is not None]
    head = check.parts[0].node
    lits = list(literals(head))
    if not lits or not any(lit.decimals for lit in lits):  # integer lines: the sum check above
        return None
    signed = {lit.index: _signed(head, lit) for lit in lits}

    def family(nid: int) -> str:
        return g.nodes[nid].name.rpartition("_")[0] or g.nodes[nid].name

    def shown(nid: int) -> bool:
        return any(_states(signed[x.index], x.decimals, g.base[nid]) for x in lits)

    for lit in lits:
        value = signed[lit.index]
        if any(_states(value, lit.decimals, g.base[nid]) for nid in own):
            continue
        for nid, node in enumerate(g.nodes):
            if nid in own or node.symbol is None or not _states(value, lit.decimals, g.base[nid]):
                continue
            missing = [o for o in own if family(o) == family(nid) and g.nodes[o].name != node.name and not shown(o)]
            if len(missing) == 1:
                mine = g.nodes[missing[0]]
                return Diagnosis("WRONG_TERM", "line.WRONG_OPERAND",
                                 {"line": n, "terms": (number(value),), "used": Quantity(node.symbol, node.layer),
                                  "symbol": Quantity(mine.symbol, mine.layer),
                                  "right": _shown(g.base[mine.id], lit.decimals)})
    return None


def _number(v: Any) -> bool:
    return isinstance(v, (int, Fraction, Decimal)) and not isinstance(v, bool)


def _states(written: Fraction, decimals: int, v: Any) -> bool:
    if not _number(v):
        return False
    if decimals == 0:
        return Fraction(v) == written
    return round_decimal(v, decimals) == number(written)


def _shown(v: Any, decimals: int) -> Any:
    return round_decimal(v, decimals) if decimals and not isinstance(v, int) else v


def _signed(node: Node, lit: Any) -> Fraction:
    """A literal's value with the sign written right before it (``(-0.8699)`` is −0.8699)."""
    from .arith import Neg, Num

    def walk(n: Node, negated: bool) -> Fraction | None:
        if isinstance(n, Num):
            return (-n.value if negated else n.value) if n.index == lit.index else None
        if isinstance(n, Neg):
            return walk(n.operand, not negated)
        return walk(n.left, False) or walk(n.right, False)

    found = walk(node, False)
    return found if found is not None else lit.value


def _agrees(node: Any, values: dict, written: Fraction, shown: int) -> bool:
    try:
        return agrees(evaluate(node, values), written, shown)
    except ArithError:  # a variant that divides by zero explains nothing
        return False


def corrections(lines: tuple[LineReview, ...]) -> dict[Fraction, tuple[Fraction, tuple[LineReview, ...]]]:
    """Written value → (value the corrected working gives, wrong lines on the way)."""
    fixes: dict[Fraction, tuple[Fraction, tuple[LineReview, ...]]] = {}
    for line in lines:
        head = line.check.parts[0].node
        used = [lit for lit in literals(head) if lit.value in fixes]
        try:
            right = evaluate(head, {lit.index: fixes[lit.value][0] for lit in used})
        except ArithError:
            continue
        written = line.check.written
        if not agrees(right, written, decimals_of(line.check.parts[-1].node)):
            chain = tuple(x for lit in used for x in fixes[lit.value][1])
            fixes[written] = (right, chain + ((line,) if not line.check.ok else ()))
    return fixes


# --------------------------------------------------------------------------- one question


def _explain(d: Diagnoser, claim: KeyClaim, derived: Any, decimals: int | None, fixes: dict,
             earlier: tuple[KeyClaim, ...], shown: Shown) -> tuple[Explanation, ...]:
    target = d.view(claim.qid, claim.component).target
    direct = shown.order(d.search(claim.qid, claim.value, claim.component, earlier), target)
    routes: list[tuple[int, int, tuple[Explanation, ...]]] = []
    if direct:
        routes.append((direct[0].size, 1, tuple(f.diagnoses for f in direct)))
    if not isinstance(claim.value, tuple) and Fraction(claim.value) in fixes:
        fixed, chain = fixes[Fraction(claim.value)]
        slips = tuple(line.diagnosis for line in chain if line.diagnosis)
        value = number(fixed)
        if matches(value, derived, decimals):
            routes.append((len(slips), 0, (slips,)))
        else:
            rest = shown.order(d.search(claim.qid, value, claim.component, earlier), target)
            if rest:
                routes.append((len(slips) + rest[0].size, 0, tuple(slips + f.diagnoses for f in rest)))
    if not routes:
        return ((NOTHING_SINGLE if claim.qid in d.pairs_skipped else NOTHING,),)
    from .diagnose import MAX_EXPLANATIONS

    return min(routes, key=lambda r: (r[0], r[1]))[2][:MAX_EXPLANATIONS]


def _readings(value: Any, written: Any, decimals: int | None) -> list[tuple[Any, Diagnosis | None]]:
    """The claim as read, and, for a text like 2,461 in a question asking decimals, with a decimal comma."""
    if not isinstance(written, str) or not AMBIGUOUS.match(written.strip()) or decimals is None:
        return [(value, None)]
    text = written.strip()
    other = Decimal(text.replace(",", ".").replace(".", ".", 1)) if "," in text else Decimal(text)
    if isinstance(value, int) and Decimal(value) != other:
        note = Diagnosis("DECIMAL_COMMA", "DECIMAL_COMMA", {"written": text, "value": other})
        return [(other, note), (value, None)]
    return [(value, None)]


def review_question(d: Diagnoser, solution: Solution, entry: KeyEntry | None, answer: Answer,
                    earlier: tuple[KeyClaim, ...], facts: list[tuple[int, Any]]) -> QuestionReview:
    if entry is None or not entry.claims:
        return QuestionReview(answer.id, "missing", answer, entry.component if entry else None, (), (), ())
    qid = answer.id
    derived = d.right(qid, entry.component) if entry.component is not None else answer.value
    shown = Shown(d, entry.working, facts)
    reviewed = []
    for i, c in enumerate(entry.working, start=1):
        explained = explained_terms(d, qid, c, i, answer, earlier, shown)
        terms = wrong_terms(c, i, answer, explained) or wrong_operand(d, qid, c, i)
        reviewed.append(LineReview(i, c, diagnose_line(c, i), terms, explained))
    lines = tuple(reviewed)
    fixes = corrections(lines)
    claims = []
    for k, value in enumerate(entry.claims):
        written = entry.written[k] if k < len(entry.written) else None
        options = _readings(value, written, answer.decimals)
        pick = next(((v, note) for v, note in options if matches(v, derived, answer.decimals)), options[0])
        v, note = pick
        ok = matches(v, derived, answer.decimals)
        why = () if ok else _explain(d, KeyClaim(qid, entry.component, v), derived, answer.decimals, fixes,
                                     earlier, shown)
        echo = written.strip() if note is not None and isinstance(written, str) else None
        if isinstance(derived, Vector) and isinstance(v, tuple):  # a list of numbers, not a shape
            v = Vector(v)
        claims.append(ClaimReview(v, derived, ok, why, echo, note))
    fact_reviews = tuple(_fact(d, answer, name, value) for name, value in entry.facts.items())
    right = sum(c.correct for c in claims)
    if right == 0:
        verdict = "wrong"
    elif right < len(claims):
        verdict = "partly-correct"
    elif not all(line.ok for line in lines) or not all(f.correct for f in fact_reviews):
        verdict = "correct-value-wrong-working"
    else:
        verdict = "correct"
    return QuestionReview(qid, verdict, answer, entry.component, tuple(claims), lines, fact_reviews)


def _fact_node(d: Diagnoser, answer: Answer, name: str) -> int | None:
    g = d.graph
    for st in answer.steps:
        for s in (st.symbol, *st.values):
            if str(s) == name:
                return g.resolve(answer.id, s)
    return None


def _fact(d: Diagnoser, answer: Answer, name: str, value: Any) -> FactReview:
    known = named_values(answer)
    if name not in known:
        raise KeyFileError(f"questions.{answer.id}.facts.{name}: no quantity"
                           f" named {name!r} in the derivation of {answer.id} (known: {', '.join(sorted(known))})")
    derived = known[name]
    ok = matches(value, derived, places(value) if isinstance(value, Decimal) else None)
    nid = _fact_node(d, answer, name)
    symbol = d.graph.nodes[nid].symbol if nid is not None else None
    if ok or nid is None:
        return FactReview(name, value, derived, ok, () if ok else ((NOTHING,),), symbol)
    found = tuple(f for f in d.explain_node(answer.id, nid, value) if f.size == 1 and f.slip is None)
    return FactReview(name, value, derived, ok, tuple(f.diagnoses for f in found[:4]) or ((NOTHING,),), symbol)


# --------------------------------------------------------------------------- the whole key


def review(key: KeyFile, solution: Solution) -> Review:
    """Judge every question of the exam against the key."""
    names = components(solution)
    key = check_against(key, solution, names)
    d = diagnoser(solution)
    claims = [KeyClaim(qid, e.component, c) for qid, e in key.entries.items() for c in e.claims]
    facts = []
    for qid, e in key.entries.items():
        for name, value in e.facts.items():
            nid = _fact_node(d, solution.answer(qid), name)
            if nid is not None:
                facts.append((nid, value))
    questions = []
    for answer in solution.answers:
        try:
            questions.append(review_question(d, solution, key.entries.get(answer.id), answer, tuple(claims), facts))
        except KeyFileError as e:
            raise KeyFileError(f"{key.source}: {e}") from None
    return Review(solution.exam, solution, key, tuple(questions))

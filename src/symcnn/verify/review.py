"""Verdicts: each question of a key judged against the derivation, with diagnoses.

``correct``, ``wrong`` (some claimed value is wrong), ``correct-value-wrong-working``
(every value right, but a working line or a stated fact is wrong) or ``missing``.
Working lines are checked arithmetically; a wrong line is diagnosed by the slip that
makes it (a changed digit in the result or in an operand, a factor left out, a sum that
does not add up). A wrong value is explained by the smaller of two routes: the search
on the value itself, or the key's own working corrected line by line, then the search
on what the corrected working gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..errors import KeyFileError
from ..exam import Exam
from ..exam.steps import Answer, Solution, Step
from .arith import ArithError, BinOp, LineCheck, Node, agrees, decimals_of, evaluate, factors_dropped, is_sum, literals
from .diagnose import Diagnosis, Explanation, KeyClaim, Search, components, matches, named_values
from .keyfile import KeyEntry, KeyFile, check_against
from .slips import places, slip_code, variants

VERDICTS = ("correct", "wrong", "correct-value-wrong-working", "missing")
NOTHING = Diagnosis("NO_EXPLANATION", "NO_EXPLANATION")


@dataclass(frozen=True)
class LineReview:
    number: int  # 1-based among the question's lines
    check: LineCheck
    diagnosis: Diagnosis | None  # None: the line is right
    terms: Diagnosis | None = None  # a sum whose terms are not all quantities of the derivation
    explained: tuple[Explanation, ...] = ()  # terms that are a step worked out another way

    @property
    def ok(self) -> bool:
        return self.check.ok


@dataclass(frozen=True)
class ClaimReview:
    value: Any
    derived: Any
    correct: bool
    explanations: tuple[Explanation, ...] = ()


@dataclass(frozen=True)
class FactReview:
    name: str
    value: Any
    derived: Any
    correct: bool
    explanations: tuple[Explanation, ...] = ()


@dataclass(frozen=True)
class QuestionReview:
    id: str
    verdict: str
    answer: Answer
    component: str | None
    claims: tuple[ClaimReview, ...]
    lines: tuple[LineReview, ...]
    facts: tuple[FactReview, ...]


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


def explained_terms(search: Search, q: Any, check: LineCheck, n: int, answer: Answer) -> tuple[Explanation, ...]:
    """Terms of a sum that are one of its parts under the smallest explanation (e.g. pooling counted)."""
    terms, unmatched = _sum_terms(check, answer)
    if not unmatched or len(unmatched) == len(terms):
        return ()
    out = []
    parts = _parts(answer)
    for term in unmatched:
        if term.denominator != 1:
            continue
        for step in parts:
            found = search.explain_step(q, step.symbol, int(term))
            if found:
                layer = step.args.get("layer")
                symbol = f"{step.symbol} ({layer})" if layer else str(step.symbol)
                args = {"line": n, "term": int(term), "terms": (int(term),), "symbol": symbol,
                        "right": step.value, "step": str(step.symbol)}
                if all(d.key.startswith("value.") for d in found[0]):  # only a slip of the pen
                    head = Diagnosis("WRONG_TERM", "line.WRONG_TERM_FOR", args)
                else:
                    head = Diagnosis("TERM_EXPLAINED", "line.TERM_EXPLAINED", args)
                out.append((head, *found[0]))
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
    return Diagnosis("WRONG_TERM", "line.WRONG_TERM_FOR", {**args, "symbol": str(step.symbol), "right": step.value})


def _standing_for(answer: Answer, terms: list[Fraction], unmatched: int, taken: set[str]) -> Step | None:
    """The one step of the sum's own kind whose value no term gives, if exactly one term is off."""
    if unmatched != 1:
        return None
    missing = [st for st in _parts(answer) if isinstance(st.value, int) and st.value and st.value not in terms
               and str(st.symbol) not in taken]
    return missing[0] if len(missing) == 1 else None


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
            fixes[written] = (right, chain + ((line,) if not line.ok else ()))
    return fixes


# --------------------------------------------------------------------------- one question


def _explain(search: Search, q: Any, claim: KeyClaim, derived: Any, decimals: int | None,
             fixes: dict) -> tuple[Explanation, ...]:
    direct = search.explain(q, claim)
    routes: list[tuple[int, int, tuple[Explanation, ...]]] = []
    if direct:
        routes.append((len(direct[0]), 1, direct))
    if not isinstance(claim.value, tuple) and Fraction(claim.value) in fixes:
        fixed, chain = fixes[Fraction(claim.value)]
        slips = tuple(line.diagnosis for line in chain if line.diagnosis)
        value = number(fixed)
        if matches(value, derived, decimals):
            routes.append((len(slips), 0, (slips,)))
        else:
            rest = search.explain(q, KeyClaim(claim.qid, claim.component, value))
            if rest:
                routes.append((len(slips) + len(rest[0]), 0, tuple(slips + e for e in rest)))
    if not routes:
        return ((NOTHING,),)
    return min(routes, key=lambda r: (r[0], r[1]))[2]


def review_question(search: Search, solution: Solution, entry: KeyEntry | None, answer: Answer) -> QuestionReview:
    q = next(x for x in solution.exam.questions if x.id == answer.id)
    if entry is None or not entry.claims:
        return QuestionReview(answer.id, "missing", answer, entry.component if entry else None, (), (), ())
    names = search.names.get(answer.id, ())
    derived = answer.value[names.index(entry.component)] if entry.component is not None else answer.value
    reviewed = []
    for i, c in enumerate(entry.working, start=1):
        explained = explained_terms(search, q, c, i, answer)
        reviewed.append(LineReview(i, c, diagnose_line(c, i), wrong_terms(c, i, answer, explained), explained))
    lines = tuple(reviewed)
    fixes = corrections(lines)
    claims = []
    for value in entry.claims:
        ok = matches(value, derived, answer.decimals)
        why = () if ok else _explain(search, q, KeyClaim(answer.id, entry.component, value), derived,
                                     answer.decimals, fixes)
        claims.append(ClaimReview(value, derived, ok, why))
    facts = tuple(_fact(search, q, answer, name, value, solution) for name, value in entry.facts.items())
    if not all(c.correct for c in claims):
        verdict = "wrong"
    elif not all(line.ok for line in lines) or not all(f.correct for f in facts):
        verdict = "correct-value-wrong-working"
    else:
        verdict = "correct"
    return QuestionReview(answer.id, verdict, answer, entry.component, tuple(claims), lines, facts)


def _fact(search: Search, q: Any, answer: Answer, name: str, value: Any, solution: Solution) -> FactReview:
    known = named_values(answer)
    if name not in known:
        raise KeyFileError(f"questions.{answer.id}.facts.{name}: no quantity"
                           f" named {name!r} in the derivation of {answer.id} (known: {', '.join(sorted(known))})")
    derived = known[name]
    ok = matches(value, derived, places(value) if isinstance(value, Decimal) else None)
    return FactReview(name, value, derived, ok, () if ok else (search.explain_fact(q, name, value) or ((NOTHING,),)))


# --------------------------------------------------------------------------- the whole key


def review(key: KeyFile, solution: Solution) -> Review:
    """Judge every question of the exam against the key."""
    names = components(solution)
    check_against(key, solution, names)
    claims = {qid: tuple(KeyClaim(qid, e.component, c) for c in e.claims) for qid, e in key.entries.items()}
    search = Search(solution.exam, solution, claims, {e.id: e.facts for e in key.entries.values()})
    questions = []
    for answer in solution.answers:
        try:
            questions.append(review_question(search, solution, key.entries.get(answer.id), answer))
        except KeyFileError as e:
            raise KeyFileError(f"{key.source}: {e}") from None
    return Review(solution.exam, solution, key, tuple(questions))

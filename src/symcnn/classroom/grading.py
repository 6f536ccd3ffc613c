"""Grade a class: every response's every cell judged against that student's variant, with a diagnosis.

Per response and question the verdict is ``correct``, ``wrong``, ``missing`` (a blank
cell), ``unreadable`` (not a number of the question's kind: the cell is quoted) or
``ungraded`` (the response names a variant code the set does not have: reported, never
dropped). A value is judged as ``symcnn verify`` judges a key: integers exactly, rounded
answers at the question's decimals (:func:`symcnn.verify.diagnose.matches`). A wrong value
is explained by the mistake model on the student's own variant, with the student's own
earlier answers: a value right given an earlier wrong answer of theirs (``CARRIED_OVER``
alone) earns ``carried_credit`` of the question's points. A cell that reads two ways
(``1,234``) is graded both ways: right if either reading is right, else explained by the
reading with the smaller explanation (the language's reading first).

Solutions and diagnosers are built once per variant and shared by its students; the
diagnoser caches explanations per (question, value, earlier answers), so a wrong value
that many students share is explained once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from ..errors import SpecError, SymcnnError
from ..exam import Exam
from ..exam.spec import load_exam, parse_exam
from ..exam.steps import Solution
from ..fileio import read_text
from ..verify.diagnose import Diagnoser, diagnoser, matches
from ..verify.mistakes import Explanation
from .cells import Cell, read_cell, structure_of
from .forms import Response, Responses
from .pool import default_workers, forked_each

VERDICTS = ("correct", "wrong", "missing", "unreadable", "ungraded")
DEFAULT_POINTS = Fraction(1)  # a question the spec gives no points
SHARED = 3  # unexplained wrong values at least this many students share are listed for the lecturer


@dataclass(frozen=True)
class Mark:
    """One question of one response, judged."""

    qid: str
    verdict: str
    points: Fraction
    typed: str  # the cell as typed
    right: Any  # the right value on the student's variant (None: ungraded)
    out_of: Fraction = Fraction(0)  # the question's points on the student's variant
    value: Any = None  # the reading graded (None: blank, unreadable, ungraded)
    readings: tuple[Any, ...] = ()  # every reading of the cell (two when it is ambiguous)
    explanations: tuple[Explanation, ...] = ()  # best first; () when right, or nothing explains it
    carried: bool = False  # right given the student's own earlier wrong answer
    why: str | None = None  # unreadable: the catalogue key of the reason
    why_args: tuple[tuple[str, Any], ...] = ()

    @property
    def code(self) -> str:
        """The diagnosis code of the best explanation (``A + B`` for two mistakes); ``""`` when none applies."""
        if self.verdict != "wrong":
            return ""
        if not self.explanations:
            return "NO_EXPLANATION"
        return " + ".join(d.code for d in self.explanations[0])

    @property
    def codes(self) -> frozenset[str]:
        """Every code of every equally small explanation."""
        return frozenset(d.code for e in self.explanations for d in e)


@dataclass(frozen=True)
class Graded:
    """One response, graded: its marks in the exam's question order and its total."""

    response: Response
    variant: str  # the code as graded ("" for a single exam)
    known: bool  # the variant was found
    marks: tuple[Mark, ...]
    counts: bool  # the last response from its email (every response without an email counts)

    @cached_property
    def total(self) -> Fraction | None:
        return sum((m.points for m in self.marks), Fraction(0)) if self.known else None


@dataclass(frozen=True)
class Question:
    """What grading needs of a question: its id, points and the base exam's kind."""

    id: str
    points: Fraction
    kind: str


@dataclass(frozen=True)
class ClassResult:
    title: str
    language: str  # the exam's: how cells were read
    questions: tuple[Question, ...]
    carried_credit: Fraction
    responses: Responses
    graded: tuple[Graded, ...]
    variants: tuple[str, ...]  # the codes the set has ("" for a single exam)

    @property
    def max_total(self) -> Fraction:
        return sum((q.points for q in self.questions), Fraction(0))

    @property
    def counting(self) -> tuple[Graded, ...]:
        """The responses the class statistics use: the last of each email, with a known variant."""
        return tuple(g for g in self.graded if g.counts and g.known)

    @property
    def unknown(self) -> tuple[Graded, ...]:
        return tuple(g for g in self.graded if not g.known)


# --------------------------------------------------------------------------- the exams


class Exams:
    """The exam (or every variant) a class may have answered, solved on first use."""

    def __init__(self, base: Exam, loaders: Mapping[str, Callable[[], Exam]]):
        self.base = base
        self.loaders = dict(loaders)  # code → loader ("" for a single exam)
        self._solved: dict[str, tuple[Solution, Diagnoser]] = {}

    @property
    def single(self) -> bool:
        return list(self.loaders) == [""]

    def code(self, typed: str) -> str | None:
        """The variant a typed code names (case and spaces ignored); None when the set has none such."""
        if self.single:
            return ""
        key = "".join(typed.split()).upper()
        return key if key in self.loaders else None

    def solved(self, code: str) -> tuple[Solution, Diagnoser]:
        if code not in self._solved:
            from ..exam.solve import solve

            solution = solve(self.loaders[code]())
            self._solved[code] = (solution, diagnoser(solution))
        return self._solved[code]


def single_exam(path: str | Path | None) -> Exams:
    exam = load_exam(path)
    return Exams(exam, {"": lambda: exam})


def _loader(spec: Path) -> Callable[[], Exam]:
    return lambda: parse_exam(read_text(spec, SpecError), str(spec))


def variant_set(folder: str | Path) -> Exams:
    """A set written by ``symcnn variants``: ``DIR/<code>/exam.toml`` per code listed in ``DIR/index.csv``."""
    import csv
    import io

    root = Path(folder)
    index = root / "index.csv"
    if not root.is_dir():
        raise SymcnnError(f"{root}: no such folder (--variants names what `symcnn variants --out DIR` wrote)")
    rows = list(csv.reader(io.StringIO(read_text(index, SpecError))))
    if not rows or rows[0][:1] != ["code"]:
        raise SpecError(f"{index}: not a variant index (its first column must be 'code')")
    codes = [r[0] for r in rows[1:] if r and r[0].strip()]
    if not codes:
        raise SpecError(f"{index}: lists no variant")
    loaders: dict[str, Callable[[], Exam]] = {}
    for code in codes:
        spec = root / code / "exam.toml"
        if not spec.is_file():
            raise SpecError(f"{index}: variant {code} has no {spec}")
        loaders[code.upper()] = _loader(spec)
    first = next(iter(loaders.values()))()
    return Exams(first, loaders)


# --------------------------------------------------------------------------- one cell


def judge(d: Diagnoser, qid: str, cell: Cell, points: Fraction, credit: Fraction, earlier: Mapping[str, Any],
          decimals: int | None) -> Mark:
    right = d.right(qid)
    if cell.status == "blank":
        return Mark(qid, "missing", Fraction(0), cell.text, right, points)
    if cell.status == "unreadable":
        return Mark(qid, "unreadable", Fraction(0), cell.text, right, points, why=cell.why, why_args=cell.why_args)
    for v in cell.readings:
        if matches(v, right, decimals):
            return Mark(qid, "correct", points, cell.text, right, points, v, cell.readings)
    value, explanations = cell.readings[0], d.explain(qid, cell.readings[0], None, earlier)
    for v in cell.readings[1:]:  # the other reading, where it may explain more simply
        if explanations and len(explanations[0]) == 1:
            break
        found = d.explain(qid, v, None, earlier)
        if found and (not explanations or len(found[0]) < len(explanations[0])):
            value, explanations = v, found
    carried = bool(explanations) and all(x.code == "CARRIED_OVER" for x in explanations[0])
    return Mark(qid, "wrong", points * credit if carried else Fraction(0), cell.text, right, points, value,
                cell.readings, explanations, carried)


# --------------------------------------------------------------------------- the class


def grade(responses: Responses, exams: Exams, credit: Fraction | None = None,
          progress: Callable[[int], None] | None = None, workers: int | None = None) -> ClassResult:
    """Grade every response (in the file's order) against its variant.

    >>> from .forms import Response, Responses
    >>> exams = single_exam(None)  # the seed exam
    >>> solution, d = exams.solved("")
    >>> lost = d.right("4a") // solution.exam.inference_bytes  # the bytes per value left out
    >>> r = Response(1, "an@school.edu", "An", "", {"1a": f"{d.right('1a'):,}", "4a": str(lost), "4b": "?"})
    >>> result = grade(Responses("<doc>", "map", {}, None, None, None, (r,), ()), exams)
    >>> [(m.qid, m.verdict, m.code) for m in result.graded[0].marks if m.verdict != "missing"]
    [('1a', 'correct', ''), ('4a', 'wrong', 'BYTES_PER_VALUE'), ('4b', 'unreadable', '')]

    With a set of variants, each variant's responses are graded together, on up to
    ``workers`` forked processes (default: one per core): a variant is solved once, in
    the worker that grades it. The result is the same for any number of workers.
    """
    base = exams.base
    credit = base.carried_credit if credit is None else credit
    questions = tuple(Question(q.id, q.points if q.points is not None else DEFAULT_POINTS, q.kind)
                      for q in base.questions)
    last: dict[str, int] = {}
    for r in responses.rows:
        key = r.email.strip().casefold()
        if key and key != "anonymous":
            last[key] = r.row
    counts = [last.get(r.email.strip().casefold(), r.row) == r.row for r in responses.rows]
    groups: dict[str | None, list[int]] = {}
    for i, r in enumerate(responses.rows):
        groups.setdefault(exams.code(r.variant), []).append(i)
    graded: list[Graded | None] = [None] * len(responses.rows)
    done = 0
    for i in groups.pop(None, []):
        graded[i] = grade_one(responses.rows[i], exams, questions, credit, counts[i])
        done += 1
    if progress is not None:
        progress(done)
    n = default_workers() if workers is None else workers
    state = (responses, exams, questions, credit, counts, groups)
    codes = sorted(groups, key=lambda c: -len(groups[c]))  # the largest first: the workers finish together
    with forked_each(_grade_variant, state, n if len(codes) > 1 and not exams.single else 1) as run:
        for part in run(codes):
            for i, g in part:
                graded[i] = g
                done += 1
            if progress is not None:
                progress(done)
    assert all(g is not None for g in graded)
    return ClassResult(base.title, base.language, questions, credit, responses, tuple(g for g in graded if g),
                       tuple(exams.loaders))


def _grade_variant(state: tuple, code: str) -> list[tuple[int, Graded]]:
    responses, exams, questions, credit, counts, groups = state
    return [(i, grade_one(responses.rows[i], exams, questions, credit, counts[i])) for i in groups[code]]


def grade_one(r: Response, exams: Exams, questions: tuple[Question, ...], credit: Fraction, counts: bool) -> Graded:
    code = exams.code(r.variant)
    if code is None:
        ungraded = tuple(Mark(q.id, "ungraded", Fraction(0), r.cells.get(q.id, ""), None, q.points)
                         for q in questions)
        return Graded(r, r.variant, False, ungraded, counts)
    solution, d = exams.solved(code)
    lang = solution.exam.language
    exam_points = {q.id: q.points for q in solution.exam.questions}
    earlier: dict[str, Any] = {}
    marks: list[Mark] = []
    for q in questions:
        answer = solution.answer(q.id)
        points = exam_points.get(q.id) or q.points
        integer = answer.decimals is None
        cell = read_cell(r.cells.get(q.id, ""), structure_of(answer.value), lang, integer)
        mark = judge(d, q.id, cell, points, credit, earlier, answer.decimals)
        if mark.value is not None:
            earlier[q.id] = mark.value
        marks.append(mark)
    return Graded(r, code, True, tuple(marks), counts)


# --------------------------------------------------------------------------- what the class did


@dataclass(frozen=True)
class QuestionStats:
    id: str
    answered: int  # counting responses (known variant)
    correct: int
    carried: int
    missing: int
    unreadable: int
    mistakes: tuple[tuple[str, int], ...]  # diagnosis code → students, most common first
    unexplained: tuple[tuple[Any, int, tuple[str, ...]], ...]  # (value as graded, students, variants), ≥ SHARED

    @property
    def success(self) -> Fraction:
        return Fraction(self.correct, self.answered) if self.answered else Fraction(0)


def question_stats(result: ClassResult, value_key: Callable[[Any], str] = str) -> tuple[QuestionStats, ...]:
    out = []
    rows = result.counting
    for i, q in enumerate(result.questions):
        marks = [g.marks[i] for g in rows]
        mistakes: Counter[str] = Counter(m.code for m in marks if m.verdict == "wrong" and m.explanations)
        lost: Counter[str] = Counter()
        variants: dict[str, set[str]] = {}
        values: dict[str, Any] = {}
        for g in rows:
            m = g.marks[i]
            if m.verdict == "wrong" and not m.explanations:
                k = value_key(m.value)
                lost[k] += 1
                variants.setdefault(k, set()).add(g.variant)
                values.setdefault(k, m.value)
        shared = tuple((values[k], n, tuple(sorted(variants[k])))
                       for k, n in sorted(lost.items(), key=lambda x: (-x[1], x[0])) if n >= SHARED)
        out.append(QuestionStats(q.id, len(marks), sum(m.verdict == "correct" for m in marks),
                                 sum(m.carried for m in marks), sum(m.verdict == "missing" for m in marks),
                                 sum(m.verdict == "unreadable" for m in marks),
                                 tuple(sorted(mistakes.items(), key=lambda x: (-x[1], x[0]))), shared))
    return tuple(out)


def histogram(result: ClassResult, bins: int = 10) -> list[tuple[Fraction, Fraction, int]]:
    """(from, to, students) over 0 … the exam's total in ``bins`` equal bins; the last includes its end."""
    top = result.max_total or Fraction(1)
    width = top / bins
    counts = [0] * bins
    for g in result.counting:
        t = g.total or Fraction(0)
        counts[min(bins - 1, int(t / width))] += 1
    return [(width * k, width * (k + 1), counts[k]) for k in range(bins)]


def unknown_codes(result: ClassResult) -> Counter[str]:
    return Counter(g.response.variant for g in result.unknown)


def rows_of(items: Iterable[Graded]) -> list[int]:
    return [g.response.row for g in items]

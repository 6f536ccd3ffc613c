"""Single mistakes and the values they give: what the variant generator keeps apart.

``single_mistakes(solution, qid)`` lists, for one question, every single mistake of the
diagnosis engine's mistake model with the value a student making it would write: the
exam perturbations of :mod:`symcnn.verify.perturb` (a wrong augmentation factor, a
padding, a convention …) re-solved through the pipeline by :class:`~symcnn.verify.diagnose.Search`,
and the reading perturbations (another class, a sign, a rounding, another reading of
the question) re-evaluated on the answer's own steps. Slips of the pen are left out:
they have no one value.

A mistake is listed when it changes what the question's derivation reads (its steps),
even if the value comes out equal to the right answer: that coincidence is what a
variant must avoid. A perturbation that leaves the steps as they are does not concern
the question (a batch size for a dataset count) and is not listed. Which fields of the
exam a question reads is recorded once per solution by solving it on a recording view
of the exam, so that perturbations of fields it never reads are not re-solved.

This module adapts the current engine; when :mod:`symcnn.verify.mistakes` provides
``single_mistakes(solution, qid)``, the variant generator switches by changing the one
import in :mod:`symcnn.classroom.variants` (if it takes no ``skip``, by also dropping that
argument there: the values are then all computed, which is only slower).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from ..exam import Question
from ..exam.steps import Answer, Solution
from ..verify.diagnose import Diagnosis, Explanation, Search, _Scope, components, reading_of, value_of
from ..verify.perturb import READING_GENERATORS, Perturbation, inputs


def single_mistakes(solution: Solution, qid: str, skip: Callable[[Explanation], bool] | None = None
                    ) -> list[tuple[Explanation, Any]]:
    """Every single mistake on question ``qid`` with its value, in the mistake model's order.

    A mistake for which ``skip(explanation)`` is true is left out and its value never
    computed (the variant generator skips mistakes an earlier question already showed).

    >>> from symcnn import load_exam, solve
    >>> found = single_mistakes(solve(load_exam()), "1b")
    >>> found[0][0][0].code, found[0][1]
    ('AUG_FACTOR', 51200)
    """
    return _engine(solution).mistakes(qid, skip or (lambda e: False))


_LAST: list[tuple[Solution, _Engine]] = []  # the engine of the last solution asked about (one per variant)


def _engine(solution: Solution) -> _Engine:
    if not _LAST or _LAST[0][0] is not solution:
        _LAST[:] = [(solution, _Engine(solution))]
    return _LAST[0][1]


def _changed(a: Any, b: Any, path: str = "") -> set[str]:
    """The paths at which two exams (dataclasses, tuples, dicts, values) differ."""
    if a is b or a == b:
        return set()
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        return set().union(*(_changed(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
                             for f in dataclasses.fields(a)))
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return set().union(*(_changed(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b))))
    if isinstance(a, dict) and isinstance(b, dict):
        return set().union(*(_changed(a.get(k), b.get(k), f"{path}.{k}") for k in {**a, **b}))
    return {path}


class _Engine:
    """The mistakes of one solved exam; learns which fields each question does not read."""

    def __init__(self, solution: Solution):
        self.solution = solution
        self.search = Search(solution.exam, solution, {})
        self.names = components(solution)
        self.scope = _Scope(solution.exam, self.search.env, [])
        exam, conv = solution.exam, self.search.convention
        self.paths = [_changed(exam, p.exam(exam), "exam") if p.exam else
                      _changed(conv, p.convention(conv), "convention") if p.convention else {"?"}
                      for p in self.search.perturbations]
        self.reads: dict[str, frozenset[str] | None] = {}

    def relevant(self, q: Question, i: int) -> bool:
        """Whether perturbation ``i`` changes a field that question ``q`` reads."""
        if q.id not in self.reads:
            self.reads[q.id] = _reads(self.solution, self.search, q)
        reads = self.reads[q.id]
        return reads is None or any(c.startswith(r) or r.startswith(c) for c in self.paths[i] for r in reads)

    def mistakes(self, qid: str, skip: Callable[[Explanation], bool]) -> list[tuple[Explanation, Any]]:
        q = next(q for q in self.solution.exam.questions if q.id == qid)
        base = self.search.answer((), q)
        if base is None:
            return []
        return self._exam_mistakes(q, base, skip) + self._reading_mistakes(q, base, skip)

    def _exam_mistakes(self, q: Question, base: Answer, skip: Callable[[Explanation], bool]
                       ) -> list[tuple[Explanation, Any]]:
        out = []
        for i, p in enumerate(self.search.perturbations):
            explanation = _explain(p)
            if not self.relevant(q, i) or skip(explanation):
                continue
            answer = self.search.answer((i,), q)
            if answer is None or (answer.steps == base.steps and answer.alternatives == base.alternatives):
                continue
            out.append((explanation, answer.value))
        return out

    def _reading_mistakes(self, q: Question, base: Answer, skip: Callable[[Explanation], bool]
                          ) -> list[tuple[Explanation, Any]]:
        names = self.names.get(q.id, ())
        out = []
        for i, component in enumerate(names or (None,)):
            reading = reading_of(base, component, names)
            before = inputs(reading)
            needed = _depends(reading.steps, reading.target)
            for generate in READING_GENERATORS:
                for p in generate(reading, self.scope):
                    changed = p.reading(reading) if p.reading else None
                    if changed is None:
                        continue
                    if changed.overrides and all(before.get(s, object()) == v for s, v in changed.overrides.items()):
                        continue  # e.g. rounding 3.0 to no decimals: nothing changes
                    if changed.steps is reading.steps and changed.overrides and not set(changed.overrides) & needed:
                        continue  # another class's input: this component does not read it
                    value, used = value_of(changed)
                    if value is None or (changed.overrides and not used):
                        continue
                    if component is not None:
                        value = tuple(value if j == i else v for j, v in enumerate(base.value))
                    if not skip(_explain(p)):
                        out.append((_explain(p), value))
        return out


class _Recorder:
    """A view of an object that notes the path of every attribute read through it.

    Dataclass attributes of a ``deep`` view are views again (``exam.dataset.images``);
    anything else is the real value, its path noted.
    """

    __slots__ = ("_obj", "_path", "_deep", "_log")

    def __init__(self, obj: Any, path: str, deep: bool, log: set[str]):
        self._obj, self._path, self._deep, self._log = obj, path, deep, log

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._obj, name)
        if self._deep and dataclasses.is_dataclass(value) and not isinstance(value, type):
            return _Recorder(value, f"{self._path}.{name}", True, self._log)
        self._log.add(f"{self._path}.{name}" if self._deep else self._path)
        return value


def _reads(solution: Solution, search: Search, q: Question) -> frozenset[str] | None:
    """The exam fields question ``q``'s derivation reads; None when that cannot be told."""
    from ..exam.kinds import QUESTION_KINDS
    from ..exam.questions import Context

    log: set[str] = set()
    exam = _Recorder(solution.exam, "exam", True, log)
    ctx = Context(exam, _Recorder(solution.formulas, "exam.network", False, log),  # type: ignore[arg-type]
                  _Recorder(solution.numbers, "exam.network", False, log),  # type: ignore[arg-type]
                  _Recorder(search.convention, "convention", False, log))  # type: ignore[arg-type]
    try:
        answer = QUESTION_KINDS[q.kind].solve(ctx, q)
    except Exception:  # a kind that needs the real objects: treat it as reading everything
        return None
    return frozenset(log) if answer == search.answer((), q) else None


def _depends(steps: tuple[Any, ...], target: Any) -> set[Any]:
    """The symbols ``target`` is computed from through ``steps``, itself included."""
    deps: dict[Any, set[Any]] = {}
    for st in steps:
        deps[st.symbol] = set(st.values).union(*(deps.get(v, set()) for v in st.values))
    return deps.get(target, set()) | {target}


def _explain(p: Perturbation) -> Explanation:
    return (Diagnosis(p.code, p.key, dict(p.args)),)

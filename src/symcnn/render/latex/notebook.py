"""LaTeX for Jupyter: what ``_repr_latex_`` of Step, Answer and Solution returns.

One ``aligned`` display per object, labels as ``\\text`` rows (MathJax has no
``\\intertext``), numbers in the given language's format.

>>> import sympy
>>> from symcnn.exam.steps import Step
>>> print(step_display(Step("step.crops", sympy.Symbol("N_crop"), sympy.Symbol("I"), {}, 200)))
$$\\begin{aligned}&\\text{samples after cropping}\\\\N_{\\mathrm{crop}} &= I = 200\\end{aligned}$$
"""

from __future__ import annotations

from ...catalogue import text
from ...exam.steps import DISPLAYS, Answer, Solution, Step
from ..printing import same_label
from .escape import escape
from .rows import result_piece, step_rows


def _label(lang: str, key: str, **args: str) -> str:
    return rf"&\text{{{escape(text(lang, key, **args))}}}"


def _step_lines(s: Step, lang: str) -> list[str]:
    return [_label(lang, s.label, **s.args), *step_rows(s, lang)]


def _steps(steps: tuple[Step, ...], lang: str) -> list[str]:
    """Each step's lines; the H and W of one layer share its label."""
    lines: list[str] = []
    for previous, s in zip((None, *steps), steps):
        lines += step_rows(s, lang) if same_label(previous, s) else _step_lines(s, lang)
    return lines


def _answer_lines(a: Answer, lang: str) -> list[str]:
    lines = [rf"&\textbf{{{escape(a.id)}. {escape(text(lang, 'kind.' + a.kind))}}}"]
    lines += _steps(a.steps, lang)
    relation, piece = result_piece(a.value, a.unit, lang)
    lines.append(rf"&\boxed{{{'' if relation == '=' else relation + ' '}{piece.tex}}}")
    for alt in a.alternatives:
        lines.append(_label(lang, "sheet.alternative") + r"\text{: }" + rf"\text{{{escape(text(lang, alt.key))}}}")
        lines += _steps(alt.steps, lang)
    return lines


def _display(lines: list[str]) -> str:
    return "$$\\begin{aligned}" + "\\\\".join(lines) + "\\end{aligned}$$"


def step_display(s: Step, lang: str | None = None) -> str:
    """A step as one display: its label, then ``symbol = formula = numbers = value``.

    In the exam's language (set by ``solve``) unless ``lang`` is given.
    """
    return _display(_step_lines(s, lang or s.language or "en"))


def answer_display(a: Answer, lang: str | None = None) -> str:
    """An answer: heading, every step, the boxed value, then each alternative.

    In the exam's language (set by ``solve``) unless ``lang`` is given.
    """
    return _display(_answer_lines(a, lang or a.language or "en"))


def solution_display(solution: Solution, lang: str | None = None) -> str:
    """Every answer of a solution, in the exam's language unless ``lang`` is given."""
    lang = lang or solution.exam.language
    return _display([line for a in solution.answers for line in _answer_lines(a, lang)])


DISPLAYS.update(step=step_display, answer=answer_display, solution=solution_display)

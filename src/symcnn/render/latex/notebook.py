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
from .escape import escape
from .rows import result_piece, step_rows


def _label(lang: str, key: str, **args: str) -> str:
    return rf"&\text{{{escape(text(lang, key, **args))}}}"


def _step_lines(s: Step, lang: str) -> list[str]:
    return [_label(lang, s.label, **s.args), *step_rows(s, lang)]


def _answer_lines(a: Answer, lang: str) -> list[str]:
    lines = [rf"&\textbf{{{escape(a.id)}. {escape(text(lang, 'kind.' + a.kind))}}}"]
    for s in a.steps:
        lines += _step_lines(s, lang)
    relation, piece = result_piece(a.value, a.unit, lang)
    lines.append(rf"&\boxed{{{'' if relation == '=' else relation + ' '}{piece.tex}}}")
    for alt in a.alternatives:
        lines.append(_label(lang, "sheet.alternative") + r"\text{: }" + rf"\text{{{escape(text(lang, alt.key))}}}")
        for s in alt.steps:
            lines += _step_lines(s, lang)
    return lines


def _display(lines: list[str]) -> str:
    return "$$\\begin{aligned}" + "\\\\".join(lines) + "\\end{aligned}$$"


def step_display(s: Step, lang: str = "en") -> str:
    """A step as one display: its label, then ``symbol = formula = numbers = value``."""
    return _display(_step_lines(s, lang))


def answer_display(a: Answer, lang: str = "en") -> str:
    """An answer: heading, every step, the boxed value, then each alternative."""
    return _display(_answer_lines(a, lang))


def solution_display(solution: Solution, lang: str | None = None) -> str:
    """Every answer of a solution, in the exam's language unless ``lang`` is given."""
    lang = lang or solution.exam.language
    return _display([line for a in solution.answers for line in _answer_lines(a, lang)])


DISPLAYS.update(step=step_display, answer=answer_display, solution=solution_display)

"""The key-review sheet (LaTeX), built with the solution sheet's printer, escape and compile.

Per question: the verdict, each value the key claims (✓ or ✗ with its diagnoses), the
key's working lines as math (a wrong one with the value it should give), its stated
facts, then the corrected working: the derivation, as on the solution sheet.

Regenerate the committed reviews with ``python -m symcnn.regenerate [FOLDER]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...catalogue import text
from ...verify.arith import LineCheck, Neg, Node, Num
from ...verify.diagnose import Diagnosis, Explanation
from ...verify.review import QuestionReview, Review, number
from ..review import diagnosis_args, symbol_parts
from . import document, escape, formula_latex, number_latex, value_latex, write_document
from .escape import Raw
from .sheet import Sheet, answer_latex

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
OPERATOR_TEX = {"+": "+", "-": "-", "*": r"\times", "/": "/"}


def node_latex(node: Node, lang: str, outer: int = 0) -> str:
    """A working-line expression as math, numbers in the sheet's format."""
    if isinstance(node, Num):
        return number_latex(number(node.value), lang)
    if isinstance(node, Neg):
        tex, level = "-" + node_latex(node.operand, lang, 3), 1
    elif node.op == "^":
        tex, level = f"{{{node_latex(node.left, lang, 5)}}}^{{{node_latex(node.right, lang)}}}", 4
    else:
        level = PRECEDENCE[node.op]
        right_level = level + 1 if node.op in "-/" else level
        tex = f"{node_latex(node.left, lang, level)} {OPERATOR_TEX[node.op]} {node_latex(node.right, lang, right_level)}"
    return rf"\left({tex}\right)" if level < outer else tex


def line_latex(check: LineCheck, lang: str) -> str:
    parts = [node_latex(p.node, lang) for p in check.parts]
    if check.ok:
        return "$" + " = ".join(parts) + r"$ \quad $\checkmark$"
    bad = check.bad or 1
    right = value_latex(number(check.parts[bad - 1].value), lang)
    shown = " = ".join(parts[:bad]) + r" \neq " + " = ".join(parts[bad:])
    return f"${shown}$ \\quad \\mbox{{$({{}}= {right})$}}"


def symbol_math(name: str) -> Raw:
    """A symbol's name (``delta_HG``, ``F_4 (pool2)``) as math, what follows it as text."""
    import sympy

    head, rest = symbol_parts(name)
    return Raw(f"${formula_latex(sympy.Symbol(head))}${escape(rest)}" if head else escape(name))


def _diagnosis(sh: Sheet, d: Diagnosis) -> str:
    return rf"\texttt{{{escape(d.code)}}}: {sh.say(f'diagnosis.{d.key}', **diagnosis_args(d, sh.lang, symbol_math))}"


def _explanations(sh: Sheet, explanations: tuple[Explanation, ...]) -> list[str]:
    joiner = escape(text(sh.lang, "verify.or").strip(" —:"))
    return [r"; ".join(_diagnosis(sh, d) for d in e) for e in explanations][:1] + \
        [rf"\textit{{{joiner}:}} " + "; ".join(_diagnosis(sh, d) for d in e) for e in explanations[1:]]


def _items(lines: list[str]) -> list[str]:
    return [r"\begin{itemize}", *(rf"\item {line}" for line in lines), r"\end{itemize}"] if lines else []


def question_latex(sh: Sheet, q: QuestionReview) -> str:
    title = text(sh.lang, "sheet.question", id=q.id, title=text(sh.lang, "kind." + q.answer.kind))
    verdict = text(sh.lang, f"verify.verdicts.{q.verdict}")
    out = [rf"\section{{{escape(title)}}}", rf"\textbf{{{sh.say('verify.verdict')}:}} {escape(verdict)}"]
    claims = []
    for c in q.claims:
        mark = r"$\checkmark$" if c.correct else r"$\times$"
        head = rf"${value_latex(c.value, sh.lang)}$ {mark}"
        if not c.correct:
            head += rf" \quad ({sh.say('verify.derived')}: ${value_latex(c.derived, sh.lang)}$)"
        claims.append(head)
        claims += _explanations(sh, c.explanations)
    if q.claims:
        label = sh.say("verify.claims") + (f" ({escape(q.component)})" if q.component else "")
        out += ["", _heading(label), *_items(claims)]
    if q.lines:
        lines = []
        for line in q.lines:
            lines.append(line_latex(line.check, sh.lang))
            for d in (line.diagnosis, line.terms):
                if d is not None:
                    lines[-1] += r"\\ " + _diagnosis(sh, d)
            for e in line.explained:
                lines[-1] += r"\\ " + "; ".join(_diagnosis(sh, d) for d in e)
        out += ["", _heading(sh.say("verify.working")), *_items(lines)]
    if q.facts:
        facts = []
        for f in q.facts:
            facts.append(sh.say("verify.fact", name=symbol_math(f.name), value=sh.number(f.value),
                                derived=sh.number(f.derived)) + (r" $\checkmark$" if f.correct else r" $\times$"))
            facts += _explanations(sh, f.explanations)
        out += ["", _heading(sh.say("verify.facts")), *_items(facts)]
    out += ["", _heading(sh.say("verify.corrected")), answer_latex(sh, q.answer, heading=False)]
    return "\n".join(out)


def _heading(label: str) -> str:
    """A heading inside a question: a sectioning command, so it never ends a page alone."""
    return rf"\subsection*{{{label}}}"


def values_tex(value: Any, lang: str) -> str:
    """A value as math; a list of shapes as one piece of math per shape, so a line breaks only between shapes."""
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        return "; ".join(f"${value_latex(v, lang)}$" for v in value)
    return f"${value_latex(value, lang)}$"


def summary_latex(sh: Sheet, review: Review) -> str:
    rows = []
    for q in review.questions:
        claims = r" \newline ".join(values_tex(c.value, sh.lang) for c in q.claims) or "--"  # one claim a line
        derived = values_tex(q.claims[0].derived if q.claims else q.answer.value, sh.lang)
        rows.append(rf"{escape(q.id)} & {escape(text(sh.lang, f'verify.verdicts.{q.verdict}'))} & {claims}"
                    rf" & {derived} \\")
    head = " & ".join(rf"\textbf{{{sh.say('verify.' + k)}}}" for k in ("id", "verdict", "key", "derived"))
    return "\n".join((
        r"{\small\binoppenalty=10000\relpenalty=10000",  # a number or a shape never breaks, lines break between values
        r"\begin{longtable}{@{}l>{\raggedright}p{0.2\linewidth}>{\raggedright}p{0.33\linewidth}"
        r">{\raggedright\arraybackslash}p{0.3\linewidth}@{}}",
        r"\hline", head + r" \\", r"\hline", *rows, r"\hline", r"\end{longtable}}",
    ))


def review_tex(review: Review, lang: str) -> str:
    """The whole key review as a LaTeX document; the same review always gives the same bytes."""
    sh = Sheet(review.solution, lang)
    wrong = sum(q.verdict != "correct" for q in review.questions)
    body = [
        # math spaces never shrink: a long working line breaks after an operator instead of losing its spaces
        r"\medmuskip=4mu plus 2mu\thickmuskip=5mu plus 5mu\raggedright",
        r"\begin{center}",
        rf"{{\LARGE\bfseries {sh.say('verify.sheet_title')}}}\\[1ex]",
        rf"{{\large {escape(review.key.title or review.exam.title)}}}\\[0.5ex]",
        rf"{{\small {escape(review.exam.title)}}}",
        r"\end{center}",
        "",
        sh.say("verify.sheet_intro"),
        "",
        sh.say("verify.summary", wrong=wrong, total=len(review.questions)),
        "",
        summary_latex(sh, review),
        *(question_latex(sh, q) for q in review.questions),
    ]
    return document("\n".join(body), lang)


def write_review(review: Review, lang: str, tex: str | Path, pdf: bool = False) -> list[Path]:
    """Write the review to ``tex`` and, with ``pdf``, compile it beside; return the paths."""
    return write_document(tex, review_tex(review, lang), pdf)

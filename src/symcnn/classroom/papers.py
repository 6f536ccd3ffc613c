"""The question paper: what students read, with no answers.

Built from a solved exam (the solution says what shape each answer has, so each
question gets the right answer lines) but printing none of its values: the dataset
and augmentations, the network as a table and as a drawing (:mod:`.drawing`), the
training setup, the softmax data, and the questions in the exam's numbering, grouped
into parts by the number their id starts with, each with its points and answer line.

The paper shares the solution sheet's preamble and look (:func:`symcnn.render.latex.document`);
all wording comes from the catalogue (``paper.*``, ``question_text.<kind>``) unless a
question has its own ``text``. ``PAPER_SECTIONS`` lists the sections in page order.

>>> from symcnn import load_exam, solve
>>> tex = paper_tex(solve(load_exam()), "en")
>>> "Question paper" in tex and "51{,}200" not in tex
True
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from ..catalogue import text, unit_name
from ..exam import Question
from ..exam.questions import asked_layers
from ..exam.steps import Answer, Solution, Vector
from ..model.conventions import convention
from ..render.latex import document, escape, formula_latex, number_latex, write_document
from ..render.latex.escape import Raw
from ..render.latex.preamble import page_footer
from ..render.latex.sheet import Sheet, code_label
from ..render.latex.wording import question_blanks, question_text  # noqa: F401  (the paper's, and the sheet's)
from ..verify.diagnose import components
from .drawing import drawing

ANSWER_LINE = r"\rule{7cm}{0.4pt}"
BLANK = r"\rule{1.6cm}{0.4pt}"  # one dimension of a shape


def _items(lines: list[str]) -> str:
    return "\n".join([r"\begin{itemize}", *(rf"\item {line}" for line in lines), r"\end{itemize}"])


def _points(sh: Sheet, points: Fraction) -> str:
    return sh.number(Decimal(points.numerator) / Decimal(points.denominator))


def title_section(sh: Sheet) -> str:
    exam = sh.solution.exam
    code = rf"\fbox{{\large {code_label(sh)}}}" if exam.code else ""
    total = [q.points for q in exam.questions if q.points is not None]
    out = [
        page_footer(code_label(sh)),
        r"\begin{center}",
        rf"{{\LARGE\bfseries {escape(exam.title)}}}\\[1ex]",
        rf"{{\large {sh.say('paper.subtitle')}}}",
        r"\end{center}",
        "",
        r"\noindent\begin{tabular}{@{}l@{}}" + code + r"\end{tabular}\hfill"
        r"\begin{tabular}{@{}r@{}}"
        rf"{sh.say('paper.name')}: \rule{{6cm}}{{0.4pt}}\\[2ex]"
        rf"{sh.say('paper.student_id')}: \rule{{6cm}}{{0.4pt}}\end{{tabular}}",
        "",
        r"\medskip",
        sh.say("paper.intro"),
    ]
    if total and len(total) == len(exam.questions):
        out.append(" " + sh.say("paper.total", points=_points(sh, sum(total, Fraction(0)))))
    return "\n".join(out)


def dataset_section(sh: Sheet) -> str:
    d = sh.solution.exam.dataset
    n = sh.number
    lines = [sh.say("paper.dataset_text", images=n(d.images), channels=n(d.channels), crops=n(d.crops_per_image),
                    height=n(d.crop_height), width=n(d.crop_width), bytes=n(d.bytes_per_value))]
    if d.transforms:
        lines.append(sh.say("paper.augment_kept" if d.keep_originals else "paper.augment_dropped",
                            transforms=", ".join(d.transforms)))
    else:
        lines.append(sh.say("paper.augment_none"))
    return "\n".join([rf"\section{{{sh.say('paper.dataset')}}}", " ".join(lines)])


def settings(sh: Sheet, index: int) -> str:
    """A layer's settings in words: ``kernel 7 × 7, 16 filters, stride 1, padding 1, activation ReLU``."""
    node = sh.solution.exam.network.nodes[index - 1]
    layer = node.layer
    parts = []
    for f in dataclasses.fields(layer):
        value = getattr(layer, f.name)
        if "symbol" in f.metadata:
            if f.metadata.get("optional") and value == f.default:
                continue
            parts.append(sh.say(f"paper.setting.{f.name}", value=sh.number(value)))
        elif "flag" in f.metadata and value != f.default:
            parts.append(sh.say("paper.setting.ceil_mode" if f.name == "ceil_mode" else "paper.setting.no_bias"))
    activation = getattr(layer, "activation", None) or getattr(layer, "function", None)
    if activation:
        parts.append(sh.say("paper.setting.activation", value=text(sh.lang, f"activation.{activation}")))
    if node.inputs:
        parts.append(sh.say("paper.setting.inputs", value=", ".join(node.inputs)))
    return ", ".join(parts)


def network_section(sh: Sheet) -> str:
    exam = sh.solution.exam
    h, w, c = exam.network.input_shape
    head = " & ".join(rf"\textbf{{{sh.say(k)}}}" for k in ("sheet.col_index", "sheet.col_layer", "sheet.col_kind",
                                                             "paper.col_settings"))
    rows = []
    for i, node in enumerate(exam.network.nodes, start=1):
        kind = sh.say("layer_kind." + node.layer.kind)
        rows.append(rf"{i} & {escape(node.name, breakable=True)} & {kind} & {settings(sh, i)} \\")
    return "\n".join([
        rf"\section{{{sh.say('paper.network')}}}",
        sh.say("paper.network_text", height=sh.number(h), width=sh.number(w), channels=sh.number(c),
               layers=sh.number(len(exam.network.nodes))),
        "",
        r"{\small\setcounter{LTchunksize}{10000}",
        # fixed-width columns only: longtable needs no second TeX pass to measure them
        r"\begin{longtable}{@{}>{\raggedleft}p{0.5cm}>{\raggedright}p{2.4cm}>{\raggedright}p{3.6cm}"
        r">{\raggedright\arraybackslash}p{9.8cm}@{}}",
        r"\hline", head + r" \\", r"\hline", r"\endhead",
        *rows,
        r"\hline",
        r"\end{longtable}}",
        "",
        drawing(sh.solution, sh.lang),
    ])


def training_section(sh: Sheet) -> str:
    exam = sh.solution.exam
    t, s = exam.training, exam.softmax
    n = sh.number
    backward = (sh.say("paper.backward_none") if t.backward_factor == 0 else sh.say("paper.backward_same")
                if t.backward_factor == 1 else sh.say("paper.backward_times", factor=n(t.backward_factor)))
    iterations = (sh.say("paper.iterations") if t.iterations_per_epoch is None
                  else sh.say("paper.iterations_given", iterations=n(t.iterations_per_epoch)))
    conv = convention(exam.convention)
    logits = ", ".join(rf"$o_{{\text{{{escape(c)}}}}} = {number_latex(_decimal(v), sh.lang)}$"
                       for c, v in zip(s.classes, s.logits))
    return "\n".join([
        rf"\section{{{sh.say('paper.training')}}}",
        sh.say("paper.training_text", batch=n(t.batch_size), epochs=n(t.epochs), rate=n(_decimal(t.learning_rate))),
        r"\[ w \leftarrow w - \eta\, \frac{\partial \mathcal{L}}{\partial w}, \qquad"
        r" b \leftarrow b - \eta\, \frac{\partial \mathcal{L}}{\partial b} \]",
        " ".join([backward, iterations, sh.say("paper.convention", description=conv.describe(sh.lang))]),
        "",
        sh.say("paper.softmax_text", classes=", ".join(s.name(c) for c in s.classes)),
        r"\[ p_c = \frac{e^{o_c}}{\sum_j e^{o_j}}, \qquad \mathcal{L} = -\sum_c y_c \log p_c \]",
        sh.say("paper.logits", target=s.name(s.target), logits=Raw(logits)),
    ])


def _decimal(v: Any) -> Any:
    return Decimal(v.numerator) / Decimal(v.denominator) if isinstance(v, Fraction) else v


def prediction_section(sh: Sheet) -> str:
    exam = sh.solution.exam
    return "\n".join([
        rf"\section{{{sh.say('paper.prediction')}}}",
        sh.say("paper.prediction_text", bytes=sh.number(exam.inference_bytes)),
        r"\[ \hat{c} = \arg\max_c p_c \]",
    ])


# --------------------------------------------------------------------------- questions

_PART = re.compile(r"(\d+)(.*)")


def part_of(qid: str) -> tuple[str | None, str]:
    """The part a question belongs to and its label within it: ``3a`` → ('3', 'a')."""
    m = _PART.fullmatch(qid)
    return (m.group(1), m.group(2) or qid) if m else (None, qid)


def _positions(sh: Sheet, q: Question, count: int) -> list[int]:
    """The layer positions a per-layer answer's items belong to, in order."""
    if q.kind.startswith("layer."):
        from ..exam.layer_questions import layer_positions

        return list(layer_positions(sh.solution.exam, q)[0])
    if q.kind == "network.shapes":  # its list, or "all"
        return list(asked_layers(q, sh.solution.numbers))
    return list(q.options.get("layers", range(1, count + 1)))


def answer_lines(sh: Sheet, q: Question, a: Answer) -> list[str]:
    """Blank lines shaped like the answer: one per layer of a shapes question, one per class, or one."""
    unit = unit_name(sh.lang, a.unit) if a.unit else ""
    unit_tex = " " + escape(unit) if unit else ""
    value = a.value
    names = components(sh.solution).get(q.id)
    nodes = sh.solution.exam.network.nodes
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        lines = []
        for i, shape in zip(_positions(sh, q, len(value)), value):
            blanks = r" $\times$ ".join([BLANK] * len(shape))
            lines.append(rf"$i = {i}$ ({escape(nodes[i - 1].name)}): {blanks}")
        return lines
    if a.unit == "shape" and isinstance(value, tuple):  # one layer's shape
        return [r" $\times$ ".join([BLANK] * len(value))]
    if isinstance(value, Vector) and a.parts:  # named parts: R, J, A
        return [rf"${formula_latex(p, lang=sh.lang)} = $ {BLANK}{BLANK}" for p in a.parts]
    if isinstance(value, Vector) and q.kind.startswith("layer."):  # one value per layer
        return [rf"$i = {i}$ ({escape(nodes[i - 1].name)}): {BLANK}{BLANK}{unit_tex}"
                for i in _positions(sh, q, len(value))]
    if isinstance(value, tuple) and names:
        symbol = a.steps[-1].symbol if a.steps else None
        letter = str(symbol).split("_")[0] if symbol is not None else ""
        head = {"delta": r"\delta"}.get(letter, "x")
        return [rf"${head}_{{\text{{{escape(c)}}}}} = $ {BLANK}{BLANK}" for c in names]
    return [rf"{ANSWER_LINE}{unit_tex}"]


def question_latex(sh: Sheet, q: Question, a: Answer) -> str:
    _, label = part_of(q.id)
    points = f" {sh.say('paper.points', points=_points(sh, q.points))}" if q.points is not None else ""
    lines = answer_lines(sh, q, a)
    answer = rf"\textit{{{sh.say('paper.answer')}:}} " + (r"\\[1.2ex]" + "\n").join(lines)
    return "\n".join([
        r"\begin{samepage}",
        rf"\noindent\textbf{{{escape(label)})}} {question_text(sh, q, a)}{points}\nopagebreak",
        "",
        r"\smallskip\noindent\hspace*{1.5em}\begin{minipage}[t]{0.9\linewidth}" + answer + r"\end{minipage}",
        r"\end{samepage}",
        r"\bigskip",
    ])


def questions_section(sh: Sheet) -> str:
    exam = sh.solution.exam
    out = [rf"\section{{{sh.say('paper.questions')}}}"]
    groups: list[tuple[str | None, list[Question]]] = []
    for q in exam.questions:
        part, _ = part_of(q.id)
        if not groups or groups[-1][0] != part:
            groups.append((part, []))
        groups[-1][1].append(q)
    for part, questions in groups:
        if part is not None:
            points = [q.points for q in questions if q.points is not None]
            heading = (sh.say("paper.part_points", part=part, points=_points(sh, sum(points, Fraction(0))))
                       if len(points) == len(questions) else sh.say("paper.part", part=part))
            out.append(rf"\subsection{{{heading}}}")
        out += [question_latex(sh, q, sh.solution.answer(q.id)) for q in questions]
    return "\n\n".join(out)


PaperSection = Callable[[Sheet], str]

PAPER_SECTIONS: list[PaperSection] = [
    title_section,
    dataset_section,
    network_section,
    training_section,
    prediction_section,
    questions_section,
]


def paper_body(solution: Solution, lang: str) -> str:
    """The paper's body (between ``\\begin{document}`` and ``\\end{document}``)."""
    sh = Sheet(solution, lang)
    return "\n\n".join(section(sh) for section in PAPER_SECTIONS)


def paper_tex(solution: Solution, lang: str) -> str:
    """The whole question paper as a LaTeX document; the same exam always gives the same bytes."""
    return document(paper_body(solution, lang), lang)


def write_paper(solution: Solution, lang: str, tex: str | Path, pdf: bool = False) -> list[Path]:
    """Write the paper to ``tex`` (atomically) and, with ``pdf``, compile it beside; return the paths."""
    return write_document(tex, paper_tex(solution, lang), pdf)

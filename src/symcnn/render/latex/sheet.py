"""The solution sheet: a LaTeX document built from a Solution, one section function at a time.

``SECTIONS`` is the list of section functions, in page order; each takes a
:class:`Sheet` and returns LaTeX. A new section (e.g. how cost scales) is one entry.
All wording comes from the catalogue and is escaped; numbers go through the printer.

>>> from symcnn import load_exam, solve
>>> tex = sheet_tex(solve(load_exam()), "en")
>>> tex.startswith("\\\\documentclass") and "51{,}200" in tex
True
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from string import Formatter
from typing import Any, Callable

from ...catalogue import catalogue, text
from ...exam.steps import Answer, Solution, Step
from ...model.conventions import convention
from ..printing import same_label, unit_text
from .compile import write_document
from .escape import Raw, escape
from .preamble import document, page_footer
from .printer import number_latex, value_latex
from .rows import result_piece, step_rows
from .rules_section import rule_functions, rule_latex
from .scaling_section import scaling_section
from .table import LayerRow, layer_rows


@dataclass(frozen=True)
class Sheet:
    """What every section reads: the solution and the language."""

    solution: Solution
    lang: str

    def say(self, key: str, **args: Any) -> str:
        """Catalogue text for ``key`` with ``args`` filled in, escaped for LaTeX.

        An argument wrapped in :class:`Raw` is LaTeX already and goes in unescaped; the
        template's text and every other argument are escaped separately.
        """
        if not any(isinstance(a, Raw) for a in args.values()):
            return escape(text(self.lang, key, **args))
        template = catalogue(self.lang).get(key) or catalogue("en").get(key, key)
        out = []
        for literal, field, spec, _conversion in Formatter().parse(template):
            out.append(escape(literal))
            if field is not None:
                value = Formatter().get_field(field, (), args)[0]
                out.append(value.tex if isinstance(value, Raw) else escape(format(value, spec or "")))
        return "".join(out)

    def number(self, value: Any) -> str:
        """A number as plain text in the language's format (for sentences)."""
        from ..numbers import NUMBER_FORMATS

        return NUMBER_FORMATS[self.lang].number(_decimal(value))

    def math(self, value: Any) -> str:
        """A number, shape or vector as inline math."""
        return f"${value_latex(value, self.lang)}$"


Section = Callable[[Sheet], str]


def _decimal(value: Any) -> Any:
    """A spec's Fraction (a learning rate, a logit) as the Decimal it was written as."""
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return value


# --------------------------------------------------------------------------- sections


def code_label(sh: Sheet) -> str:
    """``Variant code: K7QX`` for a variant's pages (its paper and its sheet), or ''."""
    code = sh.solution.exam.code
    return rf"{sh.say('paper.code')}: \textbf{{{escape(code)}}}" if code else ""


def title_section(sh: Sheet) -> str:
    code = sh.solution.exam.code  # a variant's code, as its question paper prints it
    return "\n".join((
        *((page_footer(code_label(sh)),) if code else ()),
        r"\begin{center}",
        rf"{{\LARGE\bfseries {escape(sh.solution.exam.title)}}}\\[1ex]",
        rf"{{\large {sh.say('sheet.subtitle')}}}" + (rf"\\[1ex]\fbox{{{code_label(sh)}}}" if code else ""),
        r"\end{center}",
        "",
        sh.say("sheet.intro"),
    ))


def _items(lines: list[str]) -> str:
    return "\n".join([r"\begin{itemize}", *(rf"\item {line}" for line in lines), r"\end{itemize}"])


def assumptions_section(sh: Sheet) -> str:
    exam = sh.solution.exam
    d, t, s = exam.dataset, exam.training, exam.softmax
    conv = convention(exam.convention)
    n = sh.number
    lines = [
        sh.say("sheet.convention", name=conv.name, description=conv.describe(sh.lang)),
        sh.say("sheet.dataset", images=n(d.images), crops=n(d.crops_per_image), height=n(d.crop_height),
               width=n(d.crop_width), channels=n(d.channels), bytes=n(d.bytes_per_value),
               unit=unit_text(sh.lang, "B", d.bytes_per_value)),
        sh.say("sheet.originals_kept" if d.keep_originals else "sheet.originals_dropped",
               transforms=", ".join(d.transforms)),
        sh.say("sheet.training", batch=n(t.batch_size), epochs=n(t.epochs), backward=n(t.backward_factor),
               rate=n(t.learning_rate), B=Raw("$B$"), eta=Raw(r"$\eta$")),
        sh.say("sheet.iterations", formula=Raw(r"$T = \lceil N / B \rceil$"), N=Raw("$N$"))
        if t.iterations_per_epoch is None
        else sh.say("sheet.iterations_given", iterations=n(t.iterations_per_epoch)),
        sh.say("sheet.softmax", target=s.name(s.target), logits=Raw(", ".join(
            rf"$o_{{\text{{{escape(c)}}}}} = {number_latex(_decimal(v), sh.lang)}$" for c, v in zip(s.classes, s.logits)))),
        sh.say("sheet.inference", bytes=n(exam.inference_bytes), unit=unit_text(sh.lang, "B", exam.inference_bytes),
               height=n(exam.network.input_shape[0]),
               width=n(exam.network.input_shape[1]), channels=n(exam.network.input_shape[2])),
    ]
    lines += [sh.say("sheet.question_assumption", id=a.id, assumption=text(sh.lang, a.assumption))
              for a in sh.solution.answers if a.assumption]
    out = [rf"\section{{{sh.say('sheet.assumptions')}}}", _items(lines)]
    if sh.solution.warnings:
        notes = [sh.say(w.key, **dict(w.args)) for w in sh.solution.warnings]
        out += [rf"\paragraph{{{sh.say('sheet.warnings')}}}", _items(notes)]
    return "\n".join(out)


def _layer_cells(sh: Sheet, row: LayerRow) -> list[str]:
    if row.shape is None:
        first = ["", rf"\textbf{{{sh.say('sheet.total')}}}", "", ""]
    else:
        kind = sh.say("layer_kind." + row.kind)
        if row.activation:
            kind += ", " + sh.say("activation." + row.activation)
        first = [str(row.index), escape(row.name, breakable=True), kind, sh.math(row.shape)]
    numbers = [row.weights, row.biases, row.cost, row.values]
    return first + [sh.math(v) for v in numbers]


def layers_section(sh: Sheet) -> str:
    exam = sh.solution.exam
    conv = convention(exam.convention)
    h, w, c = exam.network.input_shape
    header = ["col_index", "col_layer", "col_kind", "col_shape", "col_weights", "col_biases", "col_cost", "col_values"]
    head = " & ".join(rf"\textbf{{{sh.say('sheet.' + key, unit=text(sh.lang, 'unit.' + conv.unit))}}}"
                      for key in header)
    rows = layer_rows(sh.solution)
    body = [" & ".join(_layer_cells(sh, r)) + r" \\" for r in rows[:-1]]
    return "\n".join((
        rf"\section{{{sh.say('sheet.layers')}}}",
        sh.say("sheet.layers_note", name=conv.name, height=sh.number(h), width=sh.number(w),
               channels=sh.number(c)),
        "",
        r"{\small\setlength{\tabcolsep}{3pt}\setcounter{LTchunksize}{10000}",  # one chunk: widths in one pass
        r"\begin{longtable}{@{}r>{\raggedright}p{2.0cm}>{\raggedright\arraybackslash}p{3.1cm}rrrrr@{}}",
        r"\hline",
        head + r" \\",
        r"\hline",
        r"\endhead",
        *body,
        r"\hline",
        " & ".join(_layer_cells(sh, rows[-1])) + r" \\",
        r"\hline",
        r"\end{longtable}}",
    ))


def _steps_block(sh: Sheet, steps: tuple[Step, ...]) -> list[str]:
    """The first label as a paragraph (an align* must not open with \\intertext), the rest inside."""
    rows: list[str] = []
    previous: Step | None = None
    for s in steps:
        if rows:
            rows[-1] += r" \\"
            if not same_label(previous, s):  # the H and W of one layer share its label
                rows.append(rf"\intertext{{{_label(sh, s)}}}")
        rows.extend(r + r" \\" for r in step_rows(s, sh.lang))
        rows[-1] = rows[-1].removesuffix(r" \\")
        previous = s
    return ["", _label(sh, steps[0]) + r"\nopagebreak", r"\begin{align*}", *rows, r"\end{align*}"]


def _label(sh: Sheet, s: Step) -> str:
    """A step's label, capitalised, in italics, ending with a colon."""
    label = text(sh.lang, s.label, **s.args)
    return rf"\textit{{{escape(label[:1].upper() + label[1:])}:}}"


def _answer_line(sh: Sheet, key: str, a: Answer, value: Any) -> str:
    relation, piece = result_piece(value, a.unit, sh.lang)
    shown = rf"\approx {piece.tex}" if relation != "=" else piece.tex
    line = rf"\textbf{{{sh.say(key)}:}} $\boxed{{{shown}}}$"
    if a.decimals is not None:
        line += f" ({sh.say('sheet.rounded', decimals=a.decimals)})"
    return line


def answer_latex(sh: Sheet, a: Answer, heading: bool = True) -> str:
    """One question: its heading (unless a page around it has one), assumption, steps, answer, alternatives."""
    out = [rf"\subsection{{{sh.say('sheet.question', id=a.id, title=text(sh.lang, 'kind.' + a.kind))}}}"] if heading else []
    asked = next((q for q in sh.solution.exam.questions if q.id == a.id), None)
    if asked is not None and heading:  # the question as the paper words it (a review has its own heading)
        from .wording import question_text

        out.append(rf"\noindent\textit{{{sh.say('sheet.asked')}:}} {question_text(sh, asked, a, notes=False)}")
    if a.assumption:
        out.append(rf"\textit{{{sh.say('sheet.assumption')}:}} {sh.say(a.assumption)}.")
    out += _steps_block(sh, a.steps)
    out.append(_answer_line(sh, "sheet.answer", a, a.value))
    for alt in a.alternatives:
        out += ["", rf"\medskip\textbf{{{sh.say('sheet.alternative')}:}} {sh.say(alt.key)}.\nopagebreak"]
        out += _steps_block(sh, alt.steps)
        out.append(_answer_line(sh, "sheet.alternative_answer", a, alt.value))
    return "\n".join(out)


def questions_section(sh: Sheet) -> str:
    answers = [answer_latex(sh, a) for a in sh.solution.answers]
    return "\n\n".join([rf"\section{{{sh.say('sheet.questions')}}}", *answers])


def formulas_section(sh: Sheet) -> str:
    known = catalogue(sh.lang)
    items = []
    for f in rule_functions():
        key = "rule." + f.__name__
        description = sh.say(key) if key in known else escape((f.__doc__ or f.__name__).strip().splitlines()[0])
        items.append(rf"{description} & $\displaystyle {rule_latex(f)}$ \\[1.2ex]")
    return "\n".join((
        rf"\section{{{sh.say('sheet.formulas')}}}",
        sh.say("sheet.formulas_note"),
        "",
        r"{\small\renewcommand{\arraystretch}{1.2}",
        r"\begin{longtable}{@{}>{\raggedright\arraybackslash}p{0.36\linewidth}>{\raggedright\arraybackslash}p{0.6\linewidth}@{}}",
        *items,
        r"\end{longtable}}",
    ))


SECTIONS: list[Section] = [
    title_section,
    assumptions_section,
    layers_section,
    questions_section,
    scaling_section,
    formulas_section,
]


def sheet_body(solution: Solution, lang: str) -> str:
    """The sheet's body (between ``\\begin{document}`` and ``\\end{document}``), to combine sheets."""
    sh = Sheet(solution, lang)
    return "\n\n".join(section(sh) for section in SECTIONS)


def sheet_tex(solution: Solution, lang: str) -> str:
    """The whole sheet as a LaTeX document; the same solution always gives the same bytes."""
    return document(sheet_body(solution, lang), lang)


def write_sheet(solution: Solution, lang: str, tex: str | Path, pdf: bool = False) -> list[Path]:
    """Write the sheet to ``tex`` (atomically) and, with ``pdf``, compile it beside; return the paths.

    The .tex is written first, so it stays in place when TeX is missing or fails.
    """
    return write_document(tex, sheet_tex(solution, lang), pdf)


__all__ = ["SECTIONS", "Raw", "Section", "Sheet", "answer_latex", "sheet_body", "sheet_tex", "write_sheet"]

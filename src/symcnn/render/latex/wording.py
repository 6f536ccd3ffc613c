"""A question in words, as the paper prints it and the solution sheet repeats it.

The catalogue words each kind (``question_text.<kind>`` in ``catalogue/{en,vi}/paper.toml``)
with blanks filled from the question's options and the exam's facts; a question's own
``text`` replaces that wording on both. Sentences for what every kind may ask on top
(another input size, a unit, rounding, an assumption) follow.

>>> from symcnn import load_exam, solve
>>> from symcnn.render.latex.sheet import Sheet
>>> s = solve(load_exam())
>>> question_text(Sheet(s, "en"), s.exam.questions[0], s.answers[0])
'How many training samples are there after cropping?'
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ...catalogue import text, unit_name
from ...exam import Question
from ...exam.kinds import QUESTION_KINDS, SIZE_OPTIONS
from ...exam.questions import asked_layers
from ...exam.steps import Answer
from ...model.conventions import convention
from .escape import Raw, escape

Sheet = Any  # render.latex.sheet.Sheet (which imports this module when it writes a question)

OWN_BLANKS = ("layers", "layer", "unit", "sum", "decimals")  # options with blanks of their own below


def question_blanks(sh: Sheet, q: Question, a: Answer) -> dict[str, object]:
    """What a question's catalogue wording may fill in: its options and the exam's facts."""
    exam = sh.solution.exam
    s = exam.softmax
    blanks: dict[str, object] = {
        "last": sh.number(len(exam.network.nodes)),
        "layers": ", ".join(str(i) for i in (asked_layers(q, sh.solution.numbers) if q.kind == "network.shapes" else
                                             q.options.get("layers", range(1, len(exam.network.nodes) + 1)))),
        "unit": text(sh.lang, "unit." + convention(exam.convention).unit),
        "epochs": sh.number(exam.training.epochs),
        "batch": sh.number(exam.training.batch_size),
        "target": s.name(s.target),
        "cls": s.name(str(q.options.get("output", s.classes[-1]))),
        "classes": ", ".join(s.name(c) for c in s.classes),
        "height": sh.number(exam.network.input_shape[0]),
        "width": sh.number(exam.network.input_shape[1]),
        "decimals": sh.number(a.decimals) if a.decimals is not None else "",
        "bytes": sh.number(exam.inference_bytes),
    }
    kind = QUESTION_KINDS[q.kind]
    for name, value in q.options.items():
        if name not in OWN_BLANKS or name in kind.options and name not in ("layer", "layers"):
            blanks[name] = ", ".join(map(str, value)) if isinstance(value, tuple) else (
                sh.number(value) if isinstance(value, (int, Fraction)) else str(value))
    blanks.update(kind.text_blanks(exam, q, sh.lang, sh.number))
    if "layer" in q.options or ("layers" in q.options and q.kind.startswith("layer.")):
        from ...exam.layer_questions import layer_names, layer_positions

        named = layer_names(exam, q)
        _, single = layer_positions(exam, q)
        scope = "one" if single else "sum" if q.options.get("sum") else "each"
        blanks["named"] = named
        blanks["scope"] = Raw(sh.say(f"paper.scope_{scope}", named=named))
    return blanks


def question_text(sh: Sheet, q: Question, a: Answer, notes: bool = True) -> str:
    """The question as LaTeX: its own ``text``, or the catalogue's wording of its kind.

    Then what the question adds to its kind: another input size, the unit, the rounding, and
    (with ``notes``, as the paper has it; the sheet states it apart) the reading it assumes.
    """
    if q.text is not None:
        words = escape(q.text)
    else:
        words = sh.say(f"question_text.{q.kind}", **question_blanks(sh, q, a))
    kind = QUESTION_KINDS.get(q.kind)
    if kind is not None and kind.sized and not set(kind.options) & set(SIZE_OPTIONS) and \
            set(q.options) & set(SIZE_OPTIONS):
        h, w, _ = sh.solution.exam.network.input_shape
        words += " " + sh.say("paper.at_size", height=sh.number(q.options.get("height", h)),
                              width=sh.number(q.options.get("width", w)))
    if "unit" in q.options and a.unit and kind is not None and "unit" not in kind.options:
        words += " " + sh.say("paper.in_unit", unit=unit_name(sh.lang, a.unit))
    if a.assumption and notes:
        words += " " + sh.say("paper.assume", assumption=text(sh.lang, a.assumption))
    if a.decimals is not None:
        words += " " + sh.say("paper.rounded", decimals=sh.number(a.decimals))
    return words

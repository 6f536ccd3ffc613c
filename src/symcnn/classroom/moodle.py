"""Moodle XML: an exam (or a set of variants) as quiz questions that grade with the mistake model.

A number question becomes a ``numerical`` question and a shape or per-class question a
``cloze`` (embedded answers) question with one NUMERICAL field per number. Each field lists,
in the order Moodle tries them (it takes the first answer whose tolerance holds the response):

1. the right answer, 100 %, tolerance 0 for integers and half a unit of the last asked decimal
   for rounded values;
2. every single mistake's value (:func:`symcnn.classroom.mistakes.single_mistakes`, every
   mistake, coincidences included, then :func:`symcnn.verify.mistakes.single_mistakes` and the
   question's other readings), with its sentence as feedback, 0 %. A value that is right given an
   earlier wrong answer (the diagnosis engine's ``CARRIED_OVER``: an earlier question's
   single-mistake value carried into this one) gets the allowed fraction nearest to the carried
   credit instead, and the carried values no single mistake gives come after them;
3. ``*``, 0 %, with the general formula (TeX for Moodle's MathJax filter, ``\\( … \\)``).

A value that lies within Moodle's tolerance of an earlier answer could never be reached and is
dropped. The interval is Moodle's own (``qtype_numerical_answer::get_tolerance_interval``,
nominal: ``answer ± (tolerance + 1e-14·max(tolerance, |answer|))``, PHP's default precision
14), so two large counts a few units apart (1.4·10^16 and 1.4·10^16 + 100) count as one.

Fractions are only from Moodle's list (``question_bank::fraction_options``): any other makes the
import skip the question. Sources relied on (Moodle 4.x, moodle/moodle):
``question/format/xml/format.php`` (``import_numerical``: ``<answer fraction="…">`` with
``<text>``, ``<tolerance>``, ``<feedback>``; ``import_multianswer``: a cloze's mark is the
sum of its fields' weights, ``<defaultgrade>`` is not read), ``question/type/multianswer/
questiontype.php`` (the ``{1:NUMERICAL:=124:0#…~%50%123:0#…~%0%*#…}`` grammar: a feedback ends
at an unescaped ``~`` or ``}``, is HTML-entity-decoded, then ``\\}`` and ``\\#`` are unescaped;
``*`` is a valid numerical answer) and ``question/type/numerical/question.php`` (the
tolerance interval). Every text is in CDATA; a ``]]>`` inside a text is split across two
CDATA sections.
"""

from __future__ import annotations

import html
from bisect import bisect_left, insort
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import Any, Iterable, Sequence

from ..catalogue import text
from ..errors import SymcnnError
from ..exam import Question
from ..exam.questions import asked_layers
from ..exam.steps import Answer, Solution, Vector, round_decimal
from ..render.latex.printer import printer
from ..render.latex.sheet import Sheet
from ..render.printing import shows_formula, value_text
from ..render.review import explanation_text
from ..verify.diagnose import KeyClaim, components, diagnoser
from ..verify.mistakes import Diagnosis, Explanation
from ..verify.mistakes import single_mistakes as distinct_mistakes
from .mistakes import single_mistakes
from .papers import question_blanks, settings

# question_bank::fraction_options(): the only grades Moodle's import accepts
FRACTIONS = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25",
             "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")
# a cloze field's %…% fraction: older Moodle reads only whole percentages there
WHOLE_FRACTIONS = tuple(f for f in FRACTIONS if "." not in f)
DEFAULT_CARRIED_CREDIT = Fraction(1, 2)
MAX_SENTENCES = 3  # mistakes named in one answer's feedback when several give its value
EPSILON = Decimal("1e-14")  # 10^-precision, PHP's default precision 14


def nearest_fraction(credit: Fraction, allowed: Sequence[str] = FRACTIONS) -> str:
    """The allowed Moodle fraction nearest to ``credit`` (0 … 1); a tie goes to the smaller one.

    >>> nearest_fraction(Fraction(1, 2)), nearest_fraction(Fraction(1, 3)), nearest_fraction(Fraction(1, 3), WHOLE_FRACTIONS)
    ('50', '33.33333', '30')
    """
    target = credit * 100
    return min(allowed, key=lambda f: (abs(Fraction(f) - target), Fraction(f)))


_WIDE = Context(prec=80)  # exact for every value an exam gives (inputs are bounded to 30 digits)


def moodle_tolerance(value: Decimal, tolerance: Decimal) -> Decimal:
    """The half-width of the interval Moodle accepts around ``value`` (nominal tolerance)."""
    return _WIDE.add(tolerance, _WIDE.multiply(EPSILON, max(tolerance, abs(value), EPSILON)))


def overlaps(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    """Whether ``a`` and ``b`` fall within each other's Moodle interval (either way)."""
    return abs(_WIDE.subtract(a, b)) <= max(moodle_tolerance(a, tolerance), moodle_tolerance(b, tolerance))


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Choice:
    """One answer of a numerical field: value, Moodle fraction, feedback (HTML)."""

    value: Decimal
    fraction: str
    feedback: str


@dataclass(frozen=True)
class Field:
    """One number to type: a label (HTML, '' for a numerical question), its answers, the `*` feedback."""

    label: str
    tolerance: Decimal
    choices: tuple[Choice, ...]
    other: str


@dataclass(frozen=True)
class MoodleQuestion:
    qid: str
    name: str
    idnumber: str
    text: str  # HTML, before the fields
    fields: tuple[Field, ...]
    points: Fraction | None
    shape: bool  # a shapes list: one line per layer, H × W × D

    @property
    def cloze(self) -> bool:
        return len(self.fields) != 1 or bool(self.fields[0].label)


@dataclass(frozen=True)
class Category:
    path: str  # $course$/…
    questions: tuple[MoodleQuestion, ...]


# --------------------------------------------------------------------------- numbers


def _decimal(v: Any, decimals: int | None) -> Decimal | None:
    """A field's value as the student types it (rounded where the question rounds), or None."""
    if v is None or isinstance(v, (tuple, bool)):
        return None
    if isinstance(v, int):
        d = Decimal(v)
    elif isinstance(v, Decimal):
        d = v
    elif isinstance(v, Fraction) or getattr(v, "is_Rational", False):
        f = Fraction(int(v.numerator if isinstance(v, Fraction) else v.p),
                     int(v.denominator if isinstance(v, Fraction) else v.q))
        if decimals is None:
            q = f.denominator
            for p in (2, 5):
                while q % p == 0:
                    q //= p
            if q != 1:
                return None  # no finite decimal: nobody types it exactly
        with localcontext() as ctx:
            ctx.prec = 80
            d = Decimal(f.numerator) / Decimal(f.denominator)
    else:
        return None
    return round_decimal(d, decimals) if decimals is not None else d


def number_text(d: Decimal) -> str:
    """A number as Moodle reads it: a plain decimal point, no grouping, no exponent."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".") or "0"
    return "0" if s in ("-0", "") else s


def tolerance_of(a: Answer) -> Decimal:
    """0 for an exact answer, half a unit of the last asked decimal for a rounded one."""
    return Decimal(0) if a.decimals is None else Decimal(5).scaleb(-(a.decimals + 1))


# --------------------------------------------------------------------------- words


class PlainSheet(Sheet):
    """A :class:`Sheet` whose catalogue text is plain (not LaTeX): for the papers' helpers."""

    def say(self, key: str, **args: Any) -> str:
        return text(self.lang, key, **{k: getattr(v, "tex", v) for k, v in args.items()})


def _h(s: str) -> str:
    return html.escape(s, quote=False)


# the paper's two displayed formulas, for Moodle's MathJax filter
SGD_TEX = r"\(w \leftarrow w - \eta\, \partial \mathcal{L} / \partial w,\ b \leftarrow b - \eta\, \partial \mathcal{L} / \partial b\)"
SOFTMAX_TEX = r"\(p_c = \frac{e^{o_c}}{\sum_j e^{o_j}},\ \mathcal{L} = -\sum_c y_c \log p_c\)"


def exam_data(solution: Solution, lang: str) -> str:
    """The data a student needs, as HTML: dataset, network, training, softmax, prediction."""
    sh = PlainSheet(solution, lang)
    exam = solution.exam
    d, t, s = exam.dataset, exam.training, exam.softmax
    n = sh.number
    data = [text(lang, "paper.dataset_text", images=n(d.images), channels=n(d.channels), crops=n(d.crops_per_image),
                 height=n(d.crop_height), width=n(d.crop_width), bytes=n(d.bytes_per_value))]
    if d.transforms:
        data.append(text(lang, "paper.augment_kept" if d.keep_originals else "paper.augment_dropped",
                         transforms=", ".join(d.transforms)))
    else:
        data.append(text(lang, "paper.augment_none"))
    h, w, c = exam.network.input_shape
    rows = "".join(
        f"<tr><td>{i}</td><td>{_h(node.name)}</td><td>{_h(text(lang, 'layer_kind.' + node.layer.kind))}</td>"
        f"<td>{_h(settings(sh, i))}</td></tr>" for i, node in enumerate(exam.network.nodes, start=1))
    backward = (text(lang, "paper.backward_none") if t.backward_factor == 0 else text(lang, "paper.backward_same")
                if t.backward_factor == 1 else text(lang, "paper.backward_times", factor=n(t.backward_factor)))
    iterations = (text(lang, "paper.iterations") if t.iterations_per_epoch is None
                  else text(lang, "paper.iterations_given", iterations=n(t.iterations_per_epoch)))
    from ..model.conventions import convention

    training = [text(lang, "paper.training_text", batch=n(t.batch_size), epochs=n(t.epochs),
                     rate=n(_rate(t.learning_rate))), backward, iterations,
                text(lang, "paper.convention", description=convention(exam.convention).describe(lang))]
    logits = ", ".join(f"o_{c} = {n(_rate(v))}" for c, v in zip(s.classes, s.logits))
    softmax = (_h(text(lang, "paper.softmax_text", classes=", ".join(s.name(c) for c in s.classes))) + " "
               + SOFTMAX_TEX + " " + _h(text(lang, "paper.logits", target=s.name(s.target), logits=logits)))
    head = "".join(f"<th>{_h(text(lang, k))}</th>" for k in ("sheet.col_index", "sheet.col_layer", "sheet.col_kind",
                                                               "paper.col_settings"))
    return "".join([
        f"<div class=\"symcnn-data\"><p><b>{_h(text(lang, 'moodle.data'))}</b></p>",
        f"<p>{_h(' '.join(data))}</p>",
        f"<p>{_h(text(lang, 'paper.network_text', height=n(h), width=n(w), channels=n(c), layers=n(len(exam.network.nodes))))}</p>",
        f"<table border=\"1\" cellpadding=\"3\"><tr>{head}</tr>{rows}</table>",
        f"<p>{_h(training[0])} {SGD_TEX} {_h(' '.join(training[1:]))}</p>",
        f"<p>{softmax}</p>",
        f"<p>{_h(text(lang, 'paper.prediction_text', bytes=n(exam.inference_bytes)))}</p></div>",
    ])


def _rate(v: Any) -> Any:
    return Decimal(v.numerator) / Decimal(v.denominator) if isinstance(v, Fraction) else v


def question_words(solution: Solution, q: Question, a: Answer, lang: str) -> str:
    """The question as plain text: its own ``text`` or the catalogue's ``question_text.<kind>``."""
    sh = PlainSheet(solution, lang)
    words = q.text if q.text is not None else text(lang, f"question_text.{q.kind}", **question_blanks(sh, q, a))
    if a.assumption:
        words += " " + text(lang, "paper.assume", assumption=text(lang, a.assumption))
    if a.decimals is not None:
        words += " " + text(lang, "paper.rounded", decimals=sh.number(a.decimals))
    return words


def formula_html(steps: Iterable[Any], lang: str) -> str:
    """Steps as ``\\( symbol = formula \\)`` lines for MathJax."""
    lines = []
    for st in steps:
        if shows_formula(st):
            p = printer(None, lang, st.order)
            lines.append(rf"\({p.doprint(st.symbol)} = {p.doprint(st.formula)}\)")
    return "<br>".join(dict.fromkeys(lines))


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class _Slot:
    label: str
    pick: tuple[int, ...]  # indices into the answer value
    steps: tuple[Any, ...]  # the steps whose formulas explain it
    note: str = ""  # HTML said instead where no step explains it (a layer's depth: its settings)


def _slots(solution: Solution, q: Question, a: Answer, lang: str) -> list[_Slot]:
    value = a.value
    nodes = solution.exam.network.nodes
    if q.kind.startswith("layer."):  # layers named or by position (exam/layer_questions.py)
        from ..exam.layer_questions import layer_positions

        positions = list(layer_positions(solution.exam, q)[0])
    elif q.kind == "network.shapes":  # its list, or "all"
        positions = list(asked_layers(q, solution.numbers))
    else:
        positions = list(q.options.get("layers", range(1, len(value) + 1 if isinstance(value, tuple) else 1)))
    if a.unit == "shape" and isinstance(value, tuple) and value and not isinstance(value[0], tuple):  # one layer
        letters = "HWD" if len(value) == 3 else "N"
        return [_Slot(f"{letters[j]} =", (j,), tuple(st for st in a.steps if str(st.symbol).startswith(letters[j])))
                for j in range(len(value))]
    if isinstance(value, Vector) and a.parts:  # named parts: R, J, A of a receptive field
        out = []
        for k, part in enumerate(a.parts):
            head, _, sub = str(part).partition("_")
            mine = tuple(st for st in a.steps if str(st.symbol).startswith(head + "_"))
            out.append(_Slot(f"{_h(head)}<sub>{_h(sub)}</sub> =", (k,), mine))
        return out
    if isinstance(value, Vector) and q.kind.startswith("layer."):  # one value per layer
        out = []
        for k, i in enumerate(positions):
            name = nodes[i - 1].name
            mine = tuple(st for st in a.steps if st.args.get("layer") == name) or a.steps
            out.append(_Slot(f"i = {i} ({_h(name)}):", (k,), mine))
        return out
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        layers = positions
        out = []
        for k, (i, shape) in enumerate(zip(layers, value)):
            name = nodes[i - 1].name
            mine = tuple(st for st in a.steps if st.args.get("layer") == name)
            for j in range(len(shape)):
                letter = "HW"[j] + "_" if j < 2 else None  # the depth has no step: the layer's settings say it
                own = tuple(st for st in mine if letter and str(st.symbol).startswith(letter))
                out.append(_Slot(f"i = {i} ({_h(name)})", (k, j), own,
                                 "" if own else _h(settings(PlainSheet(solution, lang), i))))
        return out
    if isinstance(value, tuple):
        names = components(solution).get(q.id) or tuple(str(k + 1) for k in range(len(value)))
        if not names:
            raise SymcnnError(f"question {q.id}: its answer is none, which Moodle cannot grade as a number")
        head = str(a.steps[-1].symbol).split("_")[0] if a.steps else "x"  # δ, p, x: what the last steps write
        head = {"delta": "δ"}.get(head, head)
        out = []
        for k, cls in enumerate(names):
            mine = tuple(st for st in a.steps if st.args.get("cls") == cls) or a.steps
            out.append(_Slot(f"{_h(head)}<sub>{_h(cls)}</sub> =", (k,), mine))
        return out
    return [_Slot("", (), a.steps)]


def _at(value: Any, pick: tuple[int, ...]) -> Any:
    for k in pick:
        if not isinstance(value, tuple) or k >= len(value):
            return None
        value = value[k]
    return value


def _alternatives(solution: Solution, qid: str) -> list[tuple[Explanation, Any]]:
    """The question's other readings (4c: tiles, a resized image) as mistakes."""
    from ..verify.mistakes import prepared

    graph, _ = prepared(solution)
    out: list[tuple[Explanation, Any]] = []
    for alt in graph.alternatives.get(qid, ()):
        v = graph.value(alt.target)
        if alt.decimals is not None:
            v = tuple(round_decimal(x, alt.decimals) for x in v) if isinstance(v, tuple) else round_decimal(v, alt.decimals)
        out.append(((Diagnosis("ALT_READING", "ALT_READING", {"assumption": alt.assumption}),), v))
    return out


def _carried(solution: Solution, qid: str, singles: dict[str, list[tuple[Explanation, Any]]]
             ) -> list[tuple[tuple[tuple[str, Any], ...], Any]]:
    """Values right given one earlier question's single-mistake value: (the earlier answers, value)."""
    d = diagnoser(solution)
    view = d.view(qid)
    order = [x.id for x in solution.exam.questions]
    out = []
    for p in order[: order.index(qid)]:
        if not singles.get(p):
            continue
        right_p = d.right(p)
        for _, w in singles[p]:
            if w is None or w == right_p:
                continue
            for m in d.carried(qid, view, (KeyClaim(p, None, w),)):
                value = d.evaluator.value((m,), view.target)
                out.append((tuple(m.args["answers"]), value))
    return out


def _free(v: Decimal, kept: list[Decimal], tolerance: Decimal) -> bool:
    """Whether a student typing ``v`` reaches a new answer: no kept answer's interval holds it.

    ``kept`` is sorted; only the nearest kept value on each side can overlap (a value further
    away by d widens Moodle's interval by only 1e-14·d).
    """
    i = bisect_left(kept, v)
    return not any(overlaps(v, kept[j], tolerance) for j in (i - 1, i) if 0 <= j < len(kept))


def _near(v: Decimal, carried: list[tuple[Any, Decimal]], tolerance: Decimal) -> Any:
    """The earlier answers of a carried value (sorted by value) that Moodle would take for ``v``, or None."""
    i = bisect_left([c for _, c in carried], v)
    near = [carried[j] for j in (i - 1, i, i + 1) if 0 <= j < len(carried)]
    return next((ans for ans, c in near if overlaps(v, c, tolerance)), None)


def _carried_html(answers: tuple[tuple[str, Any], ...], lang: str) -> str:
    items = ", ".join(text(lang, "verify.answers.item", qid=q, value=value_text(v, lang)) for q, v in answers)
    listed = text(lang, "verify.answers." + ("one" if len(answers) == 1 else "other"), list=items)
    return _h(text(lang, "moodle.carried", answers=listed))


def build_question(solution: Solution, q: Question, lang: str, credit: Fraction,
                   singles: dict[str, list[tuple[Explanation, Any]]]) -> MoodleQuestion:
    """One exam question as a Moodle question (``singles``: every question's single mistakes, filled in)."""
    a = solution.answer(q.id)
    from ..verify.mistakes import prepared

    modelled = q.id in prepared(solution)[0].views  # a kind the mistake graph does not model: right answer and *
    singles.setdefault(q.id, single_mistakes(solution, q.id) if modelled else [])
    mistakes: list[tuple[Explanation, Any]] = list(singles[q.id])
    if modelled:
        mistakes += distinct_mistakes(solution, q.id) + _alternatives(solution, q.id)
    carried = _carried(solution, q.id, singles) if modelled else []
    tol = tolerance_of(a)
    slots = _slots(solution, q, a, lang)
    shape = bool(slots[0].label) and isinstance(a.value[0], tuple)
    fields = []
    for slot in slots:
        cloze = bool(slot.label)
        fraction = nearest_fraction(credit, WHOLE_FRACTIONS if cloze else FRACTIONS)
        right = _decimal(_at(a.value, slot.pick), a.decimals)
        if right is None:
            raise SymcnnError(f"question {q.id}: its answer is not a number Moodle can grade")
        here = [(answers, _decimal(_at(v, slot.pick), a.decimals)) for answers, v in carried]
        carried_at = [(ans, v) for ans, v in here if v is not None]  # in the exam's order
        by_value = sorted(carried_at, key=lambda x: x[1])
        choices = [Choice(right, "100", _h(text(lang, "moodle.right")))]
        kept = [right]

        said: dict[Decimal, list[str]] = {}  # a kept mistake's value → every sentence that gives it
        for explanation, value in mistakes:
            v = _decimal(_at(value, slot.pick), a.decimals)
            if v is None:
                continue
            sentence = _h(explanation_text(explanation, lang))
            if v in said:  # a coincidence: one answer, each mistake that gives it named
                if sentence not in said[v] and len(said[v]) < MAX_SENTENCES:
                    said[v].append(sentence)
                continue
            if _free(v, kept, tol):
                insort(kept, v)
                said[v] = [sentence]
        for v, sentences in said.items():
            words = _h(text(lang, "verify.or")).join(sentences)
            hit = _near(v, by_value, tol)
            if hit is not None:
                choices.append(Choice(v, fraction, f"{words}<br>{_carried_html(hit, lang)}"))
            else:
                choices.append(Choice(v, "0", words))
        for ans, cv in carried_at:
            if _free(cv, kept, tol):
                insort(kept, cv)
                choices.append(Choice(cv, fraction, _carried_html(ans, lang)))
        other = _h(text(lang, "moodle.other")) + "<br>" + (formula_html(slot.steps, lang) or slot.note)
        fields.append(Field(slot.label, tol, tuple(choices), other))
    code = solution.exam.code
    name = f"{q.id} {code}" if code else q.id
    idnumber = f"{code or 'exam'}-{q.id}"[:100]  # unique within its category (one per question id)
    words = question_words(solution, q, a, lang)  # the full id: a quiz shows questions one by one, not in parts
    body = f"{exam_data(solution, lang)}<p><b>{_h(q.id)})</b> {_h(words)}</p>"
    return MoodleQuestion(q.id, name, idnumber, body, tuple(fields), q.points, shape)


def build(solutions: Sequence[Solution], lang: str, credit: Fraction, category: str) -> list[Category]:
    """Every question of every solution, one category per question id (one question per variant)."""
    if not 0 <= credit <= 1:
        raise SymcnnError(f"--carried-credit must be between 0 and 1, got {float(credit):g}")
    by_qid: dict[str, list[MoodleQuestion]] = {}
    for solution in solutions:
        singles: dict[str, list[tuple[Explanation, Any]]] = {}
        for q in solution.exam.questions:
            by_qid.setdefault(q.id, []).append(build_question(solution, q, lang, credit, singles))
    root = category.replace("/", "//")
    return [Category(f"$course$/{root}/{qid.replace('/', '//')}", tuple(qs)) for qid, qs in by_qid.items()]


# --------------------------------------------------------------------------- XML


def cdata(s: str) -> str:
    """``s`` as CDATA; a ``]]>`` inside is split across two sections.

    >>> cdata("a]]>b")
    '<![CDATA[a]]]]><![CDATA[>b]]>'
    """
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# One pass: Moodle's cloze parser ends a feedback at an unescaped ~ or }, then HTML-decodes it and
# unescapes only \} and \#. So } ~ / " \ are written as numeric entities (decoded back by Moodle;
# no raw } is left before the field's own, so a reader that ends a field at the first } works too),
# # as \#, and the HTML's own entities doubled so the decoding leaves them entities.
CLOZE_ESCAPES = {"}": "&#125;", "#": "\\#", "~": "&#126;", "/": "&#47;", '"': "&quot;", "\\": "&#92;",
                 "&": "&amp;"}


def cloze_escape(feedback_html: str) -> str:
    r"""A feedback (HTML) safe inside a cloze field.

    >>> cloze_escape(r"\(\frac{a}{b}\) ~ #1 / \"x\"")
    '&#92;(&#92;frac{a&#125;{b&#125;&#92;) &#126; \\#1 &#47; &#92;&quot;x&#92;&quot;'
    """
    return "".join(CLOZE_ESCAPES.get(c, c) for c in feedback_html)


def _brace(s: str) -> str:
    return s.replace("{", "&#123;")


def cloze_field(f: Field) -> str:
    tol = number_text(f.tolerance)
    parts = []
    for c in f.choices:
        mark = "=" if c.fraction == "100" else f"%{c.fraction}%"
        parts.append(f"{mark}{number_text(c.value)}:{tol}#{cloze_escape(c.feedback)}")
    parts.append(f"%0%*#{cloze_escape(f.other)}")
    return "{1:NUMERICAL:" + "~".join(parts) + "}"


def _points(points: Fraction | None) -> str:
    if points is None:
        return "1"
    return number_text(Decimal(points.numerator) / Decimal(points.denominator))


def question_xml(q: MoodleQuestion) -> str:
    head = [f"  <name><text>{cdata(q.name)}</text></name>"]
    tail = [f"  <defaultgrade>{_points(q.points)}</defaultgrade>", "  <penalty>0.3333333</penalty>",
            "  <hidden>0</hidden>", f"  <idnumber>{cdata(q.idnumber)}</idnumber>"]
    if q.cloze:
        # outside the fields a "{" is an entity, so no spec text can open a field of its own
        if q.shape:  # one line per layer: H × W × D
            rows: dict[str, list[Field]] = {}
            for f in q.fields:
                rows.setdefault(f.label, []).append(f)
            lines = [f"{_brace(label)}: " + " × ".join(cloze_field(x) for x in row) for label, row in rows.items()]
        else:
            lines = [f"{_brace(f.label)} {cloze_field(f)}" for f in q.fields]
        body = _brace(q.text) + "<p>" + "<br>\n".join(lines) + "</p>"
        return "\n".join([
            '<question type="cloze">', *head,
            f'  <questiontext format="html"><text>{cdata(body)}</text></questiontext>',
            '  <generalfeedback format="html"><text></text></generalfeedback>', *tail, "</question>"])
    f = q.fields[0]
    answers = []
    for c in f.choices:
        answers.append("\n".join([
            f'  <answer fraction="{c.fraction}" format="moodle_auto_format">',
            f"    <text>{number_text(c.value)}</text>",
            f'    <feedback format="html"><text>{cdata(c.feedback)}</text></feedback>',
            f"    <tolerance>{number_text(f.tolerance)}</tolerance>",
            "  </answer>"]))
    answers.append("\n".join([
        '  <answer fraction="0" format="moodle_auto_format">', "    <text>*</text>",
        f'    <feedback format="html"><text>{cdata(f.other)}</text></feedback>',
        "    <tolerance>0</tolerance>", "  </answer>"]))
    return "\n".join([
        '<question type="numerical">', *head,
        f'  <questiontext format="html"><text>{cdata(q.text)}</text></questiontext>',
        '  <generalfeedback format="html"><text></text></generalfeedback>', *tail, *answers,
        "  <unitgradingtype>0</unitgradingtype>", "  <unitpenalty>0.1000000</unitpenalty>",
        "  <showunits>3</showunits>", "  <unitsleft>0</unitsleft>", "</question>"])


def quiz_xml(categories: Sequence[Category]) -> str:
    """The whole file: per category its ``category`` entry, then its questions."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for cat in categories:
        out += ['<question type="category">', f"  <category><text>{cdata(cat.path)}</text></category>",
                '  <info format="html"><text></text></info>', "</question>"]
        out += [question_xml(q) for q in cat.questions]
    out.append("</quiz>")
    return "\n".join(out) + "\n"


def count(categories: Sequence[Category]) -> int:
    return sum(len(c.questions) for c in categories)



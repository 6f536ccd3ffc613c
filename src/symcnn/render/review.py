"""A review as words, in the sheet's language: the terminal table and the JSON.

Nothing here computes: numbers are formatted with :data:`~symcnn.render.numbers.NUMBER_FORMATS`,
sentences come from the catalogue (``diagnosis.*``, ``verify.*``).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from ..catalogue import text
from ..verify.mistakes import Count, Diagnosis, Explanation, Quantity
from ..verify.review import ClaimReview, QuestionReview, Review
from .jsonout import json_value
from .printing import value_text
from .textgrid import keep as joined


def _arg(lang: str, name: str, value: Any, keep: bool = False) -> str:
    """A blank in words; with ``keep``, each value is one unbreakable run (for the terminal's wrapping).

    Counts take their plural from the catalogue ("1 byte", "4 bytes"); the earlier answers a
    value was carried over from read "answer 3a = …" or "answers 2b = …, 4a = …".
    """

    def show(v: Any) -> str:
        return joined(value_text(v, lang)) if keep else value_text(v, lang)

    if name == "assumption":
        return text(lang, value)
    if name == "terms":
        return ", ".join(show(v) for v in value)
    if name == "answers":
        items = ", ".join(text(lang, "verify.answers.item", qid=qid, value=show(v)) for qid, v in value)
        return text(lang, "verify.answers." + ("one" if len(value) == 1 else "other"), list=items)
    if isinstance(value, Count):
        form = "one" if value.n == 1 else "other"
        return text(lang, f"verify.count.{value.unit}.{form}", n=show(value.n))
    if isinstance(value, str):
        return value
    return show(value)


SYMBOL_ARGS = ("symbol", "used")  # blanks that hold a symbol's name, maybe with its layer: "F_4 (pool2)"


def is_symbol(value: Any) -> bool:
    """A blank that names a quantity: a sympy symbol, or a :class:`Quantity` (a symbol and its layer)."""
    return isinstance(value, Quantity) or hasattr(value, "free_symbols")


def symbol_and_layer(value: Any) -> tuple[Any, str]:
    """(the sympy symbol, `` (layer)`` or nothing) of a quantity blank, or of a name such as ``F_4 (pool2)``."""
    import sympy

    if isinstance(value, Quantity):
        return value.symbol, f" ({value.layer})" if value.layer else ""
    if isinstance(value, str):
        head, rest = symbol_parts(value)
        return (sympy.Symbol(head) if head else None), rest if head else value
    return value, ""


def symbol_parts(name: str) -> tuple[str, str]:
    """``"F_4 (pool2)"`` → (``"F_4"``, ``" (pool2)"``): the symbol's name and what follows it."""
    head, sep, rest = name.partition(" (")
    return head, sep + rest


def symbol_text(value: Any) -> str:
    """A quantity as the terminal writes it (``F₄ (pool2)``, ``δ_HG``), never as a field name."""
    from .printing import formula_text

    symbol, rest = symbol_and_layer(value)
    return formula_text(symbol, unicode=True) + rest if symbol is not None else rest


def diagnosis_args(d: Diagnosis, lang: str, symbol: Callable[[Any], Any] = symbol_text,
                   keep: bool = False) -> dict[str, Any]:
    """A diagnosis's blanks in words; quantities through ``symbol`` (text here, math on the sheet)."""
    return {k: symbol(v) if is_symbol(v) or (k in SYMBOL_ARGS and isinstance(v, str)) else _arg(lang, k, v, keep)
            for k, v in d.args.items()}


def diagnosis_text(d: Diagnosis, lang: str, keep: bool = False) -> str:
    return text(lang, f"diagnosis.{d.key}", **diagnosis_args(d, lang, keep=keep))


def explanation_text(e: Explanation, lang: str, keep: bool = False) -> str:
    return "; ".join(diagnosis_text(d, lang, keep) for d in e)


def verdict_text(verdict: str, lang: str, q: QuestionReview | None = None) -> str:
    """The verdict in words; several claims with some right: "1 of 2 values right"."""
    if verdict == "partly-correct" and q is not None:
        return text(lang, "verify.verdicts.partly-correct", right=q.right_count, total=len(q.claims))
    return text(lang, f"verify.verdicts.{verdict}")


def claim_text(c: ClaimReview, lang: str) -> str:
    """A claimed value as the key writes it where it can be read two ways (``5,091``), else formatted."""
    shown = c.written or value_text(c.value, lang)
    return shown + (f" ({diagnosis_text(c.reading, lang)})" if c.reading is not None else "")


def claim_lines(q: QuestionReview, c: ClaimReview, lang: str, keep: bool = False) -> list[str]:
    mark = "✓" if c.correct else "✗"
    head = f"{mark} {claim_text(c, lang)}"
    if c.correct:
        return [head]
    alternatives = text(lang, "verify.or").join(explanation_text(e, lang, keep) for e in c.explanations)
    return [head, f"  → {alternatives}"]


def question_notes(q: QuestionReview, lang: str, keep: bool = False) -> list[str]:
    """Diagnoses of the question's working lines and stated facts."""
    shown = [d for c in q.claims for e in c.explanations for d in e if d.key.startswith("line.")]
    out = []
    for line in q.lines:
        out += [diagnosis_text(d, lang, keep) for d in (line.diagnosis, line.terms) if d is not None and d not in shown]
        out += [explanation_text(e, lang, keep) for e in line.explained]
    for f in q.facts:
        if not f.correct:
            why = text(lang, "verify.or").join(explanation_text(e, lang, keep) for e in f.explanations)
            out.append(text(lang, "verify.fact", name=symbol_text(f.symbol if f.symbol is not None else f.name),
                            value=value_text(f.value, lang),
                            derived=value_text(f.derived, lang)) + f" → {why}")
    return out


def _value(value: Any, lang: str, mark: str = "") -> str:
    """A value as one unbreakable run (a list of shapes breaks between shapes)."""
    from .terminal import value_cell

    cell = value_cell(value, None, lang)
    return f"{mark}\u00a0{cell}" if mark else cell


def _claim(c: ClaimReview, lang: str) -> str:
    mark = "✓" if c.correct else "✗"
    head = joined(f"{mark} {c.written}") if c.written else _value(c.value, lang, mark)
    return head + (f" ({diagnosis_text(c.reading, lang)})" if c.reading is not None else "")


def review_rows(review: Review, lang: str) -> tuple[list[Any], list[list[tuple[str, str]] | None]]:
    """The review table's columns and rows (None: a rule between questions)."""
    from .textgrid import Column

    columns = [Column(text(lang, "verify.id")), Column(text(lang, "verify.verdict"), 1, minimum=10),
               Column(text(lang, "verify.key"), 2, "right"), Column(text(lang, "verify.derived"), 2, "right"),
               Column(text(lang, "verify.diagnosis"), 5, minimum=24)]
    colours = {"correct": "green", "wrong": "red", "partly-correct": "red", "correct-value-wrong-working": "yellow",
               "missing": "magenta"}
    rows: list[list[tuple[str, str]] | None] = []
    for q in review.questions:
        rows.append(None)
        derived = _value(q.claims[0].derived if q.claims else q.answer.value, lang)
        if q.component:
            derived = f"{q.component}: {derived}"
        verdict = (verdict_text(q.verdict, lang, q), colours[q.verdict])
        for i, c in enumerate(q.claims or (None,)):
            lines = claim_lines(q, c, lang, keep=True) if c else ["—"]
            key = _claim(c, lang) if c else "—"
            rows.append([(q.id, "bold") if i == 0 else ("", ""), verdict if i == 0 else ("", ""), (key, ""),
                         (derived, "") if i == 0 else ("", ""), ("\n".join(lines[1:]).removeprefix("  → "), "")])
        for note in question_notes(q, lang, keep=True):
            rows.append([("", ""), ("", ""), ("", ""), ("", ""), (note, "dim")])
    return columns, rows[1:]


def review_blocks(review: Review, lang: str, width: int) -> list[tuple[str, str]]:
    """(line, style) pairs: each question as a block that fits ``width``, no value ever cut."""
    from .textgrid import wrap

    out: list[tuple[str, str]] = [(x, "bold") for x in wrap(_title(review, lang), width)]
    pad = " " * 4

    def para(prefix: str, body: str, style: str = "", hang: int = 2) -> None:
        lines = wrap(body, width - len(prefix))
        out.append((prefix + lines[0], style))
        out.extend((" " * (len(prefix) + hang) + x, style) for x in wrap(" ".join(lines[1:]), width - len(prefix) - hang)
                   if lines[1:])

    for q in review.questions:
        out.append(("", ""))
        out.append((f"{q.id.ljust(3)} {verdict_text(q.verdict, lang, q)}", "bold"))
        derived = q.claims[0].derived if q.claims else q.answer.value
        for c in q.claims:
            para(pad, f"{text(lang, 'verify.key')}: " + _claim(c, lang))
            for line in claim_lines(q, c, lang, keep=True)[1:]:
                para(pad + "  ", line.strip(), "", 2)
        if not q.claims:
            para(pad, f"{text(lang, 'verify.key')}: —")
        para(pad, f"{text(lang, 'verify.derived')}: " + (f"{q.component}: " if q.component else "") + _value(derived, lang))
        for note in question_notes(q, lang, keep=True):
            para(pad, note, "dim")
    return out


def _title(review: Review, lang: str) -> str:
    return text(lang, "verify.title", title=review.key.title or review.exam.title)


def review_view(review: Review, lang: str, width: int) -> Any:
    """What ``symcnn verify`` prints at ``width`` columns: the table where it fits, else blocks."""
    from rich.console import Group
    from rich.text import Text

    from .textgrid import fit, grid

    columns, rows = review_rows(review, lang)
    widths = fit(columns, [[r[i][0] for r in rows if r is not None] for i in range(len(columns))], width)
    if widths is not None:
        return grid(columns, widths, rows, _title(review, lang))
    return Group(*(Text(line, style=style, no_wrap=True) for line, style in review_blocks(review, lang, width)))


def print_review(review: Review, lang: str) -> None:
    from rich.console import Console

    from .textgrid import wrap

    console = Console(highlight=False, markup=False, emoji=False)  # user text printed literally
    console.print(review_view(review, lang, console.width), soft_wrap=True)
    wrong = sum(q.verdict != "correct" for q in review.questions)
    for line in wrap(text(lang, "verify.summary", wrong=wrong, total=len(review.questions)), console.width):
        console.print(line, markup=False, soft_wrap=True)


def _diagnosis_json(d: Diagnosis, lang: str) -> dict[str, Any]:
    return {"code": d.code, "message": diagnosis_text(d, lang)}


def review_json(review: Review, lang: str) -> str:
    out = []
    for q in review.questions:
        out.append({
            "id": q.id,
            "verdict": q.verdict,
            **({"verdict_text": verdict_text(q.verdict, lang, q)} if q.verdict == "partly-correct" else {}),
            **({"component": q.component} if q.component else {}),
            "key_values": [json_value(c.value) for c in q.claims],
            "derived_value": json_value(q.claims[0].derived if q.claims else q.answer.value),
            "claims": [{"value": json_value(c.value), "verdict": c.verdict, "correct": c.correct,
                        **({"written": c.written} if c.written else {}),
                        **({"reading": _diagnosis_json(c.reading, lang)} if c.reading else {}),
                        "explanations": [[_diagnosis_json(d, lang) for d in e] for e in c.explanations]}
                       for c in q.claims],
            "working": [{"line": line.check.text, "correct": line.ok,
                         **({"diagnosis": _diagnosis_json(line.diagnosis, lang)} if line.diagnosis else {}),
                         **({"terms": _diagnosis_json(line.terms, lang)} if line.terms else {}),
                         **({"explained_terms": [[_diagnosis_json(d, lang) for d in e] for e in line.explained]}
                            if line.explained else {})}
                        for line in q.lines],
            "facts": [{"name": f.name, "value": json_value(f.value), "derived": json_value(f.derived),
                       "correct": f.correct,
                       "explanations": [[_diagnosis_json(d, lang) for d in e] for e in f.explanations]}
                      for f in q.facts],
            "diagnoses": [_diagnosis_json(d, lang) for d in _all_diagnoses(q)],
        })
    return json.dumps(out, ensure_ascii=False, indent=2)


def _all_diagnoses(q: QuestionReview) -> list[Diagnosis]:
    """Every diagnosis of a question, once: the claims' first explanations, lines, facts."""
    seen: dict[tuple, Diagnosis] = {}
    groups = [e for c in q.claims for e in c.explanations[:1]]
    groups += [(d,) for line in q.lines for d in (line.diagnosis, line.terms) if d is not None]
    groups += [e for line in q.lines for e in line.explained]
    groups += [e for f in q.facts for e in f.explanations[:1]]
    for e in groups:
        for d in e:
            seen.setdefault((d.code, d.key, repr(sorted(d.args.items()))), d)
    return list(seen.values())

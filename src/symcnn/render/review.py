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
from .printing import formula_text, value_text


def _arg(lang: str, name: str, value: Any, symbol: Callable[[Any], str] | None = None) -> str:
    """One blank of a diagnosis as words: symbols as mathematics, counts with their plural."""
    show = symbol or (lambda s: formula_text(s, unicode=True))
    if name == "assumption":
        return text(lang, value)
    if name == "terms":
        return ", ".join(value_text(v, lang) for v in value)
    if name == "answers":
        items = ", ".join(text(lang, "verify.answers.item", qid=qid, value=value_text(v, lang)) for qid, v in value)
        return text(lang, "verify.answers." + ("one" if len(value) == 1 else "other"), list=items)
    if isinstance(value, Quantity):
        return show(value.symbol) + (f" ({value.layer})" if value.layer else "")
    if isinstance(value, Count):
        form = "one" if value.n == 1 else "other"
        return text(lang, f"verify.count.{value.unit}.{form}", n=value_text(value.n, lang))
    if hasattr(value, "free_symbols"):
        return show(value)
    if isinstance(value, str):
        return value
    return value_text(value, lang)


def diagnosis_args(d: Diagnosis, lang: str, symbol: Callable[[Any], str] | None = None) -> dict[str, str]:
    return {k: _arg(lang, k, v, symbol) for k, v in d.args.items()}


def diagnosis_text(d: Diagnosis, lang: str) -> str:
    return text(lang, f"diagnosis.{d.key}", **diagnosis_args(d, lang))


def explanation_text(e: Explanation, lang: str) -> str:
    return "; ".join(diagnosis_text(d, lang) for d in e)


def verdict_text(verdict: str, lang: str, q: QuestionReview | None = None) -> str:
    if verdict == "partly-correct" and q is not None:
        return text(lang, "verify.verdicts.partly-correct", right=q.right_count, total=len(q.claims))
    return text(lang, f"verify.verdicts.{verdict}")


def claim_lines(q: QuestionReview, c: ClaimReview, lang: str) -> list[str]:
    mark = "✓" if c.correct else "✗"
    head = f"{mark} {c.written or value_text(c.value, lang)}"
    if c.reading is not None:
        head += f" ({diagnosis_text(c.reading, lang)})"
    if c.correct:
        return [head]
    alternatives = text(lang, "verify.or").join(explanation_text(e, lang) for e in c.explanations)
    return [head, f"  → {alternatives}"]


def question_notes(q: QuestionReview, lang: str) -> list[str]:
    """Diagnoses of the question's working lines and stated facts."""
    shown = [d for c in q.claims for e in c.explanations for d in e if d.key.startswith("line.")]
    out = []
    for line in q.lines:
        out += [diagnosis_text(d, lang) for d in (line.diagnosis, line.terms) if d is not None and d not in shown]
        out += [explanation_text(e, lang) for e in line.explained]
    for f in q.facts:
        if not f.correct:
            why = text(lang, "verify.or").join(explanation_text(e, lang) for e in f.explanations)
            name = formula_text(f.symbol, unicode=True) if f.symbol is not None else f.name
            out.append(text(lang, "verify.fact", name=name, value=value_text(f.value, lang),
                            derived=value_text(f.derived, lang)) + f" → {why}")
    return out


def review_table(review: Review, lang: str) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(text(lang, "verify.title", title=review.key.title or review.exam.title)), expand=True)
    for key, opts in (("id", {"style": "bold", "no_wrap": True}), ("verdict", {"ratio": 2}),
                      ("key", {"ratio": 3, "justify": "right"}), ("derived", {"ratio": 3, "justify": "right"}),
                      ("diagnosis", {"ratio": 6})):
        table.add_column(text(lang, f"verify.{key}"), **opts)
    colours = {"correct": "green", "wrong": "red", "partly-correct": "red", "correct-value-wrong-working": "yellow",
               "missing": "magenta"}
    for q in review.questions:
        table.add_section()
        derived = value_text(q.claims[0].derived if q.claims else q.answer.value, lang)
        if q.component:
            derived = f"{q.component}: {derived}"
        verdict = f"[{colours[q.verdict]}]{escape(verdict_text(q.verdict, lang, q))}[/]"
        claims = q.claims or (None,)
        for i, c in enumerate(claims):
            lines = claim_lines(q, c, lang) if c else ["—"]
            table.add_row(escape(q.id) if i == 0 else "", verdict if i == 0 else "", escape(lines[0]),
                          escape(derived) if i == 0 else "", escape("\n".join(lines[1:]).removeprefix("  → ")))
        for note in question_notes(q, lang):
            table.add_row("", "", "", "", f"[dim]{escape(note)}[/dim]")
    return table


def print_review(review: Review, lang: str) -> None:
    from rich.console import Console

    console = Console()
    console.print(review_table(review, lang))
    wrong = sum(q.verdict != "correct" for q in review.questions)
    console.print(text(lang, "verify.summary", wrong=wrong, total=len(review.questions)))


def _diagnosis_json(d: Diagnosis, lang: str) -> dict[str, Any]:
    return {"code": d.code, "message": diagnosis_text(d, lang)}


def review_json(review: Review, lang: str) -> str:
    out = []
    for q in review.questions:
        out.append({
            "id": q.id,
            "verdict": q.verdict,
            **({"component": q.component} if q.component else {}),
            "key_values": [json_value(c.value) for c in q.claims],
            "derived_value": json_value(q.claims[0].derived if q.claims else q.answer.value),
            **({"verdict_text": verdict_text(q.verdict, lang, q)} if q.verdict == "partly-correct" else {}),
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

"""A review as words, in the sheet's language: the terminal table and the JSON.

Nothing here computes: numbers are formatted with :data:`~symcnn.render.numbers.NUMBER_FORMATS`,
sentences come from the catalogue (``diagnosis.*``, ``verify.*``).
"""

from __future__ import annotations

import json
from typing import Any

from ..catalogue import text
from ..verify.diagnose import Diagnosis, Explanation
from ..verify.review import ClaimReview, QuestionReview, Review
from .jsonout import json_value
from .printing import value_text


def _arg(lang: str, name: str, value: Any) -> str:
    if name == "assumption":
        return text(lang, value)
    if name == "terms":
        return ", ".join(value_text(v, lang) for v in value)
    if name == "answers":
        return ", ".join(f"{qid} = {value_text(v, lang)}" for qid, v in value)
    if isinstance(value, str):
        return value
    return value_text(value, lang)


def diagnosis_text(d: Diagnosis, lang: str) -> str:
    args = {k: _arg(lang, k, v) for k, v in d.args.items()}
    return text(lang, f"diagnosis.{d.key}", **args)


def explanation_text(e: Explanation, lang: str) -> str:
    return "; ".join(diagnosis_text(d, lang) for d in e)


def verdict_text(verdict: str, lang: str) -> str:
    return text(lang, f"verify.verdicts.{verdict}")


def claim_lines(q: QuestionReview, c: ClaimReview, lang: str) -> list[str]:
    mark = "✓" if c.correct else "✗"
    head = f"{mark} {value_text(c.value, lang)}"
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
            out.append(text(lang, "verify.fact", name=f.name, value=value_text(f.value, lang),
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
    colours = {"correct": "green", "wrong": "red", "correct-value-wrong-working": "yellow", "missing": "magenta"}
    for q in review.questions:
        table.add_section()
        derived = value_text(q.claims[0].derived if q.claims else q.answer.value, lang)
        if q.component:
            derived = f"{q.component}: {derived}"
        verdict = f"[{colours[q.verdict]}]{verdict_text(q.verdict, lang)}[/]"
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
            "claims": [{"value": json_value(c.value), "correct": c.correct,
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

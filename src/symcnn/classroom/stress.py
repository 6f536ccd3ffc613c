"""``symcnn variants --check``: the stress test of a variant set, as values and as a terminal report.

For each question: the range of its answers over the set (per layer and dimension for
shapes, per class for per-class answers), how many distinct answers the set has, and
the collisions of values that made draws be redrawn; then what the policy varies, why
draws were redrawn, and the mistakes the model cannot tell apart under the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalogue import text
from ..render.printing import value_text
from ..render.review import explanation_text
from .variants import Collision, VariantSet


@dataclass(frozen=True)
class QuestionSpread:
    """One question over the set: per component (lowest, highest), distinct answers, collisions redrawn."""

    qid: str
    ranges: tuple[tuple[Any, Any], ...]  # a scalar answer has one component
    shape: tuple[int, ...]  # how the components group: (3, 3, 3, 3) for four shapes, () for one number
    distinct: int
    redrawn: tuple[tuple[Collision, int], ...]


def _flat(value: Any) -> list[Any]:
    if isinstance(value, tuple):
        return [x for v in value for x in _flat(v)]
    return [value]


def spreads(vset: VariantSet) -> list[QuestionSpread]:
    out = []
    for q in vset.base.questions:
        values = [v.answer(q.id) for v in vset.variants]
        flat = [_flat(v) for v in values]
        ranges = tuple((min(col), max(col)) for col in zip(*flat))
        first = values[0]
        shape = tuple(len(v) for v in first) if isinstance(first, tuple) and all(
            isinstance(v, tuple) for v in first) else ()
        redrawn = tuple((vset.stats.examples[pair], n) for pair, n in vset.stats.redrawn.most_common()
                        if pair[0] == q.id)
        out.append(QuestionSpread(q.id, ranges, shape, len({repr(v) for v in values}), redrawn))
    return out


def range_text(s: QuestionSpread, lang: str) -> str:
    """``48 … 78`` for a number; ``i=1: 48…78 × 48…78 × 8…24`` lines for shapes."""
    def span(lo: Any, hi: Any) -> str:
        return value_text(lo, lang) if lo == hi else f"{value_text(lo, lang)} … {value_text(hi, lang)}"

    if not s.shape:
        return "; ".join(span(lo, hi) for lo, hi in s.ranges)
    lines, i = [], 0
    for n, size in enumerate(s.shape, start=1):
        lines.append(f"{n}: " + " × ".join(span(*s.ranges[i + j]) for j in range(size)))
        i += size
    return "\n".join(lines)


def collision_text(c: Collision, lang: str) -> str:
    a, b = (explanation_text(e, lang) if e is not None else text(lang, "variants.right_answer")
            for e in c.explanations)
    return f"{a} = {b}"


def print_check(vset: VariantSet, lang: str) -> None:
    """The stress test as rich tables on the terminal."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    st = vset.stats
    console.print(f"[bold]{escape(text(lang, 'variants.check_title', count=len(vset.variants), seed=vset.seed, draws=st.draws))}[/bold]")
    policy = text(lang, "variants.policy_spec" if vset.base.variants else "variants.policy_default")
    varies = Table(title=escape(f"{text(lang, 'variants.varies')} ({policy})"), expand=False)
    varies.add_column(text(lang, "variants.field"))
    varies.add_column(text(lang, "variants.values"))
    for rule in vset.rules:
        def show(c: Any) -> str:
            if isinstance(c, tuple):
                return "(" + ", ".join(show(x) for x in c) + ")"
            return value_text(c, lang) if not isinstance(c, (str, list)) else str(c)

        shown = [show(c) for c in rule.choices]
        values = ", ".join(shown) if len(shown) <= 6 else f"{shown[0]} … {shown[-1]} ({len(shown)})"
        varies.add_row(escape(rule.label), escape(values))
    console.print(varies)
    reasons = Table(title=escape(text(lang, "variants.rejected")))
    reasons.add_column(text(lang, "variants.reason"))
    reasons.add_column(text(lang, "variants.count"), justify="right")
    for reason, n in st.rejected.most_common():
        reasons.add_row(escape(text(lang, f"variants.reason_{reason}")), str(n))
    console.print(reasons)
    answers = Table(title=escape(text(lang, "variants.answers")), expand=True)
    answers.add_column(text(lang, "variants.question"), no_wrap=True)
    answers.add_column(text(lang, "variants.range"), ratio=2)
    answers.add_column(text(lang, "variants.distinct"), justify="right")
    answers.add_column(text(lang, "variants.collided"), ratio=3)
    for s in spreads(vset):
        lines: dict[str, int] = {}  # the same words for two classes' components: one line
        for c, n in s.redrawn:
            lines[collision_text(c, lang)] = lines.get(collision_text(c, lang), 0) + n
        collided = "\n".join(f"{words} (×{n})" for words, n in lines.items())
        answers.add_row(escape(s.qid), escape(range_text(s, lang)), str(s.distinct), escape(collided or "—"))
    console.print(answers)
    if vset.indistinct:
        console.print(f"[bold]{escape(text(lang, 'variants.indistinct'))}[/bold]")
        from .variants import PROBES

        printed: set[str] = set()
        for i in vset.indistinct:
            a, b = i.example.explanations
            mine, other = (a, b) if i.example.members[0] == i.mistake else (b, a)
            row = "  " + text(
                lang, "variants.indistinct_row", qid=i.qid,
                mistake=explanation_text(mine, lang) if mine else text(lang, "variants.right_answer"),
                other=explanation_text(other, lang) if other else text(lang, "variants.right_answer"),
                probes=i.probes, total=PROBES)
            if row not in printed:
                printed.add(row)
                console.print(escape(row), highlight=False)

"""The rich terminal view of a solution: a header row per question, then one row per step."""

from __future__ import annotations

from typing import Any

from ..catalogue import text
from ..exam.steps import Solution, Step
from ..model.conventions import convention
from .printing import step_text, value_text


def _unit(lang: str, unit: str | None) -> str:
    return text(lang, "unit." + unit) if unit else ""


def solution_table(solution: Solution, lang: str) -> Any:
    """A rich Table: step, formula, numbers substituted, value; the answer highlighted."""
    from rich.markup import escape
    from rich.table import Table

    def value_cell(s: Step) -> str:
        return f"{value_text(s.value, lang)} {_unit(lang, s.unit)}".strip()

    steps = [s for a in solution.answers for s in a.steps + tuple(x for alt in a.alternatives for x in alt.steps)]
    widest = max((len(value_cell(s)) for s in steps), default=10)
    table = Table(title=escape(text(lang, "table.title", title=solution.exam.title)), expand=True)
    table.add_column(text(lang, "table.id"), style="bold", no_wrap=True)
    table.add_column(text(lang, "table.question"), ratio=2)
    table.add_column(text(lang, "table.formula"), ratio=3, style="cyan")
    table.add_column(text(lang, "table.substituted"), ratio=3)
    table.add_column(text(lang, "table.value"), justify="right", ratio=2, min_width=widest)

    def add_steps(rows: tuple[Step, ...], prefix: str = "") -> None:
        for s in rows:
            symbol, formula, substituted, _ = step_text(s, lang, unicode=True)
            table.add_row("", f"[dim]{prefix}{escape(text(lang, s.label, **s.args))}[/dim]",
                          escape(f"{symbol} = {formula}"), escape(f"= {substituted}"), value_cell(s))

    for a in solution.answers:
        table.add_section()
        heading = f"[bold]{text(lang, 'kind.' + a.kind)}[/bold]"
        if a.assumption:
            heading += f"\n[dim]({text(lang, a.assumption)})[/dim]"
        table.add_row(escape(a.id), heading, "", "", "")
        add_steps(a.steps)
        answer = f"{value_text(a.value, lang)} {_unit(lang, a.unit)}".strip()
        table.add_row("", "", "", "", f"[bold reverse green]{answer}[/bold reverse green]")
        for alt in a.alternatives:
            table.add_row("", f"[yellow]{text(lang, 'table.alternative')}: {text(lang, alt.key)}[/yellow]",
                          "", "", "")
            add_steps(alt.steps, "  ")
    return table


def print_solution(solution: Solution, lang: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    conv = convention(solution.exam.convention)
    console.print(solution_table(solution, lang))
    console.print(text(lang, "table.convention", name=conv.name, description=conv.describe(lang)))
    err = Console(stderr=True)
    for w in solution.warnings:
        err.print(f"[yellow]{text(lang, 'table.warning')}:[/yellow] {escape(w.say(lang))}", highlight=False)

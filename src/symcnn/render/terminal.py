"""The terminal view of a solution: every step and every answer, whole, at any width.

Where the columns fit (each at least as wide as its widest number), a table: the
question, then one row per step (``symbol = formula``, the numbers substituted, the
value), then the answer on a row of its own. Where they do not (80 columns, a pipe),
each question is a block: the steps as ``symbol = formula = numbers = value`` lines,
broken between terms with ``=`` aligned, and the answer on its own line. A number is
never split and nothing is cut with "…" (:mod:`symcnn.render.textgrid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len

from ..catalogue import text
from ..exam.steps import Answer, Solution, Step
from ..model.conventions import convention
from .printing import formula_text, same_label, shows_formula, shows_substitution, unit_text, value_text
from .textgrid import Column, grid, keep, wrap

INDENT = 4  # a block's steps, under the question id
MINIMUM = {"question": 18, "formula": 16, "substituted": 16}  # narrower than this: use blocks


def value_cell(value: Any, unit: str | None, lang: str) -> str:
    """A value with its unit; a shape or a number with its unit never breaks, a list of shapes breaks at ``;``."""
    name = unit_text(lang, unit, value)
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        body = " ".join(keep(value_text(v, lang)) + ";" for v in value).removesuffix(";")
        return f"{body} {name}".strip()
    return keep(f"{value_text(value, lang)} {name}".strip())


@dataclass(frozen=True)
class Line:
    """One step as text: its label (None when it continues the previous step's), symbol and parts."""

    label: str | None
    symbol: str
    formula: str | None
    substituted: str | None
    relation: str  # "=" or "≈"
    value: str


def step_lines(steps: tuple[Step, ...], lang: str) -> list[Line]:
    out: list[Line] = []
    previous: Step | None = None
    for s in steps:
        label = None if same_label(previous, s) else text(lang, s.label, **s.args)
        formula = formula_text(s.formula, unicode=True, order=s.order) if shows_formula(s) else None
        substituted = formula_text(s.formula, s.values, lang, True, s.order) if shows_substitution(s) else None
        relation = "≈" if _rounded(s.value) else "="
        out.append(Line(label, formula_text(s.symbol, unicode=True), formula, substituted, relation,
                        value_cell(s.value, s.unit, lang)))
        previous = s
    return out


def _rounded(value: Any) -> bool:
    from decimal import Decimal

    return any(_rounded(v) for v in value) if isinstance(value, tuple) else isinstance(value, Decimal)


def answer_text(a: Answer, value: Any, lang: str, key: str = "sheet.answer") -> str:
    """``Đáp số: 51.200 mẫu`` (with the rounding, when the question asks for it)."""
    out = f"{text(lang, key)}: {value_cell(value, a.unit, lang)}"
    if a.decimals is not None:
        out += f" ({text(lang, 'sheet.rounded', decimals=a.decimals)})"
    return out


# --------------------------------------------------------------------------- blocks (any width)


def equation(line: Line, width: int) -> list[str]:
    """``symbol = formula = numbers = value`` on one line, or one part per line with ``=`` aligned."""
    parts = [("=", p) for p in (line.formula, line.substituted) if p is not None] + [(line.relation, line.value)]
    one = line.symbol + "".join(f" {rel} {p}" for rel, p in parts)
    if cell_len(one.replace("\u00a0", " ")) <= width:
        return [one.replace("\u00a0", " ")]
    pad = cell_len(line.symbol) + 1
    under = pad > width // 2  # a long symbol: the parts go under it
    pad = 2 if under else pad
    out = [line.symbol] if under else []
    for i, (rel, part) in enumerate(parts):
        lead = f"{line.symbol} {rel} " if i == 0 and not under else " " * pad + f"{rel} "
        lines = wrap(part, max(width - cell_len(lead), 8))
        out.append(lead + lines[0])
        out += [" " * (cell_len(lead) + 2) + x for x in lines[1:]]
    return out


def solution_blocks(solution: Solution, lang: str, width: int) -> list[tuple[str, str]]:
    """(line, style) pairs: each question as a block that fits ``width``."""
    out: list[tuple[str, str]] = [(x, "bold") for x in wrap(text(lang, "table.title", title=solution.exam.title), width)]

    def steps(rows: tuple[Step, ...], indent: int) -> None:
        for line in step_lines(rows, lang):
            if line.label is not None:
                out.extend((" " * indent + x, "dim") for x in wrap(line.label, width - indent))
            out.extend((" " * (indent + 2) + x, "") for x in equation(line, width - indent - 2))

    for a in solution.answers:
        out.append(("", ""))
        head = wrap(text(lang, "kind." + a.kind), width - INDENT)
        out.append((a.id.ljust(INDENT - 1) + " " + head[0], "bold"))
        out.extend((" " * INDENT + x, "bold") for x in head[1:])
        if a.assumption:
            assumption = f"{text(lang, 'sheet.assumption')}: {text(lang, a.assumption)}"
            out.extend((" " * INDENT + x, "dim") for x in wrap(assumption, width - INDENT))
        steps(a.steps, INDENT)
        out.extend((" " * INDENT + x, "bold green") for x in wrap(answer_text(a, a.value, lang), width - INDENT))
        for alt in a.alternatives:
            heading = f"{text(lang, 'sheet.alternative')}: {text(lang, alt.key)}"
            out.extend((" " * INDENT + x, "yellow") for x in wrap(heading, width - INDENT))
            steps(alt.steps, INDENT + 2)
            out.extend((" " * (INDENT + 2) + x, "green")
                       for x in wrap(answer_text(a, alt.value, lang, "sheet.alternative_answer"), width - INDENT - 2))
    return out


# --------------------------------------------------------------------------- table (wide terminals)


def solution_rows(solution: Solution, lang: str) -> tuple[list[Column], list[list[tuple[str, str]] | None]]:
    """The table's columns and rows (None: a rule between questions)."""
    columns = [Column(text(lang, "table.id")),
               Column(text(lang, "table.question"), 2, minimum=MINIMUM["question"]),
               Column(text(lang, "table.formula"), 3, minimum=MINIMUM["formula"]),
               Column(text(lang, "table.substituted"), 3, minimum=MINIMUM["substituted"]),
               Column(text(lang, "table.value"), 1, "right")]
    rows: list[list[tuple[str, str]] | None] = []

    def add_steps(steps: tuple[Step, ...], prefix: str = "") -> None:
        for line in step_lines(steps, lang):
            formula = f"{line.symbol} = {line.formula}" if line.formula is not None else line.symbol
            substituted = f"= {line.substituted}" if line.substituted is not None else ""
            value = line.value if line.relation == "=" else f"≈ {line.value}"
            rows.append([("", ""), (prefix + (line.label or ""), "dim"), (formula, "cyan"), (substituted, ""),
                         (value, "")])

    for a in solution.answers:
        rows.append(None)
        heading = text(lang, "kind." + a.kind)
        rows.append([(a.id, "bold"), (heading, "bold"), ("", ""), ("", ""), ("", "")])
        if a.assumption:
            rows.append([("", ""), (f"({text(lang, a.assumption)})", "dim"), ("", ""), ("", ""), ("", "")])
        add_steps(a.steps)
        rows.append(_answer_row(a, a.value, lang, "sheet.answer", "bold green"))
        for alt in a.alternatives:
            rows.append([("", ""), (f"{text(lang, 'table.alternative')}: {text(lang, alt.key)}", "yellow"),
                         ("", ""), ("", ""), ("", "")])
            add_steps(alt.steps, "  ")
            rows.append(_answer_row(a, alt.value, lang, "sheet.alternative_answer", "green"))
    return columns, rows[1:]


def _answer_row(a: Answer, value: Any, lang: str, key: str, style: str) -> list[tuple[str, str]]:
    label = text(lang, key)
    if a.decimals is not None:
        label += f" ({text(lang, 'sheet.rounded', decimals=a.decimals)})"
    return [("", ""), (label, style), ("", ""), ("", ""), (value_cell(value, a.unit, lang), style)]


def solution_view(solution: Solution, lang: str, width: int) -> Any:
    """What ``symcnn solve`` prints at ``width`` columns: the table where it fits, else blocks."""
    from rich.console import Group
    from rich.text import Text

    columns, rows = solution_rows(solution, lang)
    cells = [[r[i][0] for r in rows if r is not None] for i in range(len(columns))]
    from .textgrid import fit

    widths = fit(columns, cells, width)
    if widths is not None:
        return grid(columns, widths, rows, text(lang, "table.title", title=solution.exam.title))
    return Group(*(Text(line, style=style, no_wrap=True) for line, style in solution_blocks(solution, lang, width)))


def footer_lines(solution: Solution, lang: str, width: int) -> list[str]:
    """The cost convention, wrapped to ``width``."""
    conv = convention(solution.exam.convention)
    return wrap(text(lang, "table.convention", name=conv.name, description=conv.describe(lang)), width)


def print_solution(solution: Solution, lang: str) -> None:
    from rich.console import Console

    from .status import print_warnings

    console = Console(highlight=False, markup=False, emoji=False)  # user text printed literally
    console.print(solution_view(solution, lang, console.width), soft_wrap=True)
    for line in footer_lines(solution, lang, console.width):
        console.print(line, markup=False, soft_wrap=True)
    print_warnings(solution.warnings, lang)

"""`symcnn formulas [SPEC]`: every total as a formula in H_0, W_0, its leading term and growth order."""

from __future__ import annotations

import argparse

HELP = "show how each total scales with the input size: formula in H_0, W_0, leading term, order"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", help="exam spec (TOML); default: the embedded seed exam")
    p.add_argument("--json", action="store_true", help="print the formulas as JSON")
    p.add_argument("--lang", choices=("vi", "en"), help="language (default: the spec's)")


def run(args: argparse.Namespace) -> int:
    from ..exam.spec import load_exam
    from ..scaling.formulas import border_losses, growth, smallest_valid

    exam = load_exam(args.spec)
    lang = args.lang or exam.language
    totals = growth(exam)
    valid = smallest_valid(exam.network)
    losses = border_losses(exam)
    if args.json:
        import json

        from ..render.printing import formula_text

        print(json.dumps({
            "totals": [{"total": g.key, "formula": formula_text(g.exact), "leading": formula_text(g.leading),
                        "order": formula_text(g.order), "degree": g.degree, "drivers": list(g.drivers)}
                       for g in totals],
            "smallest_valid": valid.__dict__,
            "border_loss": [b.__dict__ for b in losses],
        }, ensure_ascii=False, indent=2))
        return 0
    print_scaling(exam.title, totals, valid, losses, lang)
    return 0


# the blanks of the catalogue's scaling sentences, for the terminal (the sheet fills in LaTeX)
SYMBOLS = {"h": "H₀", "w": "W₀", "size": "H₀ × W₀", "floor": "⌊x/s⌋ = x/s − θ"}


def print_scaling(title: str, totals: tuple, valid: object, losses: tuple, lang: str) -> None:
    """Rich tables: the totals with their leading terms, then the valid sizes and border losses."""
    from rich.console import Console
    from rich.table import Table

    from ..catalogue import text
    from ..render.printing import formula_text, total_name

    console = Console(markup=False, emoji=False)  # titles and layer names printed literally
    table = Table(title=text(lang, "scaling.title", title=title), show_lines=True)
    for key in ("total", "leading", "order", "drivers"):
        table.add_column(text(lang, f"scaling.col.{key}"))
    for g in totals:
        table.add_row(total_name(lang, g.key), formula_text(g.leading, unicode=True), formula_text(g.order, unicode=True), ", ".join(g.drivers))
    console.print(table)
    console.print(text(lang, "scaling.col.formula"), style="bold")
    for g in totals:
        console.print(f"{total_name(lang, g.key)} = {formula_text(g.exact, unicode=True)}", highlight=False,
                      soft_wrap=True)
    console.print(text(lang, "scaling.definition", **SYMBOLS), style="dim")
    console.print(text(lang, "sweep.smallest", **valid.__dict__))  # type: ignore[attr-defined]
    loss = Table(title=text(lang, "scaling.loss.title"))
    for key in ("layer", "stride", "period", "losing", "at_input"):
        loss.add_column(text(lang, f"scaling.loss.{key}", **SYMBOLS))
    for b in losses:
        losing = ", ".join(map(str, b.losing)) if b.losing or b.stride == 1 else text(lang, "scaling.loss.many")
        loss.add_row(b.layer, str(b.stride), str(b.period), losing or "—", "×".join(map(str, b.lost_at_input)))
    console.print(loss)

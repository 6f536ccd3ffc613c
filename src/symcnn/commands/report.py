"""`symcnn report [MODEL|SPEC]`: per-layer shape, parameters, cost and activations, the totals
as formulas in H and W, and (``--compare``) every convention side by side, explained."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from . import add_convention, add_lang

if TYPE_CHECKING:
    from ..models.report import Report

HELP = "report a network layer by layer (a zoo model, a spec, or the embedded exam's network)"
TOP_LAYERS = 3  # layers named in each explanation line


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", nargs="?",
                   help="zoo model (alexnet, vgg16, resnet18, resnet50, resnet152, mobilenet_v2, efficientnet_b0,"
                        " mobilenet_v3_large, densenet121, convnext_tiny), torchvision:NAME (needs torchvision) or"
                        " spec file; default: the embedded exam's network")
    p.add_argument("--torch", metavar="MODULE:FACTORY", dest="torch_factory",
                   help="one's own torch model: import package.module and call factory() (needs torch)")
    p.add_argument("--size", metavar="HxW", help="input height × width, e.g. 224x224, or 224 for 224×224"
                                                " (default: the spec's)")
    add_convention(p, "the exam's, else macs")
    p.add_argument("--compare", action="store_true", help="every convention side by side, differences explained")
    p.add_argument("--json", action="store_true", help="print the report (and the warnings) as JSON")
    add_lang(p, "an exam's own, else en")


def parse_size(text: str) -> tuple[int, int]:
    """``224x224`` (or ``224×224``, or ``224`` for a square) → (224, 224); anything else is a SpecError.

    >>> parse_size("193x251"), parse_size("224")
    ((193, 251), (224, 224))
    """
    from ..checked import option_size
    from ..errors import SpecError

    usage = "HxW or one size (e.g. 224x224 or 224)"
    parts = text.lower().replace("×", "x").split("x")
    parts = parts * 2 if len(parts) == 1 else parts
    if len(parts) != 2:
        option_size("", "--size", usage, text)  # the one message for every malformed size
    h, w = (option_size(p, "--size", usage, text) for p in parts)
    if max(h, w) > 2**32:
        raise SpecError(f"--size: must be at most {2**32} per side, got {text!r}")
    return h, w


def run(args: argparse.Namespace) -> int:
    from ..models.report import build_report, load_target

    size = parse_size(args.size) if args.size is not None else None
    target = load_target(args.model, args.torch_factory)
    report = build_report(target, size, args.convention, args.compare)
    if args.json:
        import json

        from ..render.status import print_json

        print_json(json.dumps(report_json(report, args.lang or target.language), ensure_ascii=False, indent=1))
    else:
        print_report(report, args.lang or target.language)
    return 0


# --------------------------------------------------------------------------- rendering


def _shape(shape: tuple[Any, ...], lang: str) -> str:
    from ..render.printing import value_text

    return value_text(tuple(shape), lang)


def explanations(report: "Report", lang: str) -> list[str]:
    """One line per (convention, count) that differs from the chosen convention."""
    from ..catalogue import text
    from ..render.numbers import NUMBER_FORMATS

    fmt = NUMBER_FORMATS[lang]

    def signed(n: int) -> str:
        return ("+" if n > 0 else "") + fmt.integer(n)

    base = report.convention.name
    lines = []
    for name in report.costs:
        found = [d for d in report.differences if d.convention == name]
        if name != base and not found and not report.residuals.get(name):
            lines.append(text(lang, "report.same", name=name, base=base))
        for d in found:
            top = ", ".join(f"{layer} {signed(n)}" for layer, n in d.layers[:TOP_LAYERS])
            top += ", …" if len(d.layers) > TOP_LAYERS else ""
            lines.append(text(lang, "report.explain", name=name, count=d.count, weight=d.weight, base=base,
                              base_weight=d.base_weight, delta=signed(d.total), layers=len(d.layers), top=top))
        if report.residuals.get(name):
            lines.append(text(lang, "report.residual", name=name, delta=signed(report.residuals[name])))
    return lines


def formula_lines(report: "Report", lang: str) -> list[tuple[str, str]]:
    """(left, right) pairs: the size symbols' definitions, then each total, then closed forms."""
    from ..catalogue import text
    from ..render.printing import formula_text

    f = report.formulas
    cost = f"{text(lang, 'report.cost').lower()} ({report.convention.name})"
    named = {"params": text(lang, "report.params").lower(), "cost": cost,
             "activations": text(lang, "report.activations").lower()}
    rows = [(formula_text(s, unicode=True), formula_text(v, unicode=True)) for s, v in f.sizes.items()]
    rows.append((text(lang, "report.output"), " × ".join(formula_text(d, unicode=True) for d in f.output)))
    rows += [(named[k], formula_text(getattr(f, k), unicode=True)) for k in named]
    if f.sizes:
        rows += [(f"{named[k]}, {text(lang, 'report.closed')}", formula_text(v, unicode=True)) for k, v in f.closed.items()
                 if v != getattr(f, k)]
    return rows


def text_table(heads: list[str], rows: list[list[str]], right: set[int], foot: list[str] | None = None) -> str:
    """Aligned plain-text columns (a 175-row table renders in no time, and pipes cleanly)."""
    every = [heads, *rows, *([foot] if foot else [])]
    widths = [max(len(r[i]) for r in every) for i in range(len(heads))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "  ".join("─" * w for w in widths)
    out = [line(heads), rule, *(line(r) for r in rows)]
    if foot:
        out += [rule, line(foot)]
    return "\n".join(x.rstrip() for x in out)


def print_report(report: "Report", lang: str) -> None:
    """The per-layer table, the formulas, and with ``--compare`` the conventions explained."""
    from ..catalogue import text
    from ..render.numbers import NUMBER_FORMATS
    from ..render.status import print_warnings

    fmt = NUMBER_FORMATS[lang]
    numbers, conv = report.numbers, report.convention
    costs = report.costs[conv.name]
    out = [text(lang, "report.title", title=report.target.title, shape=_shape(numbers.input_shape, lang),
                convention=conv.name, unit=text(lang, f"unit.{conv.unit}")), ""]
    heads = [text(lang, f"report.{h}") for h in ("index", "layer", "type", "shape", "params", "cost", "activations")]
    first = ["0", report.target.network.input_name, text(lang, "layer_kind.input"), _shape(numbers.input_shape, lang), "0", "0",
             fmt.integer(numbers.activations - sum(lay.activations for lay in numbers.layers))]
    rows = [first] + [[str(lay.index), lay.name, text(lang, f"layer_kind.{lay.kind}"), _shape(lay.shape, lang), fmt.integer(lay.params),
                       fmt.integer(cost), fmt.integer(lay.activations)] for lay, cost in zip(numbers.layers, costs)]
    foot = ["", text(lang, "report.total"), "", _shape(numbers.layers[-1].shape, lang), fmt.integer(numbers.params),
            fmt.integer(sum(costs)), fmt.integer(numbers.activations)]
    out += [text_table(heads, rows, {0, 4, 5, 6}, foot), "", text(lang, "report.formulas")]
    out += [f"  {left} = {right}" for left, right in formula_lines(report, lang)]
    if len(report.costs) > 1:
        out += ["", text(lang, "report.compare", shape=_shape(numbers.input_shape, lang)), "", compare_table(report, lang)]
        out += [""] + [f"  {line}" for line in explanations(report, lang)]
    print("\n".join(out))
    print_warnings(numbers.warnings, lang)


def compare_table(report: "Report", lang: str) -> str:
    from ..catalogue import text
    from ..model.conventions import CONVENTIONS
    from ..render.numbers import NUMBER_FORMATS

    fmt = NUMBER_FORMATS[lang]
    base = report.total(report.convention.name)
    heads = [text(lang, "report.convention"), text(lang, "report.unit"), text(lang, "report.total"),
             text(lang, "report.difference", base=report.convention.name), text(lang, "report.tool")]
    rows = []
    for name in report.costs:
        total, conv = report.total(name), CONVENTIONS[name]
        delta = total - base
        rows.append([name, text(lang, f"unit.{conv.unit}"), fmt.integer(total),
                     ("+" if delta > 0 else "") + fmt.integer(delta) if delta else "", conv.tool])
    return text_table(heads, rows, {2, 3})


def report_json(report: "Report", lang: str = "en") -> dict[str, Any]:
    """The report for machines: exact integers, shapes as lists, formulas as text, warnings."""
    from ..render.jsonout import warnings_json
    from ..render.printing import formula_text

    f = report.formulas
    layers = [
        {"index": lay.index, "name": lay.name, "kind": lay.kind, "shape": list(lay.shape), "params": lay.params,
         "activations": lay.activations, "counts": dict(lay.counts),
         "cost": {name: costs[i] for name, costs in report.costs.items()}}
        for i, lay in enumerate(report.numbers.layers)
    ]
    return {
        "model": report.target.title,
        "source": report.target.source,
        "input": list(report.numbers.input_shape),
        "convention": report.convention.name,
        "layers": layers,
        "totals": {"params": report.numbers.params, "activations": report.numbers.activations,
                   "cost": {name: report.total(name) for name in report.costs}},
        "formulas": {
            "sizes": {formula_text(s): formula_text(v) for s, v in f.sizes.items()},
            "output": [formula_text(d) for d in f.output],
            **{k: formula_text(getattr(f, k)) for k in ("params", "cost", "activations")},
            "closed_form": {k: formula_text(v) for k, v in f.closed.items()},
        },
        "differences": [
            {"convention": d.convention, "count": d.count, "weight": d.weight, "base_weight": d.base_weight,
             "total": d.total, "layers": [{"name": n, "amount": a} for n, a in d.layers]}
            for d in report.differences
        ],
        "unexplained": {k: v for k, v in report.residuals.items() if v},
        "warnings": warnings_json(report.numbers.warnings, lang),
    }

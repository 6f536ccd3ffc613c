"""The sheet's "how cost scales" section: totals in H_0, W_0, leading terms, valid sizes, a plot.

The plot is drawn with LaTeX's own ``picture`` environment (no extra package, no image
file): one mark per sampled size on log–log axes. Coordinates are the only floats, and
only for drawing; every printed value is exact.
"""

from __future__ import annotations

import math
from typing import Any

from ...catalogue import text
from ...scaling.formulas import border_losses, growth, smallest_valid
from ..printing import total_name
from .escape import Raw, escape
from .printer import formula_latex, printer
from .rows import GAP, LINE, _pack

WIDTH, HEIGHT = 120, 70  # plot size in mm
MARKS = (r"\circ", r"\times", r"+", r"\diamond", r"\ast", r"\bullet", r"\star", r"\triangle")
POINTS = 40
LARGEST = 2048  # largest square side plotted


def _names(names: tuple[str, ...], most: int = 8) -> str:
    """Layer names for one line of math: a deep network's hundreds would overflow TeX's dimensions.

    >>> _names(tuple(f"c{i}" for i in range(1000)))
    'c0, c1, c2, c3, c4, c5, …, c999'
    """
    shown = names if len(names) <= most else (*names[: most - 2], "…", names[-1])
    return ", ".join(shown)


def _growth_rows(sh: Any, conv: str) -> list[str]:
    keys = ("params", "activations", f"cost.{conv}", "memory_bytes", f"batch.{conv}", f"run.{conv}")
    totals = {g.key: g for g in growth(sh.solution.exam)}
    rows = []
    for key in keys:
        g = totals[key]
        label = rf"\text{{{escape(total_name(sh.lang, key))}}}"
        lines = _pack(printer(lang=sh.lang).pieces(g.exact), LINE - len(key) // 2 - GAP - 10)
        rows.append(rf"{label} &= {lines[0]} \\")
        rows += [rf"&\quad {line} \\" for line in lines[1:]]
        rows.append(rf"&\approx {formula_latex(g.leading, lang=sh.lang)}"
                    rf" \quad \text{{({sh.say('scaling.col.drivers')}: {escape(_names(g.drivers))})}} \\")
    rows[-1] = rows[-1].removesuffix(r" \\")
    return rows


def _plot(sh: Any, conv: str, smallest: int) -> list[str]:
    from ...scaling.sweep import plan, sample

    exam = sh.solution.exam
    sizes = range(smallest, max(LARGEST, smallest + 1) + 1)
    sw = plan(exam, sizes, sizes, square=True)
    rows = sample(sw, POINTS)
    series = [(f"{n.name}.cost.{conv}", sh.say("sweep.plot.layer", layer=n.name)) for n in exam.network.nodes]
    series += [("params", sh.say("sweep.col.params")), ("activations", sh.say("sweep.col.activations"))]
    pixels = [int(h) * int(w) for h, w in zip(rows.columns["H"], rows.columns["W"])]

    def values(col: str) -> list[int]:
        v = rows.columns[col]
        return [int(x) for x in v] if hasattr(v, "__len__") else [int(v)] * rows.rows

    drawn = [(label, values(col)) for col, label in series if any(values(col))]
    ys = [y for _, vs in drawn for y in vs if y > 0]
    x0, x1 = math.floor(math.log10(min(pixels))), math.ceil(math.log10(max(pixels)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))

    def at(x: int, y: int) -> str:
        return (f"{(math.log10(x) - x0) / max(x1 - x0, 1) * WIDTH:.1f},"
                f"{(math.log10(y) - y0) / max(y1 - y0, 1) * HEIGHT:.1f}")

    out = [r"\begin{center}\setlength{\unitlength}{1mm}", rf"\begin{{picture}}({WIDTH},{HEIGHT + 6})",
           rf"\put(0,0){{\line(1,0){{{WIDTH}}}}}", rf"\put(0,0){{\line(0,1){{{HEIGHT}}}}}"]
    for k in range(x0, x1 + 1):
        x = (k - x0) / max(x1 - x0, 1) * WIDTH
        out.append(rf"\put({x:.1f},0){{\line(0,1){{1.5}}}}\put({x:.1f},-4){{\makebox(0,0){{\scriptsize $10^{{{k}}}$}}}}")
    for k in range(y0, y1 + 1):
        y = (k - y0) / max(y1 - y0, 1) * HEIGHT
        out.append(rf"\put(0,{y:.1f}){{\line(1,0){{1.5}}}}\put(-2,{y:.1f}){{\makebox(0,0)[r]{{\scriptsize $10^{{{k}}}$}}}}")
    for i, (_, vs) in enumerate(drawn):
        mark = MARKS[i % len(MARKS)]
        out += [rf"\put({at(x, y)}){{\makebox(0,0){{$\scriptstyle {mark}$}}}}" for x, y in zip(pixels, vs) if y > 0]
    line = (math.log10(smallest * smallest) - x0) / max(x1 - x0, 1) * WIDTH
    out.append(rf"\multiput({line:.1f},0)(0,2){{{HEIGHT // 2}}}{{\line(0,1){{1}}}}")
    out.append(rf"\put({line + 1:.1f},{HEIGHT + 2}){{\scriptsize {sh.say('sweep.plot.smallest', pixels=sh.number(smallest * smallest))}}}")
    out += [r"\end{picture}", r"\end{center}"]
    legend = ", ".join(rf"${MARKS[i % len(MARKS)]}$ {label}" for i, (label, _) in enumerate(drawn))
    out.append(rf"\begin{{center}}\small {sh.say('sweep.plot.x')}; {legend}\end{{center}}")
    return out


def scaling_section(sh: Any) -> str:
    """How each total grows with the input size, where sizes stop being valid, and a plot."""
    exam = sh.solution.exam
    conv = exam.convention
    valid = smallest_valid(exam.network)
    losses = border_losses(exam)
    loss_rows = [
        rf"{escape(b.layer)} & {b.stride} & {b.period} & "
        rf"{', '.join(map(str, b.losing)) if b.losing else '--'} & {b.lost_at_input[0]} $\times$ {b.lost_at_input[1]} \\"
        for b in losses
    ]
    symbols = {"h": Raw("$H_0$"), "w": Raw("$W_0$"), "size": Raw(r"$H_0 \times W_0$"),
               "floor": Raw(r"$\lfloor x/s \rfloor = x/s - \theta$")}
    head = " & ".join(rf"\textbf{{{sh.say('scaling.loss.' + k, **symbols)}}}" for k in ("layer", "stride", "period", "losing",
                                                                            "at_input"))
    return "\n".join((
        rf"\section{{{sh.say('scaling.section')}}}",
        sh.say("scaling.sheet_intro", **symbols),
        r"\begin{align*}",
        *_growth_rows(sh, conv),
        r"\end{align*}",
        sh.say("scaling.definition", **symbols),
        "",
        sh.say("sweep.smallest", square=valid.square, height=valid.height, width=valid.width),
        *_plot(sh, conv, valid.square),
        rf"\paragraph{{{sh.say('scaling.loss.title')}}}",
        r"{\small\begin{longtable}{@{}>{\raggedright}p{1.8cm}>{\raggedleft}p{1.8cm}>{\raggedleft}p{2.4cm}"
        r">{\raggedright}p{4.2cm}>{\raggedright\arraybackslash}p{4cm}@{}}",
        head + r" \\ \hline",
        *loss_rows,
        r"\end{longtable}}",
    ))


__all__ = ["scaling_section", "text"]

"""The network as a drawing on the question paper, generated from the spec.

Each feature map is a box, like the LeNet figure of the seed exam: the front face is as
tall as the map is high, as wide as it is deep, and the map's width recedes at 45°; a
vector (a dense layer's output) is a thin bar. Sizes grow with the logarithm of the
numbers, so a 4096-unit layer and a 2-unit layer both fit. Under each box: the layer's
name, what it does, and its size, where only sizes the spec states are printed (the
input, a convolution's filters, a dense layer's units); the others are the symbols the
questions ask for (H₁ × W₁ × 16).

Drawn with LaTeX's own ``picture`` environment (lines of slope 1 and boxes), since
TikZ is not part of texlive-latex-base. A network that is not a chain, or too long to
draw legibly (more than ``PER_ROW × MAX_ROWS`` boxes), is not drawn: :func:`drawing`
says why instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..catalogue import text
from ..exam.steps import Solution
from ..render.latex import escape, formula_latex, number_latex

PER_ROW = 8  # boxes per row
MAX_ROWS = 3
WIDTH = 17.0  # cm: the text width of an A4 page with 2 cm margins
LABEL = 1.35  # cm below each row for the three label lines
MAX_SIDE = 3.0  # cm: the tallest box


@dataclass(frozen=True)
class Box:
    """One slot of the drawing: a feature map (face a × t, receding e) or a vector bar."""

    height: float  # a: the front face's height
    thick: float  # t: the front face's width
    depth: float  # e: how far the map recedes at 45°
    lines: tuple[str, ...]  # the label: name, operation, size (LaTeX)


def _side(n: int) -> float:
    return min(MAX_SIDE, 0.45 + 0.3 * math.log2(max(n, 1)))


def _thick(d: int) -> float:
    return min(1.0, 0.12 + 0.12 * math.log2(max(d, 1)))


def not_drawn(solution: Solution) -> str | None:
    """Why the network is not drawn (a catalogue key and its blanks), or None when it is."""
    network = solution.exam.network
    previous = network.input_name
    for node in network.nodes:
        if node.inputs and tuple(node.inputs) != (previous,):
            return "branched"
        previous = node.name
    if len(network.nodes) + 1 > PER_ROW * MAX_ROWS:
        return "too_deep"
    return None


def _size(solution: Solution, index: int, lang: str) -> str:
    """A map's size as math, stated dimensions as numbers and the others as symbols."""
    if index == 0:
        return r" \times ".join(number_latex(n, lang) for n in solution.exam.network.input_shape)
    lf = solution.formulas.layers[index - 1]
    stated = solution.formulas.hyper_values
    shape = solution.numbers.layers[index - 1].shape
    parts = []
    for symbol, value in zip(lf.symbols, shape):
        shown = symbol in stated or getattr(symbol, "is_Integer", False) or str(symbol).endswith("_0")
        parts.append(number_latex(value, lang) if shown else formula_latex(symbol, None, lang))
    return r" \times ".join(parts)


def _operation(solution: Solution, index: int, lang: str) -> str:
    """What a layer does, in a few words: ``conv 7×7, s1, p1, ReLU``."""
    node = solution.exam.network.nodes[index - 1]
    layer = node.layer
    words = [escape(text(lang, f"paper.short.{layer.kind}"))]
    kernel = getattr(layer, "kernel", None)
    if isinstance(kernel, int):
        words[0] += rf" ${kernel}\times{kernel}$"
    for attr, letter in (("stride", "s"), ("padding", "p")):
        v = getattr(layer, attr, None)
        if isinstance(v, int) and not (attr == "stride" and v == 1 and layer.kind == "conv2d"):
            words.append(f"{letter}{v}")
    activation = getattr(layer, "activation", None) or getattr(layer, "function", None)
    if activation:
        words.append(escape(text(lang, f"activation.{activation}")))
    return ", ".join(words)


def boxes(solution: Solution, lang: str) -> list[Box]:
    shapes = [solution.numbers.input_shape] + [ln.shape for ln in solution.numbers.layers]
    out = []
    for i, shape in enumerate(shapes):
        if i == 0:
            name, op = escape(text(lang, "layer_kind.input")), ""
        else:
            name = escape(solution.exam.network.nodes[i - 1].name, breakable=True)
            op = _operation(solution, i, lang)
        size = f"${_size(solution, i, lang)}$"
        if len(shape) == 3:
            h, w, d = shape
            out.append(Box(_side(h), _thick(d), 0.35 * _side(w), (name, op, size)))
        else:
            out.append(Box(_side(shape[0]), 0.16, 0.0, (name, op, size)))
    return out


def _f(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") or "0"


def _box_lines(x: float, y: float, b: Box) -> list[str]:
    """A box with its lower-left front corner at (x, y): front face, top and right faces."""
    a, t, e = b.height, b.thick, b.depth
    out = [rf"\put({_f(x)},{_f(y)}){{\framebox({_f(t)},{_f(a)}){{}}}}"]
    if e > 0:
        out += [
            rf"\put({_f(x)},{_f(y + a)}){{\line(1,1){{{_f(e)}}}}}",
            rf"\put({_f(x + t)},{_f(y + a)}){{\line(1,1){{{_f(e)}}}}}",
            rf"\put({_f(x + t)},{_f(y)}){{\line(1,1){{{_f(e)}}}}}",
            rf"\put({_f(x + e)},{_f(y + a + e)}){{\line(1,0){{{_f(t)}}}}}",
            rf"\put({_f(x + t + e)},{_f(y + e)}){{\line(0,1){{{_f(a)}}}}}",
        ]
    return out


def picture(solution: Solution, lang: str) -> str:
    """The drawing as a LaTeX ``picture`` (call only when :func:`not_drawn` is None)."""
    slots = boxes(solution, lang)
    per_row = min(PER_ROW, len(slots))
    slot = WIDTH / per_row
    widest = max(b.thick + b.depth for b in slots)
    scale = min(1.0, (slot - 0.5) / widest)
    slots = [Box(b.height * scale, b.thick * scale, b.depth * scale, b.lines) for b in slots]
    rows = [slots[i:i + per_row] for i in range(0, len(slots), per_row)]
    body: list[str] = []
    top = 0.0
    for r, row in enumerate(rows):
        tall = max(b.height + b.depth for b in row)
        centre = top - (tall / 2 + 0.1)
        for j, b in enumerate(row):
            x = j * slot + (slot - b.thick - b.depth) / 2
            y = centre - (b.height + b.depth) / 2
            body += _box_lines(x, y, b)
            label = r"\\".join(line for line in b.lines if line)
            body.append(rf"\put({_f(j * slot + slot / 2)},{_f(top - tall - 0.25)}){{\makebox(0,0)[t]{{"
                        rf"\parbox[t]{{{_f(slot - 0.1)}cm}}{{\centering\scriptsize {label}}}}}}}")
            end = x + b.thick + b.depth
            if j + 1 < len(row):
                nxt = (j + 1) * slot + (slot - row[j + 1].thick - row[j + 1].depth) / 2
                if nxt - end > 0.15:
                    body.append(rf"\put({_f(end + 0.05)},{_f(centre)}){{\vector(1,0){{{_f(nxt - end - 0.1)}}}}}")
            elif r + 1 < len(rows):  # the chain goes on in the next row
                body.append(rf"\put({_f(end + 0.05)},{_f(centre)}){{\vector(1,0){{{_f(max(0.2, WIDTH - end - 0.1))}}}}}")
        top -= tall + 0.35 + LABEL
    height = -top
    return "\n".join([
        r"\begin{center}\setlength{\unitlength}{1cm}",
        rf"\begin{{picture}}({_f(WIDTH)},{_f(height)})(0,{_f(-height)})",
        *body,
        r"\end{picture}\end{center}",
    ])


def drawing(solution: Solution, lang: str) -> str:
    """The drawing with its caption, or a sentence saying why the network is not drawn."""
    why = not_drawn(solution)
    n = len(solution.exam.network.nodes)
    if why is not None:
        return rf"\textit{{{escape(text(lang, 'paper.' + why, layers=n, limit=PER_ROW * MAX_ROWS - 1))}}}"
    return "\n".join([picture(solution, lang), rf"\begin{{center}}\small {escape(text(lang, 'paper.figure'))}\end{{center}}"])

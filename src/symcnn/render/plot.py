"""Log–log plot of a sweep: cost against pixels, one line per component (matplotlib, lazily).

Values are exact ints until the very last step, where matplotlib needs floats to draw.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from ..catalogue import text
from ..errors import SpecError, ToolMissingError
from ..fileio import atomic_write
from ..scaling.sweep import Chunk, Sweep

FORMATS = ("png", "pdf")


MISSING = "--plot needs the plot extra: pip install 'symcnn[plot]' (matplotlib)"


def check_path(path: str | Path) -> str:
    """The plot's format from its suffix; anything else is an error naming --plot and the value.

    Also fails when matplotlib is not installed, so a command can check before any work starts.
    """
    import importlib.util

    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise SpecError(f"--plot: the file must end in .png or .pdf, got {str(path)!r}")
    if importlib.util.find_spec("matplotlib") is None:
        raise ToolMissingError(MISSING)
    return fmt


def components(sw: Sweep, convention: str) -> list[tuple[str, str]]:
    """(column, catalogue key) of every line: each layer's cost, then parameters and activations."""
    lines = [(f"{node.name}.cost.{convention}", node.name) for node in sw.exam.network.nodes]
    return lines + [("params", "sweep.col.params"), ("activations", "sweep.col.activations")]


def _floats(values: Any, n: int) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return np.array([float(v) for v in values.tolist()]) if values.dtype == object else values.astype(float)
    return np.full(n, float(values))


def plain(label: str) -> str:
    """A label matplotlib prints as written: every ``$`` escaped, so no mathtext is parsed.

    (Mathtext stays on for matplotlib's own tick labels, ``10^4``.)

    >>> print(plain("$x$ costs $5"))
    \\$x\\$ costs \\$5
    """
    return label.replace("$", "\\$")


def plot_sweep(sw: Sweep, rows: Chunk, smallest: int, path: str | Path, lang: str, convention: str) -> Path:
    """Draw the sampled rows and write the figure atomically to ``path`` (.png or .pdf).

    Every label is plain text (:func:`plain`, and TeX off), so a layer named ``$\\frac{``
    or a title ``$\\input{/etc/passwd}$`` is printed as written, never parsed.
    """
    fmt = check_path(path)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401  (loaded before the settings below apply)
    except ImportError:
        raise ToolMissingError(MISSING) from None
    with matplotlib.rc_context({"text.usetex": False}):
        data = _draw(sw, rows, smallest, lang, convention, fmt)
    return atomic_write(path, data)


def _draw(sw: Sweep, rows: Chunk, smallest: int, lang: str, convention: str, fmt: str) -> bytes:
    import matplotlib.pyplot as plt

    n = rows.rows
    pixels = _floats(rows.columns["H"], n) * _floats(rows.columns["W"], n)
    order = np.argsort(pixels, kind="stable")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for column, label in components(sw, convention):
        y = _floats(rows.columns[column], n)[order]
        if (y > 0).any():
            total = label.startswith("sweep.")  # parameters and activations: dashed over the layer costs,
            name = text(lang, label) if total else text(lang, "sweep.plot.layer", layer=label)
            ax.plot(pixels[order][y > 0], y[y > 0], label=plain(name),  # so a layer whose cost equals one shows
                    linestyle="--" if total else "-", linewidth=2.2 if total else 1.4)
    ax.axvline(float(smallest), color="grey", linestyle=":", linewidth=1)
    ax.annotate(plain(text(lang, "sweep.plot.smallest", pixels=smallest)), (float(smallest), 0.98),
                xycoords=("data", "axes fraction"), xytext=(4, 0), textcoords="offset points",
                ha="left", va="top", fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(plain(text(lang, "sweep.plot.x")))
    ax.set_ylabel(plain(text(lang, "sweep.plot.y", convention=convention)))
    ax.set_title(plain(text(lang, "sweep.plot.title", title=sw.exam.title)))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, 0.93))
    ax.grid(True, which="both", alpha=0.3)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format=fmt, bbox_inches="tight", metadata={"CreationDate": None} if fmt == "pdf" else None)
    finally:
        plt.close(fig)
    return buf.getvalue()

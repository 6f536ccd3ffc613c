"""One module per `symcnn` sub-command (see :data:`symcnn.cli.COMMANDS`)."""

from __future__ import annotations

import argparse

PLOT_EXTRA = "needs the plot extra: pip install 'symcnn[plot]' (matplotlib)"


def add_convention(p: argparse.ArgumentParser, default: str) -> None:
    """``--convention NAME``, its help listing every convention's name."""
    from ..model.conventions import CONVENTIONS  # a small table: no sympy

    p.add_argument("--convention", metavar="NAME",
                   help=f"cost convention: {', '.join(CONVENTIONS)} (default: {default})")


def add_lang(p: argparse.ArgumentParser, default: str = "the spec's") -> None:
    p.add_argument("--lang", choices=("vi", "en"), help=f"language of the output (default: {default})")

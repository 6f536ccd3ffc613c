"""symcnn: a convolutional network as closed-form formulas.

Layer dimensions are sympy symbols, so shapes, parameters, costs and memory are
formulas; substituted with numbers they give exact answers, step by step.

>>> from symcnn import load_exam, solve
>>> solve(load_exam()).answer("2b").value > 0
True
"""

from __future__ import annotations

from .errors import KeyFileError, SpecError, SymcnnError, UnsupportedLayerError
from .network import Network, Node, derive, evaluate
from .solve import solve
from .spec import load_exam, parse_exam

__all__ = [
    "KeyFileError",
    "Network",
    "Node",
    "SpecError",
    "SymcnnError",
    "UnsupportedLayerError",
    "derive",
    "evaluate",
    "from_torch",
    "load_exam",
    "parse_exam",
    "solve",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``from_torch`` is loaded on first use, so ``import symcnn`` never imports torch."""
    if name == "from_torch":
        from .importer import from_torch

        return from_torch
    raise AttributeError(f"module 'symcnn' has no attribute {name!r}")

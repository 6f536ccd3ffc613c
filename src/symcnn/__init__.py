"""symcnn: a convolutional network as closed-form formulas.

Layer dimensions are sympy symbols, so shapes, parameters, costs and memory are
formulas; substituted with numbers they give exact answers, step by step.

>>> from symcnn import load_exam, solve
>>> solve(load_exam()).answer("2b").value > 0
True

The package is layered as the data flows (``tests/test_layering.py`` holds the order):
the ground (:mod:`~symcnn.errors`, :mod:`~symcnn.fileio`, :mod:`~symcnn.checked`,
:mod:`~symcnn.catalogue`), then :mod:`~symcnn.model`, :mod:`~symcnn.exam`,
:mod:`~symcnn.scaling` and :mod:`~symcnn.models`, :mod:`~symcnn.verify`,
:mod:`~symcnn.render`, :mod:`~symcnn.classroom`, and the command line on top.
The public names below are loaded on first use, so ``import symcnn`` is cheap and
never imports torch or sympy.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import KeyFileError, SpecError, SymcnnError, UnsupportedLayerError

_LAZY = {  # public name → the module that defines it
    "Network": "model.network",
    "Node": "model.network",
    "derive": "model.network",
    "evaluate": "model.network",
    "load_exam": "exam.spec",
    "parse_exam": "exam.spec",
    "solve": "exam.solve",
    "from_torch": "models.importer",
}

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


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (and register the Jupyter displays)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symcnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    if name == "solve":  # Solutions, Answers and Steps show as LaTeX in Jupyter
        importlib.import_module(f"{__name__}.render.latex.notebook")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

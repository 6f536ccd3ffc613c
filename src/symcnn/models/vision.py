"""torchvision's models and one's own torch model as report targets.

``symcnn report torchvision:NAME`` builds torchvision's model (random weights, on PyTorch's
``meta`` device where it can: shapes only, no memory) and imports it with
:func:`~symcnn.models.importer.from_torch`; ``symcnn report --torch package.module:factory``
imports ``package.module`` (the user's own code, by module path) and calls ``factory()``.
Neither is ever ``eval``'d: a module path and a name are checked word by word first.
torch and torchvision are imported only here, and only for these targets.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator

from ..errors import SpecError, ToolMissingError

TRANSFORMERS = ("vit_", "swin_", "maxvit_")
"""torchvision classification models that are transformers, not CNNs (no layers for attention)."""

NO_AUX = {"googlenet", "inception_v3"}
"""Models whose auxiliary classifiers run only in training: built without them, as evaluated."""

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _torchvision() -> Any:
    try:
        import torchvision
    except Exception as e:  # absent, or present but not importable beside this torch
        raise ToolMissingError(f"torchvision:NAME needs torchvision (pip install 'symcnn[torchvision]'):"
                        f" {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}") from None
    return torchvision


def models() -> list[str]:
    """Every classification model torchvision lists."""
    tv = _torchvision()
    return list(tv.models.list_models(module=tv.models))


def CNNS() -> list[str]:  # noqa: N802  (a constant, computed once torchvision is there)
    """torchvision's classification CNNs: every model but the transformers."""
    return [n for n in models() if not n.startswith(TRANSFORMERS)]


def build(name: str, device: str | None = None) -> Any:
    """torchvision's model ``name`` in eval mode: on ``"meta"``, shapes only; else with every
    weight and buffer zero (no random initialisation to wait for; counts do not read values)."""
    tv = _torchvision()
    import torch

    known = models()
    if name not in known:
        raise SpecError(f"torchvision:{name}: no such torchvision model (known: {', '.join(known)})")
    kwargs: dict[str, Any] = {"aux_logits": False, "init_weights": False} if name in NO_AUX else {}
    if device == "meta":
        try:
            with torch.device("meta"), _no_init():
                return tv.models.get_model(name, weights=None, **kwargs).eval()
        except (NotImplementedError, RuntimeError):  # a builder that computes with tensors (RegNet) fails on meta
            pass
        with _no_init():  # built with empty weights, then moved to meta (no data is copied)
            return tv.models.get_model(name, weights=None, **kwargs).eval().to("meta")
    with _no_init(), torch.no_grad():
        model = tv.models.get_model(name, weights=None, **kwargs).eval()
        for t in (*model.parameters(), *model.buffers()):
            t.zero_()
    return model


@contextlib.contextmanager
def _no_init() -> Iterator[None]:
    """torch.nn.init's functions as no-ops: a meta tensor has no values to draw, and drawing them
    through the meta kernels takes longer than importing the model."""
    from torch.nn import init

    names = [n for n in dir(init) if n.endswith("_") and not n.startswith("_") and callable(getattr(init, n))]
    saved = {n: getattr(init, n) for n in names}
    try:
        for n in names:
            setattr(init, n, lambda tensor, *args, **kwargs: tensor)
        yield
    finally:
        for n, f in saved.items():
            setattr(init, n, f)


def _nothing() -> Any:
    return contextlib.nullcontext()


def parse_factory(text: str) -> tuple[str, str]:
    """``package.module:factory`` → (module path, factory name); anything else is a SpecError.

    >>> parse_factory("mypkg.nets:small_cnn")
    ('mypkg.nets', 'small_cnn')
    """
    module, sep, factory = text.partition(":")
    parts = module.split(".")
    if not sep or not all(IDENTIFIER.fullmatch(p) for p in (*parts, factory)):
        raise SpecError(f"--torch must be package.module:factory (Python names only), got {text!r}")
    return module, factory


def load_factory(text: str) -> Any:
    """Import the module and call its factory with no arguments; the model in eval mode."""
    import importlib
    import sys

    module_path, factory = parse_factory(text)
    torch_missing()
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")  # the user's own package, from the current directory
    try:
        module = importlib.import_module(module_path)
    except Exception as e:  # the user's module: a missing package, a syntax error, its own failure
        raise SpecError(f"--torch {text}: cannot import {module_path}: {type(e).__name__}: {e}") from None
    make = getattr(module, factory, None)
    if not callable(make):
        raise SpecError(f"--torch {text}: {module_path} has no function {factory}")
    try:
        model = make()
    except Exception as e:  # a factory that needs arguments, or fails: the user's code, one line
        raise SpecError(f"--torch {text}: {factory}() failed: {type(e).__name__}: {e}") from None
    if not hasattr(model, "parameters") or not hasattr(model, "eval"):
        raise SpecError(f"--torch {text}: {factory}() returned a {type(model).__name__}, not a torch module")
    return model.eval()


def torch_missing() -> None:
    """A one-line error if torch cannot be imported."""
    try:
        import torch  # noqa: F401
    except Exception as e:
        raise ToolMissingError(f"a torch model needs torch (pip install 'symcnn[torch]'): {type(e).__name__}: {e}"
                               ) from None

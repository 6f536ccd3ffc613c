"""What ``symcnn report`` shows, as values: per-layer numbers, totals, formulas in H and W,
and each convention's difference from the chosen one, explained by count and layer.

Nothing here makes strings; :mod:`symcnn.commands.report` renders a :class:`Report`.

>>> r = build_report(load_target("resnet18"), compare=True)
>>> r.costs["macs"][-1]  # fc: 512 inputs × 1000 units
512000
>>> r.total("torchinfo") - r.total("macs") == sum(d.total for d in r.differences if d.convention == "torchinfo")
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..errors import SpecError, SymcnnError
from ..model.conventions import CONVENTIONS, Convention, convention
from ..model.network import LayerNumbers, Network, NetworkNumbers, SizeFormulas, closed_forms, evaluate
from ..model.symbolic import building, total


@dataclass(frozen=True)
class Target:
    """A network to report and where it came from."""

    title: str
    source: str
    network: Network
    convention: str  # the default: the exam's own, else "macs"
    language: str = "en"  # the default: the exam's own, else English


TORCHVISION = "torchvision:"
"""``torchvision:NAME`` names a torchvision model (when torchvision is installed)."""

TORCH_SIZE = (224, 224)
"""The size a torch model is imported at (its formulas hold at every size; --size evaluates another)."""


def load_target(name: str | None, torch_factory: str | None = None) -> Target:
    """No name: the embedded exam; a zoo name; ``torchvision:NAME``; a spec file (an exam, or a
    model spec); or, with ``torch_factory``, one's own torch model (``package.module:factory``)."""
    from ..exam.spec import load_exam, parse_exam, read_toml
    from .zoo import MODELS, load_model, parse_model

    if torch_factory is not None:
        if name is not None:
            raise SpecError(f"give a model or --torch, not both (got {name!r} and --torch {torch_factory!r})")
        return load_torch(torch_factory)
    if name is not None and name.startswith(TORCHVISION):
        return load_torchvision(name[len(TORCHVISION):])
    if name is None:
        exam = load_exam()
        return Target(exam.title, exam.source, exam.network, exam.convention, exam.language)
    if name not in MODELS and Path(name).is_file():
        text = load_text(Path(name))
        if "exam" in read_toml(text, name):
            exam = parse_exam(text, name)
            return Target(exam.title, name, exam.network, exam.convention, exam.language)
        model = parse_model(text, name, Path(name).stem)
    else:
        model = load_model(name)
    return Target(model.title, model.source, model.network, "macs")


def load_torchvision(name: str, size: tuple[int, int] = TORCH_SIZE) -> Target:
    """torchvision's model, built on the meta device (shapes only) and imported."""
    from .importer import from_torch
    from .vision import build

    model = build(name, "meta")
    try:
        network = from_torch(model, (3, *size))
    except SymcnnError as e:
        raise type(e)(f"torchvision:{name}: {e}") from None
    return Target(f"torchvision {name}", f"torchvision.models.{name} (random weights, eval mode)", network, "macs")


def load_torch(text: str, size: tuple[int, int] = TORCH_SIZE) -> Target:
    """One's own model: ``package.module:factory`` imported (never eval'd) and called."""
    from .importer import from_torch
    from .vision import load_factory

    model = load_factory(text)
    try:
        network = from_torch(model, (3, *size))
    except SymcnnError as e:
        raise type(e)(f"--torch {text}: {e}") from None
    return Target(text, f"{text}() (eval mode)", network, "macs")


def load_text(path: Path) -> str:
    from ..fileio import read_text

    return read_text(path, SpecError)


@dataclass(frozen=True)
class Difference:
    """How much one count name adds to a convention's total beyond the chosen one's."""

    convention: str
    count: str  # the count name: the rule that differs
    weight: int  # its weight in this convention
    base_weight: int  # its weight in the chosen convention
    total: int  # signed, over all layers
    layers: tuple[tuple[str, int], ...]  # (layer, signed amount), largest first


@dataclass(frozen=True)
class Formulas:
    """Totals as formulas in H and W: in size symbols, and expanded (closed form)."""

    sizes: Mapping[Any, Any]
    output: tuple[Any, ...]
    params: Any
    cost: Any
    activations: Any
    closed: Mapping[str, Any]  # "params" / "cost" / "activations" → closed form in H, W


@dataclass(frozen=True)
class Report:
    """Everything ``symcnn report`` prints."""

    target: Target
    numbers: NetworkNumbers
    convention: Convention
    costs: Mapping[str, tuple[int, ...]]  # convention name → cost of every layer
    formulas: Formulas
    differences: tuple[Difference, ...]  # empty unless compared
    residuals: Mapping[str, int]  # convention → part of its difference no count weight explains

    def total(self, name: str) -> int:
        return sum(self.costs[name])


def layer_costs(numbers: NetworkNumbers, conv: Convention) -> tuple[int, ...]:
    return tuple(conv.cost(lay.counts) for lay in numbers.layers)


def build_report(target: Target, size: tuple[int, int] | None = None, convention_name: str | None = None,
                 compare: bool = False) -> Report:
    """Numbers at ``size`` (default: the network's input), formulas, and the comparison."""
    conv = convention(convention_name or target.convention, "--convention")
    shape = (*size, target.network.input_shape[2]) if size else None
    try:
        numbers = evaluate(target.network, shape)  # type: ignore[arg-type]
    except SpecError as e:
        raise SpecError(f"{target.title} at --size {size[0]}x{size[1]}: {e}" if size else str(e)) from None
    names = tuple(CONVENTIONS) if compare else (conv.name,)
    costs = {name: layer_costs(numbers, CONVENTIONS[name]) for name in names}
    differences: list[Difference] = []
    residuals: dict[str, int] = {}
    if compare:
        for other in CONVENTIONS.values():
            found = explain(numbers.layers, other, conv)
            differences += found
            residuals[other.name] = sum(costs[other.name]) - sum(costs[conv.name]) - sum(d.total for d in found)
    with building():  # the closed forms: many sympy objects, no collector pauses
        sized = formulas(closed_forms(target.network), conv)
    return Report(target, numbers, conv, costs, sized, tuple(differences), residuals)


def explain(layers: tuple[LayerNumbers, ...], other: Convention, base: Convention) -> list[Difference]:
    """Split ``other`` − ``base`` by count name, each with the layers it comes from."""
    out = []
    for key in dict.fromkeys((*other.terms, *base.terms)):
        w, w0 = other.terms.get(key, 0), base.terms.get(key, 0)
        per_layer = [(lay.name, (w - w0) * lay.counts[key]) for lay in layers if lay.counts.get(key)]
        total = sum(d for _, d in per_layer)
        if total:
            per_layer.sort(key=lambda item: -abs(item[1]))
            out.append(Difference(other.name, key, w, w0, total, tuple(per_layer)))
    return out


def formulas(forms: SizeFormulas, conv: Convention) -> Formulas:
    """Totals in size symbols and in closed form (the only sympy work a report does)."""
    layers = forms.numbers.layers
    cost = total(conv.cost(lay.counts) for lay in layers)  # one Add: sum() of sympy terms is quadratic
    totals = {"params": forms.numbers.params, "cost": cost, "activations": forms.numbers.activations}
    return Formulas(forms.sizes, layers[-1].shape, totals["params"], cost, totals["activations"],
                    {k: forms.expand(v) for k, v in totals.items()})

"""Perturbations: named ways a key's author may have slipped, as data.

Each generator yields :class:`Perturbation` values with a stable ``code`` (like the
answer notes of Moodle STACK). A perturbation changes the exam (a wrong factor, another
convention), or the reading of one answer (an earlier answer carried over, a sign, a
rounding). The search in :mod:`.diagnose` re-derives with them through the existing
pipeline; nothing here knows any key's mistakes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable, Iterator, Mapping

from ..exam import Exam
from ..exam.steps import Step
from ..model.conventions import Convention, convention
from ..model.layers import AvgPool2d, Conv2d, MaxPool2d
from .slips import places


@dataclass(frozen=True)
class Reading:
    """One answer being re-derived: its steps, symbol overrides and the symbol asked for."""

    steps: tuple[Step, ...]
    target: Any  # the symbol whose value is the answer (None: ``value`` as is)
    value: Any  # the answer's value as derived (a component of it, for per-class claims)
    unrounded: Any
    decimals: int | None
    overrides: Mapping[Any, Any] = field(default_factory=dict)
    guards: Mapping[Any, Step] = field(default_factory=dict)  # override a defining step only if equal
    round_to: int | None = None  # a rounding slip: the final value rounded to other decimals
    alternatives: tuple[Any, ...] = ()  # the answer's other readings (steps.Alternative)


@dataclass(frozen=True)
class Perturbation:
    """One assumption changed. ``slot``: two perturbations of one slot never combine."""

    code: str
    slot: str
    args: Mapping[str, Any] = field(default_factory=dict)
    exam: Callable[[Exam], Exam] | None = None
    convention: Callable[[Convention], Convention] | None = None
    reading: Callable[[Reading], Reading | None] | None = None
    message: str = ""  # catalogue key under ``diagnosis``; default: the code

    @property
    def key(self) -> str:
        return self.message or self.code


# --------------------------------------------------------------------------- exam-level


def _dataset(**changes: Any) -> Callable[[Exam], Exam]:
    return lambda e: replace(e, dataset=replace(e.dataset, **changes))


def _training(**changes: Any) -> Callable[[Exam], Exam]:
    return lambda e: replace(e, training=replace(e.training, **changes))


def aug_factor(exam: Exam) -> Iterator[Perturbation]:
    d = exam.dataset
    t, o = len(d.transforms), d.keep_originals
    for t2 in range(0, t + 4):
        for o2 in (o, not o):
            if (t2, o2) == (t, o) or t2 + o2 == 0 or (o2 != o and abs(t2 - t) > 2):
                continue
            names = tuple(d.transforms[:t2]) + tuple(f"transform {i + 1}" for i in range(t, t2))
            yield Perturbation("AUG_FACTOR", "aug", {"factor": t2 + o2, "transforms": t2, "right": t + o},
                               exam=_dataset(transforms=names, keep_originals=o2),
                               message="AUG_FACTOR" if o2 else "AUG_FACTOR_NO_ORIGINALS")


def _choices(right: int, options: tuple[int, ...]) -> list[int]:
    return [v for v in dict.fromkeys(options) if v != right and v >= 1]


def _inference_bytes(v: int) -> Callable[[Exam], Exam]:
    return lambda e: replace(e, inference_bytes=v)


def bytes_per_value(exam: Exam) -> Iterator[Perturbation]:
    for v in _choices(exam.dataset.bytes_per_value, (1, 2, 4, 8)):
        yield Perturbation("BYTES_PER_VALUE", "bytes.dataset", {"got": v, "right": exam.dataset.bytes_per_value},
                           exam=_dataset(bytes_per_value=v))
    for v in _choices(exam.inference_bytes, (1, 2, 4, 8)):
        yield Perturbation("BYTES_PER_VALUE", "bytes.inference", {"got": v, "right": exam.inference_bytes},
                           exam=_inference_bytes(v))


def batch_size(exam: Exam) -> Iterator[Perturbation]:
    b = exam.training.batch_size
    for v in _choices(b, (1, b // 2, 2 * b)):
        yield Perturbation("BATCH_SIZE", "batch", {"got": v, "right": b}, exam=_training(batch_size=v))


def epochs(exam: Exam) -> Iterator[Perturbation]:
    e = exam.training.epochs
    for v in _choices(e, (1, e - 1, e + 1)):
        yield Perturbation("EPOCHS", "epochs", {"got": v, "right": e}, exam=_training(epochs=v))


def iterations(exam: Exam) -> Iterator[Perturbation]:
    if exam.training.iterations_per_epoch != 1:
        yield Perturbation("ITERATIONS", "iterations", {}, exam=_training(iterations_per_epoch=1))


def backward(exam: Exam) -> Iterator[Perturbation]:
    r = exam.training.backward_factor
    if r != 0:
        yield Perturbation("BACKWARD_OMITTED", "backward", {"right": r}, exam=_training(backward_factor=0))
    for v in _choices(r, (1, 2)):
        yield Perturbation("BACKWARD_FACTOR", "backward", {"got": v, "right": r}, exam=_training(backward_factor=v))


def _layer(i: int, **changes: Any) -> Callable[[Exam], Exam]:
    def apply(e: Exam) -> Exam:
        nodes = tuple(replace(n, layer=replace(n.layer, **changes)) if j == i else n
                      for j, n in enumerate(e.network.nodes))
        return replace(e, network=replace(e.network, nodes=nodes))

    return apply


PADDING_CODES: dict[type, str] = {Conv2d: "CONV_PADDING", MaxPool2d: "POOL_PADDING", AvgPool2d: "POOL_PADDING"}


def padding(exam: Exam) -> Iterator[Perturbation]:
    for i, node in enumerate(exam.network.nodes):
        code = PADDING_CODES.get(type(node.layer))
        if code is None:
            continue
        p = node.layer.padding  # type: ignore[attr-defined]
        for v in dict.fromkeys((0, p - 1, p + 1)):
            if v != p and v >= 0:
                yield Perturbation(code, f"padding.{i}", {"layer": node.name, "got": v, "right": p},
                                   exam=_layer(i, padding=v))


def ceil_floor(exam: Exam) -> Iterator[Perturbation]:
    for i, node in enumerate(exam.network.nodes):
        if "ceil_mode" in {f.name for f in dataclasses.fields(node.layer)}:
            ceil = not node.layer.ceil_mode  # type: ignore[attr-defined]
            yield Perturbation("CEIL_FLOOR", f"ceil.{i}", {"layer": node.name},
                               exam=_layer(i, ceil_mode=ceil), message="CEIL" if ceil else "FLOOR")


def _toggle_terms(exam: Exam, code: str, slot: str, terms: tuple[str, ...], omitted: str) -> Perturbation:
    """Count ``terms`` (weight 1) where the exam's convention leaves them out, or the reverse."""
    counted = any(t in convention(exam.convention).terms for t in terms)

    def toggle(c: Convention) -> Convention:
        if counted:
            return replace(c, terms={k: v for k, v in c.terms.items() if k not in terms})
        return replace(c, terms={**c.terms, **{t: 1 for t in terms}})

    return Perturbation(code, slot, {}, convention=toggle, message=omitted if counted else code)


def bias_counted(exam: Exam) -> Iterator[Perturbation]:
    yield _toggle_terms(exam, "BIAS_COUNTED", "bias", ("conv.bias", "dense.bias"), "BIAS_OMITTED")


def pool_counted(exam: Exam) -> Iterator[Perturbation]:
    """Pooling windows (k² per output value) counted in the cost, or left out."""
    if any(node.layer.kind in ("maxpool", "avgpool") for node in exam.network.nodes):
        yield _toggle_terms(exam, "POOL_COUNTED", "pool", ("maxpool.window", "avgpool.window"), "POOL_OMITTED")


def mac_vs_flop(exam: Exam) -> Iterator[Perturbation]:
    doubled = convention(exam.convention).terms.get("mac", 1) == 2

    def other(c: Convention) -> Convention:
        return replace(c, terms={**c.terms, "mac": 1 if doubled else 2})

    yield Perturbation("MAC_VS_FLOP", "mac", {}, convention=other, message="FLOP_AS_MAC" if doubled else "MAC_VS_FLOP")


EXAM_GENERATORS: tuple[Callable[[Exam], Iterator[Perturbation]], ...] = (
    aug_factor, bytes_per_value, batch_size, epochs, iterations, backward, padding, ceil_floor,
    bias_counted, pool_counted, mac_vs_flop,
)


# --------------------------------------------------------------------------- reading-level


def _override(symbol: Any, value: Any) -> Callable[[Reading], Reading]:
    def apply(r: Reading) -> Reading:
        return replace(r, overrides={**r.overrides, symbol: value})

    return apply


def _round_to(decimals: int) -> Callable[[Reading], Reading]:
    return lambda r: replace(r, round_to=decimals)


def _alternative(alt: Any) -> Callable[[Reading], Reading]:
    return lambda r: replace(r, steps=alt.steps, value=alt.value, alternatives=(), target=alt.steps[-1].symbol)


def _carry(overrides: Mapping[Any, Any], guards: Mapping[Any, Step]) -> Callable[[Reading], Reading]:
    return lambda r: replace(r, overrides={**r.overrides, **overrides}, guards={**r.guards, **guards})


def inputs(reading: Reading) -> dict[Any, Any]:
    """Every input symbol of the reading's steps with its value (last one wins)."""
    out: dict[Any, Any] = {}
    for s in reading.steps:
        out.update(s.values)
    return out


def sign(reading: Reading, scope: Any) -> Iterator[Perturbation]:
    for s, v in inputs(reading).items():
        if isinstance(v, Decimal) and v != 0:
            yield Perturbation("SIGN", f"sign.{s}", {"symbol": str(s)}, reading=_override(s, -v))


def wrong_class(reading: Reading, scope: Any) -> Iterator[Perturbation]:
    classes = scope.exam.softmax.classes
    for s in inputs(reading):
        for c in classes:
            stem = str(s)[: -len(c) - 1]
            if not str(s).endswith(f"_{c}") or not stem:
                continue
            for other in classes:
                name = f"{stem}_{other}"
                if other != c and name in scope.env:
                    yield Perturbation("WRONG_CLASS", f"class.{s}", {"symbol": str(s), "used": name},
                                       reading=_override(s, scope.env[name]))


def rounding(reading: Reading, scope: Any) -> Iterator[Perturbation]:
    for s, v in inputs(reading).items():
        written = places(v)
        for d in range(max(written - 4, 0), written):
            yield Perturbation("ROUNDING", f"round.{s}", {"symbol": str(s), "decimals": d},
                               reading=_override(s, round(v, d)), message="ROUNDING_INTERMEDIATE")
    if reading.decimals is not None:
        for d in range(0, reading.decimals + 3):
            if d != reading.decimals:
                yield Perturbation("ROUNDING", "round", {"decimals": d, "right": reading.decimals},
                                   reading=_round_to(d))


def alt_reading(reading: Reading, scope: Any) -> Iterator[Perturbation]:
    for alt in reading.alternatives:
        yield Perturbation("ALT_READING", "reading", {"assumption": alt.key}, reading=_alternative(alt))


def carried_over(reading: Reading, scope: Any) -> Iterator[Perturbation]:
    for combo in scope.carried:
        overrides = {s: v for _, _, binding, _ in combo for s, v in binding.items()}
        guards = {s: g for _, _, _, gs in combo for s, g in gs.items()}
        yield Perturbation("CARRIED_OVER", "carried",
                           {"answers": tuple((qid, value, tuple(b)) for qid, value, b, _ in combo)},
                           reading=_carry(overrides, guards))


READING_GENERATORS: tuple[Callable[[Reading, Any], Iterator[Perturbation]], ...] = (
    alt_reading, carried_over, wrong_class, sign, rounding,
)

"""Random exams and an independent implementation of their answers, with one mistake planted.

Nothing here imports symcnn: the answers are computed with plain Python ints and
:class:`decimal.Decimal` (softmax with 50 digits), the output sizes with PyTorch's own
formulas (ceil mode: the last window must start inside the padded input). A *plant*
names one mistake at one place (``padding`` of layer 3 set to 1, the batch halved, the
bytes of the parameters changed …) and :func:`answers` computes every answer as a student
making exactly that mistake would: the property tests in ``test_verify_mistakes.py`` and
``benchmarks/diagnose_bench.py`` then ask the diagnosis to name it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

WINDOWS = ("conv2d", "maxpool", "avgpool")


@dataclass(frozen=True)
class Layer:
    kind: str  # conv2d | maxpool | avgpool | dense
    kernel: int = 1
    filters: int = 0
    stride: int = 1
    padding: int = 0
    ceil_mode: bool = False
    units: int = 0
    bias: bool = True


@dataclass(frozen=True)
class Spec:
    height: int
    width: int
    channels: int
    layers: tuple[Layer, ...]
    images: int
    crops: int
    data_bytes: int
    transforms: int
    originals: bool
    batch: int
    epochs: int
    backward: int
    lr: str
    classes: tuple[str, ...]
    logits: tuple[str, ...]
    target: str
    output: str
    inference_bytes: int
    convention: str = "macs"
    big: tuple[int, int] = (0, 0)
    shape_layers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Plant:
    """One mistake at one place: ``what`` (the twin's name for it), its arguments, the code expected."""

    what: str
    code: str
    args: dict[str, Any] = field(default_factory=dict)

    def on(self, what: str, **args: Any) -> bool:
        return self.what == what and all(self.args.get(k) == v for k, v in args.items())


class Planted:
    """The plants of one answer sheet (usually one, sometimes two): what the twin asks while computing."""

    def __init__(self, *plants: Plant):
        self.plants = plants

    def on(self, what: str, **args: Any) -> bool:
        return any(p.on(what, **args) for p in self.plants)

    def find(self, what: str, **args: Any) -> dict[str, Any]:
        return next(p.args for p in self.plants if p.on(what, **args))


NONE = Planted()

# --------------------------------------------------------------------------- random exams


def random_spec(rng: random.Random) -> Spec:
    """A random exam: 1–4 window layers (convolutions, max and average pooling), 1–2 dense layers."""
    while True:
        h = rng.randint(12, 48)
        w = h if rng.random() < 0.7 else rng.randint(12, 48)
        c = rng.choice((1, 3, 4))
        layers: list[Layer] = []
        hh, ww = h, w
        for i in range(rng.randint(1, 4)):
            kind = "conv2d" if i == 0 or rng.random() < 0.5 else rng.choice(("maxpool", "avgpool"))
            if kind == "conv2d":
                layer = Layer(kind, kernel=rng.choice((1, 3, 5)), filters=rng.randint(2, 24), stride=rng.choice((1, 1, 2)),
                              padding=rng.choice((0, 1, 2)), bias=rng.random() < 0.85)
            else:
                k = rng.choice((2, 3))
                layer = Layer(kind, kernel=k, stride=rng.choice((1, 2, k)), padding=rng.choice((0, 0, 1)),
                              ceil_mode=rng.random() < 0.25)
            oh, ow = out_size(hh, layer), out_size(ww, layer)
            if oh < 2 or ow < 2:
                break
            hh, ww = oh, ow
            layers.append(layer)
        if not layers:
            continue
        for _ in range(rng.randint(1, 2)):
            layers.append(Layer("dense", units=rng.randint(4, 64), bias=rng.random() < 0.9))
        n = rng.choice((2, 3))
        classes = ("A", "B", "C")[:n]
        layers[-1] = replace(layers[-1], units=n)  # the output layer: one unit per class (a spec must say so)
        windows = sum(lay.kind in WINDOWS for lay in layers)
        spec = Spec(
            height=h, width=w, channels=c, layers=tuple(layers), images=rng.randint(10, 300), crops=rng.randint(1, 64),
            data_bytes=rng.choice((1, 2, 4)), transforms=rng.randint(0, 5), originals=rng.random() < 0.8,
            batch=rng.choice((16, 32, 50, 64, 100, 128)), epochs=rng.randint(2, 60), backward=rng.choice((1, 1, 2)),
            lr=rng.choice(("0.01", "0.05", "0.1", "0.5")), classes=classes,
            logits=tuple(f"{rng.randint(-40, 40) / 10:.1f}" for _ in classes), target=rng.choice(classes),
            output=rng.choice(classes), inference_bytes=rng.choice((2, 4, 8)),
            convention=rng.choice(("macs", "macs", "flops")), big=(2 * h, 3 * w),
            shape_layers=tuple(range(1, windows + 1)),
        )
        return spec if spec.transforms or spec.originals else replace(spec, originals=True)


def out_size(n: int, layer: Layer, p: int | None = None, ceil: bool | None = None, one_side: bool = False) -> int:
    """PyTorch's output size along one axis (ceil mode: the last window starts inside the input)."""
    p = layer.padding if p is None else p
    ceil = layer.ceil_mode if ceil is None else ceil
    span = n + (p if one_side else 2 * p) - layer.kernel
    if span < 0:
        return 0
    if not ceil:
        return span // layer.stride + 1
    out = -(-span // layer.stride) + 1
    if layer.kind != "conv2d" and (out - 1) * layer.stride >= n + p:
        out -= 1
    return out


def toml(spec: Spec) -> str:
    """The spec as a symcnn exam file."""
    q = json.dumps
    lines = [
        "[exam]", 'title = "random"', 'language = "en"', f"convention = {q(spec.convention)}", "",
        "[dataset]", f"images = {spec.images}", f"crops_per_image = {spec.crops}", f"crop_height = {spec.height}",
        f"crop_width = {spec.width}", f"channels = {spec.channels}", f"bytes_per_value = {spec.data_bytes}",
        f"keep_originals = {str(spec.originals).lower()}",
        "transforms = [" + ", ".join(q(f"t{i}") for i in range(spec.transforms)) + "]", "",
    ]
    for i, lay in enumerate(spec.layers, 1):
        lines += ["[[network.layers]]", f'name = "l{i}"', f"type = {q(lay.kind)}"]
        if lay.kind == "dense":
            lines += [f"units = {lay.units}", f"bias = {str(lay.bias).lower()}"]
        else:
            lines += [f"kernel = {lay.kernel}", f"stride = {lay.stride}", f"padding = {lay.padding}"]
            if lay.kind == "conv2d":
                lines += [f"filters = {lay.filters}", f"bias = {str(lay.bias).lower()}"]
            else:
                lines += [f"ceil_mode = {str(lay.ceil_mode).lower()}"]
        lines.append("")
    lines += ["[training]", f"batch_size = {spec.batch}", f"epochs = {spec.epochs}",
              f"backward_factor = {spec.backward}", f"learning_rate = {spec.lr}", "",
              "[softmax]", "classes = [" + ", ".join(q(c) for c in spec.classes) + "]",
              "logits = [" + ", ".join(spec.logits) + "]", f"target = {q(spec.target)}", "",
              "[inference]", f"bytes_per_value = {spec.inference_bytes}", ""]
    questions = [("1a", "dataset.crops", ""), ("1b", "dataset.samples", ""), ("1c", "dataset.bytes", ""),
                 ("2a", "network.shapes", "layers = [" + ", ".join(map(str, spec.shape_layers)) + "]"),
                 ("2b", "network.params", ""), ("3a", "training.forward", ""), ("3b", "training.batch", ""),
                 ("3c", "training.run", ""), ("3d", "softmax.delta", "decimals = 2"),
                 ("3e", "softmax.step", f"output = {q(spec.output)}\ndecimals = 4"),
                 ("4a", "memory.activations", ""), ("4b", "memory.total", ""),
                 ("4c", "inference.cost", f"height = {spec.big[0]}\nwidth = {spec.big[1]}")]
    for qid, kind, options in questions:
        lines += ["[[questions]]", f'id = "{qid}"', f'kind = "{kind}"'] + ([options] if options else []) + [""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the answers


def _round(x: Decimal, places: int, mode: str = ROUND_HALF_UP) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return x.quantize(Decimal(1).scaleb(-places), mode)


def shapes(spec: Spec, h: int, w: int, m: Planted) -> list[tuple[int, ...]] | None:
    """The output shape of every layer (position 0: the input), or None if the mistake empties one."""
    out: list[tuple[int, ...]] = [(h, w, spec.channels)]
    for i, lay in enumerate(spec.layers, 1):
        if lay.kind == "dense":
            out.append((lay.units,))
            continue
        hh, ww, d = out[-1]
        p = m.find("padding", layer=i)["got"] if m.on("padding", layer=i) else None
        ceil = (not lay.ceil_mode) if m.on("ceil", layer=i) else None
        one = m.on("one_side", layer=i)
        delta = m.find("off_by_one", layer=i)["delta"] if m.on("off_by_one", layer=i) else 0
        oh, ow = out_size(hh, lay, p, ceil, one) + delta, out_size(ww, lay, p, ceil, one) + delta
        if oh < 1 or ow < 1:
            return None
        out.append((oh, ow, lay.filters if lay.kind == "conv2d" else d))
    return out


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for x in shape:
        n *= x
    return n


def costs(spec: Spec, sh: list[tuple[int, ...]], m: Planted) -> list[int]:
    """Each layer's forward cost under the exam's convention (and the planted mistake)."""
    flops = spec.convention == "flops"
    out = []
    for i, lay in enumerate(spec.layers, 1):
        inp, o = sh[i - 1], sh[i]
        if m.on("wrong_source", layer=i):
            inp = sh[i - 2]
        mac = bias = window = 0
        depth = 1 if m.on("channels_cost", layer=i) else inp[-1]
        if lay.kind == "conv2d":
            mac = lay.kernel * lay.kernel * depth * o[0] * o[1] * o[2]
            bias = o[0] * o[1] * o[2] if lay.bias else 0
        elif lay.kind == "dense":
            mac = (_size(inp[:-1]) * depth if len(inp) == 3 else _size(inp)) * lay.units
            bias = lay.units if lay.bias else 0
        else:
            window = _size(o) * lay.kernel * lay.kernel
        two = 2 if flops else 1
        if m.on("mac_vs_flop"):
            two = 1 if flops else 2
        count_bias = flops != m.on("bias_counted")
        cost = two * mac + (bias if count_bias else 0) + (window if m.on("pool_counted") else 0)
        out.append(cost)
    return out


def params(spec: Spec, sh: list[tuple[int, ...]], m: Planted) -> list[int]:
    out = []
    for i, lay in enumerate(spec.layers, 1):
        inp = sh[i - 2] if m.on("wrong_source", layer=i) else sh[i - 1]
        bias = 0 if m.on("params_bias", layer=i) else 1
        depth = 1 if m.on("channels_params", layer=i) else inp[-1]
        if lay.kind == "conv2d":
            out.append(lay.kernel * lay.kernel * depth * lay.filters + (lay.filters if lay.bias else 0) * bias)
        elif lay.kind == "dense":
            n = _size(inp[:-1]) * depth if len(inp) == 3 else _size(inp)
            out.append(n * lay.units + (lay.units if lay.bias else 0) * bias)
        else:
            out.append(0)
    return out


def softmax(spec: Spec, m: Planted) -> dict[str, Decimal]:
    """δ_c = p_c − y_c for every class, exact to 50 digits."""
    with localcontext() as ctx:
        ctx.prec = 50
        e = {c: Decimal(o).exp() for c, o in zip(spec.classes, spec.logits)}
        total = sum(e.values())
        target = m.find("wrong_target")["cls"] if m.on("wrong_target") else spec.target
        out = {}
        for c in spec.classes:
            d = e[c] / total - (1 if c == target else 0)
            out[c] = -d if m.on("sign", cls=c) else d
        return out


def answers(spec: Spec, *plants: Plant) -> dict[str, Any] | None:
    """Every answer of the exam as a student making the planted mistakes would write it (None: impossible)."""
    m = Planted(*plants)
    sh = shapes(spec, spec.height, spec.width, m)
    big = shapes(spec, *spec.big, m)
    if sh is None or big is None:
        return None
    t = m.find("aug")["t"] if m.on("aug") else spec.transforms
    o = m.find("aug")["o"] if m.on("aug") else int(spec.originals)
    crops = 1 if m.on("crops_omitted") else spec.crops
    n_crop = spec.images * spec.crops
    n = spec.images * crops * (t + o)
    data_bytes = m.find("bytes_data")["got"] if m.on("bytes_data") else spec.data_bytes
    s = n * spec.height * spec.width * spec.channels * data_bytes
    f = sum(costs(spec, sh, m))
    batch = m.find("batch")["got"] if m.on("batch") else spec.batch
    r = 0 if m.on("backward_omitted") else spec.backward
    f_b = (1 + r) * batch * f
    its = -(-n // batch)
    if m.on("iterations_one"):
        its = 1
    if m.on("iterations_floor"):
        its = n // batch
    epochs = m.find("epochs")["got"] if m.on("epochs") else spec.epochs
    run = epochs * (batch if m.on("wrong_quantity") else its) * f_b
    p = sum(params(spec, sh, m))
    values = [_size(x) for x in sh]
    if m.on("input_omitted"):
        values = values[1:]
    if m.on("output_twice"):
        values = values + values[-1:]
    b_inf = m.find("bytes_inference")["got"] if m.on("bytes_inference") else spec.inference_bytes
    m_act = b_inf * sum(values)
    m_par = (m.find("bytes_params")["got"] if m.on("bytes_params") else b_inf) * p
    delta = softmax(spec, m)
    used = m.find("wrong_class")["cls"] if m.on("wrong_class") else spec.output
    logit, lr = Decimal(spec.logits[spec.classes.index(spec.output)]), Decimal(spec.lr)
    with localcontext() as ctx:
        ctx.prec = 50
        update = logit + lr * delta[used] if m.on("update_sign") else logit - lr * delta[used]
    e_places = 2 if m.on("rounding") else 4
    e_mode = ROUND_DOWN if m.on("truncation") else ROUND_HALF_UP
    layers = spec.shape_layers
    out = {
        "1a": n_crop, "1b": n, "1c": s,
        "2a": tuple(sh[i] for i in layers), "2b": p,
        "3a": f * (spec.batch if m.on("factor_added") else 1), "3b": f_b, "3c": run,
        "3d": tuple(_round(delta[c], 2) for c in spec.classes), "3e": _round(update, e_places, e_mode),
        "4a": m_act, "4b": m_par + m_act, "4c": sum(costs(spec, big, m)),
    }
    if m.on("unit_bits"):
        out["1c"] = s * 8
    if m.on("unit_scale"):  # in the largest of KB, MB, GB that leaves at least 10
        unit = max((u for u in (10**3, 10**6, 10**9) if s >= 10 * u), default=10**3)
        out["1c"] = _round(Decimal(s) / unit, 2)
    return out


# --------------------------------------------------------------------------- the plants


def plants(spec: Spec) -> list[Plant]:
    """Every mistake the twin can plant in this exam, each with the code the diagnosis must name."""
    out: list[Plant] = []
    for i, lay in enumerate(spec.layers, 1):
        if lay.kind in WINDOWS:
            code = "CONV_PADDING" if lay.kind == "conv2d" else "POOL_PADDING"
            for v in {0, lay.padding - 1, lay.padding + 1} - {lay.padding}:
                if v >= 0:
                    out.append(Plant("padding", code, {"layer": i, "got": v}))
            if lay.padding and not lay.ceil_mode:
                out.append(Plant("one_side", code, {"layer": i}))
            out.append(Plant("ceil", "CEIL_FLOOR", {"layer": i}))
            out += [Plant("off_by_one", "OFF_BY_ONE", {"layer": i, "delta": d}) for d in (-1, 1)]
        if lay.kind == "conv2d":
            out += [Plant("channels_params", "FACTOR_OMITTED", {"layer": i}),
                    Plant("channels_cost", "FACTOR_OMITTED", {"layer": i})]
        if lay.kind in ("conv2d", "dense") and lay.bias:
            out.append(Plant("params_bias", "PARAMS_BIAS", {"layer": i}))
        if lay.kind == "dense" and i >= 3 and spec.layers[i - 2].kind in WINDOWS and spec.layers[i - 3].kind in WINDOWS:
            out.append(Plant("wrong_source", "WRONG_SOURCE", {"layer": i}))
    t, o = spec.transforms, int(spec.originals)
    for t2 in range(0, t + 4):
        for o2 in (o, 1 - o):
            if (t2, o2) != (t, o) and t2 + o2 and not (o2 != o and abs(t2 - t) > 2):
                out.append(Plant("aug", "AUG_FACTOR", {"t": t2, "o": o2}))
    if spec.crops > 1:
        out.append(Plant("crops_omitted", "FACTOR_OMITTED"))
    for v in (1, 2, 4, 8):
        if v != spec.data_bytes:
            out.append(Plant("bytes_data", "BYTES_PER_VALUE", {"got": v}))
        if v != spec.inference_bytes:
            out += [Plant("bytes_inference", "BYTES_PER_VALUE", {"got": v}),
                    Plant("bytes_params", "BYTES_PER_VALUE", {"got": v})]
    for v in {1, spec.batch // 2, 2 * spec.batch} - {spec.batch}:
        out.append(Plant("batch", "BATCH_SIZE", {"got": v}))
    for v in {1, spec.epochs - 1, spec.epochs + 1} - {spec.epochs}:
        if v >= 1:
            out.append(Plant("epochs", "EPOCHS", {"got": v}))
    out += [Plant("backward_omitted", "BACKWARD_OMITTED"), Plant("iterations_one", "ITERATIONS"),
            Plant("iterations_floor", "ITERATIONS"), Plant("wrong_quantity", "WRONG_QUANTITY"),
            Plant("factor_added", "FACTOR_ADDED"), Plant("mac_vs_flop", "MAC_VS_FLOP"),
            Plant("bias_counted", "BIAS_COUNTED"), Plant("input_omitted", "TERM_OMITTED"),
            Plant("output_twice", "TERM_DUPLICATED"), Plant("unit_bits", "UNIT_BITS"),
            Plant("unit_scale", "UNIT_SCALE"), Plant("update_sign", "UPDATE_SIGN"),
            Plant("rounding", "ROUNDING"), Plant("truncation", "TRUNCATION")]
    if any(lay.kind in ("maxpool", "avgpool") for lay in spec.layers):
        out.append(Plant("pool_counted", "POOL_COUNTED"))
    for c in spec.classes:
        out.append(Plant("sign", "SIGN", {"cls": c}))
        if c != spec.target:
            out.append(Plant("wrong_target", "WRONG_TARGET", {"cls": c}))
        if c != spec.output:
            out.append(Plant("wrong_class", "WRONG_CLASS", {"cls": c}))
    return out


def planted(spec: Spec, *plant: Plant) -> dict[str, Any]:
    """The answers the plants change: question id → the wrong value."""
    right, wrong = answers(spec), answers(spec, *plant)
    if right is None or wrong is None:
        return {}
    return {q: v for q, v in wrong.items() if v != right[q]}

"""Run each real peer counter on a torch model; return its total and its per-module numbers.

Each ``run_<tool>(model, (C, H, W))`` returns ``(total, per_module)`` where per_module maps
a leaf module's qualified name (``layer1.0.conv1``) to what the tool charged it, summed
over every call of a reused module. Functional calls a tool counts outside any leaf module
are under the key ``""``. Tests import this only after skipping when the tool is absent.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections import defaultdict
from typing import Callable

import pytest

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
nn = torch.nn

Result = tuple[int, dict[str, int]]


def _leaves(model: nn.Module) -> dict[nn.Module, str]:
    return {m: name for name, m in model.named_modules() if not list(m.children())}


def _quiet() -> contextlib.ExitStack:
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    return stack


def run_torchinfo(model: nn.Module, shape: tuple[int, ...]) -> Result:
    import torchinfo

    names = _leaves(model)
    stats = torchinfo.summary(model, input_size=(1, *shape), verbose=0)
    per: dict[str, int] = defaultdict(int)
    for info in stats.summary_list:
        if info.module in names:
            per[names[info.module]] += info.macs
    torchinfo.torchinfo.clear_cached_forward_pass()
    return stats.total_mult_adds, dict(per)


def run_fvcore(model: nn.Module, shape: tuple[int, ...]) -> Result:
    with _quiet():  # importing fvcore scripts functions with the deprecated torch.jit.script
        from fvcore.nn import FlopCountAnalysis

        analysis = FlopCountAnalysis(model, torch.zeros(1, *shape))  # fvcore fails on meta tensors
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        by_module, total = analysis.by_module(), analysis.total()
    per = {name: by_module.get(name, 0) for name in _leaves(model).values()}
    per[""] = total - sum(per.values())  # ops of functions called outside any leaf module
    return total, per


def run_ptflops(model: nn.Module, shape: tuple[int, ...]) -> Result:
    """ptflops' default call (pytorch backend, count_functional=True). Per module: its hook's
    count plus the functional calls made while it ran (ptflops prints only the former)."""
    import torch.nn.functional as F
    from ptflops import get_model_complexity_info
    from ptflops.pytorch_ops import MODULES_MAPPING

    names = _leaves(model)
    per: dict[str, int] = defaultdict(int)
    marks: dict[nn.Module, int] = {}

    def collector() -> list:
        return getattr(F.relu, "collector", [])  # the list ptflops' functional wrappers append to

    def record(hook: Callable) -> Callable:
        def wrapped(module, inputs, output):
            before = module.__flops__
            hook(module, inputs, output)
            per[names[module]] += int(module.__flops__ - before)
        return wrapped

    def pre(module, inputs):
        marks[module] = len(collector())

    def post(module, inputs, output):
        per[names[module]] += int(sum(collector()[marks.pop(module):]))

    hooks = [h for m in names for h in (m.register_forward_pre_hook(pre), m.register_forward_hook(post))]
    custom = {t: record(MODULES_MAPPING[t]) for t in {type(m) for m in names} if t in MODULES_MAPPING}
    try:
        with _quiet():
            total, _ = get_model_complexity_info(model, tuple(shape), as_strings=False, print_per_layer_stat=False,
                                                 custom_modules_hooks=custom)
    finally:
        for h in hooks:
            h.remove()
    per[""] = total - sum(per.values())
    return total, dict(per)


def run_thop(model: nn.Module, shape: tuple[int, ...]) -> Result:
    import thop

    with _quiet():
        total, _, tree = thop.profile(model, inputs=(torch.zeros(1, *shape),), verbose=False, ret_layer_info=True)
    per: dict[str, int] = {}

    def walk(prefix: str, node: dict) -> None:
        for name, (ops, _params, children) in node.items():
            qual = f"{prefix}{name}"
            if children:
                walk(qual + ".", children)
            else:
                per[qual] = int(ops)

    walk("", tree)
    return int(total), per


def run_calflops(model: nn.Module, shape: tuple[int, ...]) -> Result:
    """calflops' FLOPs: the total from its public call, per module from the pipeline it runs."""
    from calflops import calculate_flops
    from calflops.calculate_pipline import CalFlopsPipline

    with _quiet():
        total, _macs, _params = calculate_flops(model, input_shape=(1, *shape), print_results=False,
                                                print_detailed=False, output_as_string=False)
        pipeline = CalFlopsPipline(model, include_backPropagation=False, compute_bp_factor=2.0)
        model.eval()
        pipeline.start_flops_calculate()
        with torch.no_grad():
            model(torch.zeros(1, *shape))
        names = {m: n for n, m in model.named_modules()}
        per = {names[m]: int(m.__flops__) for m in model.modules() if m.__flops__}
        pipeline.end_flops_calculate()
    return int(total), per


def run_torch(model: nn.Module, shape: tuple[int, ...], backward: bool = False) -> Result:
    """FlopCounterMode; with ``backward``, forward plus ``loss.backward()`` on the summed output."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.zeros(1, *shape)
    with FlopCounterMode(display=False) as counter:
        out = model(x)
        if backward:
            out.sum().backward()
    root = type(model).__name__ + "."
    counts = counter.get_flop_counts()
    per = {name: sum(counts.get(root + name, {}).values()) for name in _leaves(model).values()}
    return counter.get_total_flops(), per


TOOLS: dict[str, Callable[[nn.Module, tuple[int, ...]], Result]] = {
    "torchinfo": run_torchinfo,
    "fvcore": run_fvcore,
    "ptflops": run_ptflops,
    "thop": run_thop,
    "calflops": run_calflops,
    "torch": run_torch,
}
"""Preset name → runner; each preset of symcnn.model.conventions must match its runner."""


def total_torchinfo(model: nn.Module, shape: tuple[int, ...]) -> int:
    import torchinfo

    total = torchinfo.summary(model, input_size=(1, *shape), verbose=0).total_mult_adds
    torchinfo.torchinfo.clear_cached_forward_pass()
    return int(total)


def total_fvcore(model: nn.Module, shape: tuple[int, ...]) -> int:
    with _quiet():
        from fvcore.nn import FlopCountAnalysis

        analysis = FlopCountAnalysis(model, torch.zeros(1, *shape))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        return int(analysis.total())


def total_ptflops(model: nn.Module, shape: tuple[int, ...]) -> int:
    from ptflops import get_model_complexity_info

    with _quiet():
        total, _ = get_model_complexity_info(model, tuple(shape), as_strings=False, print_per_layer_stat=False)
    return int(total)


def total_thop(model: nn.Module, shape: tuple[int, ...]) -> int:
    import thop

    with _quiet():
        total, _ = thop.profile(model, inputs=(torch.zeros(1, *shape),), verbose=False)
    for m in model.modules():  # thop leaves buffers behind: a second profile would warn and double-count
        for name in ("total_ops", "total_params"):
            m._buffers.pop(name, None)
    return int(total)


def total_calflops(model: nn.Module, shape: tuple[int, ...]) -> int:
    from calflops import calculate_flops

    with _quiet():
        total, _macs, _params = calculate_flops(model, input_shape=(1, *shape), print_results=False,
                                                print_detailed=False, output_as_string=False)
    return int(total)


def total_torch(model: nn.Module, shape: tuple[int, ...]) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *shape))
    return int(counter.get_total_flops())


TOTALS: dict[str, Callable[[nn.Module, tuple[int, ...]], int]] = {
    "torchinfo": total_torchinfo,
    "fvcore": total_fvcore,
    "ptflops": total_ptflops,
    "thop": total_thop,
    "calflops": total_calflops,
    "torch": total_torch,
}
"""Preset name → the tool's public call, total only (what the benchmark times)."""

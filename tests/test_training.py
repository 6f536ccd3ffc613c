"""Training cost per sample: the pytorch rule against FlopCounterMode on loss.backward(), and the exam rule."""

from __future__ import annotations

import pytest

from symcnn.errors import UnsupportedLayerError
from symcnn.model.layers import Conv2d, Dense, MaxPool2d
from symcnn.model.network import Network, Node, derive, evaluate
from symcnn.model.training import BACKWARD_RULES, training_cost


def test_a_layer_after_parameter_free_layers_computes_no_input_gradient():
    # pool then conv then dense: the conv's input is a pooled image, which needs no gradient.
    net = Network((8, 8, 1), (Node("p", MaxPool2d(kernel=2)), Node("c", Conv2d(kernel=3, filters=2)),
                              Node("d", Dense(units=5))))
    cost = training_cost(net, evaluate(net).layers, "macs")
    # c: 4×4 → 2×2×2, MACs 3·3·1·2·2·2 = 72; d: 8·5 = 40
    assert [(lay.forward, lay.backward, lay.input_grad) for lay in cost.layers] == [
        (0, 0, False), (72, 72, False), (40, 80, True)]
    assert cost.total == 72 + 72 + 40 + 80


def test_exam_rule_is_backward_equals_forward(exam):
    layers = evaluate(exam.network).layers
    cost = training_cost(exam.network, layers, "macs", "exam")
    assert all(lay.backward == lay.forward for lay in cost.layers)
    assert cost.total == 2 * sum(lay.counts.get("mac", 0) for lay in layers)


def test_formulas_give_the_numbers(exam):
    formulas, numbers = derive(exam.network), evaluate(exam.network)
    symbolic = training_cost(exam.network, formulas.layers, "flops")
    exact = training_cost(exam.network, numbers.layers, "flops")
    assert symbolic.total.xreplace(numbers.values(formulas)) == exact.total


def test_unknown_rule_lists_the_known_ones(exam):
    with pytest.raises(UnsupportedLayerError, match=r"unknown rule 'adam' \(known: exam, pytorch\)"):
        training_cost(exam.network, evaluate(exam.network).layers, "macs", "adam")
    assert set(BACKWARD_RULES) == {"exam", "pytorch"}


def flop_counter_training(model, chw) -> int:
    """FlopCounterMode around forward and loss.backward() for one sample."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        loss = model(torch.zeros(1, *chw, device="meta")).sum()  # meta: counted, never computed
        loss.backward()
    return counter.get_total_flops()


@pytest.mark.parametrize(("model", "chw"), [("exam_net", (3, 128, 128)), ("ResNet18", (3, 64, 64)),
                                            ("MobileNetV2", (3, 64, 64))])
def test_pytorch_rule_matches_flop_counter_mode(model, chw):
    pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
    import torch

    import torch_twins
    from symcnn import from_torch

    with torch.device("meta"):
        module = getattr(torch_twins, model)()
    net = from_torch(module, chw)
    assert training_cost(net, evaluate(net).layers, "torch").total == flop_counter_training(module, chw)


def test_exam_spec_training_matches_its_twin(exam):
    torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
    import torch_twins

    with torch.device("meta"):
        twin = torch_twins.exam_net()
    cost = training_cost(exam.network, evaluate(exam.network).layers, "torch")
    assert cost.total == flop_counter_training(twin, (3, 128, 128))
    # FlopCounterMode's backward skips only conv1's input gradient: 3 × forward − conv1's forward
    assert cost.total == 3 * cost.forward - cost.layers[0].forward

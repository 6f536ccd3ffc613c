"""The zoo against torchvision's published numbers and its closed forms (PyTorch twins: test_zoo_torch.py)."""

from __future__ import annotations

import pytest

from symcnn.errors import SpecError
from symcnn.model.network import closed_forms, derive, evaluate
from symcnn.models.zoo import MODELS, load_model, parse_model

# torchvision's model docs (docs/facts.md): params and "GFLOPS" (= MACs) at 224×224
PUBLISHED = {
    "alexnet": (61_100_840, 714_188_480),
    "vgg16": (138_357_544, 15_470_264_320),
    "resnet18": (11_689_512, 1_814_073_344),
    "resnet50": (25_557_032, 4_089_184_256),
    # params: torchvision's docs; MACs: its PyTorch twin under FlopCounterMode (test_zoo_torch.py),
    # as the docs give only "11.51 GFLOPS"
    "resnet152": (60_192_808, 11_513_626_624),
    "mobilenet_v2": (3_504_872, 300_774_272),
    # params: torchvision's weights meta (num_params); MACs: the imported torchvision model's, whose
    # every preset equals its real tool (test_torchvision.py); rounded they are the meta's "_ops"
    # GFLOPS 0.386, 0.217, 2.834, 4.456 (test_torchvision.py reads the meta)
    "efficientnet_b0": (5_288_548, 385_814_752),
    "mobilenet_v3_large": (5_483_032, 216_589_760),
    "densenet121": (7_978_856, 2_834_161_664),
    "convnext_tiny": (28_589_128, 4_455_531_264),
}


def macs(numbers) -> int:
    return sum(lay.counts.get("mac", 0) for lay in numbers.layers)


def test_every_zoo_model_is_pinned():
    assert set(PUBLISHED) == set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_published_params_and_macs(name):
    numbers = evaluate(load_model(name).network)
    assert numbers.input_shape == (224, 224, 3)
    assert (numbers.params, macs(numbers)) == PUBLISHED[name]
    assert numbers.layers[-1].shape == (1000,)


@pytest.mark.parametrize("name", MODELS)
def test_closed_forms_in_h_and_w_equal_numbers_at_any_size(name):
    model = load_model(name)
    forms = closed_forms(model.network)
    for h, w in ((224, 224), (160, 192), (97, 131), (512, 320)):
        numbers = evaluate(model.network, (h, w, 3))
        at = forms.at(h, w)
        assert forms.value(forms.expand(sum(forms.count("mac"))), at) == macs(numbers)
        assert forms.value(forms.expand(forms.numbers.params), at) == numbers.params
        assert forms.value(forms.expand(forms.numbers.activations), at) == numbers.activations
        for lf, ln in zip(forms.numbers.layers, numbers.layers):
            assert tuple(forms.value(d, at) for d in lf.shape) == ln.shape, lf.name


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_per_layer_symbols_substitute_to_the_numbers(name):
    """derive(): every layer in its own symbols (k_5, H_4 …), substituted, equals evaluate()."""
    net = load_model(name).network
    formulas, numbers = derive(net), evaluate(net)
    values = numbers.values(formulas)
    for lf, ln in zip(formulas.layers, numbers.layers):
        assert lf.params.xreplace(values) == ln.params, lf.name
        assert {k: v.xreplace(values) for k, v in lf.counts.items()} == dict(ln.counts), lf.name


def test_closed_form_is_in_h_and_w_only():
    forms = closed_forms(load_model("resnet18").network)
    total = forms.expand(sum(forms.count("mac")))
    assert {str(s) for s in total.free_symbols} == {"H_0", "W_0"}
    # by hand: conv1 is 7×7, 3 → 64, stride 2, padding 3: out = floor((H_0 + 6 - 7)/2) + 1
    assert forms.value(forms.expand(forms.numbers.layers[0].shape[0]), forms.at(224, 224)) == 112


def test_model_spec_errors_name_file_field_and_value(tmp_path):
    text = """
[blocks.b]
layers = [ { name = "c", type = "conv2d", kernel = 3, filters = "$width" } ]
[network]
input = { height = 32, width = 32, channels = 3 }
layers = [ { block = "b", name = "s", args = { planes = 8 } } ]
"""
    with pytest.raises(SpecError, match=r"m.toml: blocks.b.layers\[0\].filters \(in s.0\) needs an argument"
                                        r" the block use does not give \(args: planes\), got '\$width'"):
        parse_model(text, "m.toml", "m")
    with pytest.raises(SpecError, match=r"m.toml: network.layers\[0\].block names no block \(known: b\), got 'x'"):
        parse_model(text.replace('block = "b"', 'block = "x"'), "m.toml", "m")
    with pytest.raises(SpecError, match=r"nope.toml: no such file, and not a zoo model \(known: alexnet"):
        load_model(tmp_path / "nope.toml")


def test_block_copies_are_named_and_wired():
    net = load_model("resnet18").network
    names = [n.name for n in net.nodes]
    assert names[4:8] == ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu1", "layer1.0.conv2"]
    add = net.nodes[names.index("layer1.1.add")]
    assert add.inputs == ("layer1.1.bn2", "layer1.0.relu2")  # "in" is the previous block's output
    down = net.nodes[names.index("layer2.0.downsample.0")]
    assert down.inputs == ("layer1.1.relu2",)

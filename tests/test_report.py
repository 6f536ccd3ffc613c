"""`symcnn report`: rows add up to totals, differences add up to the gaps, the CLI's output and errors."""

from __future__ import annotations

import json
import re

import pytest

from symcnn.cli import main
from symcnn.model.conventions import CONVENTIONS
from symcnn.model.network import closed_forms
from symcnn.models.report import build_report, load_target
from symcnn.models.zoo import MODELS

TARGETS = (None, *MODELS)


@pytest.fixture(scope="module")
def reports():
    return {name: build_report(load_target(name), compare=True) for name in TARGETS}


@pytest.mark.parametrize("name", TARGETS)
def test_rows_add_up_to_totals(reports, name):
    r = reports[name]
    assert sum(lay.params for lay in r.numbers.layers) == r.numbers.params
    assert sum(lay.activations for lay in r.numbers.layers) + r.numbers.input_shape[0] * r.numbers.input_shape[1] * \
        r.numbers.input_shape[2] == r.numbers.activations
    for conv_name, costs in r.costs.items():
        assert len(costs) == len(r.numbers.layers)
        assert sum(costs) == sum(CONVENTIONS[conv_name].cost(lay.counts) for lay in r.numbers.layers)


@pytest.mark.parametrize("name", TARGETS)
def test_differences_explain_every_gap(reports, name):
    """Each convention's total minus the chosen one's is exactly the sum of its explained parts."""
    r = reports[name]
    assert set(r.costs) == set(CONVENTIONS)
    for conv_name in CONVENTIONS:
        parts = [d for d in r.differences if d.convention == conv_name]
        gap = r.total(conv_name) - r.total(r.convention.name)
        assert sum(d.total for d in parts) + r.residuals[conv_name] == gap
        assert r.residuals[conv_name] == 0  # every preset is linear in the counts
        for d in parts:
            assert sum(n for _, n in d.layers) == d.total
            assert d.weight != d.base_weight


def test_explanation_names_layer_and_rule(reports):
    from symcnn.commands.report import explanations

    lines = explanations(reports[None], "en")
    # calflops charges 1 per ReLU output; by hand conv1 is 124×124×16 = 246,016 values and
    # conv2 57×57×48 = 155,952, so ReLU adds 401,968 over 2 layers
    assert ("calflops counts relu ×1 where macs counts ×0: +401,968 from 2 layer(s)"
            " (conv1 +246,016, conv2 +155,952)") in lines
    assert "macs: same total as macs" not in lines


def test_formulas_at_the_input_size_equal_the_numbers(reports):
    for r in reports.values():
        h, w, _ = r.numbers.input_shape
        forms = r.formulas
        sizes = closed_forms(r.target.network).at(h, w)
        assert int(forms.closed["cost"].xreplace(sizes)) == r.total(r.convention.name)
        assert int(forms.cost.xreplace(sizes)) == r.total(r.convention.name)


def run_cli(capsys, *args):
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_rows_add_up(capsys):
    code, out, _ = run_cli(capsys, "resnet18", "--json", "--compare")
    assert code == 0
    data = json.loads(out)
    # torchvision's published parameter count for ResNet-18 (docs/facts.md)
    assert data["totals"]["params"] == sum(lay["params"] for lay in data["layers"]) == 11_689_512
    for name, total in data["totals"]["cost"].items():
        assert total == sum(lay["cost"][name] for lay in data["layers"])
    assert data["totals"]["cost"]["macs"] == 1_814_073_344
    assert set(data["formulas"]["closed_form"]["cost"]) >= set("HW")


def test_size_changes_the_numbers(capsys):
    code, out, _ = run_cli(capsys, "alexnet", "--size", "193x251", "--json")
    data = json.loads(out)
    assert data["input"] == [193, 251, 3]
    # by hand: features.0 is 11×11, stride 4, padding 2: floor((193 + 4 - 11)/4) + 1 = 47
    assert data["layers"][0]["shape"] == [47, 62, 64]


def test_text_report_has_table_totals_formulas_and_comparison(capsys):
    code, out, err = run_cli(capsys, "mobilenet_v2", "--compare")
    assert code == 0 and err == ""
    assert out.startswith("MobileNetV2: input 224 × 224 × 3, cost as macs (MAC)")
    total = next(line for line in out.splitlines() if line.strip().startswith("total"))
    assert "3,504,872" in total and "300,774,272" in total  # torchvision's published figures
    assert "cost (macs) = " in out and "H₁ = " in out
    assert "ptflops counts relu6 ×1 where macs counts ×0" in out
    table = out.split("\n\n")[1].splitlines()

    def last_three(line: str) -> list[int]:
        return [int(c.replace(",", "")) for c in re.split(r"\s{2,}", line.strip())[-3:]]

    rows = [last_three(line) for line in table[2:-2]]  # the input row, then every layer
    assert [sum(col) for col in zip(*rows)] == last_three(table[-1])  # parameters, cost, activations


def test_exam_report_in_vietnamese(capsys):
    code, out, err = run_cli(capsys)  # the exam's own language (vi) by default
    assert code == 0
    assert "chi phí theo macs" in out
    assert "pool2" in err and "lớn hơn một nửa" in err  # PyTorch refuses its padding: a warning, not an error
    code, out, _ = run_cli(capsys, "--lang", "en")
    assert code == 0 and "cost as macs" in out


def test_spec_files(capsys, tmp_path):
    from symcnn.exam.spec import embedded_text

    exam = tmp_path / "exam.toml"
    exam.write_text(embedded_text(), encoding="utf-8")
    model = tmp_path / "tiny.toml"
    model.write_text('[network]\ninput = { height = 8, width = 8, channels = 1 }\n'
                     'layers = [ { name = "c", type = "conv2d", kernel = 3, filters = 2 } ]\n', encoding="utf-8")
    assert json.loads(run_cli(capsys, str(exam), "--json")[1])["convention"] == "macs"
    data = json.loads(run_cli(capsys, str(model), "--json")[1])
    # by hand: 3×3 conv, 1 → 2 channels, 8×8 → 6×6: 9·1·2 + 2 = 20 parameters, 9·36·2 = 648 MACs
    assert (data["totals"]["params"], data["totals"]["cost"]["macs"]) == (20, 648)


@pytest.mark.parametrize("args, message", [
    (("nosuchmodel",), "nosuchmodel: no such file, and not a zoo model (known: alexnet"),
    (("resnet18", "--size", "0x5"), "--size: must be HxW or one size (e.g. 224x224 or 224) with whole numbers 1 to 2^64, got '0x5'"),
    (("resnet18", "--size", "224x"), "got '224x'"),
    (("resnet18", "--convention", "nope"), "--convention: unknown convention 'nope'"),
    # by hand: 16 → 8 → 4 → 2 → 1 after four 2×2 pools; the fifth window does not fit
    (("vgg16", "--size", "16x16"), "VGG-16 at --size 16x16: layer 31 (features.30): kernel 2 is larger than the padded input"),
])
def test_errors_are_one_line_and_exit_2(capsys, args, message):
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err

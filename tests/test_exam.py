"""The seed exam answered end to end, checked against values derived here independently.

Expected values are worked out in each test by hand (arithmetic in the comments), with
math/fractions, or by PyTorch — never copied from the seed's key, which has mistakes.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from symcnn.cli import main


def test_dataset(solution):
    # 200 images × 256 crops = 51,200
    assert solution.answer("1a").value == 200 * 256 == 51_200
    # 4 listed transforms + the originals = 5 copies of each crop
    assert solution.answer("1b").value == 51_200 * 5 == 256_000
    # 256,000 × 128 × 128 × 3 channels × 1 byte (uint8)
    assert solution.answer("1c").value == 256_000 * 49_152 == 12_582_912_000


def test_shapes_by_hand(solution):
    # conv1: 128+2·1−7 = 123, /1 +1 = 124     pool1: (124−3)//2+1 = 61
    # conv2: 61−5+1 = 57                     pool2: (57+2·2−2)//2+1 = 59//2+1 = 30
    assert solution.answer("2a").value == ((124, 124, 16), (61, 61, 16), (57, 57, 48), (30, 30, 48))


def test_params_by_hand(solution):
    conv1 = 7 * 7 * 3 * 16 + 16  # 2,368
    conv2 = 5 * 5 * 16 * 48 + 48  # 19,248
    fc1 = 30 * 30 * 48 * 4096 + 4096  # 43,200 inputs → 176,951,296
    fc2 = 4096 * 2 + 2  # 8,194
    assert solution.answer("2b").value == conv1 + conv2 + fc1 + fc2 == 176_981_106


def test_training_costs(solution):
    forward = 7 * 7 * 3 * 124 * 124 * 16 + 5 * 5 * 16 * 57 * 57 * 48 + 30 * 30 * 48 * 4096 + 4096 * 2
    assert forward == 36_164_352 + 62_380_800 + 176_947_200 + 8_192
    assert solution.answer("3a").value == forward
    batch = (1 + 1) * 64 * forward  # backward = forward, batch 64
    assert solution.answer("3b").value == batch
    iterations = 256_000 // 64  # = 4,000 exactly
    assert solution.answer("3c").value == 100 * iterations * batch




def test_softmax_gradient(solution):
    p_hg = math.exp(3.2) / (math.exp(3.2) + math.exp(5.1))  # ≈ 0.1301
    delta = (p_hg - 1, (1 - p_hg) - 0)  # p − y with y = (1, 0) for a Hồ Gươm image
    a = solution.answer("3d")
    assert a.value == (Decimal(f"{delta[0]:.2f}"), Decimal(f"{delta[1]:.2f}"))
    assert float(a.unrounded[0]) == pytest.approx(delta[0], rel=1e-12)
    e = solution.answer("3e")
    new = 5.1 - 0.01 * delta[1]  # o_HT ← o_HT − η δ_HT
    assert e.value == Decimal(f"{new:.4f}")
    assert float(e.unrounded) == pytest.approx(new, rel=1e-12)


def test_memory(solution):
    values = 128 * 128 * 3 + 124 * 124 * 16 + 61 * 61 * 16 + 57 * 57 * 48 + 30 * 30 * 48 + 4096 + 2
    assert solution.answer("4a").value == 4 * values  # 4-byte floats
    params = 7 * 7 * 3 * 16 + 16 + 5 * 5 * 16 * 48 + 48 + 43_200 * 4096 + 4096 + 4096 * 2 + 2
    assert solution.answer("4b").value == 4 * params + 4 * values


def test_larger_image_states_assumption_and_alternatives(solution):
    a = solution.answer("4c")
    # 256×1024: conv1 252×1020, pool1 125×509, conv2 121×505, pool2 62×254
    same_stack = (7 * 7 * 3 * 252 * 1020 * 16 + 5 * 5 * 16 * 121 * 505 * 48 + 62 * 254 * 48 * 4096 + 4096 * 2)
    forward = solution.answer("3a").value
    assert a.assumption == "assume.same_stack"
    assert a.value == same_stack
    alternatives = {alt.key: alt.value for alt in a.alternatives}
    assert alternatives == {"assume.tile": (256 // 128) * (1024 // 128) * forward, "assume.resize": forward}


def test_pool_padding_warning(solution):
    assert any("pool2" in str(w) and "PyTorch refuses" in str(w) for w in solution.warnings)
    # the Vietnamese sheet and table word it in Vietnamese, with the same layer and numbers
    (vi,) = [w.say("vi") for w in solution.warnings]
    # pool2 is the 4th layer, row 4 of the layer table (the input is row 0)
    assert vi.startswith("lớp 4 (pool2): viền 2 lớn hơn một nửa kích thước cửa sổ 2;")


def test_solve_json(capsys):
    assert main(["solve", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    out = data["answers"]
    assert [a["id"] for a in out] == "1a 1b 1c 2a 2b 3a 3b 3c 3d 3e 4a 4b 4c".split()
    by_id = {a["id"]: a for a in out}
    assert by_id["1a"]["value"] == 51_200 and isinstance(by_id["1a"]["value"], int)
    assert by_id["2a"]["value"][0] == [124, 124, 16]
    assert by_id["3d"]["value"] == [-0.87, 0.87]
    assert [alt["assumption"] for alt in by_id["4c"]["alternatives"]] == ["assume.tile", "assume.resize"]
    assert by_id["1b"]["substitution"] == "200*5*256"
    # the spec's pool2 (4th layer) pads 2 with a kernel of 2: the warning is in the JSON too
    (warning,) = data["warnings"]
    assert (warning["code"], warning["layer"], warning["index"], warning["padding"]) == ("pool_padding", "pool2", 4, 2)
    assert data["language"] == "vi" and warning["message"].startswith("lớp 4 (pool2)")
    assert data["convention"] == "macs"


def test_solve_convention_option(capsys):
    """--convention NAME recounts the costs: flops = 2·MAC plus one per bias (the exam's biases: 16 + 48 + 4096 + 2)."""
    assert main(["solve", "--json"]) == 0
    macs = {a["id"]: a["value"] for a in json.loads(capsys.readouterr().out)["answers"]}
    assert main(["solve", "--json", "--convention", "flops"]) == 0
    data = json.loads(capsys.readouterr().out)
    flops = {a["id"]: a["value"] for a in data["answers"]}
    # conv biases add one per output value: 124·124·16 + 57·57·48; dense biases one per unit: 4096 + 2
    assert flops["3a"] == 2 * macs["3a"] + 124 * 124 * 16 + 57 * 57 * 48 + 4096 + 2
    assert data["convention"] == "flops" and flops["2b"] == macs["2b"]
    assert main(["solve", "--convention", "nope"]) == 2
    assert "--convention: unknown convention 'nope'" in capsys.readouterr().err


def test_solve_table_shows_every_question(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["solve", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    for qid in "1a 1b 1c 2a 2b 3a 3b 3c 3d 3e 4a 4b 4c".split():
        assert qid in out
    assert "12,582,912,000" in out


def test_init_writes_the_embedded_spec(tmp_path, capsys):
    target = tmp_path / "exam.toml"
    assert main(["init", str(target)]) == 0
    assert main(["solve", str(target), "--json"]) == 0
    assert main(["init", str(target)]) == 2  # no silent overwrite
    assert "already exists" in capsys.readouterr().err

"""solve.for (issue 14) against brute force: the spec re-read and re-solved at every candidate.

The brute force here writes the candidate into the spec's TOML data, reads the spec again
(so every check of the spec applies) and solves the quantity's own question: the
candidates whose answer equals the required value are the solutions. solve.for must find
exactly those, on the seed network and on two zoo networks put in an exam.
"""

from __future__ import annotations

import copy

import pytest

from symcnn import solve
from symcnn.checked import read_toml
from symcnn.cli import main
from symcnn.errors import SpecError
from symcnn.exam.paths import put, resolve
from symcnn.exam.spec import embedded_text, exam_from_data
from symcnn.exam.steps import Solutions
from symcnn.models.zoo import MODELS

SEED = read_toml(embedded_text(), "seed")


def zoo_exam(name: str, size: int) -> dict:
    """The seed exam's data with a zoo network (input size × size) in place of its own."""
    from importlib import resources

    model = read_toml(resources.files("symcnn.models.zoo").joinpath(f"{name}.toml").read_text("utf-8"), name)
    data = copy.deepcopy(SEED)
    layers = copy.deepcopy(model["network"]["layers"])
    layers[-1]["units"] = len(SEED["softmax"]["classes"])  # one output unit per class of the exam's softmax
    data["network"] = {"input": {"height": size, "width": size, "channels": 3}, "layers": layers}
    return data


def with_question(data: dict, question: dict) -> dict:
    out = copy.deepcopy(data)
    out["questions"] = [{"id": "s", **question}]
    return out


def quantity_value(data: dict, quantity: dict):
    """The quantity's answer for this spec data, as ``symcnn solve`` gives it; None if the spec is refused."""
    try:
        exam = exam_from_data(with_question(data, {**quantity}), "brute.toml")
        return solve(exam).answer("s").value
    except SpecError:
        return None


def brute_force(data: dict, unknown: str, quantity: dict, equals, low: int, high: int) -> list[int]:
    steps = resolve(data, unknown)
    found = []
    for v in range(low, high + 1):
        trial = copy.deepcopy(data)
        put(trial, steps, v)
        if quantity_value(trial, quantity) == equals:
            found.append(v)
    return found


def solve_for(data: dict, unknown: str, quantity: dict, equals, low: int, high: int, **extra):
    q = {"kind": "solve.for", "unknown": unknown, "quantity": quantity,
         "equals": [list(x) if isinstance(x, tuple) else x for x in equals] if isinstance(equals, tuple) else equals,
         "range": [low, high], **extra}
    return solve(exam_from_data(with_question(data, q), "solve.toml")).answer("s")


CASES = [  # (spec data, unknown, quantity, the value the unknown takes to give ``equals``, range)
    (SEED, "network.layers[0].padding", {"kind": "network.params"}, 3, (0, 40)),
    (SEED, "network.layers[1].stride", {"kind": "training.forward"}, 2, (1, 30)),
    (SEED, "network.layers[2].kernel", {"kind": "network.shapes", "layers": [3, 4]}, 5, (1, 40)),
    (SEED, "dataset.crop_height", {"kind": "memory.total"}, 96, (60, 140)),
    (SEED, "dataset.crop_width", {"kind": "inference.cost", "height": 256, "width": 512}, 128, (100, 160)),
    (SEED, "network.layers[0].filters", {"kind": "training.batch"}, 20, (1, 40)),  # linear
    (SEED, "dataset.images", {"kind": "dataset.bytes"}, 150, (1, 400)),  # linear
    (SEED, "network.layers[4].units", {"kind": "memory.activations"}, 1000, (990, 1010)),  # linear
    (SEED, "training.batch_size", {"kind": "training.memory", "optimizer": "adam"}, 32, (1, 80)),  # linear
    (SEED, "network.layers[0].kernel", {"kind": "training.memory"}, 7, (1, 30)),
    (zoo_exam("alexnet", 95), "network.layers[2].stride", {"kind": "network.params"}, 2, (1, 12)),
    (zoo_exam("alexnet", 95), "network.input.height", {"kind": "memory.activations"}, 95, (63, 120)),
    (zoo_exam("vgg16", 32), "network.layers[0].padding", {"kind": "training.forward"}, 1, (0, 6)),
]


@pytest.mark.parametrize("data, unknown, quantity, at, bounds", CASES, ids=[f"{c[1]}-{c[2]['kind']}" for c in CASES])
def test_solutions_are_what_brute_force_finds(data, unknown, quantity, at, bounds):
    trial = copy.deepcopy(data)
    put(trial, resolve(trial, unknown), at)
    equals = quantity_value(trial, quantity)
    assert equals is not None
    want = brute_force(data, unknown, quantity, equals, *bounds)
    assert at in want
    answer = solve_for(data, unknown, quantity, equals, *bounds)
    assert answer.value == Solutions(want)
    smallest = solve_for(data, unknown, quantity, equals, *bounds, solutions="smallest")
    assert smallest.value == want[0]
    methods = {s.label for s in answer.steps} & {"step.solve_linear", "step.solve_scan"}
    assert len(methods) == 1


def test_linear_quantities_are_solved_exactly_and_others_by_a_scan():
    linear = solve_for(SEED, "dataset.images", {"kind": "dataset.bytes"}, 200 * 256 * 5 * 128 * 128 * 3, 1, 10**6)
    assert linear.value == Solutions([200])  # 1c's bytes: 200 images · 256 crops · 5 copies · 128·128·3 bytes
    assert [s.label for s in linear.steps][:2] == ["step.solve_equation", "step.solve_linear"]
    scan = solve_for(SEED, "network.layers[0].padding", {"kind": "network.params"}, 1, 0, 10)
    assert scan.value == Solutions([]) and any(s.label == "step.solve_scan" for s in scan.steps)


def test_the_unknown_may_be_an_option_of_the_quantity():
    """"For which input height does predicting a 512-wide image cost F?": the unknown is the quantity's own height."""
    quantity = {"kind": "inference.cost", "height": 256, "width": 512}
    data = with_question(SEED, {"kind": "solve.for", "unknown": "questions[s].quantity.height", "quantity": quantity,
                                "equals": 0, "range": [1, 2]})
    equals = quantity_value(SEED, {**quantity, "height": 200})
    want = [v for v in range(150, 260) if quantity_value(SEED, {**quantity, "height": v}) == equals]
    data["questions"][0].update(equals=equals, range=[150, 259])
    assert 200 in want
    assert solve(exam_from_data(data, "own.toml")).answer("s").value == Solutions(want)


def test_no_solution_is_none(capsys):
    import json

    text = embedded_text() + """
[[questions]]
id = "6a"
kind = "solve.for"
unknown = "network.layers[0].padding"
quantity = { kind = "network.params" }
equals = 7
range = [0, 100]
"""
    from symcnn.exam.spec import parse_exam
    from symcnn.render.jsonout import solution_json
    from symcnn.render.printing import value_text

    s = solve(parse_exam(text, "none.toml"))
    assert s.answer("6a").value == Solutions(())
    assert value_text(s.answer("6a").value, "en") == "none" and value_text(s.answer("6a").value, "vi") == "không có"
    assert json.loads(solution_json(s))["answers"][-1]["value"] == []


def test_the_verify_graph_and_the_sheet_take_it(tmp_path):
    from symcnn.exam.spec import parse_exam
    from symcnn.render.latex.sheet import sheet_tex
    from symcnn.verify.graph import build

    text = embedded_text() + """
[[questions]]
id = "6a"
kind = "solve.for"
unknown = "network.layers[2].kernel"
quantity = { kind = "network.shapes", layers = [3] }
equals = [[57, 57, 48]]
range = [1, 60]
"""
    s = solve(parse_exam(text, "shape.toml"))
    assert s.answer("6a").value == Solutions([5])  # (61 − k) + 1 = 57 for k = 5, by hand
    g = build(s)
    assert g.value(g.target("6a")) == (5,)
    tex = sheet_tex(s, "en")
    assert r"x_{1} &= 5" in tex and r"\frac{E - \beta}{\alpha}" in tex


@pytest.mark.parametrize("question, words", [
    ('unknown = "dataset.transforms"', "question 9z.unknown names dataset.transforms, which is not an integer field"),
    ('unknown = "network.layers[9].padding"', "question 9z.unknown names no field"),
    ('unknown = "dataset.images"\nrange = [1, 20000000]', "question 9z.range holds 20000000 candidates"),
    ('unknown = "dataset.images"\nrange = [5, 1]', "question 9z.range must be [low, high]"),
    ('unknown = "dataset.images"\nequals = [1, 2]', "question 9z.equals must have 1 value(s)"),
    ('unknown = "dataset.images"\nquantity = { kind = "softmax.loss" }', "question 9z.quantity is softmax.loss"),
    ('unknown = "dataset.images"\nquantity = { kind = "solve.for" }', "question 9z.quantity.kind must be one of"),
    ('unknown = "dataset.images"\nquantity = { kind = "inference.cost", hieght = 3 }', "question 9z.quantity.hieght"),
])
def test_bad_options_are_one_line(tmp_path, capsys, question, words):
    body = {"unknown": None, "quantity": 'quantity = { kind = "network.params" }', "equals": "equals = 5"}
    lines = [question]
    for key, default in body.items():
        if f"{key} =" not in question and default:
            lines.append(default)
    spec = tmp_path / "bad.toml"
    spec.write_text(embedded_text() + '\n[[questions]]\nid = "9z"\nkind = "solve.for"\n' + "\n".join(lines) + "\n",
                    encoding="utf-8")
    assert main(["solve", str(spec)]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1 and "bad.toml" in err, err


def test_zoo_models_are_in_the_cases():
    assert {"alexnet", "vgg16"} <= set(MODELS)


def test_moodle_cannot_grade_none_and_says_so_in_one_line(tmp_path, capsys):
    spec = tmp_path / "none.toml"
    spec.write_text(embedded_text() + '\n[[questions]]\nid = "6a"\nkind = "solve.for"\n'
                    'unknown = "network.layers[0].padding"\nquantity = { kind = "network.params" }\nequals = 7\n',
                    encoding="utf-8")
    assert main(["export", "moodle", str(spec), "-o", str(tmp_path / "q.xml")]) == 2
    err = capsys.readouterr().err
    assert "question 6a: its answer is none" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "q.xml").exists()

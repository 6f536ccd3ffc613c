"""training.memory, training.time, softmax.probabilities and softmax.loss (issue 14).

The kept activations are checked against what PyTorch's autograd really saves on the CPU
(``torch.autograd.graph.saved_tensors_hooks``, one storage counted once, parameters apart),
on the seed network and on two zoo models; the optimiser state against the state
``torch.optim`` creates; the softmax against ``torch.softmax`` and ``cross_entropy`` in
float64; the times by hand with fractions.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest

from symcnn import solve
from symcnn.exam import Question
from symcnn.exam.spec import embedded_text, exam_from_data, parse_exam
from symcnn.exam.steps import round_decimal
from symcnn.models.zoo import load_model
from symcnn.verify.graph import build
from symcnn.verify.keyfile import parse_key
from symcnn.verify.review import review

torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.13.0")
nn = torch.nn

# --------------------------------------------------------------------------- helpers


def ask(exam, kind, **options):
    """The answer of one question of ``kind`` asked of ``exam``."""
    q = Question("q", kind, options)
    return solve(dataclasses.replace(exam, questions=(q,))).answer("q")


def seed_at(h, w):
    """The seed exam with crops (and so the network's input) of h × w."""
    from symcnn.checked import read_toml

    data = read_toml(embedded_text(), "seed")
    data["dataset"]["crop_height"], data["dataset"]["crop_width"] = h, w
    return exam_from_data(data, "seed")


def with_network(exam, network):
    return dataclasses.replace(exam, network=network, questions=())


def step_value(answer, label):
    found = [s.value for s in answer.steps if s.label == label]
    return found[0] if found else 0


def saved_bytes(model, x):
    """Bytes of the activations autograd saves for backward (each storage once) by dtype, and the parameters."""
    params = {p.untyped_storage().data_ptr() for p in [*model.parameters(), *model.buffers()]}  # the model's state
    seen: dict[int, tuple[int, torch.dtype]] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            seen[storage.data_ptr()] = (storage.nbytes(), t.dtype)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model.train()(x)
    floats = sum(n for n, dt in seen.values() if dt == torch.float32)
    ints = sum(n for n, dt in seen.values() if dt == torch.int64)
    assert floats + ints == sum(n for n, _ in seen.values())  # nothing else is kept
    return floats, ints


def empty(factory):
    """A twin whose parameters are allocated but not initialised (zeros): fast even for VGG's 138 M."""
    with torch.device("meta"):
        model = factory()
    model = model.to_empty(device="cpu")
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    return model


# --------------------------------------------------------------------------- what autograd keeps


def test_seed_network_keeps_what_autograd_saves():
    from torch_twins import exam_net

    exam = seed_at(40, 40)
    batch = 3
    answer = ask(exam, "training.memory", batch_size=batch)
    floats, ints = saved_bytes(exam_net(40, 40), torch.zeros(batch, 3, 40, 40))
    # The twin pads pool2 with ZeroPad2d(2) (PyTorch refuses padding 2 > kernel/2) and AvgPool2d then
    # saves the padded map: conv2's 13×13×48 output grown to 17×17×48, a tensor symcnn's avgpool
    # (which pads inside) does not keep: ReLU already keeps the 13×13×48 output.
    padded = batch * 17 * 17 * 48 * 4
    assert step_value(answer, "step.kept_values") * 4 * batch == floats - padded
    assert step_value(answer, "step.kept_index_total") * 8 * batch == ints  # max pooling's int64 indices
    assert step_value(answer, "step.kept_bytes") == floats - padded + ints


@pytest.mark.parametrize("name, size", [("alexnet", 63), ("vgg16", 32), ("resnet18", 32), ("mobilenet_v2", 32)])
def test_zoo_models_keep_what_autograd_saves(exam, name, size):
    from test_zoo_torch import alexnet, vgg16
    from torch_twins import MobileNetV2, ResNet18

    network = dataclasses.replace(load_model(name).network, input_shape=(size, size, 3))
    answer = ask(with_network(exam, network), "training.memory", batch_size=2)
    floats, ints = saved_bytes(empty({"alexnet": alexnet, "vgg16": vgg16, "resnet18": ResNet18,
                                      "mobilenet_v2": MobileNetV2}[name]),
                               torch.zeros(2, 3, size, size))
    # per sample × 2, and batch normalisation's fp32 mean and inverse deviation once for the batch
    stats = step_value(answer, "step.kept_stats_total")
    assert step_value(answer, "step.kept_values") * 4 * 2 + stats * 4 == floats  # dropout's CPU mask: floats
    assert (stats > 0) == (name in ("resnet18", "mobilenet_v2"))
    assert step_value(answer, "step.kept_index_total") * 8 * 2 == ints
    assert step_value(answer, "step.kept_bytes") == floats + ints


def test_small_layers_keep_what_autograd_saves(exam):
    """relu6 (hardtanh keeps its input), sigmoid (its output), dropout (a mask), flatten (a view), global pooling (nothing)."""
    spec = embedded_text().split("[[network.layers]]")[0] + """
[[network.layers]]
type = "conv2d"
kernel = 3
filters = 4
activation = "relu6"
[[network.layers]]
type = "conv2d"
kernel = 3
filters = 5
[[network.layers]]
type = "activation"
function = "sigmoid"
[[network.layers]]
type = "global_avgpool"
[[network.layers]]
type = "flatten"
[[network.layers]]
type = "dropout"
[[network.layers]]
type = "dense"
units = 2
""" + embedded_text().split("[training]")[1].join(["[training]", ""]).split("[[questions]]")[0]
    small = parse_exam(spec.replace("crop_height = 128", "crop_height = 9").replace("crop_width = 128",
                                                                                      "crop_width = 9"), "small")
    answer = ask(small, "training.memory")
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU6(), nn.Conv2d(4, 5, 3), nn.Sigmoid(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(), nn.Linear(5, 2))  # 2: one per class
    floats, ints = saved_bytes(model, torch.zeros(1, 3, 9, 9))
    # by hand: input 3·9·9 = 243, conv1 before relu6 4·7·7 = 196, relu6 output 196 (conv2's input),
    # sigmoid output 5·5·5 = 125 (global pooling keeps nothing), dropout mask 5, dense input 5
    assert floats == 4 * (243 + 196 + 196 + 125 + 5 + 5) and ints == 0
    assert step_value(answer, "step.kept_values") == 243 + 196 + 196 + 125 + 5 + 5


@pytest.mark.parametrize("optimizer, make", [
    ("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1)),
    ("momentum", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    ("adam", lambda ps: torch.optim.Adam(ps)),
])
def test_optimizer_state_is_what_torch_optim_keeps(exam, optimizer, make):
    from torch_twins import exam_net

    model = exam_net(40, 40)
    opt = make(list(model.parameters()))
    model(torch.zeros(1, 3, 40, 40)).sum().backward()
    opt.step()
    # Adam's per-parameter "step" counter is a 0-d tensor, not a tensor the size of the parameter
    state = sum(t.numel() for s in opt.state.values() for t in s.values() if torch.is_tensor(t) and t.dim() > 0)
    params = sum(p.numel() for p in model.parameters())
    answer = ask(seed_at(40, 40), "training.memory", optimizer=optimizer)
    assert step_value(answer, "step.state_bytes") == 4 * state
    assert step_value(answer, "step.weight_bytes") == step_value(answer, "step.grad_bytes") == 4 * params


def test_memory_adds_up_and_mixed_precision(exam):
    p = 176981106  # the seed network's parameters: 2b's answer, checked against torch elsewhere
    plain = ask(exam, "training.memory", optimizer="adam")
    acts = step_value(plain, "step.kept_bytes")
    assert plain.value == 4 * p + 4 * p + 2 * 4 * p + acts
    half = ask(exam, "training.memory", optimizer="adam", bytes_per_value=2, master_weights=True, batch_size=8)
    kept = step_value(half, "step.kept_values")
    indices = step_value(half, "step.kept_index_total")
    # fp16 weights and gradients, fp32 master weights and two fp32 moments: 2 + 2 + 4 + 8 = 16 bytes per parameter
    assert half.value == 16 * p + 8 * (2 * kept + 8 * indices)


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize("of, unit", [("iteration", "s"), ("epoch", "min"), ("run", "h")])
def test_training_time_by_hand(exam, solution, of, unit):
    answer = ask(exam, "training.time", throughput=Fraction(12 * 10**12), utilization=Fraction(2, 5), of=of, unit=unit,
                 decimals=6)
    batch = solution.answer("3b").value  # one mini-batch, forward + backward (3b, checked by its own tests)
    iterations = -(-256000 // 64)  # 200 images · 256 crops · 5 = 256,000 samples in batches of 64
    seconds = Fraction(batch) / (Fraction(12 * 10**12) * Fraction(2, 5))
    seconds *= {"iteration": 1, "epoch": iterations, "run": iterations * 100}[of]
    exact = seconds / {"s": 1, "min": 60, "h": 3600}[unit]
    assert answer.value == round_decimal(Decimal(exact.numerator) / Decimal(exact.denominator), 6)
    assert answer.unit == unit


# --------------------------------------------------------------------------- softmax


def test_softmax_probabilities_and_loss_match_torch(exam):
    logits = torch.tensor([[3.2, 5.1]], dtype=torch.float64)  # the seed exam's o_HG, o_HT; the image is HG
    p = torch.softmax(logits, dim=1)[0]
    loss = nn.functional.cross_entropy(logits, torch.tensor([0]))
    probs = ask(exam, "softmax.probabilities", decimals=6)
    assert probs.value == tuple(round_decimal(Decimal(repr(float(x))), 6) for x in p)
    assert all(abs(float(u) - float(x)) < 1e-12 for u, x in zip(probs.unrounded, p))
    answer = ask(exam, "softmax.loss", decimals=5)
    assert answer.value == round_decimal(Decimal(repr(float(loss))), 5)
    assert abs(float(answer.unrounded) - float(loss)) < 1e-12


# --------------------------------------------------------------------------- the pipeline

SPEC = embedded_text() + """
[[questions]]
id = "5a"
kind = "training.memory"
optimizer = "adam"

[[questions]]
id = "5b"
kind = "training.time"
throughput = 1.2e13
utilization = 0.4
unit = "min"

[[questions]]
id = "5c"
kind = "softmax.probabilities"

[[questions]]
id = "5d"
kind = "softmax.loss"
"""


@pytest.fixture(scope="module")
def extended():
    return solve(parse_exam(SPEC, "extended.toml"))


def test_the_verify_graph_rederives_every_new_answer(extended):
    g = build(extended)
    for qid in ("5a", "5b", "5c", "5d"):
        a = extended.answer(qid)
        value = g.value(g.target(qid))
        if a.decimals is None:
            assert value == a.value
        else:
            got = tuple(value) if isinstance(value, tuple) else (value,)
            want = a.value if isinstance(a.value, tuple) else (a.value,)
            assert tuple(round_decimal(v, a.decimals) for v in got) == want


def test_adam_state_counted_once_is_diagnosed(extended):
    right = extended.answer("5a").value
    state = next(s.value for s in extended.answer("5a").steps if s.label == "step.state_bytes")
    wrong = right - state // 2  # the key counted one moment instead of two
    key = f"[questions.5a]\nvalues = [{wrong}]\n"
    q = {x.id: x for x in review(parse_key(key, "key.toml"), extended).questions}["5a"]
    assert q.verdict == "wrong"
    assert [d.code for d in q.claims[0].explanations[0]] == ["OPTIMIZER_STATE"]


@pytest.mark.parametrize("lang, words", [("en", ("optimiser state", "12,000,000,000,000", "cross-entropy loss")),
                                         ("vi", ("trạng thái bộ tối ưu", "12.000.000.000.000", "cross-entropy"))])
def test_paper_and_sheet_word_the_new_kinds(extended, lang, words):
    from symcnn.classroom.papers import paper_tex
    from symcnn.render.latex.sheet import sheet_tex

    paper = paper_tex(extended, lang)
    for w in words:
        assert w in paper
    sheet = sheet_tex(extended, lang)
    assert words[0] in sheet and r"\mathrm{kept\_bytes}(c, k, b, i, s)" in sheet  # a step's wording; the rule listed


def test_json_and_variants(extended, tmp_path):
    import json

    from symcnn.classroom.variants import generate
    from symcnn.render.jsonout import solution_json

    data = {a["id"]: a for a in json.loads(solution_json(extended))["answers"]}
    assert data["5a"]["value"] == extended.answer("5a").value
    assert data["5c"]["value"] == [float(v) for v in extended.answer("5c").value]
    made = generate(SPEC, "extended.toml", 2, 7)
    values = {v.solve().answer("5a").value for v in made.variants}
    assert len(values) == 2  # the variants' networks differ, and so does the memory to train them


@pytest.mark.parametrize("question, words", [
    ('kind = "training.time"', "question 9z.throughput is missing"),
    ('kind = "training.time"\nthroughput = -3', "question 9z.throughput must be a number of operations per second"),
    ('kind = "training.time"\nthroughput = 1e12\nutilization = 1.5', "question 9z.utilization must be a number above 0"),
    ('kind = "training.memory"\noptimizer = "rmsprop"', "question 9z.optimizer must be one of"),
    ('kind = "training.time"\nthroughput = 1e12\nunit = "day"', "question 9z.unit must be one of"),
])
def test_bad_options_are_one_line(tmp_path, capsys, question, words):
    from symcnn.cli import main

    spec = tmp_path / "bad.toml"
    spec.write_text(embedded_text() + f'\n[[questions]]\nid = "9z"\n{question}\n', encoding="utf-8")
    assert main(["solve", str(spec)]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1 and "bad.toml" in err


def test_moodle_export_takes_the_new_kinds(tmp_path, capsys):
    from symcnn.cli import main

    spec = tmp_path / "extended.toml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "quiz.xml"
    assert main(["export", "moodle", str(spec), "-o", str(out), "--lang", "en"]) == 0
    xml = out.read_text(encoding="utf-8")
    assert "p&lt;sub&gt;HG&lt;/sub&gt; =" in xml or "p<sub>HG</sub> =" in xml  # the probabilities, one field per class
    assert xml.count("<question type=\"cloze\"") + xml.count("<question type=\"numerical\"") >= 17

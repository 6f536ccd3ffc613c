"""`symcnn verify`: each kind of diagnosis pinned by a deliberately wrong key (like STACK's
question tests), a clean key, the seed key, malformed keys, and the command line.

Every wrong value is built here from a derivation under a known perturbation (an exam
changed with dataclasses.replace and solved again), or from the derived value with a
known slip; no expected number is copied from the seed's key.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from symcnn import solve
from symcnn.cli import main
from symcnn.errors import KeyFileError
from symcnn.verify.keyfile import load_key, parse_key
from symcnn.verify.review import review

SRC = Path(__file__).resolve().parents[1] / "src" / "symcnn"


def toml_value(v):
    if isinstance(v, tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return str(v)


def key_text(entries: dict) -> str:
    """A key file: {qid: {"values": [...], "working": [...], "component": ..., "facts": {...}}}."""
    out = []
    for qid, e in entries.items():
        out.append(f"[questions.{qid}]")
        out.append("values = [" + ", ".join(toml_value(v) for v in e.get("values", ())) + "]")
        if "working" in e:
            out.append("working = [" + ", ".join(json.dumps(w, ensure_ascii=False) for w in e["working"]) + "]")
        if "component" in e:
            out.append(f'component = "{e["component"]}"')
        if "facts" in e:
            out.append("facts = { " + ", ".join(f"{k} = {v}" for k, v in e["facts"].items()) + " }")
    return "\n".join(out) + "\n"


def judge(solution, entries):
    return {q.id: q for q in review(parse_key(key_text(entries), "test.toml"), solution).questions}


def codes(question, claim=0):
    """Codes of every explanation of one claim (ties included)."""
    return [tuple(d.code for d in e) for e in question.claims[claim].explanations]


def perturbed(exam, **changes):
    return solve(replace(exam, **changes))


def with_layer(exam, name, **changes):
    nodes = tuple(replace(n, layer=replace(n.layer, **changes)) if n.name == name else n
                  for n in exam.network.nodes)
    return replace(exam, network=replace(exam.network, nodes=nodes))


def slip_digit(n: int) -> int:
    """n with its second digit changed (one digit slip)."""
    s = str(n)
    return int(s[0] + str((int(s[1]) + 3) % 10) + s[2:])


# --------------------------------------------------------------------------- one code each


def test_aug_factor(exam, solution):
    six = replace(exam.dataset, transforms=exam.dataset.transforms + ("flip 2", "flip 3"))
    wrong = perturbed(exam, dataset=six).answer("1b").value
    assert ("AUG_FACTOR",) in codes(judge(solution, {"1b": {"values": [wrong]}})["1b"])


def test_bytes_per_value(exam, solution):
    wrong = perturbed(exam, inference_bytes=1).answer("4a").value
    assert ("BYTES_PER_VALUE",) in codes(judge(solution, {"4a": {"values": [wrong]}})["4a"])


def test_batch_size_and_backward(exam, solution):
    half = perturbed(exam, training=replace(exam.training, batch_size=exam.training.batch_size // 2))
    found = codes(judge(solution, {"3b": {"values": [half.answer("3b").value]}})["3b"])
    # (1 + 1)·32·F = (1 + 0)·64·F: both explanations are equally small, both are reported
    assert ("BATCH_SIZE",) in found and ("BACKWARD_OMITTED",) in found


def test_epochs(exam, solution):
    wrong = perturbed(exam, training=replace(exam.training, epochs=1)).answer("3c").value
    assert ("EPOCHS",) in codes(judge(solution, {"3c": {"values": [wrong]}})["3c"])


@pytest.mark.parametrize("layer, changes, code", [
    ("pool2", {"padding": 0}, "POOL_PADDING"),
    ("conv1", {"padding": 0}, "CONV_PADDING"),
    ("pool1", {"ceil_mode": True}, "CEIL_FLOOR"),
])
def test_window_conventions(exam, solution, layer, changes, code):
    wrong = solve(with_layer(exam, layer, **changes)).answer("2a").value
    assert wrong != solution.answer("2a").value
    assert (code,) in codes(judge(solution, {"2a": {"values": [wrong]}})["2a"])


def test_bias_counted(exam, solution):
    biases = sum(lay.counts.get("conv.bias", 0) + lay.counts.get("dense.bias", 0) for lay in solution.numbers.layers)
    wrong = solution.answer("3a").value + biases
    assert ("BIAS_COUNTED",) in codes(judge(solution, {"3a": {"values": [wrong]}})["3a"])


def test_pool_counted(solution):
    # pooling windows counted, by hand: pool1 61·61·16·3² = 535,824; pool2 30·30·48·2² = 172,800
    wrong = solution.answer("3a").value + 535_824 + 172_800
    assert codes(judge(solution, {"3a": {"values": [wrong]}})["3a"]) == [("POOL_COUNTED",)]


def test_term_explained_as_a_part_worked_out_another_way(solution):
    # A 3a sum whose pool2 term counts its windows: 30·30·48·2² = 172,800 where F_4 = 0
    # the other parts by hand: 7·7·3·124·124·16, 0, 5·5·16·57·57·48, …, 30·30·48·4096, 4096·2
    parts = [36_164_352, 0, 62_380_800, 172_800, 176_947_200, 8_192]
    line = " + ".join(map(str, parts)) + f" = {sum(parts)}"
    q = judge(solution, {"3a": {"values": [sum(parts)], "working": [line]}})["3a"]
    (explained,) = q.lines[0].explained
    assert [d.code for d in explained] == ["TERM_EXPLAINED", "POOL_COUNTED"]
    assert explained[0].args["term"] == 172_800 and str(explained[0].args["symbol"].symbol) == "F_4" and explained[0].args["symbol"].layer == "pool2"
    assert q.lines[0].terms is None  # nothing left unexplained
    # the same term on the key's own wrong 2a (pool2 29×29×48): 29·29·48·2² = 161,472
    wrong_2a = ((124, 124, 16), (61, 61, 16), (57, 57, 48), (29, 29, 48))
    parts[3] = 161_472
    line = " + ".join(map(str, parts)) + f" = {sum(parts)}"
    q = judge(solution, {"2a": {"values": [wrong_2a]}, "3a": {"values": [sum(parts)], "working": [line]}})["3a"]
    assert [d.code for d in q.lines[0].explained[0]] == ["TERM_EXPLAINED", "POOL_COUNTED", "CARRIED_OVER"]


def test_mac_vs_flop(solution):
    wrong = 2 * solution.answer("3a").value
    assert ("MAC_VS_FLOP",) in codes(judge(solution, {"3a": {"values": [wrong]}})["3a"])


def _p(exam, c):
    """softmax probability of class c, in floats (independent of the derivation's sympy)."""
    logits = dict(zip(exam.softmax.classes, (float(x) for x in exam.softmax.logits)))
    return math.exp(logits[c]) / sum(math.exp(v) for v in logits.values())


def test_wrong_class(exam, solution):
    # o_HT − η·δ_HG with δ_HG = p_HG − 1 (HG is the target): the other class's gradient
    o_ht, eta = float(exam.softmax.logits[1]), float(exam.training.learning_rate)
    wrong = Decimal(str(round(o_ht - eta * (_p(exam, "HG") - 1), 4)))
    assert ("WRONG_CLASS",) in codes(judge(solution, {"3e": {"values": [wrong]}})["3e"])


def test_sign(exam, solution):
    # δ_HT = p_HT − 0 > 0; the key writes it negative
    wrong = -Decimal(str(round(_p(exam, "HT"), 2)))
    q = judge(solution, {"3d": {"values": [wrong], "component": "HT"}})["3d"]
    assert q.verdict == "wrong" and ("SIGN",) in codes(q)


def test_rounding(solution):
    wrong = round(solution.answer("3e").value, 2)  # asked for 4 decimals
    assert ("ROUNDING",) in codes(judge(solution, {"3e": {"values": [wrong]}})["3e"])


def test_digit_slip_and_swap_and_power(solution):
    value = solution.answer("1c").value
    digits = str(value)
    i = next(i for i in range(1, len(digits) - 1) if digits[i] != digits[i + 1])
    swapped = int(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    q = judge(solution, {"1a": {"values": [slip_digit(solution.answer("1a").value)]},
                         "1c": {"values": [swapped, value * 1000]}})
    assert codes(q["1a"]) == [("DIGIT_SLIP",)]
    assert codes(q["1c"], 0) == [("DIGIT_SWAP",)] and codes(q["1c"], 1) == [("POWER_OF_TEN",)]


def test_carried_over(solution):
    a3 = slip_digit(solution.answer("3a").value)
    batch = 2 * solution.exam.training.batch_size * a3  # right given the key's own 3a: (1 + r)·B·F
    q = judge(solution, {"3a": {"values": [a3]}, "3b": {"values": [batch]}})
    assert codes(q["3a"]) == [("DIGIT_SLIP",)]
    assert codes(q["3b"]) == [("CARRIED_OVER",)]
    assert q["3b"].claims[0].explanations[0][0].args["answers"] == (("3a", a3),)


def test_pair_carried_over_and_backward(solution):
    a3 = slip_digit(solution.answer("3a").value)
    batch = solution.exam.training.batch_size * a3  # backward pass forgotten, on the key's own 3a
    found = codes(judge(solution, {"3a": {"values": [a3]}, "3b": {"values": [batch]}})["3b"])
    assert ("BACKWARD_OMITTED", "CARRIED_OVER") in found  # the mistake first, then the earlier answer it was made on


def test_alternative_reading(solution):
    tile = next(alt.value for alt in solution.answer("4c").alternatives if alt.key == "assume.tile")
    assert ("ALT_READING",) in codes(judge(solution, {"4c": {"values": [tile]}})["4c"])


def test_no_explanation_is_said_honestly(solution):
    q = judge(solution, {"1a": {"values": [7]}})["1a"]
    assert q.verdict == "wrong" and codes(q) == [("NO_EXPLANATION",)]


def test_working_line_slip_explains_the_value(solution):
    right = solution.answer("1a").value
    images, crops = solution.exam.dataset.images, solution.exam.dataset.crops_per_image
    wrong = slip_digit(right)
    q = judge(solution, {"1a": {"values": [wrong], "working": [f"{images} × {crops} = {wrong}"]}})["1a"]
    assert q.lines[0].diagnosis.key == "line.DIGIT_SLIP"
    assert codes(q) == [("DIGIT_SLIP",)]


def test_correct_value_wrong_working(solution):
    right = solution.answer("1a").value
    q = judge(solution, {"1a": {"values": [right], "working": [f"100 + 250 = {right}"]}})["1a"]
    assert q.verdict == "correct-value-wrong-working"
    assert q.lines[0].diagnosis.code == "SUM_MISMATCH"


def test_wrong_fact_is_explained(exam, solution):
    t = len(exam.dataset.transforms) + 2
    q = judge(solution, {"1b": {"values": [solution.answer("1b").value], "facts": {"t": t}}})["1b"]
    assert q.verdict == "correct-value-wrong-working"
    assert q.facts[0].derived == len(exam.dataset.transforms)
    assert ("AUG_FACTOR",) in [tuple(d.code for d in e) for e in q.facts[0].explanations]


def test_two_claims_one_wrong(solution):
    right = solution.answer("2b").value
    q = judge(solution, {"2b": {"values": [right, slip_digit(right)]}})["2b"]
    assert q.verdict == "partly-correct" and q.right_count == 1  # "1 of 2 values right", not just "wrong"
    assert [c.verdict for c in q.claims] == ["correct", "wrong"]


# --------------------------------------------------------------------------- clean, seed, missing


def clean_entries(solution):
    out = {}
    for a in solution.answers:
        out[a.id] = {"values": [a.value]}
    return out


def test_clean_key_exits_0(solution, tmp_path, capsys):
    path = tmp_path / "clean.toml"
    path.write_text(key_text(clean_entries(solution)), encoding="utf-8")
    assert main(["verify", str(path), "--json"]) == 0
    verdicts = {q["id"]: q["verdict"] for q in json.loads(capsys.readouterr().out)}
    assert set(verdicts.values()) == {"correct"} and len(verdicts) == len(solution.answers)


@pytest.fixture(scope="module")
def seed_review(solution):
    return {q.id: q for q in review(load_key(), solution).questions}


def test_seed_verdicts_follow_the_derivation(seed_review):
    # By hand from the exam: 200·256 = 51,200 and ×(4 + 1) = 256,000, both as the key says;
    # pool2 = floor((57 + 2·2 − 2)/2) + 1 = 30, the key says 29: wrong. The key states
    # 6 transforms while the exam lists 4: 1b's value is right, its working is not.
    assert seed_review["1a"].verdict == "correct"
    assert seed_review["1b"].verdict == "correct-value-wrong-working"
    assert seed_review["2a"].verdict == "wrong"
    assert seed_review["2a"].claims[0].derived[3] == (30, 30, 48)


def test_seed_verdicts_change_with_the_exam(exam):
    # the same key against an exam whose pool2 padding is 1 gives 29 × 29 × 48: 2a becomes right
    changed = solve(with_layer(exam, "pool2", padding=1))
    assert {q.id: q for q in review(load_key(), changed).questions}["2a"].verdict == "correct"


def test_seed_conflicting_claims_are_judged_each(seed_review):
    q = seed_review["3b"]
    assert len(q.claims) == 2 and q.verdict == "partly-correct"
    assert sum(c.correct for c in q.claims) == 1  # (1 + 1)·64·F is one of the two values


def test_no_wrong_seed_number_is_written_in_the_code(solution):
    key = load_key()
    numbers = {str(v) for e in key.entries.values() for v in e.claims
               if isinstance(v, int) and v != solution.answer(e.id).value}
    assert len(numbers) >= 5
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8").replace(",", "").replace("_", "")
        assert not [n for n in numbers if n in text], path


def test_missing_question(solution):
    q = judge(solution, {"1a": {"values": []}})
    assert q["1a"].verdict == "missing" and q["2b"].verdict == "missing"


# --------------------------------------------------------------------------- malformed keys


@pytest.mark.parametrize("text, message", [
    ("[questions.1a\n", r"^test.toml: not valid TOML"),
    ("[questions.9z]\nvalues = [1]\n", r"^test.toml: questions.9z is not a question of the exam \(known: 1a, "),
    ("[questions.1a]\nvalues = [[1, 2]]\n", r"^test.toml: questions.1a.values\[0\] must be a number, got \[1, 2\]"),
    ("[questions.2a]\nvalues = [1]\n", r"^test.toml: questions.2a.values\[0\] must be a list shaped like \[\[x, x, x\]"),
    ("[questions.1a]\nvalues = ['12 apples']\n", r"^test.toml: questions.1a.values\[0\] must be a number, got '12 apples'"),
    ("[questions.1a]\nvalue = 1\nvalues = [1]\n", r"^test.toml: questions.1a.values cannot be given together with value"),
    ("[questions.1a]\nvalues = [1]\nworking = ['2 * x = 4']\n",
     r"^test.toml: questions.1a.working\[0\]: expected a number, got 'x' at character 5 in '2 \* x = 4'"),
    ("[questions.1a]\nvalues = [1]\nworking = ['2 * 3']\n", r"questions.1a.working\[0\]: expected 'expression = value'"),
    ("[questions.1a]\nvalues = [1]\nanswer = 3\n", r"^test.toml: questions.1a.answer is not a known field"),
    ("[questions.1b]\nvalues = [1]\nfacts = { zz = 6 }\n", r"^test.toml: questions.1b.facts.zz: no quantity named 'zz'"),
    ("[questions.3d]\nvalues = [1.0]\ncomponent = 'XX'\n", r"^test.toml: questions.3d.component must be one of HG, HT, got 'XX'"),
    ("[questions.1a]\nvalues = [true]\n", r"^test.toml: questions.1a.values\[0\] must be a number, got True"),
])
def test_malformed_key_messages(solution, text, message):
    with pytest.raises(KeyFileError, match=message):
        review(parse_key(text, "test.toml"), solution)


# --------------------------------------------------------------------------- command line


def test_cli_exit_codes_and_json(tmp_path, capsys):
    assert main(["verify", "--json"]) == 1  # the seed key has errors
    out = json.loads(capsys.readouterr().out)
    first = out[0]
    assert {"id", "verdict", "key_values", "derived_value", "diagnoses"} <= set(first)
    assert all("code" in d and "message" in d for q in out for d in q["diagnoses"])
    bad = tmp_path / "bad.toml"
    bad.write_text("[questions.1a]\nvalues = ['x']\n", encoding="utf-8")
    assert main(["verify", str(bad)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["verify", str(tmp_path / "none.toml")]) == 2


def test_template_round_trip(tmp_path, capsys, solution):
    out = tmp_path / "key.toml"
    assert main(["verify", "--template", str(out)]) == 0
    key = load_key(out)
    assert list(key.entries) == [a.id for a in solution.answers]
    assert main(["verify", str(out), "--json"]) == 1  # an empty key: every question missing
    assert {q["verdict"] for q in json.loads(capsys.readouterr().out.split("\n", 1)[1])} == {"missing"}


def test_terminal_table_in_both_languages(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    for lang, word in (("en", "correct value, wrong working"), ("vi", "đúng kết quả, sai lời giải")):
        main(["verify", "--lang", lang])
        assert word.split(",")[0] in capsys.readouterr().out


def test_cli_latex(tmp_path, capsys):
    out = tmp_path / "review.tex"
    assert main(["verify", "--latex", str(out), "--lang", "en"]) == 1
    assert out.read_text(encoding="utf-8").startswith("\\documentclass")
    assert main(["verify", "--pdf"]) == 2  # --pdf needs --latex


def test_backward_factor(exam, solution):
    wrong = perturbed(exam, training=replace(exam.training, backward_factor=2)).answer("3b").value
    assert ("BACKWARD_FACTOR",) in codes(judge(solution, {"3b": {"values": [wrong]}})["3b"])


def test_iterations(exam, solution):
    wrong = perturbed(exam, training=replace(exam.training, iterations_per_epoch=1)).answer("3c").value
    assert ("ITERATIONS",) in codes(judge(solution, {"3c": {"values": [wrong]}})["3c"])


def test_wrong_term_in_a_sum_is_located(solution):
    parts = [s.value for s in solution.answer("2b").steps if s.label == "step.params" and s.value]
    biggest = max(parts)
    terms = [p if p != biggest else slip_digit(p) for p in parts]
    line = " + ".join(str(t) for t in terms) + f" = {sum(terms)}"
    q = judge(solution, {"2b": {"values": [sum(terms)], "working": [line]}})["2b"]
    (explained,) = q.lines[0].explained  # the term is P_5 with one digit changed
    d = explained[0]
    assert q.lines[0].check.ok and not q.lines[0].ok  # the sum adds up, but a term is not what belongs there
    assert d.key == "line.WRONG_TERM_FOR" and q.lines[0].terms is None
    assert d.args["right"] == biggest and d.args["terms"] == (slip_digit(biggest),)
    assert [x.code for x in explained[1:]] == ["DIGIT_SLIP"]
    # a term that is no part in any reading stays unexplained, and is still located
    terms = [p if p != biggest else 123_456_789 for p in parts]
    line = " + ".join(str(t) for t in terms) + f" = {sum(terms)}"
    q = judge(solution, {"2b": {"values": [sum(terms)], "working": [line]}})["2b"]
    d = q.lines[0].terms
    assert d.key == "line.WRONG_TERM_FOR" and d.args["right"] == biggest and not q.lines[0].explained


@pytest.mark.parametrize("stated, originals", [(6, False), (5, True)])
def test_explanations_agreeing_with_stated_facts_come_first(exam, solution, stated, originals):
    # Factor 6 has two equally small readings here: 6 transforms without the originals, or
    # 5 transforms plus the originals. The key's own fact (1b: t = ...) decides which comes first.
    d = exam.dataset
    names = d.transforms + tuple(f"extra {i}" for i in range(stated - len(d.transforms)))
    wrong = perturbed(exam, dataset=replace(d, transforms=names, keep_originals=originals)).answer("3c").value
    first = judge(solution, {"1b": {"values": [solution.answer("1b").value], "facts": {"t": stated}},
                             "3c": {"values": [wrong]}})["3c"].claims[0].explanations[0]
    assert [dg.code for dg in first] == ["AUG_FACTOR"]
    assert first[0].args["transforms"].n == stated and first[0].args["factor"] == 6


# --------------------------------------------------------------------------- ranking and messages


def test_a_working_line_with_the_batch_rules_out_another_batch(solution):
    # (1 + 1)·32·F = (1 + 0)·64·F: two readings of B·F; a line writing "× 64" rules out a batch of 32
    f, b = solution.answer("3a").value, solution.exam.training.batch_size
    q = judge(solution, {"3b": {"values": [b * f], "working": [f"{f} × {b} = {b * f}"]}})["3b"]
    assert codes(q) == [("BACKWARD_OMITTED",)]
    bare = judge(solution, {"3b": {"values": [b * f]}})["3b"]
    assert ("BATCH_SIZE",) in codes(bare) and ("BACKWARD_OMITTED",) in codes(bare)


def test_a_stated_fact_puts_its_reading_first_and_the_other_still_fits(exam, solution):
    # pool1 (3×3, stride 2) on 124: ⌊121/2⌋ + 1 = 61; padding 1 gives ⌊123/2⌋ + 1 = 62, and so does ⌈121/2⌉ + 1
    wide = solve(with_layer(exam, "pool1", padding=1)).answer("2a").value
    assert solve(with_layer(exam, "pool1", ceil_mode=True)).answer("2a").value == wide
    p = next(s for s in solution.answer("2a").steps if s.args.get("layer") == "pool1").formula.free_symbols
    padding = next(str(s) for s in p if str(s).startswith("p_"))
    q = judge(solution, {"2a": {"values": [wide], "facts": {padding: 1}}})["2a"]
    found = codes(q)
    assert found[0] == ("POOL_PADDING",) and ("CEIL_FLOOR",) in found


def test_a_right_value_with_another_class_in_its_working_is_wrong_working(exam, solution):
    # 3e written right, but its line uses δ_HG (the other class) where δ_HT belongs
    right = solution.answer("3e").value
    o_ht, eta = (Decimal(x.numerator) / x.denominator for x in (exam.softmax.logits[1], exam.training.learning_rate))
    d_hg = round(Decimal(_p(exam, "HG")) - 1, 4)
    q = judge(solution, {"3e": {"values": [right],
                                "working": [f"{o_ht} - {eta} × ({d_hg}) = {o_ht - eta * d_hg}"]}})["3e"]
    assert q.verdict == "correct-value-wrong-working"
    line = q.lines[0]
    assert line.check.ok and not line.ok and line.terms.key == "line.WRONG_OPERAND"
    assert str(line.terms.args["used"].symbol) == "delta_HG" and str(line.terms.args["symbol"].symbol) == "delta_HT"


def test_messages_read_as_mathematics_with_plurals(solution, capsys, monkeypatch):
    from symcnn.render.review import diagnosis_text

    monkeypatch.setenv("COLUMNS", "250")
    one = judge(solution, {"4a": {"values": [solution.answer("4a").value // solution.exam.inference_bytes]}})["4a"]
    text = [diagnosis_text(d, "en") for e in one.claims[0].explanations for d in e]
    assert "uses 1 byte per value instead of 4 bytes" in text
    main(["verify", "--lang", "en"])
    out = capsys.readouterr().out
    assert "δ_HG" in out and "delta_HG" not in out and "F₄ (pool2)" in out and "1 of 2 values right" in out
    main(["verify", "--lang", "vi"])
    out = capsys.readouterr().out
    assert "đúng 1 trong 2 giá trị" in out and "câu 3a" in out

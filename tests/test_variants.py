"""Seeded variants (`symcnn variants`): determinism, answers, keys, discrimination, bad input.

Every variant's answers are checked against `symcnn solve` on its own exam.toml and
against an independent implementation written here in plain integer (and Decimal)
arithmetic for the seed network's kinds, read straight from the variant's TOML.
"""

from __future__ import annotations

import csv
import math
import shutil
import tomllib
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.checked import read_toml
from symcnn.classroom.mistakes import single_mistakes
from symcnn.classroom.tomlout import dumps
from symcnn.classroom.variants import MAX_COUNT, _graded, generate, identity
from symcnn.cli import main
from symcnn.exam.solve import solve
from symcnn.exam.spec import embedded_text, load_exam
from test_latex_pdf import needs_pdftotext, needs_tex, pdf_text

SEED = embedded_text()
COUNT = 4


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("variants") / "set"
    assert main(["variants", "--count", str(COUNT), "--seed", "7", "--out", str(out), "--lang", "en"]) == 0
    return out


def variant_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir())


# --------------------------------------------------------------------------- an independent implementation


def conv_out(n: int, k: int, p: int, s: int) -> int:
    return (n + 2 * p - k) // s + 1


def network_numbers(spec: dict, height: int, width: int) -> tuple[list[tuple[int, ...]], int, int]:
    """Shapes, parameters and MACs of a chain of conv2d / maxpool / avgpool / dense layers."""
    shape: tuple[int, ...] = (height, width, spec["dataset"]["channels"])
    shapes, params, macs = [shape], 0, 0
    for layer in spec["network"]["layers"]:
        if layer["type"] == "conv2d":
            h, w, c = shape
            k, f = layer["kernel"], layer["filters"]
            s, p = layer.get("stride", 1), layer.get("padding", 0)
            shape = (conv_out(h, k, p, s), conv_out(w, k, p, s), f)
            params += k * k * c * f + f
            macs += k * k * c * shape[0] * shape[1] * f
        elif layer["type"] in ("maxpool", "avgpool"):
            h, w, c = shape
            k, p = layer["kernel"], layer.get("padding", 0)
            s = layer.get("stride", k)
            shape = (conv_out(h, k, p, s), conv_out(w, k, p, s), c)
        elif layer["type"] == "dense":
            n = math.prod(shape)
            params += n * layer["units"] + layer["units"]
            macs += n * layer["units"]
            shape = (layer["units"],)
        else:
            raise AssertionError(layer["type"])
        shapes.append(shape)
    return shapes, params, macs


def rounded(x: Decimal, places: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def answers_by_hand(spec: dict) -> dict[str, object]:
    d, t, sm = spec["dataset"], spec["training"], spec["softmax"]
    crops = d["images"] * d["crops_per_image"]
    samples = crops * (len(d["transforms"]) + int(d["keep_originals"]))
    shapes, params, macs = network_numbers(spec, d["crop_height"], d["crop_width"])
    batch = macs * t["batch_size"] * (1 + t["backward_factor"])
    iterations = -(-samples // t["batch_size"])
    q = {x["id"]: x for x in spec["questions"]}
    with localcontext() as ctx:
        ctx.prec = 60
        e = [Decimal(o).exp() for o in sm["logits"]]
        p = [x / sum(e) for x in e]
        y = [int(c == sm["target"]) for c in sm["classes"]]
        delta = [pc - yc for pc, yc in zip(p, y)]
        c = sm["classes"].index(q["3e"]["output"])
        step = Decimal(sm["logits"][c]) - Decimal(t["learning_rate"]) * delta[c]
    activations = sum(math.prod(s) for s in shapes) * spec["inference"]["bytes_per_value"]
    big = network_numbers(spec, q["4c"]["height"], q["4c"]["width"])[2]
    return {
        "1a": crops, "1b": samples,
        "1c": samples * d["crop_height"] * d["crop_width"] * d["channels"] * d["bytes_per_value"],
        "2a": tuple(shapes[i] for i in q["2a"]["layers"]), "2b": params,
        "3a": macs, "3b": batch, "3c": batch * iterations * t["epochs"],
        "3d": tuple(rounded(x, q["3d"]["decimals"]) for x in delta), "3e": rounded(step, q["3e"]["decimals"]),
        "4a": activations, "4b": params * spec["inference"]["bytes_per_value"] + activations, "4c": big,
    }


def csv_cell(value: object) -> str:
    if isinstance(value, tuple) and all(isinstance(v, tuple) for v in value):
        return ";".join("x".join(map(str, s)) for s in value)
    if isinstance(value, tuple):
        return ";".join(f"{v:f}" for v in value)
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def test_independent_implementation_agrees_on_the_seed_exam(solution):
    by_hand = answers_by_hand(tomllib.loads(SEED, parse_float=Decimal))
    assert {a.id: a.value for a in solution.answers} == by_hand


# --------------------------------------------------------------------------- the set


def test_every_variant_is_answered_as_solve_and_the_hand_computation_answer_it(folder):
    homes = variant_folders(folder)
    assert len(homes) == COUNT
    for home in homes:
        spec = tomllib.loads((home / "exam.toml").read_text(encoding="utf-8"), parse_float=Decimal)
        assert spec["exam"]["code"] == home.name
        solved = {a.id: a.value for a in solve(load_exam(home / "exam.toml")).answers}
        assert solved == answers_by_hand(spec), home.name


def test_index_lists_every_variant_and_its_answers(folder):
    rows = list(csv.DictReader((folder / "index.csv").open(encoding="utf-8")))
    assert [r["code"] for r in rows] == [r["code"] for r in rows] and len({r["code"] for r in rows}) == COUNT
    assert {r["code"] for r in rows} == {p.name for p in variant_folders(folder)}
    for r in rows:
        spec = tomllib.loads((folder / r["code"] / "exam.toml").read_text(encoding="utf-8"), parse_float=Decimal)
        expected = answers_by_hand(spec)
        assert {k: v for k, v in r.items() if k not in ("code", "seed")} == {k: csv_cell(v) for k, v in expected.items()}
        assert int(r["seed"]) >= 0


def test_every_key_verifies_clean(folder, capsys):
    for home in variant_folders(folder):
        assert main(["verify", str(home / "key.toml"), "--exam", str(home / "exam.toml"), "--json"]) == 0, home.name
    capsys.readouterr()


def test_variants_differ_and_keep_what_the_base_exam_has(folder):
    base = tomllib.loads(SEED, parse_float=Decimal)
    specs = [tomllib.loads((h / "exam.toml").read_text(encoding="utf-8"), parse_float=Decimal)
             for h in variant_folders(folder)]
    for spec in specs:
        assert [q["id"] for q in spec["questions"]] == [q["id"] for q in base["questions"]]
        assert "variants" not in spec
        assert all(Decimal(o) == Decimal(o).quantize(Decimal("0.1")) for o in spec["softmax"]["logits"])
        shapes, _, _ = network_numbers(spec, spec["dataset"]["crop_height"], spec["dataset"]["crop_width"])
        assert all(d >= 1 for s in shapes for d in s)
    numbers = [(s["dataset"]["images"], s["network"]["layers"][0]["filters"], s["training"]["batch_size"])
               for s in specs]
    assert len(set(map(str, specs))) == COUNT and len(set(numbers)) > 1


def test_papers_carry_their_code_and_no_answer(folder):
    for home in variant_folders(folder):
        paper = (home / "paper.tex").read_text(encoding="utf-8")
        assert rf"\textbf{{{home.name}}}" in paper
        crops = tomllib.loads((home / "exam.toml").read_text(encoding="utf-8"))["dataset"]
        assert f"{crops['images'] * crops['crops_per_image']:,}".replace(",", "{,}") not in paper
        assert rf"\textbf{{{home.name}}}" in (home / "solution.tex").read_text(encoding="utf-8")


def test_same_seed_same_bytes_and_another_seed_another_set(folder, tmp_path, capsys):
    again = tmp_path / "again"
    assert main(["variants", "--count", str(COUNT), "--seed", "7", "--out", str(again), "--lang", "en"]) == 0
    files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for f in files:
        assert (folder / f).read_bytes() == (again / f).read_bytes(), f
    other = tmp_path / "other"
    assert main(["variants", "--count", str(COUNT), "--seed", "8", "--out", str(other)]) == 0
    assert (other / "index.csv").read_text() != (folder / "index.csv").read_text()
    capsys.readouterr()


def test_every_variant_discriminates(folder):
    """The right answer differs from every single mistake first seen at that question (at its precision),
    except the mistakes the probes found the model cannot tell apart; checked here without the generator."""
    vset = generate(SEED, "<embedded>", COUNT, 7, workers=1)
    skipped = {(i.qid, i.mistake[0]) for i in vset.indistinct}
    for v in vset.variants:
        solution = v.solve()
        seen: set[str] = set()
        for q in solution.exam.questions:
            a = solution.answer(q.id)
            assert a.value == v.answer(q.id)
            for explanation, value in single_mistakes(solution, q.id):
                name = identity(explanation)
                if name in seen or (q.id, name) in skipped:
                    continue
                assert _graded(value, a.decimals) != _graded(a.value, a.decimals), (v.code, q.id, name)
            seen |= {identity(e) for e, _ in single_mistakes(solution, q.id)}
    assert vset.stats.draws >= COUNT and sum(vset.stats.rejected.values()) == vset.stats.draws - COUNT
    # the folder's set, drawn on every core, is this one drawn in one process
    assert [v.code for v in vset.variants] == sorted(p.name for p in variant_folders(folder)) or \
        {v.code for v in vset.variants} == {p.name for p in variant_folders(folder)}
    assert [v.text for v in vset.variants] == [v.text for v in generate(SEED, "<embedded>", COUNT, 7, workers=2).variants]


def test_variants_table_of_the_spec_is_what_varies(tmp_path, capsys):
    spec = tmp_path / "exam.toml"
    spec.write_text(SEED + '\n[variants]\n"network.layers[conv1].filters" = [8, 24]\n'
                    'dataset.images = { from = 150, to = 250, step = 50 }\n', encoding="utf-8")
    out = tmp_path / "v"
    assert main(["variants", str(spec), "--count", "3", "--seed", "1", "--out", str(out), "--check"]) == 0
    printed = capsys.readouterr().out
    assert "network.layers[conv1].filters" in printed and "2a" in printed
    base = tomllib.loads(SEED)
    for home in variant_folders(out):
        v = tomllib.loads((home / "exam.toml").read_text(encoding="utf-8"))
        assert v["network"]["layers"][0]["filters"] in (8, 24)
        assert v["dataset"]["images"] in (150, 200, 250)
        assert v["dataset"]["crops_per_image"] == base["dataset"]["crops_per_image"]  # not in the table: kept


# --------------------------------------------------------------------------- bad input


def one_line_error(capsys, argv: list[str], *words: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for w in words:
        assert w in err, err


@pytest.mark.parametrize("table, words", [
    ('"network.layers[9].filters" = [8]', ("variants.'network.layers[9].filters'", "names no field")),
    ('"dataset.imagez" = [8]', ("variants.'dataset.imagez'", "did you mean 'images'")),
    ('"network.layers[conv1].kernel" = { from = 300, to = 310 }',
     ("variants.'network.layers[conv1].kernel'", "no value gives a valid exam", "kernel 300")),
    ('"dataset.images" = [200]', ("allows only 1 different exam", "--count 3")),
    ('"dataset.images" = "many"', ("variants.'dataset.images'", "must be a list of choices")),
])
def test_bad_variants_table(tmp_path, capsys, table, words):
    spec = tmp_path / "exam.toml"
    spec.write_text(SEED + "\n[variants]\n" + table + "\n", encoding="utf-8")
    out = tmp_path / "v"
    one_line_error(capsys, ["variants", str(spec), "--count", "3", "--out", str(out)], str(spec), *words)
    assert not out.exists() and not list(tmp_path.glob(".v.*"))


@pytest.mark.parametrize("argv, words", [
    (["--count", str(MAX_COUNT + 1), "--out", "v"], ("--count must be 1 to 10000",)),
    (["--count", "0", "--out", "v"], ("--count must be 1 to 10000",)),
    (["--seed", "-1", "--out", "v"], ("--seed must be 0",)),
    (["--count", "2"], ("needs --out DIR",)),
    (["--count", "2", "--pdf", "--check"], ("--pdf needs --out DIR",)),
])
def test_bad_command_lines(tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    one_line_error(capsys, ["variants", *argv], *words)
    assert not (tmp_path / "v").exists()


def test_a_folder_of_other_files_is_never_replaced(tmp_path, capsys):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("precious")
    one_line_error(capsys, ["variants", "--count", "2", "--out", str(mine)], "was not written by symcnn")
    assert (mine / "thesis.txt").read_text() == "precious" and len(list(mine.iterdir())) == 1


def test_a_set_is_replaced_whole_or_not_at_all(tmp_path, capsys, monkeypatch):
    out = tmp_path / "v"
    assert main(["variants", "--count", "2", "--seed", "3", "--out", str(out)]) == 0
    (out / "stale.txt").write_text("from an older run")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    import symcnn.classroom.variant_files as files

    def broken(solution):  # fails while the new set is half written
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "key_toml", broken)
    capsys.readouterr()
    one_line_error(capsys, ["variants", "--count", "2", "--seed", "4", "--out", str(out)],
                   f"{out}: cannot write (No space left on device)")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v"]  # no temporary folder left
    monkeypatch.undo()
    assert main(["variants", "--count", "2", "--seed", "4", "--out", str(out)]) == 0
    assert not (out / "stale.txt").exists()  # the new set replaced the old one whole
    capsys.readouterr()


# --------------------------------------------------------------------------- TOML out


def test_variant_spec_round_trips(folder):
    for home in variant_folders(folder):
        text = (home / "exam.toml").read_text(encoding="utf-8")
        data = read_toml(text, "x")
        assert read_toml(dumps(data), "y") == data


_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
_scalars = (st.integers(-(2**63), 2**63 - 1) | st.booleans()
            | st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
            | st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**6, max_value=10**6))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
                       max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=4))
def test_toml_writer_round_trips_any_data(data):
    assert read_toml(dumps(data, "a comment\nover two lines"), "x") == data


# --------------------------------------------------------------------------- PDFs


@needs_tex
@needs_pdftotext
def test_pdfs_of_a_small_set(tmp_path, capsys):
    out = tmp_path / "v"
    assert main(["variants", "--count", "2", "--seed", "5", "--out", str(out), "--pdf", "--lang", "en"]) == 0
    homes = variant_folders(out)
    for home in homes:
        assert (home / "paper.pdf").read_bytes().startswith(b"%PDF")
        assert (home / "solution.pdf").read_bytes().startswith(b"%PDF")
    papers = pdf_text(out / "papers.pdf")
    for home in homes:
        assert f"Variant code: {home.name}" in papers
    solutions = pdf_text(out / "solutions.pdf")
    assert all(f"Variant code: {h.name}" in solutions for h in homes)
    assert papers.count("\f") % 2 == 0  # every paper padded to an even number of pages
    shutil.rmtree(out)
    capsys.readouterr()

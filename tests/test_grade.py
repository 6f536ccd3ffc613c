"""`symcnn grade` on a generated class: 20 variants, 322 responses, mistakes planted by an independent twin.

The variants are random exams of ``mistake_twins`` (written as a set: ``DIR/<code>/exam.toml`` and
``DIR/index.csv``, what ``symcnn variants`` writes); every right answer and every planted wrong
value comes from the twin's own arithmetic (plain ints and Decimals, PyTorch's size rules), never
from symcnn. Each response is built with the verdict, points and diagnosis code it must get.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import mistake_twins as twins
from symcnn.cli import main

IDS = ("1a", "1b", "1c", "2a", "2b", "3a", "3b", "3c", "3d", "3e", "4a", "4b", "4c")
VARIANTS = 20
PER_VARIANT = 16
CREDIT = Fraction(1, 4)  # the set's [grading] carried_credit
# mistakes planted, by the twin's name: each is diagnosed at the first question it changes
PLANTS = ("bytes_data", "batch", "epochs", "backward_omitted", "mac_vs_flop", "sign", "update_sign", "aug",
          "bytes_inference", "padding", "iterations_floor", "unit_bits")


@dataclass
class Expect:
    verdict: str
    points: Fraction
    code: str | None = None  # a code the diagnosis must name (among equally small explanations); None: not checked


@dataclass
class Row:
    email: str
    name: str
    variant: str
    cells: dict[str, str]
    expect: dict[str, Expect] = field(default_factory=dict)
    counts: bool = True


def en(v: int) -> str:
    return f"{v:,}"


def vi(v: int) -> str:
    return f"{v:,}".replace(",", ".")


def typed(qid: str, v: Any, style: int) -> str:
    """A right or wrong value as a student types it, in one of several styles (English exam)."""
    if qid == "2a":
        sep = (" × ", "x", "*")[style % 3]
        return "; ".join(sep.join(str(d) for d in shape) for shape in v)
    if qid == "3d":
        return ("; ", ", ", " ; ")[style % 3].join(str(x) for x in v)
    if isinstance(v, Decimal):
        return str(v)
    if style % 4 == 1:
        return en(v)
    if style % 4 == 2:
        return vi(v)  # thousands dots in an English exam: unambiguous with two or more, graded both ways with one
    if style % 4 == 3 and v >= 10**6:
        return f"{Decimal(v):e}".replace("E", "e")  # 1.2582912000e+10
    return str(v)


def right_row(spec: twins.Spec, code: str, email: str, style: int) -> Row:
    right = twins.answers(spec)
    assert right is not None
    cells = {q: typed(q, right[q], style + i) for i, q in enumerate(IDS)}
    return Row(email, email.split("@")[0].title(), code, cells, {q: Expect("correct", Fraction(1)) for q in IDS})


def first_changed(spec: twins.Spec, plant: twins.Plant) -> tuple[str, Any] | None:
    wrong = twins.planted(spec, plant)
    for q in IDS:
        if q in wrong:
            return q, wrong[q]
    return None


def build_class(rng: random.Random, specs: dict[str, twins.Spec]) -> list[Row]:
    rows: list[Row] = []
    for k, (code, spec) in enumerate(specs.items()):
        right = twins.answers(spec)
        assert right is not None
        base = f"v{k:02d}"
        rows += [right_row(spec, code, f"{base}.ok{i}@school.edu", i) for i in range(3)]
        # one planted mistake each, only where it first shows (the later answers right)
        options = [p for p in twins.plants(spec) if p.what in PLANTS and first_changed(spec, p)]
        rng.shuffle(options)
        seen: set[tuple[str, Any]] = set()
        planted = 0
        for p in options:
            q, v = first_changed(spec, p)  # type: ignore[misc]
            if (q, repr(v)) in seen or planted == 6:
                continue
            seen.add((q, repr(v)))
            planted += 1
            row = right_row(spec, code, f"{base}.m{planted}@school.edu", planted)
            row.cells[q] = typed(q, v, planted)
            row.expect[q] = Expect("wrong", Fraction(0), p.code)
            rows.append(row)
        # errors carried forward: a wrong 3a, then 3b and 3c right on it (the twin's formulas, by hand)
        row = right_row(spec, code, f"{base}.carry@school.edu", 0)
        own_3a = right["3a"] + 1000
        n = right["1b"]
        own_3b = (1 + spec.backward) * spec.batch * own_3a
        own_3c = spec.epochs * -(-n // spec.batch) * own_3b
        slip = "DIGIT_SLIP" if (right["3a"] // 1000) % 10 != 9 else None
        row.cells.update({"3a": str(own_3a), "3b": str(own_3b), "3c": str(own_3c)})
        row.expect.update({"3a": Expect("wrong", Fraction(0), slip), "3b": Expect("wrong", CREDIT, "CARRIED_OVER"),
                           "3c": Expect("wrong", CREDIT, "CARRIED_OVER")})
        rows.append(row)
        # one more transform counted in 1b, then 1c right on that 1b
        row = right_row(spec, code, f"{base}.carry2@school.edu", 1)
        own_1b = spec.images * spec.crops * (spec.transforms + 1 + int(spec.originals))
        own_1c = own_1b * spec.height * spec.width * spec.channels * spec.data_bytes
        row.cells.update({"1b": str(own_1b), "1c": str(own_1c)})
        row.expect.update({"1b": Expect("wrong", Fraction(0), "AUG_FACTOR"),
                           "1c": Expect("wrong", CREDIT, "CARRIED_OVER")})
        rows.append(row)
        # blanks
        row = right_row(spec, code, f"{base}.blank@school.edu", 2)
        for q in ("1a", "2a", "3d", "4c"):
            row.cells[q] = "" if q != "2a" else "   "
            row.expect[q] = Expect("missing", Fraction(0))
        rows.append(row)
        # garbage
        row = right_row(spec, code, f"{base}.garbage@school.edu", 3)
        garbage = {"1a": "abc", "1b": "12..3", "1c": '=HYPERLINK("http://x")', "2a": "124x124",
                   "3d": "0.5", "4a": "9" * 500, "4b": "1e99999", "3e": "½"}
        for q, cell in garbage.items():
            row.cells[q] = cell
            row.expect[q] = Expect("unreadable", Fraction(0))
        rows.append(row)
        # decimal commas (a Vietnamese habit in an English exam) and the code typed loosely
        row = right_row(spec, code.lower() + " ", f"{base}.comma@school.edu", 0)
        row.variant = " " + code.lower()
        row.cells["3d"] = "; ".join(str(x).replace(".", ",") for x in right["3d"])
        row.cells["3e"] = str(right["3e"]).replace(".", ",")
        row.cells["1c"] = vi(right["1c"])
        rows.append(row)
        # three students of the first variant share a value no mistake explains (7 × 2b + 12,345)
        for j in range(3 if k == 0 else 0):
            row = right_row(spec, code, f"{base}.odd{j}@school.edu", j)
            row.cells["2b"] = str(7 * right["2b"] + 12345)
            row.expect["2b"] = Expect("wrong", Fraction(0), "NO_EXPLANATION")
            rows.append(row)
        # a first submission, later sent again: both kept, the second counts
        first = right_row(spec, code, f"{base}.twice@school.edu", 1)
        first.cells["2b"] = str(right["2b"] + 1)
        first.expect["2b"] = Expect("wrong", Fraction(0), "DIGIT_SLIP" if right["2b"] % 10 != 9 else None)
        first.counts = False
        rows.append(first)
        while len([r for r in rows if r.variant.strip().upper() == code]) < PER_VARIANT - 1:
            rows.append(right_row(spec, code, f"{base}.more{len(rows)}@school.edu", len(rows)))
        rows.append(right_row(spec, code, f"{base}.twice@school.edu", 2))
    unknown = right_row(next(iter(specs.values())), "ZZZZ9", "lost@school.edu", 0)
    unknown.expect = {q: Expect("ungraded", Fraction(0)) for q in IDS}
    nobody = right_row(next(iter(specs.values())), "", "nocode@school.edu", 0)
    nobody.expect = {q: Expect("ungraded", Fraction(0)) for q in IDS}
    rows.insert(len(rows) // 2, unknown)
    rows.append(nobody)
    return rows


def google_csv(rows: list[Row], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Timestamp", "Email Address", "Score", "Full name", "Mã đề",
                    *(f"Question {q}" + (" (H×W×D per layer, ; between layers)" if q == "2a" else "") for q in IDS)])
        for i, r in enumerate(rows):
            w.writerow([f"2026/12/01 10:{i // 60:02d}:{i % 60:02d} AM GMT+7", r.email, "0 / 13", r.name, r.variant,
                        *(r.cells[q] for q in IDS)])


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Row], Path, Path]:
    rng = random.Random(2026)
    home = tmp_path_factory.mktemp("grade")
    vdir = home / "set"
    vdir.mkdir()
    specs: dict[str, twins.Spec] = {}
    while len(specs) < VARIANTS:
        spec = twins.random_spec(rng)
        if twins.answers(spec) is None:
            continue
        code = "".join(rng.choice("ABCDEFGHJKMNPQRSTVWXYZ23456789") for _ in range(4))
        specs[code] = spec
        (vdir / code).mkdir()
        text = twins.toml(spec).replace('title = "random"', f'title = "random"\ncode = "{code}"')
        (vdir / code / "exam.toml").write_text(text + "\n[grading]\ncarried_credit = 0.25\n", encoding="utf-8")
    (vdir / "index.csv").write_text("code,seed\n" + "".join(f"{c},0\n" for c in specs), encoding="utf-8")
    rows = build_class(rng, specs)
    responses = home / "responses.csv"
    google_csv(rows, responses)
    out = home / "out"
    assert main(["grade", str(responses), "--variants", str(vdir), "--out", str(out)]) == 0
    return rows, out, vdir


def test_class_is_large_enough(graded_class):
    rows, _, _ = graded_class
    assert len(rows) >= 300
    assert len({r.variant.strip().upper() for r in rows} - {"ZZZZ9", ""}) == VARIANTS


def test_every_verdict_point_and_code(graded_class):
    rows, out, _ = graded_class
    with (out / "gradebook.csv").open(encoding="utf-8") as f:
        book = list(csv.DictReader(f))
    assert len(book) == len(rows)  # nothing lost
    data = json.loads((out / "class.json").read_text(encoding="utf-8"))
    assert len(data["responses"]) == len(rows)
    for i, (r, line, js) in enumerate(zip(rows, book, data["responses"])):
        assert line["row"] == str(i + 1) and line["email"] == r.email and line["name"] == r.name
        assert line["counts"] == ("yes" if r.counts else "no"), r.email
        total = Fraction(0)
        for q, answer in zip(IDS, js["answers"]):
            want = r.expect[q]
            assert line[f"{q}_verdict"] == want.verdict, (r.email, q, r.cells[q], answer)
            if want.verdict == "ungraded":
                assert line[f"{q}_points"] == ""
                continue
            assert Fraction(line[f"{q}_points"]) == want.points, (r.email, q, r.cells[q], answer)
            total += want.points
            codes = {d["code"] for e in answer["explanations"] for d in e}
            if want.code == "NO_EXPLANATION":
                assert answer["code"] == "NO_EXPLANATION" and not codes, (r.email, q, answer)
            elif want.code is not None:
                assert want.code in codes, (r.email, q, r.cells[q], answer["code"], codes)
            if want.verdict == "unreadable":
                assert r.cells[q].strip()[:20] in answer["message"] or q == "4a", answer["message"]
            if want.verdict != "wrong":
                assert answer["code"] == ""
        if r.expect["1a"].verdict == "ungraded":
            assert line["total"] == ""
        else:
            assert Fraction(line["total"]) == total


def test_unknown_variant_is_reported(graded_class):
    _, out, _ = graded_class
    data = json.loads((out / "class.json").read_text(encoding="utf-8"))
    assert sorted(u["variant"] for u in data["unknown_variants"]) == ["", "ZZZZ9"]
    assert "ZZZZ9" in (out / "class_report.tex").read_text(encoding="utf-8")


def test_feedback_per_student(graded_class):
    rows, out, _ = graded_class
    files = sorted((out / "feedback").glob("*.md"))
    assert len(files) == len(rows)
    carry = next(f for f in files if f.name.endswith("-v00-carry.md"))
    body = carry.read_text(encoding="utf-8")
    row = next(r for r in rows if r.email == "v00.carry@school.edu")
    assert f"` {row.cells['3b']} `" in body  # the answer as typed
    assert "is right given your own earlier answer 3a" in body
    assert body.count("**wrong**") == 3


def test_class_report_counts_mistakes(graded_class):
    rows, out, _ = graded_class
    data = json.loads((out / "class.json").read_text(encoding="utf-8"))
    per = {q["id"]: q for q in data["per_question"]}
    counting = [r for r in rows if r.counts and r.expect["1a"].verdict != "ungraded"]
    for q in IDS:
        assert per[q]["responses"] == len(counting)
        assert per[q]["correct"] == sum(r.expect[q].verdict == "correct" for r in counting)
    carried = {m["code"]: m["students"] for m in per["3b"]["mistakes"]}
    assert carried["CARRIED_OVER"] >= VARIANTS  # every variant's carried 3b (and maybe planted ones on top)
    odd = [r for r in rows if ".odd" in r.email]
    shared = per["2b"]["unexplained_shared"]
    assert [(x["value"], x["students"], x["variants"]) for x in shared] == [
        (int(odd[0].cells["2b"]), 3, [odd[0].variant])]
    report = (out / "class_report.tex").read_text(encoding="utf-8")
    assert r"\begin{tabular}" in report and "CARRIED\\_OVER" in report and "tikz" not in report


# --------------------------------------------------------------------------- Microsoft Forms


def test_microsoft_forms_xlsx(tmp_path, solution):
    openpyxl = pytest.importorskip("openpyxl")
    right = {a.id: a.value for a in solution.answers}
    book = openpyxl.Workbook()
    sheet = book.active
    head = ["ID", "Start time", "Completion time", "Email", "Name", "Total points", "Quiz feedback", "Last modified time"]
    for q in IDS:
        head += [f"Câu {q}", f"Points - Câu {q}", f"Feedback - Câu {q}"]
    sheet.append(head)

    def row(i: int, email: str, answers: dict[str, Any]) -> list[Any]:
        cells: list[Any] = [i, "12/1/26 10:00:00", "12/1/26 10:30:00", email, f"Student {i}", "", "", ""]
        for q in IDS:
            cells += [answers.get(q, ""), "", ""]
        return cells

    vi_text = {q: typed(q, v, 2) for q, v in right.items()}  # Vietnamese thousands dots, the exam's own language
    vi_text["3d"] = "; ".join(str(x).replace(".", ",") for x in right["3d"])
    vi_text["3e"] = str(right["3e"]).replace(".", ",")
    sheet.append(row(1, "an@school.edu", vi_text))
    wrong = dict(vi_text)
    wrong["4a"] = right["4a"] // 4  # 4 bytes per value left out, by hand: an int cell in the workbook
    wrong["1a"] = ""
    sheet.append(row(2, "anonymous", wrong))
    path = tmp_path / "ms.xlsx"
    book.save(path)
    out = tmp_path / "out"
    assert main(["grade", str(path), "--out", str(out), "--lang", "en"]) == 0
    with (out / "gradebook.csv").open(encoding="utf-8") as f:
        book_rows = list(csv.DictReader(f))
    assert len(book_rows) == 2
    assert all(book_rows[0][f"{q}_verdict"] == "correct" for q in IDS)
    assert book_rows[0]["total"] == "9.5"  # the seed exam's points: 2 + 3 + 3 + 1.5
    assert book_rows[1]["4a_verdict"] == "wrong" and book_rows[1]["1a_verdict"] == "missing"
    assert book_rows[1]["total"] == str(Decimal("9.5") - Decimal("0.5") - Decimal("0.5"))
    data = json.loads((out / "class.json").read_text(encoding="utf-8"))
    assert data["form"] == "microsoft"
    assert data["responses"][1]["answers"][IDS.index("4a")]["code"] == "BYTES_PER_VALUE"


# --------------------------------------------------------------------------- bad input, maps, credit


def test_not_a_forms_export(tmp_path, capsys):
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["grade", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "notes.csv" in err[0] and "not a Google Forms or Microsoft Forms export" in err[0]
    assert not out.exists()
    binary = tmp_path / "x.xlsx"
    binary.write_bytes(b"PK\x03\x04garbage")
    assert main(["grade", str(binary), "--out", str(out)]) == 2
    assert "x.xlsx" in capsys.readouterr().err and not out.exists()
    openpyxl = pytest.importorskip("openpyxl")
    import zipfile

    whole, broken = tmp_path / "whole.xlsx", tmp_path / "broken.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ID", "Start time", "Question 1a"])
    book.save(whole)
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(broken, "w") as dst:
        for name in src.namelist():  # the sheet cut in half: the zip opens, its XML does not parse
            data = src.read(name)
            dst.writestr(name, data[: len(data) // 2] if "sheet1" in name else data)
    assert main(["grade", str(broken), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.xlsx: not a readable Excel workbook" in err[0] and not out.exists()


def test_map_file_and_carried_credit(tmp_path, solution, capsys):
    right = {a.id: a.value for a in solution.answers}
    own_3a = right["3a"] + 1000
    t = solution.exam.training
    own_3b = (1 + t.backward_factor) * t.batch_size * own_3a  # 3b on the student's own 3a
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Who", "Forward cost", "Batch cost"])
        w.writerow(["x@school.edu", str(own_3a), str(own_3b)])
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\nemail = "Who"\n[questions]\n3a = "Forward cost"\n3b = "Batch cost"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["grade", str(path), "--map", str(mapping), "--out", str(out), "--carried-credit", "0.2"]) == 0
    with (out / "gradebook.csv").open(encoding="utf-8") as f:
        line = next(csv.DictReader(f))
    assert line["email"] == "x@school.edu" and line["3b_verdict"] == "wrong"
    assert Fraction(line["3b_points"]) == Fraction(1, 5) * Fraction(1, 2)  # 3b is worth 0.5
    assert line["1a_verdict"] == "missing"
    assert "1a" in capsys.readouterr().out  # the questions without a column are named
    mapping.write_text('[questions]\n3a = "Nope"\n', encoding="utf-8")
    assert main(["grade", str(path), "--map", str(mapping), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "map.toml: questions.3a must name a column" in err and "Nope" in err
    assert main(["grade", str(path), "--map", str(mapping), "--out", str(tmp_path / "o3"),
                 "--carried-credit", "2"]) == 2
    assert "--carried-credit" in capsys.readouterr().err


# --------------------------------------------------------------------------- a set symcnn variants wrote


def test_grades_a_set_written_by_symcnn_variants(tmp_path, capsys):
    """--variants DIR reads `symcnn variants --out DIR`: each row graded on its own variant's exam.toml.

    Two variants; every student answers 1c with variant A's value: right on A, wrong on B (the
    exams differ there), and 1a by hand from B's own spec (images × crops per image).
    """
    import tomllib

    vdir = tmp_path / "v"
    assert main(["variants", "--count", "2", "--seed", "5", "--out", str(vdir)]) == 0
    with (vdir / "index.csv").open(encoding="utf-8") as f:
        index = list(csv.DictReader(f))
    a, b = index
    spec_b = tomllib.loads((vdir / b["code"] / "exam.toml").read_text(encoding="utf-8"))
    crops_b = spec_b["dataset"]["images"] * spec_b["dataset"]["crops_per_image"]
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Timestamp", "Email address", "Score", "Mã đề", "Câu 1a", "Câu 1c"])
        w.writerow(["t", "a@x", "0 / 13", a["code"], "", a["1c"]])
        w.writerow(["t", "b@x", "0 / 13", b["code"].lower(), str(crops_b), a["1c"]])
    out = tmp_path / "out"
    assert main(["grade", str(path), "--variants", str(vdir), "--out", str(out)]) == 0
    capsys.readouterr()
    with (out / "gradebook.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["1c_verdict"] for r in rows] == ["correct", "wrong" if a["1c"] != b["1c"] else "correct"]
    assert [r["1a_verdict"] for r in rows] == ["missing", "correct"]
    assert rows[1]["variant"] == b["code"].lower()
    assert (out / ".symcnn-grade").exists()
    assert main(["grade", str(path), "--variants", str(vdir), "--out", str(vdir)]) == 2  # never over another set
    assert "holds an input of this command" in capsys.readouterr().err  # (its exam.toml files are read)


@pytest.mark.skipif(__import__("shutil").which("pdflatex") is None or __import__("shutil").which("pdftotext") is None,
                    reason="needs TeX (pdflatex) and pdftotext: apt-get install texlive-latex-base texlive-lang-other poppler-utils")
def test_pdf_report_and_feedback(tmp_path, solution):
    """--pdf: the class report and each student's feedback compile, with the student's text printed literally."""
    import subprocess

    right = {a.id: a.value for a in solution.answers}
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Timestamp", "Email Address", "Score", "Họ và tên", "Câu 1a", "Câu 4a"])
        w.writerow(["t", "a@x", "0 / 13", "Nguyễn Văn \\input{x} & $", str(right["1a"]), str(right["4a"] // 4)])
        w.writerow(["t", "b@x", "0 / 13", "Trần Thị B", "}{\\def", ""])
    out = tmp_path / "out"
    assert main(["grade", str(path), "--out", str(out), "--pdf"]) == 0
    report = subprocess.run(["pdftotext", str(out / "class_report.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Phân bố điểm" in report and "BYTES_PER_VALUE" in report.replace("\u00ad", "")
    first = sorted((out / "feedback").glob("*.pdf"))[0]
    text = subprocess.run(["pdftotext", str(first), "-"], capture_output=True, text=True).stdout
    assert "Nguyễn Văn \\input{x} & $" in text


def test_terminal_prints_user_text_literally(graded_class, tmp_path, capsys):
    _, _, vdir = graded_class
    path = tmp_path / "r.csv"
    path.write_text("Timestamp,Email Address,Score,Variant,1a\nt,a@x,0 / 13,[bold red]Q9,5\n", encoding="utf-8")
    assert main(["grade", str(path), "--variants", str(vdir), "--out", str(tmp_path / "o"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "'[bold red]Q9'" in out and "rows 1" in out
    assert "no column for question(s) 1b, 1c" in " ".join(out.split())


def test_spec_carried_credit_reaches_moodle_export(tmp_path):
    """[grading] carried_credit in the spec is the one setting grading and the Moodle export share."""
    import xml.etree.ElementTree as ET

    from symcnn.exam.spec import embedded_text

    spec = tmp_path / "exam.toml"
    spec.write_text(embedded_text() + "\n[grading]\ncarried_credit = 0.25\n", encoding="utf-8")
    quiz = tmp_path / "quiz.xml"
    assert main(["export", "moodle", str(spec), "-o", str(quiz)]) == 0
    fractions = {a.get("fraction") for a in ET.parse(quiz).getroot().iter("answer")}
    assert fractions - {"0", "100"} == {"25"}

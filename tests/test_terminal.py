"""What people see at a terminal, at 80 and 200 columns: golden files and the rules they must keep.

Each command's output is compared with ``tests/golden/<name>.txt``; after a deliberate
change, rewrite them with ``SYMCNN_UPDATE_GOLDEN=1 python -m pytest tests/test_terminal.py``
and read the diff. Independently of the goldens, the output must keep the rules of
issue 16: no line wider than the terminal, no answer cut with "…", every answer and
every number of the sweep table whole on one line, status lines in the output's language.
Numbers are formatted here by a formatter written in this file, not symcnn's.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from symcnn.cli import main

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SYMCNN_UPDATE_GOLDEN") == "1"
WIDTHS = (80, 200)

COMMANDS = {
    "solve_vi": ["solve"],
    "solve_en": ["solve", "--lang", "en"],
    "verify_vi": ["verify"],
    "verify_en": ["verify", "--lang", "en"],
    "sweep_vi": ["sweep", "--size", "15:4096"],
    "sweep_en": ["sweep", "--size", "15:4096", "--lang", "en"],
    "formulas_en": ["formulas", "--lang", "en"],
    "report_vi": ["report"],
}


def run(capsys, monkeypatch, width: int, argv: list[str]) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def vi_number(n: int) -> str:
    """12582912000 → '12.582.912.000' (written here: the test does not trust symcnn's formatter)."""
    digits = str(abs(n))
    groups = [digits[max(i - 3, 0):i] for i in range(len(digits), 0, -3)][::-1]
    return ("-" if n < 0 else "") + ".".join(groups)


def en_number(n: int) -> str:
    return vi_number(n).replace(".", ",")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", COMMANDS)
def test_output_matches_golden(name, width, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, width, COMMANDS[name])
    assert code in (0, 1)  # verify: the seed key has errors
    path = GOLDEN / f"{name}_{width}.txt"
    if UPDATE or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(out, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path.name} was missing and has been written: read it, then rerun")
    assert out == path.read_text(encoding="utf-8"), f"{path.name} differs (SYMCNN_UPDATE_GOLDEN=1 rewrites it)"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["solve_vi", "solve_en", "verify_vi", "verify_en", "sweep_vi", "sweep_en"])
def test_no_line_is_wider_than_the_terminal_and_nothing_is_cut(name, width, capsys, monkeypatch):
    from rich.cells import cell_len

    _, out, _ = run(capsys, monkeypatch, width, COMMANDS[name])
    wide = [line for line in out.splitlines() if cell_len(line) > width]
    assert not wide, f"{len(wide)} lines wider than {width}: {wide[0]!r}"
    if not name.startswith("sweep"):  # the sweep's "…" row stands for the rows between head and tail
        assert "…" not in out


def _answer_texts(answer: dict, number) -> list[str]:
    """How an answer's value must appear, whole: a number, each shape of a list, each entry of a vector."""
    value = answer["value"]
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [" × ".join(number(d) for d in shape) for shape in value]
    if isinstance(value, list):
        return [f"{v}".replace(".", ",") if number is vi_number else f"{v}" for v in value]
    if isinstance(value, int):
        return [number(value)]
    return [f"{value}".replace(".", ",") if number is vi_number else f"{value}"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang, number", [("vi", vi_number), ("en", en_number)])
def test_every_answer_is_whole_on_one_line(lang, number, width, capsys, monkeypatch):
    """Issue 16, item 1: `symcnn solve | cat` never cuts an answer, at any width."""
    assert main(["solve", "--json"]) == 0
    answers = json.loads(capsys.readouterr().out)["answers"]
    _, out, _ = run(capsys, monkeypatch, width, ["solve", "--lang", lang])
    lines = out.splitlines()
    for a in answers:
        for piece in _answer_texts(a, number):
            assert any(piece in line for line in lines), f"{a['id']}: {piece!r} is not whole on any line"


@pytest.mark.parametrize("width", WIDTHS)
def test_verify_shows_both_values_whole(width, capsys, monkeypatch):
    """Item 1: verify shows the key's value and the right one uncut (3c's are 22 characters)."""
    code, out, _ = run(capsys, monkeypatch, width, ["verify", "--json"])
    review = json.loads(out)
    _, out, _ = run(capsys, monkeypatch, width, ["verify"])
    lines = out.splitlines()
    for q in review:
        values = [v for v in (*q["key_values"], q["derived_value"]) if isinstance(v, int)]
        for v in values:
            assert any(vi_number(v) in line for line in lines), f"{q['id']}: {vi_number(v)} is cut"


@pytest.mark.parametrize("width", WIDTHS)
def test_sweep_table_never_splits_a_number(width, capsys, monkeypatch):
    """Item 2: every number of the first and last rows is whole on one line of the table."""
    assert main(["sweep", "--size", "15:4096", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    shown = ["params", "cost.macs", "memory_bytes", "batch.macs", "run.macs"]
    index = [data["columns"].index(c) for c in shown]
    _, out, _ = run(capsys, monkeypatch, width, ["sweep", "--size", "15:4096"])
    lines = out.splitlines()
    for row in (data["rows"][0], data["rows"][-1]):
        for i in index:
            text = vi_number(row[i])
            assert any(re.search(rf"(?<![\d.]){re.escape(text)}(?![\d.])", line) for line in lines), text


@pytest.mark.parametrize("lang, word", [("vi", "đã ghi"), ("en", "wrote")])
def test_status_lines_speak_the_output_language(lang, word, tmp_path, capsys):
    """Item 3: every command that writes a file says so in the output's language."""
    tex = tmp_path / "sheet.tex"
    assert main(["solve", "--lang", lang, "--latex", str(tex)]) == 0
    assert capsys.readouterr().out == f"{word} {tex}\n"
    key = tmp_path / "key.toml"
    assert main(["verify", "--lang", lang, "--template", str(key)]) == 0
    assert capsys.readouterr().out == f"{word} {key}\n"
    review = tmp_path / "review.tex"
    assert main(["verify", "--lang", lang, "--latex", str(review)]) == 1  # the seed key has errors
    assert capsys.readouterr().out == f"{word} {review}\n"
    spec = tmp_path / "exam.toml"
    assert main(["init", "--lang", lang, str(spec)]) == 0
    assert capsys.readouterr().out == f"{word} {spec}\n"
    csv = tmp_path / "s.csv"
    assert main(["sweep", "--size", "20:22", "--csv", str(csv), "--lang", lang]) == 0
    assert f"{word} {csv}" in capsys.readouterr().err


def test_init_speaks_the_embedded_spec_language(tmp_path, capsys):
    spec = tmp_path / "exam.toml"
    assert main(["init", str(spec)]) == 0
    assert capsys.readouterr().out == f"đã ghi {spec}\n"  # the embedded exam is Vietnamese

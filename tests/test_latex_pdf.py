"""The committed sheets in reports/, and compiling with TeX (skipped without pdflatex/pdftotext)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symcnn.catalogue import LANGUAGES
from symcnn.cli import main
from symcnn.regenerate import report_path
from symcnn.render.latex import LatexError, compile_pdf, document, escape, run_latex
from symcnn.render.latex.sheet import sheet_tex

ROOT = Path(__file__).resolve().parents[1]
REGENERATE = "regenerate them with `python -m symcnn.regenerate` from the repository root"

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None and shutil.which("latexmk") is None,
                               reason="pdflatex/latexmk not installed (CI: apt-get install texlive-latex-base"
                                      " texlive-lang-other)")
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="pdftotext not installed (CI: apt-get install poppler-utils)")


def pdf_text(pdf: bytes | Path) -> str:
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    return out.decode("utf-8")


# Derived by hand, independently of symcnn:
#   1c: 200 images × 256 crops × (4 transforms + original) × 128·128·3 bytes = 12,582,912,000
#   2b: conv1 7·7·3·16 + 16 = 2,368; conv2 5·5·16·48 + 48 = 19,248;
#       shapes 128 → (128 + 2 − 7) + 1 = 124 → (124 − 3)//2 + 1 = 61 → 61 − 5 + 1 = 57 → (57 + 4 − 2)//2 + 1 = 30
#       fc1 30·30·48·4096 + 4096 = 176,951,296; fc2 4096·2 + 2 = 8,194; total 176,981,106
#   3d: δ_HG = e^3.2 / (e^3.2 + e^5.1) − 1, rounded to 2 decimals
SAMPLES_BYTES = 200 * 256 * (4 + 1) * 128 * 128 * 3
SHAPE = ((((128 + 2 - 7) + 1 - 3) // 2 + 1 - 5 + 1) + 4 - 2) // 2 + 1
PARAMS = (7 * 7 * 3 * 16 + 16) + (5 * 5 * 16 * 48 + 48) + (SHAPE * SHAPE * 48 * 4096 + 4096) + (4096 * 2 + 2)
DELTA = round(math.exp(3.2) / (math.exp(3.2) + math.exp(5.1)) - 1, 2)

EXPECTED = {
    "vi": ["Lời giải từng bước", "Giả thiết và quy ước", "Bảng các lớp", "Các công thức đã dùng", "Đáp số",
           "Đào Thành Mạnh", f"{SAMPLES_BYTES:,}".replace(",", "."), f"{PARAMS:,}".replace(",", "."),
           f"{abs(DELTA):.2f}".replace(".", ",")],
    "en": ["Step-by-step solution", "Assumptions and convention", "Layer table", "Formulas used", "Answer",
           "Đào Thành Mạnh", f"{SAMPLES_BYTES:,}", f"{PARAMS:,}", f"{abs(DELTA):.2f}"],
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_tex_matches_the_code(solution, lang):
    path = ROOT / report_path(lang)
    assert path.exists(), f"{path} is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == sheet_tex(solution, lang), (
        f"{path} differs from what the code generates now: {REGENERATE}")


@needs_pdftotext
@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_pdf_shows_diacritics_and_numbers(lang):
    path = ROOT / report_path(lang).with_suffix(".pdf")
    assert path.exists(), f"{path} is missing: {REGENERATE}"
    text = pdf_text(path)
    for expected in EXPECTED[lang]:
        assert expected in text, f"{path}: {expected!r} not in the PDF's text ({REGENERATE} if stale)"


@needs_tex
@needs_pdftotext
@pytest.mark.parametrize("lang", LANGUAGES)
def test_sheet_compiles_cleanly_and_matches_committed_pdf(solution, lang, tmp_path):
    run = run_latex(sheet_tex(solution, lang).encode())
    overfull = re.findall(r"Overfull \\hbox.*", run.log)
    assert not overfull, f"text runs into the margin: {overfull}"
    if shutil.which("pdffonts"):  # every glyph from a Type 1 font: no bitmap fallback, nothing missing
        (tmp_path / "s.pdf").write_bytes(run.pdf)
        fonts = subprocess.run(["pdffonts", str(tmp_path / "s.pdf")], capture_output=True, text=True).stdout
        assert "Type 3" not in fonts, fonts
    committed = ROOT / report_path(lang).with_suffix(".pdf")
    assert pdf_text(run.pdf) == pdf_text(committed), f"{committed} is stale: {REGENERATE}"


@needs_tex
@needs_pdftotext
def test_hostile_text_prints_literally(tmp_path):
    hostile = r"\input{/etc/passwd} }$\def\x{} 50% & #1 ^_~ Hồ Gươm"
    text = pdf_text(run_latex(document(escape(hostile), "en").encode()).pdf)
    assert r"\input{/etc/passwd} }$\def\x{} 50% & #1 ^_~ Hồ Gươm" in text
    assert "root:" not in text


@needs_tex
@needs_pdftotext
def test_hostile_spec_names_print_literally(tmp_path):
    from importlib import resources

    from symcnn import load_exam, solve

    spec = resources.files("symcnn").joinpath("data/seed_exam.toml").read_text(encoding="utf-8")
    spec = spec.replace('name = "conv1"', "name = '\\input{/etc/passwd}'").replace('"HG"', "'}$\\def'")
    (tmp_path / "hostile.toml").write_text(spec, encoding="utf-8")
    solution = solve(load_exam(str(tmp_path / "hostile.toml")))
    text = pdf_text(run_latex(sheet_tex(solution, "en").encode()).pdf)
    assert "\\input{/etc/passwd}" in text and "}$\\def" in text and "root:" not in text


@needs_tex
def test_cli_writes_tex_and_pdf(tmp_path, capsys):
    out = tmp_path / "sheet.tex"
    assert main(["solve", "--lang", "en", "--latex", str(out), "--pdf"]) == 0
    assert out.read_bytes().startswith(rb"\documentclass")
    assert (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")


def test_cli_without_tex_keeps_the_tex(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, **kw: None)
    out = tmp_path / "sheet.tex"
    assert main(["solve", "--latex", str(out), "--pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no TeX found" in err and str(out) in err
    assert out.exists() and not (tmp_path / "sheet.pdf").exists()


def test_cli_pdf_needs_latex(capsys):
    assert main(["solve", "--pdf"]) == 2
    assert "--pdf needs --latex" in capsys.readouterr().err


@needs_tex
def test_latex_error_names_the_file_and_first_error_and_leaves_no_pdf(tmp_path):
    bad = tmp_path / "bad.tex"
    bad.write_text(document(r"\undefinedcommand", "en"), encoding="utf-8")
    with pytest.raises(LatexError, match=r"bad\.tex: LaTeX failed: line \d+: Undefined control sequence"):
        compile_pdf(bad)
    assert not (tmp_path / "bad.pdf").exists()


@needs_tex
def test_runaway_compile_times_out(tmp_path):
    loop = tmp_path / "loop.tex"
    loop.write_text(document(r"\def\x{\x}\x", "en"), encoding="utf-8")
    with pytest.raises(LatexError, match="did not finish within 1 s"):
        compile_pdf(loop, timeout=1)
    assert not (tmp_path / "loop.pdf").exists()

"""The key-review sheet: the committed reviews are up to date, and the sheet compiles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from symcnn.regenerate import review_path as report_path
from symcnn.regenerate import seed_review
from symcnn.render.latex.review_sheet import node_latex, review_tex
from symcnn.verify.arith import parse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def review():
    return seed_review()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_committed_review_is_up_to_date(review, lang):
    committed = ROOT / report_path(lang)
    assert committed.read_text(encoding="utf-8") == review_tex(review, lang), (
        f"{committed} is stale: run `python -m symcnn.regenerate` from the repository root")
    assert committed.with_suffix(".pdf").is_file()


@pytest.mark.parametrize("text, tex", [
    ("2 × (3 + 4)", r"2 \times \left(3 + 4\right)"),
    ("(2 × 3) + 4", r"2 \times 3 + 4"),
    ("10 - (4 - 1)", r"10 - \left(4 - 1\right)"),
    ("0.01 × (-0.8699)", r"0.01 \times \left(-0.8699\right)"),
    ("2^10", "{2}^{10}"),
])
def test_working_line_latex(text, tex):
    assert node_latex(parse(text), "en") == tex


def test_vietnamese_numbers_on_the_sheet(review):
    tex = review_tex(review, "vi")
    assert "51.200" in tex and "0{,}8699" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_review_compiles(review, tmp_path):
    from symcnn.render.latex.review_sheet import write_review

    paths = write_review(review, "en", tmp_path / "review.tex", pdf=True)
    assert paths[-1].read_bytes().startswith(b"%PDF")

"""The LaTeX printer, escaping, row layout and sheet structure (no TeX needed)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sympy

from symcnn.catalogue import LANGUAGES, catalogue
from symcnn.exam.steps import Step
from symcnn.model.conventions import CONVENTIONS
from symcnn.model.layers import ACTIVATIONS, LAYER_TYPES
from symcnn.render.latex import escape, formula_latex, number_latex, printer, value_latex
from symcnn.render.latex.rows import step_rows
from symcnn.render.latex.rules_section import rule_names
from symcnn.render.latex.sheet import SECTIONS, sheet_tex

H, K, P, S, A, B = sympy.symbols("H k p s a b", integer=True, positive=True)
CONV = sympy.floor((H + 2 * P - K) / S) + 1

PRINTED = [
    # (expression, numbers, lang, LaTeX)
    (CONV, {}, "en", r"\left\lfloor{\frac{H - k + 2 \cdot p}{s}}\right\rfloor + 1"),
    (CONV, {H: 57, K: 2, P: 2, S: 2}, "en", r"\left\lfloor{\frac{57 - 2 + 2 \cdot 2}{2}}\right\rfloor + 1"),
    (A * B, {A: 4096, B: 2}, "en", r"4{,}096 \cdot 2"),
    (A * B, {A: 4096, B: 2}, "vi", r"4.096 \cdot 2"),
    (A - B, {A: Decimal("5.1"), B: Decimal("0.87")}, "vi", r"5{,}1 - 0{,}87"),
    (A - B, {A: Decimal("5.1"), B: Decimal("-0.87")}, "en", r"5.1 - \left(-0.87\right)"),
    (A + B - 1, {A: 64, B: 256000}, "en", r"64 + 256{,}000 - 1"),  # constants last, as written by hand
    (196608 * A + 33906, {}, "vi", r"196.608 \cdot a + 33.906"),  # constants in the language's format too
    (sympy.Add(*sympy.symbols("P_1:12")), {}, "en", " + ".join(f"P_{{{i}}}" for i in range(1, 12))),  # by index
    (sympy.Symbol("N_crop"), {}, "en", r"N_{\mathrm{crop}}"),
    (sympy.Symbol("delta_HG"), {}, "en", r"\delta_{\mathrm{HG}}"),
    (sympy.Symbol("V_12"), {}, "en", r"V_{12}"),
    # a class name from a spec inside a symbol's name prints as text, never as commands
    (sympy.Symbol("o_}$\\def"), {}, "en", r"o_{\mathrm{\text{\}\$\textbackslash{}def}}}"),
]


@pytest.mark.parametrize("expr, numbers, lang, expected", PRINTED)
def test_printer(expr, numbers, lang, expected):
    assert formula_latex(expr, numbers, lang) == expected


@pytest.mark.parametrize("value, lang, expected", [
    (12582912000, "vi", "12.582.912.000"),
    (12582912000, "en", "12{,}582{,}912{,}000"),
    (Decimal("0.87"), "vi", "0{,}87"),
    (Decimal("0.87"), "en", "0.87"),
    ((124, 124, 16), "en", r"124 \times 124 \times 16"),
])
def test_numbers(value, lang, expected):
    assert value_latex(value, lang) == expected
    if not isinstance(value, tuple):
        assert number_latex(value, lang) == expected


def test_pieces_join_to_the_whole_formula():
    terms = sympy.symbols("V_0:7")
    total = sympy.Add(*terms)
    values = {t: 100000 + i for i, t in enumerate(terms)}
    p = printer(values, "en")
    assert " ".join(piece.tex for piece in p.pieces(total)) == p.doprint(total)
    assert len(p.pieces(total)) == 7
    inner = printer({**values, B: 4}, "en").pieces(B * total)  # a product's sum breaks inside \bigl( … \bigr)
    assert inner[0].tex.startswith(r"4 \cdot \bigl(100{,}000") and inner[-1].tex == r"+ 100{,}006\bigr)"


def test_long_sum_breaks_into_rows_short_step_stays_on_one():
    terms = sympy.symbols("F_1:13")
    long = Step("step.sum", sympy.Symbol("F"), sympy.Add(*terms), {t: 123456789 for t in terms}, 12 * 123456789)
    rows = step_rows(long, "en")
    assert rows[0].startswith("F &= F_{1} + ") and rows[-1] == r"&= 1{,}481{,}481{,}468"  # 12 × 123,456,789
    assert any(r.startswith(r"&\quad + 123{,}456{,}789") for r in rows)
    short = Step("step.sum", sympy.Symbol("F"), A + B, {A: 1, B: 2}, 3)
    assert step_rows(short, "en") == ["F &= a + b = 1 + 2 = 3"]


HOSTILE = [r"\input{/etc/passwd}", "}$\\def\\x{}", "50% & #1 ^_~", "a\nb"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_leaves_no_command_or_group(text):
    out = escape(text)
    # every backslash starts one of the escapes' own commands, braces come escaped or from them
    for command in ("input", "def"):
        assert "\\" + command not in out
    assert "$" not in out.replace(r"\$", "")
    assert "%" not in out.replace(r"\%", "")


def test_escape_keeps_vietnamese_and_marks_unknown_characters():
    assert escape("Hồ Gươm, Đào Thành Mạnh") == "Hồ Gươm, Đào Thành Mạnh"
    assert escape("😀") == "[U+1F600]"


def test_hostile_names_are_escaped_in_the_sheet(solution):
    import dataclasses

    exam = dataclasses.replace(solution.exam, title=r"\input{/etc/passwd} }$\def")
    tex = sheet_tex(dataclasses.replace(solution, exam=exam), "en")
    assert r"\textbackslash{}input\{/etc/passwd\} \}\$\textbackslash{}def" in tex
    assert r"\input{/etc/passwd}" not in tex


def test_sheet_is_byte_identical_across_processes(solution):
    code = ("import sys; from symcnn import load_exam, solve; from symcnn.render.latex.sheet import sheet_tex;"
            "sys.stdout.buffer.write(sheet_tex(solve(load_exam()), 'vi').encode())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": "",  # this tree's symcnn, not an installed one
                                "PYTHONPATH": str(Path(__file__).parents[1] / "src")}).stdout
    assert other == sheet_tex(solution, "vi").encode() == sheet_tex(solution, "vi").encode()


def test_sheet_has_every_question_alternative_and_assumption(solution):
    tex = sheet_tex(solution, "en")
    for a in solution.answers:
        assert f"Question {a.id}." in tex
    answer_4c = solution.answer("4c")
    assert tex.count("Alternative reading:") == sum(len(a.alternatives) for a in solution.answers) >= 2
    assert "same layers are applied to the larger image" in tex and answer_4c.assumption
    assert "Cost convention “macs”" in tex


def test_sections_are_a_list_of_functions():
    assert all(callable(f) for f in SECTIONS) and isinstance(SECTIONS, list)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("section, names", [
    ("rule", rule_names()),
    ("layer_kind", ("input", *LAYER_TYPES)),
    ("activation", ACTIVATIONS),
    ("convention", tuple(CONVENTIONS)),
])
def test_the_sheet_finds_its_wording_in_the_catalogue(lang, section, names):
    missing = [n for n in names if f"{section}.{n}" not in catalogue(lang)]
    assert not missing, f"add [{section}] entries to catalogue/{lang}/*.toml for: {', '.join(missing)}"


def test_repr_latex_hooks(solution):
    """Answers and steps show in the exam's language and number format (vi), as the solution does."""
    a = solution.answer("1c")
    shown = a._repr_latex_()
    assert shown.startswith("$$\\begin{aligned}") and "12.582.912.000" in shown  # 256,000 × 128·128·3
    assert "Kích thước toàn bộ tập huấn luyện" in shown and "12{,}582" not in shown
    assert a.steps[-1]._repr_latex_().endswith(r"= 12.582.912.000\;\text{byte}\end{aligned}$$")
    assert "số byte của tập huấn luyện" in a.steps[-1]._repr_latex_()
    assert "12.582.912.000" in solution._repr_latex_()
    # an English exam shows in English
    from dataclasses import replace

    from symcnn import solve

    english = solve(replace(solution.exam, language="en")).answer("1c")
    assert english._repr_latex_().endswith(r"12{,}582{,}912{,}000\;\text{bytes}}\end{aligned}$$")

"""Nothing read from a file or the command line is ever run.

A spec and a key carry injection payloads in every string field (Python, sympy-style
code, LaTeX, rich markup, format strings); every command runs on them and the file the
payloads would create never appears. The LaTeX sheet prints the payloads literally.
A scan of the source shows no eval/exec/sympify/parse_expr (or kin) anywhere.
"""

from __future__ import annotations

import ast
import json
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from symcnn.cli import main

SRC = Path(__file__).parents[1] / "src" / "symcnn"


def payloads(marker: Path) -> dict[str, str]:
    """One payload per string field; each would create ``marker`` if anything ran it."""
    m = str(marker)
    return {
        "title": f"__import__('os').system('touch {m}')",
        "transform": f"exec(\"open('{m}', 'w')\")",
        "conv": f"Symbol('x') + eval(\"__import__('os').system('touch {m}')\")",
        "pool": r"\input{/etc/passwd}",
        "dense": f"}}$\\def\\x{{1}}\\immediate\\write18{{touch {m}}}$",
        "out": "[link=file:///etc/passwd]x[/link] {0.__class__.__mro__} %(x)s",
        "class_a": r"\write18{touch " + m + "}",
        "class_b": f"lambda: __import__('os').system('touch {m}')",
        "q_shapes": f"__import__('pathlib').Path('{m}').touch()",
        "q_step": "}$\\input{/etc/passwd}$",
    }


def spec_text(p: dict[str, str]) -> str:
    s = {k: json.dumps(v, ensure_ascii=False) for k, v in p.items()}
    return f"""
[exam]
title = {s["title"]}
language = "en"

[dataset]
images = 10
crops_per_image = 2
crop_height = 32
crop_width = 32
channels = 3
bytes_per_value = 1
transforms = [{s["transform"]}]

[[network.layers]]
name = {s["conv"]}
type = "conv2d"
kernel = 3
filters = 4
activation = "relu"

[[network.layers]]
name = {s["pool"]}
inputs = [{s["conv"]}]
type = "maxpool"
kernel = 2
stride = 2

[[network.layers]]
name = {s["dense"]}
type = "dense"
units = 8
activation = "tanh"

[[network.layers]]
name = {s["out"]}
type = "dense"
units = 2
activation = "softmax"

[training]
batch_size = 4
epochs = 1

[softmax]
classes = [{s["class_a"]}, {s["class_b"]}]
logits = [0.5, 1.5]
target = {s["class_a"]}

[[questions]]
id = {s["q_shapes"]}
kind = "network.shapes"

[[questions]]
id = {s["q_step"]}
kind = "softmax.step"
output = {s["class_b"]}

[[questions]]
id = "forward"
kind = "training.forward"

[[questions]]
id = "delta"
kind = "softmax.delta"
"""


def key_text(p: dict[str, str]) -> str:
    s = {k: json.dumps(v, ensure_ascii=False) for k, v in p.items()}
    return f"""
[key]
title = {s["title"]}

[questions.{s["q_shapes"]}]
values = [[[30, 30, 4], [15, 15, 4], [8], [2]]]

[questions.{s["q_step"]}]
values = [1.5]

[questions.delta]
values = [0.5]
component = {s["class_b"]}

[questions.forward]
values = ["97,200"]
working = ["3 * 3 * 3 * 30 * 30 * 4 = 97,200"]
"""


@pytest.fixture()
def hostile(tmp_path):
    marker = Path(tempfile.gettempdir()) / f"pwned_{secrets.token_hex(6)}"  # short: TeX may not break it
    p = payloads(marker)
    spec, key = tmp_path / "spec.toml", tmp_path / "key.toml"
    spec.write_text(spec_text(p), encoding="utf-8")
    key.write_text(key_text(p), encoding="utf-8")
    return marker, p, spec, key


def test_every_command_carries_the_payloads_and_runs_none(hostile, tmp_path, capsys, monkeypatch):
    marker, p, spec, key = hostile
    monkeypatch.setenv("COLUMNS", "200")
    runs = [
        ["solve", str(spec)],
        ["solve", str(spec), "--json"],
        ["solve", str(spec), "--latex", str(tmp_path / "sheet.tex")],
        ["formulas", str(spec)],
        ["formulas", str(spec), "--json"],
        ["report", str(spec)],
        ["report", str(spec), "--json", "--compare"],
        ["sweep", str(spec), "--size", "32:40", "--csv", str(tmp_path / "sweep.csv")],
        ["verify", str(key), "--exam", str(spec)],
        ["verify", str(key), "--exam", str(spec), "--json"],
        ["verify", str(key), "--exam", str(spec), "--latex", str(tmp_path / "review.tex")],
        ["verify", "--exam", str(spec), "--template", str(tmp_path / "template.toml")],
    ]
    outputs = {}
    for argv in runs:
        code = main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 1), (argv, err)  # verify exits 1: the key has wrong values
        outputs[" ".join(argv[:1] + argv[2:])] = out
    assert not marker.exists()
    answers = {a["id"]: a for a in json.loads(outputs["solve --json"])["answers"]}
    assert set(answers) == {p["q_shapes"], p["q_step"], "forward", "delta"}  # ids carried as data, verbatim
    # layer names are data too: 3×3 conv → 30×30×4, pool → 15×15×4
    assert answers[p["q_shapes"]]["value"] == [[30, 30, 4], [15, 15, 4], [8], [2]]
    assert p["out"] in outputs["report"] or "[link" in outputs["report"]  # markup shown, not interpreted
    template = (tmp_path / "template.toml").read_text(encoding="utf-8")
    assert json.dumps(p["title"], ensure_ascii=False) in template  # the title stays a quoted TOML string
    for tex in ("sheet.tex", "review.tex"):
        body = (tmp_path / tex).read_text(encoding="utf-8")
        assert r"\input{/etc/passwd}" not in body and r"\write18" not in body and r"\def\x" not in body


@pytest.mark.skipif(not (shutil.which("pdflatex") and shutil.which("pdftotext")), reason="needs pdflatex and pdftotext")
def test_pdf_prints_the_payloads_literally(hostile, tmp_path, capsys):
    marker, p, spec, key = hostile
    pdf = tmp_path / "sheet.pdf"
    assert main(["solve", str(spec), "--latex", str(tmp_path / "sheet.tex"), "--pdf"]) == 0
    capsys.readouterr()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "root:x:0:0" not in text  # /etc/passwd was not read
    assert not marker.exists()

    def norm(t: str) -> str:  # TeX typesets ' as ’ and may break a long line anywhere
        return "".join(t.replace("\u2019", "'").replace("\u2018", "'").split())

    for field in ("title", "transform", "conv", "pool", "dense", "class_a", "q_shapes", "q_step"):
        assert norm(p[field]) in norm(text), field


# --------------------------------------------------------------------------- the source itself

FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "breakpoint", "sympify", "parse_expr", "S", "lambdify"}
FORBIDDEN_ATTRS = {"sympify", "parse_expr", "lambdify", "system", "popen", "parse_latex"}


def violations(source: str) -> list[str]:
    """Calls in ``source`` that could run text: eval and kin, sympify and kin, shell=True, pickle."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        bad = (isinstance(f, ast.Name) and f.id in FORBIDDEN_NAMES) or (
            isinstance(f, ast.Attribute) and f.attr in FORBIDDEN_ATTRS)
        shell = any(k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                    for k in node.keywords)
        pickle = (isinstance(f, ast.Attribute) and f.attr == "loads" and isinstance(f.value, ast.Name)
                  and f.value.id in ("pickle", "marshal", "dill"))
        if bad or shell or pickle:
            found.append(f"{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_source_never_evaluates_text():
    """No eval/exec/sympify/parse_expr (or S, lambdify, os.system, shell=True) anywhere in src/."""
    found = [f"{path.relative_to(SRC)}:{v}" for path in sorted(SRC.rglob("*.py"))
             for v in violations(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_scan_catches_each_kind():
    bad = ["sympy.sympify(t)", "parse_expr(t)", "eval(t)", "S(t)", "subprocess.run(t, shell=True)", "pickle.loads(b)",
           "exec(t)", "__import__(t)", "sympy.lambdify(x, t)", "os.system(t)"]
    assert len(violations("\n".join(bad))) == len(bad)
    assert violations("model.eval()\nsubprocess.run(['pdflatex'], shell=False)\nsympy.Symbol(t)") == []


def test_exact_expr_refuses_text():
    from symcnn.model.exact import expr

    for text in ("1 + 1", "__import__('os')", b"2"):
        with pytest.raises(TypeError, match="never parses text"):
            expr(text)
    assert expr(2**64) == 2**64


# --------------------------------------------------------------------------- TeX itself, in case escaping ever failed


def test_latex_runs_sandboxed():
    compile_ = pytest.importorskip("symcnn.render.latex.compile", reason="the LaTeX sheet (issue 3)")
    for command in compile_.ENGINES.values():
        assert "-no-shell-escape" in command and "-interaction=nonstopmode" in command
    assert 0 < compile_.TIMEOUT <= 300
    env = compile_._environment()
    assert env["openin_any"] == env["openout_any"] == "p"  # no reading or writing outside its folder


@pytest.mark.skipif(not shutil.which("pdflatex"), reason="needs pdflatex")
def test_raw_tex_cannot_run_commands_or_read_files():
    """Unescaped TeX (what escaping prevents) still cannot touch a file, run a shell or read /etc/passwd."""
    from symcnn.render.latex import LatexError, run_latex

    marker = Path(tempfile.gettempdir()) / f"pwned_{secrets.token_hex(6)}"
    shell = (r"\documentclass{article}\begin{document}\immediate\write18{touch " + str(marker) + "}"
             r"\immediate\openout5=" + str(marker) + r".tex \immediate\write5{x}\immediate\closeout5 ok\end{document}")
    try:
        run_latex(shell.encode(), "shell.tex")
    except LatexError:
        pass  # refusing to compile is as good as compiling without running anything
    assert not marker.exists() and not Path(f"{marker}.tex").exists()
    with pytest.raises(LatexError, match="passwd|LaTeX failed"):
        run_latex(rb"\documentclass{article}\begin{document}\input{/etc/passwd}\end{document}", "read.tex")

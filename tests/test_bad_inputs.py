"""Malformed specs and keys, through the command line: exit 2, one pinned line, no output file.

The corpus lives in ``tests/bad_inputs/`` (specs) and ``tests/bad_inputs/keys/`` (answer
keys): each file says why it is bad on its first line and pins the message on its
second (``# expect: …``), which the CLI must print as ``symcnn: error: FILE: …`` and
nothing else. Inputs too big or too odd to commit (giant, deeply nested, binary, odd
paths) are generated here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symcnn.checked import MAX_LAYERS
from symcnn.cli import main

CORPUS = Path(__file__).parent / "bad_inputs"
SPECS = sorted(CORPUS.glob("*.toml"))
KEYS = sorted((CORPUS / "keys").glob("*.toml"))
SOLVE_TIME = "# when: solving"  # marks a spec that loads but whose questions cannot be answered
SEED = (Path(__file__).parents[1] / "src/symcnn/data/seed_exam.toml").read_text(encoding="utf-8")


def expected(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("# expect: "), f"{path.name}: second line must pin the message"
    return lines[1].removeprefix("# expect: ")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, source: Path | str, message: str | None = None) -> str:
    """Exit 2 and exactly one stderr line ``symcnn: error: SOURCE: …`` (optionally pinned)."""
    assert code == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    prefix = f"symcnn: error: {source}: "
    assert err.startswith(prefix), err
    if message is not None:
        assert err[len(prefix):-1] == message
    return err[len(prefix):-1]


def test_corpus_is_large_and_covers_every_kind():
    names = {p.stem for p in SPECS}
    for kind in ("not_toml", "unknown_layer_type", "unknown_convention", "unknown_question_kind",
                 "kernel_negative", "stride_zero", "filters_huge", "kernel_float", "kernel_larger_than_input",
                 "vanishes_partway", "duplicate_layer_name", "duplicate_question_id", "name_bidi_override",
                 "title_too_long", "learning_rate_nan", "logit_inf"):
        assert kind in names
    assert len(SPECS) >= 40 and len(KEYS) >= 10


@pytest.mark.parametrize("command, path", [("solve", p) for p in SPECS] + [("verify", p) for p in KEYS],
                         ids=lambda v: v if isinstance(v, str) else f"{v.parent.name}/{v.stem}")
def test_bad_input(command, path, tmp_path, capsys):
    """``solve SPEC`` / ``verify KEY``, as a table, as JSON and as a LaTeX sheet: the pinned line, nothing else."""
    for extra in ([], ["--json"], ["--latex", str(tmp_path / "sheet.tex")]):
        code, out, err = run(capsys, command, str(path), *extra)
        assert_one_line_error(code, err, path, expected(path))
        assert out == ""
    assert list(tmp_path.iterdir()) == []  # no sheet, no temporary file


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_bad_spec_other_commands(spec, tmp_path, capsys):
    """Commands that read only the network (not the questions) fail the same way at load."""
    solve_time = SOLVE_TIME in spec.read_text(encoding="utf-8")
    csv = tmp_path / "sweep.csv"
    for argv in (["formulas", str(spec)], ["sweep", str(spec), "--size", "32:33", "--csv", str(csv)],
                 ["verify", "--exam", str(spec), "--template", str(tmp_path / "key.toml")]):
        code, out, err = run(capsys, *argv)
        if solve_time and code == 0:
            continue
        assert_one_line_error(code, err, spec, expected(spec))
    if not solve_time:
        assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- generated inputs

GENERATED = {
    "empty": (b"", "exam is missing"),
    "latin1": ("title = 'Hà Nội'".encode("latin-1", "replace"), "not UTF-8 text (invalid continuation byte at byte 10)"),
    "nul_bytes": (b"\0\0\0", "not valid TOML (Invalid statement (at line 1, column 1))"),
    "deep_arrays": (b"a = " + b"[" * 5000 + b"]" * 5000, "not valid TOML (nested too deeply)"),
    "deep_tables": (b"a = " + b"{b = " * 3000 + b"1" + b"}" * 3000, "not valid TOML (nested too deeply)"),
    "huge_integer": (b"a = 1" + b"0" * 5000,
                     "not valid TOML (Exceeds the limit (4300 digits) for integer string conversion: value has"
                     " 5001 digits; use sys.set_int_max_str_digits() to increase the limit)"),
    "giant_file": (b"# padding\n" * 500_000, "larger than 4 MiB; symcnn reads specs and keys up to that size"),
    "huge_hex_kernel": (SEED.replace("kernel = 7", "kernel = 0x" + "f" * 2000).encode(),
                        "layer 1 (conv1).kernel must be at most 18446744073709551616, got an integer of 2409 digits"),
    "too_many_layers": (SEED.split("[[network.layers]]")[0].encode()
                        + b'[[network.layers]]\ntype = "activation"\n' * (MAX_LAYERS + 1),
                        f"network.layers must have at most {MAX_LAYERS} layers, got '{MAX_LAYERS + 1} layers'"),
}


@pytest.mark.parametrize("name", GENERATED)
def test_generated_bad_spec(name, tmp_path, capsys):
    data, message = GENERATED[name]
    spec = tmp_path / f"{name}.toml"
    spec.write_bytes(data)
    code, out, err = run(capsys, "solve", str(spec), "--json")
    assert_one_line_error(code, err, spec, message)
    assert out == ""


def test_device_file_is_refused_unread(capsys):
    code, _, err = run(capsys, "solve", "/dev/zero")
    assert_one_line_error(code, err, "/dev/zero", "is a character device, not a file; symcnn reads specs, keys and"
                                                  " models from regular files")


@pytest.mark.parametrize("argv, source, message", [
    (["solve", "no/such/exam.toml"], "no/such/exam.toml", "no such file"),
    (["verify", "no/such/key.toml"], "no/such/key.toml", "no such file"),
    (["solve", "."], ".", "is a folder, not a file; symcnn reads specs, keys and models from regular files"),
    (["solve", "exam\0.toml"], "'exam\\x00.toml'", "a file name cannot contain a NUL character"),
    (["solve", "exam\n.toml"], "exam\\n.toml", "no such file"),  # the line stays one line
    (["init", "no/such/folder/exam.toml"], "no/such/folder/exam.toml", "folder no/such/folder does not exist"),
])
def test_odd_paths(argv, source, message, capsys):
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err, source, message)


def test_init_onto_a_folder_writes_nothing(tmp_path, capsys):
    code, _, err = run(capsys, "init", "--force", str(tmp_path))
    assert_one_line_error(code, err, tmp_path, "is a folder, not a file")
    assert list(tmp_path.iterdir()) == []


def test_a_bug_is_one_line_with_exit_70(monkeypatch, capsys):
    """Not a bad input but a bug: still no traceback, but a different status and where it happened."""
    import symcnn.commands.solve as solve_command

    def broken(args):
        return {}["missing"]

    monkeypatch.setattr(solve_command, "run", broken)
    monkeypatch.delenv("SYMCNN_DEBUG", raising=False)
    code, _, err = run(capsys, "solve")
    assert code == 70 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("symcnn: internal error at test_bad_inputs.py:") and "KeyError: 'missing'" in err
    monkeypatch.setenv("SYMCNN_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["solve"])

"""Atomic output: a file appears only complete, an existing one is replaced only by a whole one.

Failures are injected midway (a write, fsync or rename that fails, an interrupt, a
sweep that breaks after its first chunk); each time the old file must be intact and no
temporary file may be left. A scan of the source shows every file write goes through
:mod:`symcnn.fileio`.
"""

from __future__ import annotations

import ast
import errno
import os
from pathlib import Path

import pytest

from symcnn import fileio
from symcnn.cli import main
from symcnn.errors import SymcnnError

SRC = Path(__file__).parents[1] / "src" / "symcnn"
OLD = "old content, must survive\n"


def fail(*_args, **_kwargs):
    raise OSError(errno.EIO, os.strerror(errno.EIO))


@pytest.fixture()
def old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text(OLD)
    target.chmod(0o640)
    return target


def assert_untouched(target: Path) -> None:
    assert target.read_text() == OLD
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temporary file left


@pytest.mark.parametrize("broken", ["fsync", "replace", "chmod"])
def test_failure_keeps_the_old_file(old_file, monkeypatch, broken):
    monkeypatch.setattr(fileio.os, broken, fail)
    with pytest.raises(SymcnnError, match=rf"^{old_file}: cannot write \(Input/output error\)$"):
        fileio.atomic_write(old_file, "new content")
    monkeypatch.undo()
    assert_untouched(old_file)


def test_failure_halfway_through_a_stream_keeps_the_old_file(old_file):
    with pytest.raises(RuntimeError), fileio.atomic_stream(old_file) as f:
        f.write(b"half of the new ")
        raise RuntimeError("the producer broke")
    assert_untouched(old_file)


def test_interrupt_keeps_the_old_file(old_file):
    with pytest.raises(KeyboardInterrupt), fileio.atomic_stream(old_file) as f:
        f.write(b"partial")
        raise KeyboardInterrupt
    assert_untouched(old_file)


def test_success_replaces_whole_and_keeps_permissions(old_file, tmp_path):
    fileio.atomic_write(old_file, "new\n")
    assert old_file.read_text() == "new\n" and old_file.stat().st_mode & 0o777 == 0o640
    fresh = fileio.atomic_write(tmp_path / "fresh.txt", b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.txt", "out.txt"]


# --------------------------------------------------------------------------- through the commands


def run_failing(monkeypatch, capsys, argv: list[str]) -> str:
    monkeypatch.setattr(fileio.os, "fsync", fail)
    code = main(argv)
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    return err


def test_init_force(old_file, monkeypatch, capsys):
    err = run_failing(monkeypatch, capsys, ["init", "--force", str(old_file)])
    assert err == f"symcnn: error: {old_file}: cannot write (Input/output error)\n"
    assert_untouched(old_file)


def test_solve_latex(old_file, monkeypatch, capsys):
    run_failing(monkeypatch, capsys, ["solve", "--latex", str(old_file)])
    assert_untouched(old_file)


def test_verify_template(old_file, monkeypatch, capsys):
    run_failing(monkeypatch, capsys, ["verify", "--template", str(old_file), "--force"])
    assert_untouched(old_file)


def test_sweep_csv_broken_after_the_first_chunk(old_file, monkeypatch, capsys):
    """The CSV is streamed chunk by chunk; a failure after some rows were written keeps the old file."""
    import symcnn.scaling.sweep as sweep

    real, calls = sweep.chunks, []

    def breaking(sw, chunk=None):
        for chunk in real(sw, 64):  # small chunks: several before the failure
            calls.append(chunk)
            if len(calls) == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            yield chunk

    monkeypatch.setattr(sweep, "chunks", breaking)
    code = main(["sweep", "--size", "100:2000", "--csv", str(old_file)])
    err = capsys.readouterr().err
    assert len(calls) == 2, "the sweep must have written at least one chunk before failing"
    assert code == 2 and err.strip().endswith(f"{old_file}: cannot write (No space left on device)"), err
    assert_untouched(old_file)


def test_every_file_write_goes_through_fileio():
    """Outside fileio.py, no open(..., 'w'), write_text, write_bytes, fdopen, mkstemp or rename — except
    the LaTeX compile, which writes its input into a private temporary folder."""
    allowed = {("render/latex/compile.py", "write_bytes")}
    writers = {"write_text", "write_bytes", "rename", "fdopen", "mkstemp", "NamedTemporaryFile"}
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = str(path.relative_to(SRC))
        if rel == "fileio.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            modes = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
            os_replace = name == "replace" and isinstance(f, ast.Attribute) and getattr(f.value, "id", "") == "os"
            write_open = name == "open" and any(set(str(m)) & set("wax+") for m in modes)
            if (name in writers or os_replace or write_open) and (rel, name) not in allowed:
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert found == []

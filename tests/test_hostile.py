"""Hostile inputs and outputs, every command: nothing lost, nothing partial, never a hang or a crash.

Every command is run with a FIFO and a device as its input, and with a too-long name, a
device, a FIFO and the input itself (also through a symbolic link) as its output. Each
must give one line naming the file and exit status 2, or (a device, a pipe) write to it
directly, and leave every file as it was. Signals are sent to real subprocesses in the
middle of a sweep and of a PDF compile; stdout is a full device, a closed pipe, ASCII.

Devices are private nodes made with ``mknod`` (as root; skipped otherwise), never the
machine's own ``/dev/null``, so that running these tests on a broken build cannot
replace a system device.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import symcnn
from symcnn.cli import main
from symcnn.exam.spec import embedded_text

SRC = Path(symcnn.__file__).parents[1]  # the symcnn under test, also in subprocesses
ENV = {**os.environ, "PYTHONPATH": str(SRC), "SYMCNN_DEBUG": ""}
LONG = "a" * 300  # bytes in one name: more than any file system allows (255)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, err: str) -> str:
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("symcnn: error: ") and "Traceback" not in err, err
    return err


def listing(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry of a folder: its type and, for a regular file, its bytes."""
    out = {}
    for p in sorted(folder.iterdir()):
        mode = os.lstat(p).st_mode
        out[p.name] = (stat.S_IFMT(mode), p.read_bytes() if stat.S_ISREG(mode) else None)
    return out


@pytest.fixture()
def files(tmp_path):
    """An exam spec, a key, a model spec in tmp_path."""
    spec = tmp_path / "exam.toml"
    spec.write_text(embedded_text(), encoding="utf-8")
    key = tmp_path / "key.toml"
    key.write_text('[questions.1a]\nvalues = [51200]\n', encoding="utf-8")
    model = tmp_path / "model.toml"
    model.write_text('[model]\ntitle = "m"\n[network]\ninput = { height = 8, width = 8, channels = 1 }\n'
                     'layers = [{ name = "fc", type = "dense", units = 2 }]\n', encoding="utf-8")
    return {"spec": spec, "key": key, "model": model}


def device(folder: Path, name: str, minor: int) -> Path:
    """A private character device: minor 3 is null, 7 is full (Linux's mem driver)."""
    path = folder / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (PermissionError, AttributeError, OSError) as e:
        pytest.skip(f"cannot make a device node here ({e})")
    return path


# --------------------------------------------------------------------------- every command

# (command, argv) with IN for the input under test; the others are the files' defaults
READERS = {
    "solve": ["solve", "IN"],
    "solve --json": ["solve", "IN", "--json"],
    "formulas": ["formulas", "IN"],
    "sweep": ["sweep", "IN", "--size", "20:30"],
    "report": ["report", "IN"],
    "paper": ["paper", "IN", "--latex", "OUT"],
    "variants": ["variants", "IN", "--count", "1", "--check"],
    "verify key": ["verify", "IN"],
    "verify --exam": ["verify", "--exam", "IN"],
    "export": ["export", "moodle", "IN", "-o", "OUT"],
    "grade": ["grade", "IN", "--out", "OUT"],
}

# (command, argv) with OUT for the output under test; IN is the input it reads
WRITERS = {
    "solve --latex": ["solve", "IN", "--latex", "OUT"],
    "sweep --csv": ["sweep", "IN", "--size", "20:30", "--csv", "OUT"],
    "verify --latex": ["verify", "--exam", "IN", "--latex", "OUT"],
    "verify --template": ["verify", "--exam", "IN", "--template", "OUT", "--force"],
    "paper --latex": ["paper", "IN", "--latex", "OUT"],
    "init": ["init", "OUT", "--force"],
    "export -o": ["export", "moodle", "IN", "-o", "OUT"],
}


def test_every_command_is_in_the_matrix():
    """A new command must join the hostile runs: each command reads in READERS and writes in WRITERS."""
    from symcnn.cli import COMMANDS

    readers = {argv[0] for argv in READERS.values()}
    writers = {argv[0] for argv in WRITERS.values()} | {"variants", "sweep", "grade"}  # folders, --plot: on their own
    assert set(COMMANDS) - {"init"} <= readers and set(COMMANDS) - {"formulas", "report"} <= writers


def argv_for(template: list[str], inp: str, out: str) -> list[str]:
    return [inp if a == "IN" else out if a == "OUT" else a for a in template]


class Unblock:
    """If a reader blocks on a FIFO (the bug), open it for writing so that the test fails instead of hanging."""

    def __init__(self, fifo: Path):
        self.fifo, self.stop, self.needed = fifo, threading.Event(), False
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        deadline = time.monotonic() + 15
        while not self.stop.wait(0.2):
            if time.monotonic() < deadline:
                continue
            try:
                os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO while nobody reads
                self.needed = True
            except OSError:
                pass

    def __enter__(self) -> "Unblock":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


@pytest.mark.parametrize("command", READERS)
def test_fifo_as_input_is_refused_unread(command, tmp_path, capsys):
    fifo = tmp_path / "input.toml"
    os.mkfifo(fifo)
    out = tmp_path / "out.tex"
    with Unblock(fifo) as watch:
        code, stdout, err = run(capsys, *argv_for(READERS[command], str(fifo), str(out)))
    assert not watch.needed, "the command blocked opening the FIFO"
    assert one_line(code, err) == (f"symcnn: error: {fifo}: is a named pipe (FIFO), not a file; symcnn reads specs,"
                                   " keys and models from regular files\n")
    assert stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["input.toml"]


@pytest.mark.parametrize("command", READERS)
def test_device_and_folder_as_input_are_refused(command, tmp_path, capsys):
    out = tmp_path / "out.tex"
    for path, kind in (("/dev/zero", "a character device"), (str(tmp_path), "a folder")):
        code, stdout, err = run(capsys, *argv_for(READERS[command], path, str(out)))
        assert one_line(code, err) == (f"symcnn: error: {path}: is {kind}, not a file; symcnn reads specs, keys and"
                                       " models from regular files\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [*WRITERS, "variants --out", "sweep --plot"])
def test_too_long_name_as_output(command, files, tmp_path, capsys):
    template = WRITERS.get(command) or {
        "variants --out": ["variants", "IN", "--count", "1", "--out", "OUT"],
        "sweep --plot": ["sweep", "IN", "--size", "20:30", "--plot", "OUT"]}[command]
    if command == "sweep --plot":
        pytest.importorskip("matplotlib")
    before = listing(tmp_path)
    out = tmp_path / (LONG + ".png")
    code, _, err = run(capsys, *argv_for(template, str(files["spec"]), str(out)))
    assert one_line(code, err) == f"symcnn: error: {out}: cannot write (file name too long: 304 bytes, at most 255)\n"
    assert listing(tmp_path) == before


SELF = {  # (command, argv): the output is the input itself
    "solve --latex": ["solve", "SPEC", "--latex", "SPEC"],
    "sweep --csv": ["sweep", "SPEC", "--size", "20:30", "--csv", "SPEC"],
    "verify --latex (key)": ["verify", "KEY", "--latex", "KEY"],
    "verify --latex (exam)": ["verify", "KEY", "--exam", "SPEC", "--latex", "SPEC"],
    "verify --template": ["verify", "--exam", "SPEC", "--template", "SPEC", "--force"],
    "paper --latex": ["paper", "SPEC", "--latex", "SPEC"],
    "export -o": ["export", "moodle", "SPEC", "-o", "SPEC"],
}


@pytest.mark.parametrize("via_link", [False, True], ids=["same path", "symbolic link"])
@pytest.mark.parametrize("command", SELF)
def test_input_as_output_is_refused(command, via_link, files, tmp_path, capsys):
    link = tmp_path / "link.toml"
    names = {"SPEC": files["spec"], "KEY": files["key"]}
    out_role = SELF[command][-1] if SELF[command][-1] in names else SELF[command][-2]
    if via_link:
        link.symlink_to(names[out_role].name)
    before = listing(tmp_path)
    argv = [str(names[a]) if a in names else a for a in SELF[command]]
    if via_link:  # the output names the input through the link
        i = len(argv) - 1 - argv[::-1].index(str(names[out_role]))
        argv[i] = str(link)
    code, _, err = run(capsys, *argv)
    shown = link if via_link else names[out_role]
    assert one_line(code, err) == (f"symcnn: error: {shown}: is an input of this command; writing it would destroy"
                                   " the input (choose another output file)\n")
    assert listing(tmp_path) == before


def test_plot_onto_its_own_spec_and_variants_into_its_folder(files, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    spec = tmp_path / "exam.png"  # a spec named like a plot
    spec.write_text(embedded_text(), encoding="utf-8")
    before = listing(tmp_path)
    code, _, err = run(capsys, "sweep", str(spec), "--size", "20:30", "--plot", str(spec))
    assert "is an input of this command" in one_line(code, err)
    code, _, err = run(capsys, "variants", str(files["spec"]), "--count", "1", "--out", str(tmp_path))
    assert one_line(code, err) == (f"symcnn: error: {tmp_path}: holds an input of this command ({files['spec']});"
                                   " replacing the folder would destroy it (choose another folder)\n")
    assert listing(tmp_path) == before


def test_pdf_onto_its_own_tex(tmp_path, capsys):
    out = tmp_path / "sheet.pdf"
    code, _, err = run(capsys, "solve", "--latex", str(out), "--pdf")
    assert one_line(code, err).startswith(f"symcnn: error: {out}: the PDF is written beside the .tex")
    assert list(tmp_path.iterdir()) == []


def test_pdf_beside_the_sheet_onto_the_spec(tmp_path, capsys):
    """--pdf writes sheet.pdf beside sheet.tex: a spec called sheet.pdf is refused before the .tex is written."""
    spec = tmp_path / "sheet.pdf"
    spec.write_text(embedded_text(), encoding="utf-8")
    code, _, err = run(capsys, "solve", str(spec), "--latex", str(tmp_path / "sheet.tex"), "--pdf")
    assert f"{spec}: is an input of this command" in one_line(code, err)
    assert spec.read_text(encoding="utf-8") == embedded_text() and [p.name for p in tmp_path.iterdir()] == ["sheet.pdf"]


@pytest.mark.parametrize("command", [c for c in WRITERS if c != "init"] + ["init"])
def test_devices_and_pipes_as_output_are_written_in_place(command, files, tmp_path, capsys):
    null, full = device(tmp_path, "null", 3), device(tmp_path, "full", 7)
    code, _, err = run(capsys, *argv_for(WRITERS[command], str(files["spec"]), str(null)))
    assert code == (1 if command == "verify --latex" else 0), err  # the seed key has wrong answers: 1
    assert stat.S_ISCHR(os.stat(null).st_mode), "the device was replaced by a file"
    code, _, err = run(capsys, *argv_for(WRITERS[command], str(files["spec"]), str(full)))
    assert one_line(code, err) == f"symcnn: error: {full}: cannot write (No space left on device)\n"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run(capsys, *argv_for(WRITERS[command], str(files["spec"]), str(fifo)))
    assert one_line(code, err) == f"symcnn: error: {fifo}: cannot write (a pipe with no reader)\n"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and stat.S_ISCHR(os.stat(full).st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_pipe_with_a_reader_gets_the_whole_csv(files, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    time.sleep(0.2)
    code, _, err = run(capsys, "sweep", str(files["spec"]), "--size", "20:30", "--csv", str(fifo))
    reader.join(60)
    assert not reader.is_alive(), "the command never wrote to the pipe"  # (a daemon: it cannot hang the run)
    assert code == 0, err
    rows = list(csv.reader(got[0].decode().splitlines()))
    assert len(rows) == 12 and rows[1][:3] == ["20", "20", "16"]  # conv1: 20 + 2·1 − 7 + 1 = 16


def test_symlinked_output_replaces_the_file_it_names_and_keeps_the_link(files, tmp_path, capsys):
    real = tmp_path / "real.tex"
    real.write_text("old\n")
    link = tmp_path / "sheet.tex"
    link.symlink_to(real.name)
    code, _, err = run(capsys, "solve", str(files["spec"]), "--latex", str(link))
    assert code == 0, err
    assert link.is_symlink() and real.read_text().startswith("\\documentclass")


def test_template_refuses_to_overwrite_a_key_without_force(files, tmp_path, capsys):
    key = files["key"]
    code, _, err = run(capsys, "verify", "--template", str(key))
    assert one_line(code, err) == f"symcnn: error: {key}: already exists (use --force to replace it)\n"
    assert key.read_text() == '[questions.1a]\nvalues = [51200]\n'
    code, _, err = run(capsys, "verify", "--template", str(key), "--force")
    assert code == 0 and "[questions.1a]" in key.read_text() and "values = []" in key.read_text()


# --------------------------------------------------------------------------- subprocesses: stdout, signals


def symcnn(*argv: str, **kw):
    return subprocess.run([sys.executable, "-m", "symcnn", *argv], env={**ENV, **kw.pop("env", {})},
                          capture_output=True, timeout=300, **kw)


def test_stdout_on_a_full_device_is_one_line(tmp_path):
    full = device(tmp_path, "full", 7)
    for argv in (["solve"], ["solve", "--json"], ["sweep", "--size", "20:3000", "--json"]):
        with open(full, "wb") as f:
            r = subprocess.run([sys.executable, "-m", "symcnn", *argv], env=ENV, stdout=f, stderr=subprocess.PIPE,
                               timeout=300)
        assert r.returncode == 2, r.stderr
        assert r.stderr.decode() == "symcnn: error: standard output: cannot write (No space left on device)\n"


def test_a_closed_stdout_pipe_is_not_an_error():
    for argv in (["solve"], ["sweep", "--size", "20:200000", "--csv", "/dev/stdout"], ["report", "resnet50"]):
        p = subprocess.Popen([sys.executable, "-m", "symcnn", *argv], env=ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        assert p.stdout is not None and p.stderr is not None
        head = p.stdout.read(10)  # symcnn solve | head -c 10
        p.stdout.close()
        err = p.stderr.read()
        assert p.wait(timeout=300) == 0 and len(head) == 10
        assert b"Error" not in err and b"error" not in err, err


def test_ascii_only_stdout_degrades_symbols():
    for argv in (["solve", "--lang", "en"], ["solve"], ["report", "resnet18"], ["formulas"], ["verify"]):
        r = symcnn(*argv, env={"PYTHONIOENCODING": "ascii"})
        assert r.returncode in (0, 1), r.stderr  # verify: 1, the seed key has errors
        r.stdout.decode("ascii")  # nothing but ASCII
        assert b"internal error" not in r.stderr
    r = symcnn("solve", "--lang", "en", env={"PYTHONIOENCODING": "ascii"})
    assert b"floor(" in r.stdout and b"H_1" in r.stdout  # ⌊ … ⌋ and H₁ in ASCII
    for argv in (["solve", "--json"], ["verify", "--json"], ["report", "--json"], ["formulas", "--json"]):
        r = symcnn(*argv, env={"PYTHONIOENCODING": "ascii"})
        assert json.loads(r.stdout.decode("ascii")), argv  # degraded text, still valid JSON


def wait_for(predicate, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_signal_during_a_sweep_leaves_the_old_file_whole(sig, tmp_path):
    target = tmp_path / "big.csv"
    target.write_text("old,file\n1,2\n")
    p = subprocess.Popen([sys.executable, "-m", "symcnn", "sweep", "--size", "1:3000000", "--csv", str(target)],
                         env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    temporary = lambda: [q for q in tmp_path.iterdir() if q.name.endswith(".tmp")]  # noqa: E731
    wait_for(lambda: any(q.stat().st_size > 1_000_000 for q in temporary()) or p.poll() is not None)
    assert p.poll() is None, "the sweep ended before the signal"
    p.send_signal(sig)
    code = p.wait(timeout=120)
    err = p.stderr.read().decode() if p.stderr else ""
    assert code == 128 + sig, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert temporary() == [] and target.read_text() == "old,file\n1,2\n"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_signal_during_a_pdf_compile_removes_the_tex_folder(sig, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    p = subprocess.Popen([sys.executable, "-m", "symcnn", "solve", "--latex", str(out / "sheet.tex"), "--pdf"],
                         env={**ENV, "TMPDIR": str(tmp)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: any(tmp.glob("symcnn-tex-*/sheet.tex")) or p.poll() is not None)
    assert p.poll() is None, "the compile ended before the signal"
    p.send_signal(sig)
    code = p.wait(timeout=120)
    assert code == 128 + sig, p.stderr.read() if p.stderr else ""
    assert list(tmp.iterdir()) == []
    assert sorted(q.name for q in out.iterdir()) == ["sheet.tex"]  # the .tex is whole; no PDF, no .tmp


# --------------------------------------------------------------------------- the CSV, the key template


def test_csv_quotes_layer_names_with_commas_quotes_and_newlines(tmp_path):
    import dataclasses

    from symcnn.exam.spec import load_exam
    from symcnn.model.layers import Conv2d, Dense
    from symcnn.model.network import Network, Node
    from symcnn.scaling.sweep import plan, write_csv

    names = ['conv,1', 'say "hi"', "two\nlines", "fc, final"]
    net = Network((8, 8, 3), (Node(names[0], Conv2d(kernel=3, filters=4)), Node(names[1], Conv2d(kernel=1, filters=2)),
                              Node(names[2], Dense(units=3)), Node(names[3], Dense(units=2))))
    sw = plan(dataclasses.replace(load_exam(), network=net), range(10, 20), range(10, 20), square=True)
    out = tmp_path / "s.csv"
    write_csv(sw, out)
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(sw.columns) and f"{names[0]}.H" in rows[0] and f"{names[2]}.N" in rows[0]
    assert len(rows) == 11 and {len(r) for r in rows} == {len(rows[0])}
    first = dict(zip(rows[0], rows[1]))
    assert first["conv,1.H"] == "8" and first['say "hi".D'] == "2"  # 10 − 3 + 1; 2 filters


def test_csv_from_a_spec_whose_names_have_commas(tmp_path, capsys):
    spec = tmp_path / "exam.toml"
    spec.write_text(embedded_text().replace('name = "conv1"', 'name = "conv,1 \\"a\\""', 1), encoding="utf-8")
    out = tmp_path / "s.csv"
    assert main(["sweep", str(spec), "--size", "20:22", "--csv", str(out)]) == 0
    rows = list(csv.reader(out.open(newline="", encoding="utf-8")))
    assert {len(r) for r in rows} == {len(rows[0])} and 'conv,1 "a".H' in rows[0]


ODD_IDS = ["3.a", "a b", 'q"1', "[x]", "ü", "a\\b", "#1", "= 2", "1a.", "x'y", "tab\there"]


def test_template_keys_load_back_for_odd_question_ids(tmp_path, capsys):
    from symcnn.checked import read_toml
    from symcnn.verify.keyfile import toml_string

    text = embedded_text()
    ids = ["1a", "1b", "1c", "2a", "2b", "3a", "3b", "3c", "3d", "3e", "4a"]
    for old, new in zip(ids, ODD_IDS):
        text = text.replace(f'id = "{old}"', f"id = {toml_string(new)}", 1)
    odd = [i for i in ODD_IDS if "\t" not in i]  # a tab is not printable: the spec refuses it
    text = text.replace(f"id = {toml_string(ODD_IDS[-1])}", 'id = "tab"')
    spec = tmp_path / "exam.toml"
    spec.write_text(text, encoding="utf-8")
    key = tmp_path / "key.toml"
    code, _, err = run(capsys, "verify", "--exam", str(spec), "--template", str(key))
    assert code == 0, err
    loaded = read_toml(key.read_text(encoding="utf-8"), str(key))
    assert set(odd) <= set(loaded["questions"])
    code, out, err = run(capsys, "verify", str(key), "--exam", str(spec), "--json")
    assert code == 1 and err == ""  # every question missing: judged, not refused
    import json

    verdicts = {q["id"]: q["verdict"] for q in json.loads(out)}
    assert all(verdicts[i] == "missing" for i in odd)


def test_template_says_how_each_answer_is_written(capsys):
    code, out, _ = run(capsys, "verify", "--template", "--lang", "en")
    assert code == 0
    block = out.split("[questions.2a]")[0].rsplit("\n\n", 1)[1]
    assert '4 shapes, one per layer asked: values = ["HxWxD", "HxWxD", "HxWxD", "HxWxD"]' in block
    assert "2 numbers (HG, HT), in this order: values = [x, x]" in out.split("[questions.3d]")[0]
    assert "124" not in out and "51200" not in out  # placeholders, never the answers


@pytest.mark.parametrize("form", [
    'values = ["124x124x16", "61x61x16", "57x57x48", "29x29x48"]',
    'values = ["124 × 124 × 16", "61×61×16", "57 x 57 x 48", "29X29X48"]',
    "values = [[124, 124, 16], [61, 61, 16], [57, 57, 48], [29, 29, 48]]",
    "values = [[[124, 124, 16], [61, 61, 16], [57, 57, 48], [29, 29, 48]]]",
])
def test_natural_forms_of_a_shapes_claim(form, tmp_path, capsys):
    """The seed key's 2a, written four ways, is one claim judged the same way (pool2 padded by 1: wrong)."""
    import json

    key = tmp_path / "key.toml"
    key.write_text(f"[questions.2a]\n{form}\n", encoding="utf-8")
    code, out, err = run(capsys, "verify", str(key), "--json")
    assert code == 1, err
    (q,) = [q for q in json.loads(out) if q["id"] == "2a"]
    assert q["verdict"] == "wrong" and len(q["key_values"]) == 1
    assert q["diagnoses"][0]["code"] == "POOL_PADDING"


def test_a_vector_claim_as_one_list(tmp_path, capsys, solution):
    """3d as [δ_HG, δ_HT]: softmax of the logits minus the one-hot target, written out here."""
    import json
    from decimal import Decimal, getcontext

    getcontext().prec = 30
    s = solution.exam.softmax
    exps = [(Decimal(o.numerator) / Decimal(o.denominator)).exp() for o in s.logits]
    p = [e / sum(exps) for e in exps]
    deltas = [p[i] - (1 if c == s.target else 0) for i, c in enumerate(s.classes)]
    decimals = solution.answer("3d").decimals or 4
    shown = ", ".join(str(round(d, decimals)) for d in deltas)
    key = tmp_path / "key.toml"
    key.write_text(f"[questions.3d]\nvalues = [{shown}]\n", encoding="utf-8")
    code, out, err = run(capsys, "verify", str(key), "--json")
    (q,) = [q for q in json.loads(out) if q["id"] == "3d"]
    assert q["verdict"] == "correct", (shown, q)


# --------------------------------------------------------------------------- --size, plots, TeX, torch

SIZES = ["12²", "", " ", "1_000", "-5", "+5", "٥", "0", "1" + "0" * 5000, str(2**64 + 1), "12x", "x12", "1:2:3:4"]


@pytest.mark.parametrize("value", SIZES, ids=range(len(SIZES)))
@pytest.mark.parametrize("command", ["sweep", "report"])
def test_size_is_strict(command, value, capsys):
    code, out, err = run(capsys, command, "--size", value)
    assert "--size: must be " in one_line(code, err) and out == ""
    assert len(err) < 300  # a 5,000-digit value is not echoed whole


def test_grid_sizes_name_their_option(capsys):
    code, _, err = run(capsys, "sweep", "--height", "12²", "--width", "20")
    assert one_line(code, err).startswith("symcnn: error: --height: must be ")
    code, _, err = run(capsys, "sweep", "--height", "1:100000", "--width", "1:100000")
    assert one_line(code, err).startswith("symcnn: error: --height/--width: 10,000,000,000 input sizes is more than")
    code, _, err = run(capsys, "sweep", "--size", "1:10000000000")
    assert one_line(code, err).startswith("symcnn: error: --size: 10,000,000,000 input sizes is more than")


def test_plot_labels_are_plain_text(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    import re

    title = "$\\input{/etc/passwd}$ $\\frac{" + "{" * 150 + "$"  # mathtext would parse, fail or recurse
    text = embedded_text().replace('name = "conv1"', "name = '$\\frac{'", 1)
    text = re.sub(r"(?m)^title = .*$", lambda m: f"title = '{title}'", text, count=1)
    spec = tmp_path / "exam.toml"
    spec.write_text(text, encoding="utf-8")
    for suffix in ("png", "pdf"):
        out = tmp_path / f"p.{suffix}"
        code, _, err = run(capsys, "sweep", str(spec), "--size", "20:200", "--plot", str(out))
        assert code == 0, err
        assert out.read_bytes()[:4] in (b"\x89PNG", b"%PDF")


def test_a_relative_pdflatex_on_path_is_never_run(tmp_path, monkeypatch):
    from symcnn.render.latex.compile import find_engine

    fake = tmp_path / "bin" / "pdflatex"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho planted > planted.txt\n")
    fake.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "bin" + os.pathsep + os.environ.get("PATH", ""))
    try:
        command = find_engine()
    except Exception as e:  # no TeX besides the planted one: refused, as one SymcnnError
        from symcnn.errors import ToolMissingError

        assert isinstance(e, ToolMissingError)
        return
    assert os.path.isabs(command[0]) and Path(command[0]) != fake.resolve()


def test_from_torch_errors_are_one_symcnn_error():
    torch = pytest.importorskip("torch")
    from symcnn import from_torch
    from symcnn.errors import SymcnnError

    nn = torch.nn

    class IgnoresInput(nn.Module):
        def forward(self, x):
            return torch.ones(3)

    cases = [
        ("not a module", (3, 8, 8), "from_torch: expects a torch.nn.Module, got str"),
        (nn.Sequential(nn.Conv2d(3, 8, 3)), (3, 100_000, 100_000), "too large to run on the CPU"),
        (nn.Sequential(nn.Conv2d(3, 8, 3)).to("meta"), (3, 2**62, 2**62), "PyTorch cannot run the module"),
        (IgnoresInput(), (3, 8, 8), "from_torch: the module's forward never reads its input"),
        (nn.Sequential(nn.Conv2d(3, 8, 9)), (3, 8, 8), "PyTorch cannot run the module"),
    ]
    for module, shape, message in cases:
        with pytest.raises(SymcnnError, match=None) as info:
            from_torch(module, shape)
        assert message in str(info.value) and "\n" not in str(info.value), str(info.value)[:500]


# --------------------------------------------------------------------------- issue 16: input (items 17–19)


def test_shapes_question_that_skips_a_layer_warns_and_all_asks_every_map(tmp_path, capsys, solution):
    import json

    skip = tmp_path / "skip.toml"
    skip.write_text(embedded_text().replace("layers = [1, 2, 3, 4]", "layers = [1, 2, 4]"), encoding="utf-8")
    code, out, _ = run(capsys, "solve", str(skip), "--json", "--lang", "en")
    warnings = [w for w in json.loads(out)["warnings"] if w["code"] == "shapes_skip"]
    assert [(w["question"], w["index"], w["layer"]) for w in warnings] == [("2a", 3, "conv2")]
    every = tmp_path / "all.toml"
    every.write_text(embedded_text().replace("layers = [1, 2, 3, 4]", 'layers = "all"'), encoding="utf-8")
    code, out, _ = run(capsys, "solve", str(every), "--json")
    (a,) = [a for a in json.loads(out)["answers"] if a["id"] == "2a"]
    # the seed's H×W×D maps are its four conv and pool layers: "all" asks the same as [1, 2, 3, 4]
    assert [tuple(v) for v in a["value"]] == list(solution.answer("2a").value)
    assert not [w for w in json.loads(out)["warnings"] if w["code"] == "shapes_skip"]


# --------------------------------------------------------------------------- properties


def test_any_text_is_a_toml_key_that_loads_back():
    import tomllib

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from symcnn.verify.keyfile import toml_key, toml_string

    @settings(max_examples=300, deadline=None)
    @given(st.text(min_size=1, max_size=30), st.text(max_size=30))
    def check(key, title):
        data = tomllib.loads(f"[key]\ntitle = {toml_string(title)}\n[questions.{toml_key(key)}]\nvalues = []\n")
        assert list(data["questions"]) == [key] and data["key"]["title"] == title

    check()


def test_any_layer_names_make_a_csv_header_that_reads_back():
    import io

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from symcnn.scaling.sweep import csv_header

    class Named:
        def __init__(self, columns):
            self.columns = columns

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=6))
    def check(names):
        head = csv_header(Named(tuple(names))).decode("utf-8")  # type: ignore[arg-type]
        assert next(csv.reader(io.StringIO(head, newline=""))) == names

    check()

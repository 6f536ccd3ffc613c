"""Compile a .tex file to PDF with pdflatex (or latexmk), safely.

The engine runs with ``-no-shell-escape``, ``-halt-on-error`` and in
non-interactive mode, in a fresh temporary folder, with TeX's file access limited to
that folder (``openin_any=p``, ``openout_any=p``) and a timeout. The PDF is copied
beside the .tex atomically: a failed compile leaves no PDF (not even a partial one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ...errors import SymcnnError, ToolMissingError
from ...fileio import atomic_write, check_not_input

FLAGS = ("-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "-file-line-error")

# engine name → its command line before the file name; the first one found is used
ENGINES: dict[str, tuple[str, ...]] = {
    "pdflatex": ("pdflatex", *FLAGS),
    "latexmk": ("latexmk", "-pdf", *FLAGS),
}

TIMEOUT = 120.0  # seconds per pass; a sheet takes well under one
PASSES = 3
RERUN = ("Rerun LaTeX", "Rerun to get")  # what TeX's log says when another pass would change the output


class LatexError(SymcnnError):
    """pdflatex ran but could not produce the PDF (the message quotes its first error)."""


def find_engine() -> tuple[str, ...]:
    """The command line of the first TeX engine found on PATH; ToolMissingError if none.

    Only absolute folders of PATH are searched: a relative entry (``.``, ``bin``) would run
    whatever ``pdflatex`` the current folder holds, and would break once TeX runs in its
    temporary folder.
    """
    folders = os.pathsep.join(d for d in os.environ.get("PATH", os.defpath).split(os.pathsep) if os.path.isabs(d))
    for name, command in ENGINES.items():
        path = shutil.which(name, path=folders)
        if path:
            return (path, *command[1:])
    raise ToolMissingError(
        "no TeX found (pdflatex or latexmk): install it with `apt-get install texlive-latex-base"
        " texlive-lang-other`"
    )


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(openin_any="p", openout_any="p", SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    env.pop("TEXMFOUTPUT", None)
    return env


def first_error(log: str) -> str:
    """The first error line of a TeX log (``! ...`` or ``file:line: ...``), or ''.

    >>> first_error("(./sheet.tex\\n./sheet.tex:5: Undefined control sequence.\\nl.5 \\\\foo")
    './sheet.tex:5: Undefined control sequence.'
    """
    for line in log.splitlines():
        if line.startswith("!") or (".tex:" in line and ": " in line.split(".tex:", 1)[1]):
            return line.strip()
    return ""


@dataclass(frozen=True)
class LatexRun:
    """What one compile produced: the PDF's bytes and TeX's log."""

    pdf: bytes
    log: str


def run_latex(source: bytes, name: str = "sheet.tex", timeout: float = TIMEOUT) -> LatexRun:
    """Compile LaTeX ``source`` in a fresh temporary folder (more passes if TeX asks); ``name`` cites it.

    Raises ToolMissingError when no TeX is installed and LatexError (citing ``name``
    and the first LaTeX error) when the compile fails or times out.
    """
    command = find_engine()
    engine = Path(command[0]).name
    with tempfile.TemporaryDirectory(prefix="symcnn-tex-") as folder:
        work = Path(folder)
        (work / "sheet.tex").write_bytes(source)
        for _ in range(PASSES):  # again while TeX asks for it (longtable column widths)
            try:
                run = subprocess.run([*command, "sheet.tex"], cwd=work, env=_environment(),
                                     stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise LatexError(f"{name}: {engine} did not finish within {timeout:g} s") from None
            log_file = work / "sheet.log"
            log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
            if run.returncode != 0 or not any(cue in log for cue in RERUN):
                break
        built = work / "sheet.pdf"
        if run.returncode != 0 or not built.exists():
            reason = first_error(log) or first_error(run.stdout.decode("utf-8", "replace")) or (
                f"{engine} exited with status {run.returncode}")
            raise LatexError(f"{name}: LaTeX failed: {reason.replace('./sheet.tex:', 'line ')}")
        return LatexRun(built.read_bytes(), log)


def compile_pdf(tex: str | Path, pdf: str | Path | None = None, timeout: float = TIMEOUT) -> Path:
    """Compile ``tex`` to ``pdf`` (default: the same name with .pdf); return the PDF's path.

    The PDF is written atomically, and only when the compile succeeded.
    """
    tex = Path(tex)
    target = Path(pdf) if pdf is not None else tex.with_suffix(".pdf")
    find_engine()
    try:
        source = tex.read_bytes()
    except OSError as e:
        raise SymcnnError(f"{tex}: cannot read ({e.strerror})") from None
    atomic_write(target, run_latex(source, str(tex), timeout).pdf)
    return target


def write_document(tex: str | Path, source: str, pdf: bool = False) -> list[Path]:
    """Write LaTeX ``source`` to ``tex`` atomically and, with ``pdf``, compile it beside; return the paths.

    The .tex is written first, so it stays in place when TeX is missing or fails; the
    error then says that it was written.
    """
    if pdf and Path(tex).with_suffix(".pdf") == Path(tex):
        raise SymcnnError(f"{tex}: the PDF is written beside the .tex with the suffix .pdf, so it would replace"
                          " this file; give the LaTeX file another suffix (sheet.tex)")
    if pdf:
        check_not_input(Path(tex).with_suffix(".pdf"))  # before the .tex is written: nothing half done
    written = [atomic_write(tex, source)]
    if pdf:
        try:
            target = Path(tex).with_suffix(".pdf")
            atomic_write(target, run_latex(source.encode("utf-8"), str(tex)).pdf)  # not read back: tex may be a device
            written.append(target)
        except ToolMissingError as e:
            raise ToolMissingError(f"{written[0]} written, but no PDF: {e}") from None
    return written

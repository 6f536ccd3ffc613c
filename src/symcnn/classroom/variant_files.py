"""A variant set on disk: one folder per variant, an index, and the printable PDFs.

::

    DIR/<code>/exam.toml      the variant's complete spec (symcnn solve reads it)
    DIR/<code>/paper.tex      its question paper, with the code on every page (+ .pdf)
    DIR/<code>/solution.tex   its step-by-step solution sheet (+ .pdf)
    DIR/<code>/key.toml       its answer key, every answer right (symcnn verify reads it)
    DIR/index.csv             code, seed and every answer, one row per variant
    DIR/papers.pdf            with --pdf: every paper, one after the other, for printing
    DIR/solutions.pdf         with --pdf: every solution sheet

The set is written into a temporary folder beside DIR and renamed into place when
complete (:func:`symcnn.fileio.atomic_folder`), so DIR is never half written. The two
combined PDFs are each compiled from one document holding every variant's body; each
variant starts on an odd page (a blank page is added after an odd number of pages) so
that double-sided printing never puts two students' pages on one sheet.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import SymcnnError
from ..exam.steps import Solution, Vector
from ..fileio import atomic_folder, write_fresh
from ..render.latex import document, find_engine, run_latex
from ..render.latex.sheet import sheet_body
from .papers import paper_body
from .pool import default_workers, forked
from .tomlout import dumps
from .variants import Variant, VariantSet

MARKER = ".symcnn-variants"  # marks a folder as a variant set, which a later run may replace


def _claim(value: Any) -> Any:
    """An answer as a key file writes it: numbers as they are, tuples as lists."""
    if isinstance(value, tuple):
        return [_claim(v) for v in value]
    return value


def key_toml(solution: Solution) -> str:
    """The answer key of a solved exam in verify's format, every answer right."""
    exam = solution.exam
    label = f"{exam.title} — {exam.code}" if exam.code else exam.title
    data = {"key": {"title": label},
            "questions": {a.id: {"values": [_claim(a.value)]} for a in solution.answers}}
    return dumps(data, f"Answer key of {label}: every answer right.\n"
                       "Check it against the exam: symcnn verify key.toml --exam exam.toml")


def cell(value: Any) -> str:
    """An answer in one CSV cell: integers in full, shapes HxWxD, lists ;-separated.

    >>> cell(((124, 124, 16), (61, 61, 16))), cell((Decimal("-0.87"), Decimal("0.87"))), cell(12582912000)
    ('124x124x16;61x61x16', '-0.87;0.87', '12582912000')
    """
    if isinstance(value, tuple):
        if value and all(isinstance(v, int) for v in value) and len(value) == 3 and not isinstance(value, Vector):
            return "x".join(str(v) for v in value)
        return ";".join(cell(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def index_csv(vset: VariantSet) -> str:
    """One row per variant: code, seed, then every answer in the exam's question order."""
    ids = [q.id for q in vset.base.questions]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "seed", *ids])
    for v in vset.variants:
        answers = dict(v.answers)
        writer.writerow([v.code, v.seed, *(cell(answers[qid]) for qid in ids)])
    return out.getvalue()


_NEXT = r"\clearpage\ifodd\value{page}\else\null\thispagestyle{empty}\clearpage\fi"  # start on an odd page


def combined(bodies: list[str], lang: str) -> str:
    """One document holding every variant's body, each from page 1 and on an odd page."""
    return document("\n\n".join(r"\setcounter{page}{1}" + "\n" + body + "\n" + _NEXT for body in bodies), lang)


@dataclass(frozen=True)
class Documents:
    """What one variant's folder holds besides its spec: the paper, the sheet and the key."""

    paper: str  # the paper's body, and the sheet's: documents come from document(body, lang)
    sheet: str
    key: str


def _documents(lang: str, variant: Variant) -> Documents:
    solution = variant.solve()
    return Documents(paper_body(solution, lang), sheet_body(solution, lang), key_toml(solution))


def write_set(vset: VariantSet, folder: str | Path, lang: str, pdf: bool = False,
              workers: int | None = None) -> Path:
    """Write the whole set into ``folder`` (replaced whole, atomically); return it.

    The documents are rendered and compiled on ``workers`` processes (default: one per core).
    """
    if pdf:
        find_engine()  # no TeX: say so before any work
    with atomic_folder(folder, MARKER) as tmp:
        try:
            _write(vset, tmp, lang, pdf, workers or default_workers())
        except OSError as e:
            raise SymcnnError(f"{folder}: cannot write ({e.strerror or e})") from None
    return Path(folder)


def _write(vset: VariantSet, tmp: Path, lang: str, pdf: bool, workers: int) -> None:
    """Every file of the set into the (temporary, empty) folder ``tmp``."""
    with forked(_documents, lang, workers if len(vset.variants) > 1 else 1) as run:
        documents = run(vset.variants)
    sources: list[tuple[Path, str]] = []
    for v, d in zip(vset.variants, documents):
        home = tmp / v.code
        home.mkdir()
        write_fresh(home / "exam.toml", v.text)
        write_fresh(home / "key.toml", d.key)
        for name, body in (("paper.tex", d.paper), ("solution.tex", d.sheet)):
            tex = document(body, lang)
            write_fresh(home / name, tex)
            sources.append((home / name, tex))
    write_fresh(tmp / "index.csv", index_csv(vset))
    if pdf:
        sources.append((tmp / "papers.tex", combined([d.paper for d in documents], lang)))
        sources.append((tmp / "solutions.tex", combined([d.sheet for d in documents], lang)))
        _compile(sources, workers)


def _compile(sources: list[tuple[Path, str]], workers: int) -> None:
    """Compile every .tex to a PDF beside it, ``workers`` TeX runs at a time (largest first)."""
    def one(item: tuple[Path, str]) -> None:
        path, tex = item
        built = run_latex(tex.encode("utf-8"), f"{path.parent.name}/{path.name}")
        write_fresh(path.with_suffix(".pdf"), built.pdf)

    ordered = sorted(sources, key=lambda s: -len(s[1]))  # the combined documents take longest: start them first
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(one, ordered):
            pass

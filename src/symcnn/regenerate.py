"""Regenerate the committed sheets: ``python -m symcnn.regenerate [FOLDER]``.

Writes the seed exam's solution sheets (``solution_{vi,en}.tex``/``.pdf``), its
question papers (``paper_{vi,en}.tex``/``.pdf``) and the review of the seed key
(``key_review_{vi,en}.tex``/``.pdf``) into FOLDER (default ``reports``). Run it from the repository root after
changing anything that shows on the sheet; tests fail while the committed .tex differs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .catalogue import LANGUAGES

if TYPE_CHECKING:
    from .verify.review import Review

REPORTS = Path("reports")


def report_path(lang: str, folder: Path = REPORTS) -> Path:
    """Where the committed sheet of the seed exam in ``lang`` lives."""
    return folder / f"solution_{lang}.tex"


def paper_path(lang: str, folder: Path = REPORTS) -> Path:
    """Where the committed question paper of the seed exam in ``lang`` lives."""
    return folder / f"paper_{lang}.tex"


def review_path(lang: str, folder: Path = REPORTS) -> Path:
    """Where the committed review of the seed key in ``lang`` lives."""
    return folder / f"key_review_{lang}.tex"


def seed_review() -> Review:
    """The embedded seed key reviewed against the embedded seed exam."""
    from .exam.solve import solve
    from .exam.spec import load_exam
    from .verify.keyfile import load_key
    from .verify.review import review

    return review(load_key(), solve(load_exam()))


def main(argv: list[str] | None = None) -> int:
    from .exam.solve import solve
    from .exam.spec import load_exam
    from .render.latex.sheet import write_sheet

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else REPORTS
    folder.mkdir(parents=True, exist_ok=True)
    from .classroom.papers import write_paper
    from .render.latex.review_sheet import write_review

    solution = solve(load_exam())
    review = seed_review()
    for lang in LANGUAGES:
        for path in write_sheet(solution, lang, report_path(lang, folder), pdf=True):
            print(path)
        for path in write_paper(solution, lang, paper_path(lang, folder), pdf=True):
            print(path)
        for path in write_review(review, lang, review_path(lang, folder), pdf=True):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Regenerate the committed sheets: ``python -m symcnn.latex.regenerate [FOLDER]``.

Writes the seed exam's solution sheets (``solution_{vi,en}.tex``/``.pdf``) and the
review of the seed key (``key_review_{vi,en}.tex``/``.pdf``) into FOLDER (default
``reports``). Run it from the repository root after
changing anything that shows on the sheet; tests fail while the committed .tex differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..catalogue import LANGUAGES

REPORTS = Path("reports")


def report_path(lang: str, folder: Path = REPORTS) -> Path:
    """Where the committed sheet of the seed exam in ``lang`` lives."""
    return folder / f"solution_{lang}.tex"


def main(argv: list[str] | None = None) -> int:
    from ..solve import solve
    from ..spec import load_exam
    from .sheet import write_sheet

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else REPORTS
    folder.mkdir(parents=True, exist_ok=True)
    from ..verify.sheet import report_path as review_path
    from ..verify.sheet import seed_review, write_review

    solution = solve(load_exam())
    review = seed_review()
    for lang in LANGUAGES:
        for path in write_sheet(solution, lang, report_path(lang, folder), pdf=True):
            print(path)
        for path in write_review(review, lang, review_path(lang, folder), pdf=True):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Regenerate the committed sheets: ``python -m symcnn.latex.regenerate [FOLDER]``.

Writes ``solution_vi.tex``/``.pdf`` and ``solution_en.tex``/``.pdf`` for the embedded
seed exam into FOLDER (default ``reports``). Run it from the repository root after
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
    solution = solve(load_exam())
    for lang in LANGUAGES:
        for path in write_sheet(solution, lang, report_path(lang, folder), pdf=True):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

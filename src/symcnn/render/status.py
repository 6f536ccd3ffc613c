"""Status lines and warnings, in the output's language: ``wrote sheet.tex`` / ``đã ghi sheet.tex``.

>>> written("sheet.tex", "vi")
'đã ghi sheet.tex'
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterable

from ..catalogue import text


def written(path: str | Path, lang: str) -> str:
    """The line saying a file was written."""
    return text(lang, "status.written", path=str(path))


def print_written(paths: Iterable[str | Path], lang: str, file: Any = None) -> None:
    for path in paths:
        print(written(path, lang), file=file or sys.stdout)


def print_warnings(warnings: Iterable[Any], lang: str) -> None:
    """Each warning (a :class:`~symcnn.errors.Notice`) as one paragraph on stderr."""
    for w in warnings:
        print(f"{text(lang, 'table.warning')}: {w.say(lang)}", file=sys.stderr)

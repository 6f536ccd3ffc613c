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


def print_json(text_: str, file: Any = None) -> None:
    r"""Print JSON text; where the stream cannot encode it, non-ASCII as ``\uXXXX`` (still exact).

    >>> import io; out = io.TextIOWrapper(io.BytesIO(), encoding="ascii"); print_json('{"t": "Hồ ⌊x⌋"}', out)
    >>> _ = out.seek(0); out.buffer.read()
    b'{"t": "H\\u1ed3 \\u230ax\\u230b"}\n'
    """
    file = file or sys.stdout
    try:
        text_.encode(getattr(file, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        text_ = "".join(c if c.isascii() else _escaped(c) for c in text_)  # only strings hold non-ASCII
    print(text_, file=file)


def _escaped(c: str) -> str:
    code = ord(c)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

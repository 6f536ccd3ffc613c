"""A class's answers from an online form: a Google Forms CSV or a Microsoft Forms Excel export.

Google Forms writes ``Timestamp, Email Address, Score, <question>, …`` (``Email address`` in
some exports, ``Dấu thời gian`` in Vietnamese); Microsoft Forms writes ``ID, Start time,
Completion time, Email, Name, Total points, …`` and, per question, the answer, ``Points - …``
and ``Feedback - …``. A question's column is the one whose header holds its id as a word
(``1a``, ``Câu 1a``, ``Question 1a (bytes)``); the variant's is headed ``Variant``, ``Mã đề`` or
``Code``. A map file (TOML) names columns instead::

    [columns]
    email = "Địa chỉ email"
    name = "Họ và tên"
    variant = "Mã đề thi"
    [questions]
    1a = "Số ảnh sau khi cắt"

Every non-empty row is one response, in the file's order; cells are kept as typed (text).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..checked import Table, _show, read_toml
from ..errors import SymcnnError
from ..fileio import read_bytes, read_text

MAX_RESPONSES_BYTES = 64 * 2**20  # a class of 10,000 is a few MB
MAX_ROWS = 100_000
MAX_COLUMNS = 2_000

GOOGLE = ("timestamp", "dấu thời gian")
MICROSOFT_START = ("start time", "thời gian bắt đầu")
EMAIL = ("email address", "email", "e-mail", "địa chỉ email", "thư điện tử")
NAME = ("name", "full name", "student name", "họ và tên", "họ tên", "tên", "họ và tên sinh viên")
VARIANT = ("variant", "mã đề", "code", "mã đề thi", "exam code", "variant code")
META = ("points - ", "feedback - ", "điểm - ", "phản hồi - ")  # Microsoft's per-question columns
KNOWN = {*GOOGLE, *MICROSOFT_START, *EMAIL, *NAME, "id", "score", "điểm", "completion time", "total points",
         "quiz feedback", "last modified time", "thời gian hoàn thành", "tổng điểm"}


class FormsError(SymcnnError):
    """A responses file (or its map) that cannot be read as a class's answers."""


@dataclass(frozen=True)
class Response:
    """One row of the export: who, which variant, and each question's cell as typed."""

    row: int  # 1-based, among the responses, in the file's order
    email: str
    name: str
    variant: str
    cells: Mapping[str, str]  # question id → the cell's text ("" when blank)
    when: str = ""


@dataclass(frozen=True)
class Responses:
    source: str
    form: str  # "google", "microsoft" or "map"
    columns: Mapping[str, str]  # question id → header
    email_column: str | None
    name_column: str | None
    variant_column: str | None
    rows: tuple[Response, ...]
    unmatched: tuple[str, ...]  # question ids no column was found for


def norm(header: str) -> str:
    """A header compared loosely: NFC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", header).casefold().split())


def _table(path: str | Path) -> list[list[str]]:
    p = Path(path)
    head = read_bytes(p, FormsError, MAX_RESPONSES_BYTES)[:4]  # a regular file only: a FIFO never blocks
    if head == b"PK\x03\x04":
        return _xlsx(p)
    text = read_text(p, FormsError, MAX_RESPONSES_BYTES).removeprefix("\ufeff")
    if "\0" in text:
        raise FormsError(f"{p}: not a text file (a NUL character); expected a Forms CSV or .xlsx export")
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))]
    except csv.Error as e:
        raise FormsError(f"{p}: not a CSV file ({e})") from None
    return rows


def _delimiter(text: str) -> str:
    """The header line's separator: ``,`` (Google), or ``;``/tab (a spreadsheet saved in another locale).

    Counted outside quotes on the first line only, where no student has typed anything.
    """
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for c in text[:65536]:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in "\r\n":
            break
        elif not quoted and c in counts:
            counts[c] += 1
    return max(counts, key=lambda k: (counts[k], k == ","))


def _xlsx(p: Path) -> list[list[str]]:
    if p.stat().st_size > MAX_RESPONSES_BYTES:
        raise FormsError(f"{p}: larger than {MAX_RESPONSES_BYTES // 2**20} MiB")
    try:
        import openpyxl
    except ImportError:
        raise FormsError(f"{p}: reading .xlsx needs openpyxl: pip install 'symcnn[grade]'") from None
    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on a broken file
        raise FormsError(f"{p}: not a readable Excel workbook ({type(e).__name__})") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for i, row in enumerate(sheet.iter_rows(values_only=True)):
            if i > MAX_ROWS:
                raise FormsError(f"{p}: more than {MAX_ROWS} rows")
            rows.append([_xlsx_text(v) for v in row[:MAX_COLUMNS]])
        return rows
    except FormsError:
        raise
    except Exception as e:  # a workbook broken inside its sheet
        raise FormsError(f"{p}: not a readable Excel workbook ({type(e).__name__})") from None
    finally:
        book.close()


def _xlsx_text(v: Any) -> str:
    """A workbook cell as text, as the student typed it where the workbook kept text."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return repr(v) if not v.is_integer() or abs(v) >= 1e16 else str(int(v))
    return str(v)


def _word(qid: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9a-z]){re.escape(qid.casefold())}(?![0-9a-z])")


def _starts(header: str, names: Sequence[str]) -> bool:
    h = norm(header)
    return any(h == n or h.startswith(n + " ") or h.startswith(n + ":") or h.startswith(n + "(") for n in names)


def read_responses(path: str | Path, qids: Sequence[str], map_path: str | Path | None = None) -> Responses:
    """Every response of a Forms export, with the columns of the questions ``qids`` found."""
    source = str(path)
    rows = _table(path)
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise FormsError(f"{source}: empty; expected a Google Forms CSV or Microsoft Forms .xlsx export")
    header = [h.strip() for h in rows[0]]
    if len(header) > MAX_COLUMNS or len(rows) > MAX_ROWS + 1:
        raise FormsError(f"{source}: more than {MAX_COLUMNS} columns or {MAX_ROWS} rows")
    names = {norm(h) for h in header}
    if any(g in names for g in GOOGLE):
        form = "google"
    elif "id" in names and any(m in names for m in MICROSOFT_START):
        form = "microsoft"
    elif map_path is not None:
        form = "map"
    else:
        shown = ", ".join(_show(h) for h in header[:6]) + (", …" if len(header) > 6 else "")
        raise FormsError(f"{source}: not a Google Forms or Microsoft Forms export (its first row has no Timestamp,"
                         f" nor ID and Start time: {shown}); give --map MAP.toml to name its columns")

    def find(names: Sequence[str]) -> str | None:
        return next((h for h in header if norm(h) in names), None) or next(
            (h for h in header if _starts(h, names)), None)

    email, name, variant = find(EMAIL), find(NAME), find(VARIANT)
    columns: dict[str, str] = {}
    candidates = [h for h in header if h and norm(h) not in KNOWN and not norm(h).startswith(META)
                  and h not in (email, name, variant)]
    for qid in qids:
        pattern = _word(qid)
        hits = [h for h in candidates if pattern.search(norm(h))]
        if len(hits) > 1:
            exact = [h for h in hits if norm(h) in (qid.casefold(), f"câu {qid.casefold()}", f"question {qid.casefold()}")]
            if len(exact) != 1:
                raise FormsError(f"{source}: question {qid} matches {len(hits)} columns ({', '.join(_show(h) for h in hits[:4])});"
                                 " name one with --map MAP.toml")
            hits = exact
        if hits:
            columns[qid] = hits[0]
    if map_path is not None:
        email, name, variant = _apply_map(map_path, header, qids, columns, email, name, variant)
    where = {h: i for i, h in reversed(list(enumerate(header)))}
    when = next((h for h in header if norm(h) in (*GOOGLE, "completion time", "thời gian hoàn thành")), None)

    def get(row: list[str], h: str | None) -> str:
        if h is None:
            return ""
        i = where[h]
        return row[i] if i < len(row) else ""

    out: list[Response] = []
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        out.append(Response(len(out) + 1, get(row, email).strip(), get(row, name).strip(), get(row, variant).strip(),
                            {qid: get(row, h) for qid, h in columns.items()}, get(row, when).strip()))
    return Responses(source, form, columns, email, name, variant, tuple(out),
                     tuple(q for q in qids if q not in columns))


def _apply_map(map_path: str | Path, header: list[str], qids: Sequence[str], columns: dict[str, str],
               email: str | None, name: str | None, variant: str | None) -> tuple[str | None, str | None, str | None]:
    source = str(map_path)
    root = Table(read_toml(read_text(map_path, FormsError), source, FormsError), "", source)
    known = set(header)

    def column(t: Table, key: str) -> str:
        value = t.raw(key)
        if not isinstance(value, str) or value.strip() not in known:
            shown = ", ".join(_show(h) for h in header[:8]) + (", …" if len(header) > 8 else "")
            t.fail(t.path(key), f"must name a column of the responses ({shown})", value, FormsError)
        return str(value).strip()

    cols = root.table("columns", {})
    picked = {key: column(cols, key) for key in ("email", "name", "variant") if key in cols.data}
    cols.done()
    questions = root.table("questions", {})
    for qid in list(questions.data):
        if qid not in qids:
            questions.fail(questions.path(qid), f"is not a question of the exam (known: {', '.join(qids)})",
                           error=FormsError)
        columns[qid] = column(questions, qid)
    questions.done()
    root.done()
    return picked.get("email", email), picked.get("name", name), picked.get("variant", variant)

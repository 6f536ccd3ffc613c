"""Text that fits a terminal without ever cutting a number: wrapping and table widths.

A cell's text breaks only at plain spaces, and inside a long product after ``·``; a run
joined with :func:`keep` (a number with its unit, a shape ``124 × 124 × 16``) never
breaks. Nothing is truncated: a run wider than the room gets a line of its own.

>>> wrap("= 3·256.000·1·128·128 + " + keep("12.582.912.000 byte"), 16)
['= 3·256.000·1·', '128·128 +', '12.582.912.000 byte']
>>> widest_atom(keep("124 × 124 × 16") + " " + keep("61 × 61 × 16"))
14

:func:`fit` gives each column of a table its width: at least its widest unbreakable
run, the rest shared by ratio; ``None`` when the columns cannot fit, so the caller
chooses a layout that does (one value per line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len

NBSP = "\u00a0"  # joins what must stay on one line; printed as a plain space
_BREAK_AFTER = re.compile(r"(?<=·)")  # inside a long run of factors


def keep(text: str) -> str:
    """``text`` as one unbreakable run."""
    return text.replace(" ", NBSP)


def _pieces(word: str) -> list[str]:
    return [p for p in _BREAK_AFTER.split(word) if p]


def atoms(text: str) -> list[str]:
    """The smallest pieces a line may break between (a number is never split)."""
    return [p for line in text.split("\n") for word in line.split(" ") if word for p in _pieces(word)]


def widest_atom(text: str) -> int:
    return max((cell_len(a) for a in atoms(text)), default=0)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells (a longer unbreakable run stands alone)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            if not word:
                continue
            candidate = f"{line} {word}" if line else word
            if cell_len(candidate) <= width:
                line = candidate
                continue
            if cell_len(word) <= width:  # it fits a line of its own
                out.append(line)
                line = word
                continue
            for i, piece in enumerate(_pieces(word)):  # a long product: break after its dots
                joined = f"{line} {piece}" if line and i == 0 else line + piece
                if line and cell_len(joined) > width:
                    out.append(line)
                    joined = piece
                line = joined
        out.append(line)
    return [x.replace(NBSP, " ") for x in out]


def hang(first: str, rest: list[str], width: int, indent: int) -> list[str]:
    """``first`` then each of ``rest`` wrapped to ``width``, continuation lines indented."""
    lines: list[str] = []
    for i, part in enumerate([first, *rest]):
        lead = 0 if i == 0 else indent
        wrapped = wrap(part, max(width - lead, 1))
        lines.append(" " * lead + wrapped[0])
        lines += [" " * (lead + 2) + x for x in _rewrap(wrapped[1:], width - lead - 2)]
    return lines


def _rewrap(lines: list[str], width: int) -> list[str]:
    return [y for x in lines for y in wrap(x, max(width, 1))]


@dataclass(frozen=True)
class Column:
    """A table column: its heading, its share of the free width (0: as wide as its content)."""

    head: str
    ratio: int = 0
    justify: str = "left"
    minimum: int = 0  # a shared column narrower than this does not count as fitting


BORDERS = 3  # cells of border and padding per column (rich's default box), plus one at the end


def fit(columns: list[Column], cells: list[list[str]], width: int) -> list[int] | None:
    """Each column's width so that no unbreakable run is cut, or None when that cannot fit.

    ``cells`` holds the columns' texts (one list per column). A column with ratio 0 is as
    wide as its widest line; the others share what is left by ratio, each at least its
    widest unbreakable run (and its heading's longest word).
    """
    room = width - BORDERS * len(columns) - 1
    natural = [max([cell_len(x) for t in col for x in t.replace(NBSP, " ").split("\n")] + [cell_len(c.head)])
               for c, col in zip(columns, cells)]
    least = [max([widest_atom(t) for t in col] + [widest_atom(c.head), min(c.minimum, natural[i])])
             for i, (c, col) in enumerate(zip(columns, cells))]
    widths = [n if c.ratio == 0 else least[i] for i, (c, n) in enumerate(zip(columns, natural))]
    if sum(widths) > room:
        return None
    extra = room - sum(widths)
    while extra > 0:  # grow the shared columns toward their natural width, by ratio
        growing = [i for i, c in enumerate(columns) if c.ratio and widths[i] < natural[i]]
        if not growing:
            break
        total = sum(columns[i].ratio for i in growing)
        given = 0
        for i in growing:
            step = min(max(1, extra * columns[i].ratio // total), natural[i] - widths[i], extra - given)
            widths[i] += step
            given += step
        extra -= given
        if not given:
            break
    return widths


def _justify(line: str, width: int, how: str) -> str:
    return " " * (width - cell_len(line)) + line if how == "right" else line


Cell = tuple[str, str]  # (text, rich style; "" for none)


def grid(columns: list[Column], widths: list[int], rows: list[list[Cell] | None], title: str | None = None) -> Any:
    """A rich Table with these column widths, each cell wrapped here (rich never cuts one).

    ``None`` in ``rows`` starts a new section (a rule across the table).
    """
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title) if title else None)
    for c, w in zip(columns, widths):
        head = Text("\n".join(_justify(x, w, c.justify) for x in wrap(c.head, w)), style="bold")
        table.add_column(head, width=w, justify=c.justify, no_wrap=True, overflow="ignore")  # type: ignore[arg-type]
    for row in rows:
        if row is None:
            table.add_section()
            continue
        table.add_row(*(Text("\n".join(_justify(x, w, c.justify) for x in wrap(t, w)) if t else "", style=style)
                        for (t, style), w, c in zip(row, widths, columns)))
    return table

"""`symcnn sweep [SPEC] --size A:B[:STEP]`: every layer and total, exactly, at every input size."""

from __future__ import annotations

import argparse
from typing import Any

from . import PLOT_EXTRA, add_convention, add_lang

HELP = "evaluate every layer and total exactly over a range of input sizes (table, CSV, JSON, plot)"

HEAD = TAIL = 8  # rows shown in the terminal table from each end
PROGRESS_FROM = 100_000  # sizes: show a progress bar from here on


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", help="exam spec (TOML); default: the embedded seed exam")
    p.add_argument("--size", metavar="A:B[:STEP]", help="square inputs A×A … B×B (or one size: A)")
    p.add_argument("--height", metavar="A:B[:STEP]", help="input heights (grid with --width; or one: A)")
    p.add_argument("--width", metavar="A:B[:STEP]", help="input widths (grid with --height; or one: A)")
    p.add_argument("--csv", metavar="FILE", help="write every column of every size to FILE (streamed)")
    p.add_argument("--columns", metavar="GLOB[,GLOB]",
                   help="write only these columns to the CSV and JSON, e.g. 'cost.*,*.cost.torch' (H, W always)")
    p.add_argument("--json", action="store_true", help="print every row as JSON instead of the table")
    p.add_argument("--plot", metavar="FILE", help=f"log–log plot of cost against pixels (.png or .pdf); {PLOT_EXTRA}")
    add_convention(p, "the spec's; for the table and the plot")
    add_lang(p)


def parse_range(value: str | None, option: str) -> range | None:
    """``A:B`` or ``A:B:STEP`` → range(A, B + 1, STEP), ``A`` → one size; errors name the option and the value.

    >>> parse_range("128", "--size"), parse_range("15:4096:2", "--size")
    (range(128, 129), range(15, 4097, 2))
    """
    if value is None:
        return None
    from ..checked import MAX_SIZE, option_size
    from ..errors import SpecError

    usage = "A, A:B or A:B:STEP"
    parts = value.split(":")
    parts = parts * 2 if len(parts) == 1 else parts
    if len(parts) not in (2, 3):
        option_size("", option, usage, value)
    a, b, step = (option_size(x, option, usage, value) for x in (*parts, "1")[:3])
    if not a <= b:
        raise SpecError(f"{option}: needs 1 <= A <= B <= {MAX_SIZE} and STEP >= 1, got {value!r}")
    return range(a, b + 1, step)


def _sizes(args: argparse.Namespace) -> tuple[range, range, bool]:
    from ..errors import SpecError

    size = parse_range(args.size, "--size")
    height, width = parse_range(args.height, "--height"), parse_range(args.width, "--width")
    if size is not None and (height or width):
        raise SpecError("--size: give either --size or --height and --width, not both")
    if size is not None:
        return size, size, True
    if height is None and width is None:
        raise SpecError("--size: missing (give --size A:B, or both --height A:B and --width A:B)")
    if height is None or width is None:
        raise SpecError(f"--{'width' if width is None else 'height'}: missing (a grid needs --height and --width)")
    return height, width, False


class _Table:
    """Keeps the first and last rows of a few columns (never the whole sweep)."""

    def __init__(self, columns: list[str]):
        self.columns, self.seen = columns, 0
        self.head: list[list[int]] = []
        self.tail: list[list[int]] = []

    def add(self, chunk: Any) -> None:
        def rows(a: int, b: int) -> list[list[int]]:
            cols = [chunk.columns[c] for c in self.columns]
            return [[int(c[i]) if hasattr(c, "__len__") else int(c) for c in cols] for i in range(a, b)]

        take = min(HEAD - len(self.head), chunk.rows)
        self.head += rows(0, take)
        self.tail = (self.tail + rows(max(take, chunk.rows - TAIL), chunk.rows))[-TAIL:]
        self.seen += chunk.rows


def run(args: argparse.Namespace) -> int:
    import sys

    from rich.console import Console

    from ..catalogue import text
    from ..exam.spec import load_exam
    from ..model.conventions import convention
    from ..render.status import written
    from ..scaling.formulas import smallest_valid
    from ..scaling.sweep import chunks, plan, select, write_csv

    exam = load_exam(args.spec)
    lang = args.lang or exam.language
    conv = convention(args.convention or exam.convention, "--convention").name
    heights, widths, square = _sizes(args)
    if args.plot:
        from ..render.plot import check_path

        check_path(args.plot)
    sw = plan(exam, heights, widths, square, "--size" if square else "--height/--width")
    if args.columns is not None:
        sw = select(sw, args.columns)
    valid = smallest_valid(exam.network)
    shown = ["H", "W", "params", f"cost.{conv}", "memory_bytes", f"batch.{conv}", f"run.{conv}"]
    table = _Table(shown)
    err = Console(stderr=True, markup=False, emoji=False)  # file names printed literally
    js = _JsonRows(sw, sys.stdout) if args.json else None
    with _progress(err, sw.rows, text(lang, "sweep.progress")) as advance:

        def observe(chunk: Any) -> None:
            if js:
                js.add(chunk)
            table.add(chunk)
            advance(chunk.total)

        if args.csv:
            write_csv(sw, args.csv, observe)
        else:
            for chunk in chunks(sw):
                observe(chunk)
    if js:
        js.close(valid)
    if args.plot:
        from ..render.plot import plot_sweep
        from ..scaling.sweep import sample

        plot_sweep(sw, sample(sw), valid.height * valid.width, args.plot, lang, conv)
    if not args.json:
        _print_table(table, sw, lang, conv, valid)
    notes = [text(lang, "sweep.skipped", n=sw.rows - table.seen, square=valid.square, height=valid.height,
                  width=valid.width)] if table.seen < sw.rows else []
    notes += [written(p, lang) for p in (args.csv, args.plot) if p]
    for note in notes:
        err.print(note, highlight=False)
    return 0


class _JsonRows:
    """Streams {"columns": [...], "rows": [[...], ...], ...} to stdout without holding the rows."""

    def __init__(self, sw: Any, stdout: Any):
        import json

        from ..scaling.sweep import RowWriter

        stdout.flush()
        self.out = stdout.buffer
        self.out.write(b'{"columns": ' + json.dumps(list(sw.columns)).encode() + b', "rows": [')
        self.first = RowWriter(self.out, end=b"]", start=b"\n[")
        self.rest = RowWriter(self.out, end=b"]", start=b",\n[")
        self.names, self.count, self.sizes = sw.columns, 0, sw.rows

    def add(self, chunk: Any) -> None:
        cols = [chunk.columns[k] for k in self.names]
        if chunk.rows and not self.count:
            self.first.write([c[:1] if hasattr(c, "__len__") else c for c in cols], 1)
            cols, n = [c[1:] if hasattr(c, "__len__") else c for c in cols], chunk.rows - 1
        else:
            n = chunk.rows
        self.rest.write(cols, n)
        self.count += chunk.rows

    def close(self, valid: Any) -> None:
        import json

        tail = {"sizes": self.sizes, "valid": self.count, "smallest_valid": valid.__dict__}
        self.out.write(b"\n], " + json.dumps(tail)[1:].encode() + b"\n")
        self.out.flush()


def _print_table(table: _Table, sw: Any, lang: str, conv: str, valid: Any) -> None:
    """The first and last rows; where the columns do not fit the terminal, in groups, each with H and W.

    A number never wraps: each column is as wide as its widest number, headings wrap instead.
    """
    from rich.console import Console

    from ..catalogue import text
    from ..render.numbers import NUMBER_FORMATS
    from ..render.textgrid import BORDERS, Column, grid, widest_atom

    fmt = NUMBER_FORMATS[lang]
    gap: list[list[int] | None] = [None] if table.seen > HEAD + TAIL else []  # None: the "…" row
    rows = [["…"] * len(table.columns) if r is None else [fmt.integer(v) for v in r]
            for r in [*table.head, *gap, *table.tail]]
    heads = [text(lang, f"sweep.col.{c.split('.')[0]}", convention=conv) for c in table.columns]
    widths = [max([len(r[i]) for r in rows] + [widest_atom(h), 1]) for i, h in enumerate(heads)]
    console = Console(highlight=False, markup=False, emoji=False)
    keys = [i for i, c in enumerate(table.columns) if c in ("H", "W")]
    groups: list[list[int]] = []
    for i in (i for i in range(len(heads)) if i not in keys):
        used = sum(widths[j] + BORDERS for j in (groups[-1] if groups else [])) + 1
        if not groups or used + widths[i] + BORDERS > console.width:
            groups.append([*keys])
        groups[-1].append(i)
    title = text(lang, "sweep.title", title=sw.exam.title, sizes=fmt.integer(sw.rows))
    for n, group in enumerate(groups):
        columns = [Column(heads[i], justify="right") for i in group]
        body: list[list[tuple[str, str]] | None] = [[(r[i], "") for i in group] for r in rows]
        console.print(grid(columns, [widths[i] for i in group], body, title if n == 0 else None))
    console.print(text(lang, "sweep.smallest", square=valid.square, height=valid.height, width=valid.width))
    console.print(text(lang, "sweep.more"), style="dim")


def _progress(console: Any, total: int, label: str) -> Any:
    """A context giving ``advance(n)``: a rich progress bar for long sweeps, else nothing."""
    from contextlib import contextmanager

    @contextmanager
    def bar() -> Any:
        if total < PROGRESS_FROM or not console.is_terminal:
            yield lambda n: None
            return
        from rich.progress import Progress

        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(label, total=total)
            yield lambda n: progress.advance(task, n)

    return bar()

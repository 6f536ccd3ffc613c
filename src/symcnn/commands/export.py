"""`symcnn export moodle [SPEC | --variants DIR] -o quiz.xml`: an exam as a Moodle quiz (Moodle XML)."""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

from . import add_lang

HELP = "export an exam (or a set of variants) as quiz questions: moodle (Moodle XML)"
FORMATS = ("moodle",)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("format", choices=FORMATS, help="the quiz format: moodle (Moodle XML)")
    p.add_argument("spec", nargs="?", help="exam spec (TOML); default: the embedded seed exam")
    p.add_argument("--variants", metavar="DIR", help="a set written by `symcnn variants --out DIR`: one question "
                   "per variant in a category per question id")
    p.add_argument("-o", "--out", metavar="quiz.xml", required=True, help="the file to write")
    add_lang(p)
    p.add_argument("--carried-credit", metavar="F",
                   help="credit for a value carried over from an earlier wrong answer, 0 to 1 (default: the spec's "
                        "[grading] carried_credit, else 0.5); Moodle's nearest allowed fraction is used")
    p.add_argument("--category", metavar="NAME",
                   help="top category under $course$ (default: the exam's code or title; with --variants the "
                        "folder's name)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..catalogue import text
    from ..classroom.moodle import DEFAULT_CARRIED_CREDIT, build, count, quiz_xml
    from ..errors import SpecError, SymcnnError
    from ..exam.solve import solve
    from ..exam.spec import load_exam, parse_exam
    from ..fileio import atomic_write, read_text

    if args.spec is not None and args.variants is not None:
        raise SymcnnError("give an exam spec or --variants DIR, not both")
    if args.variants is not None:
        folder = Path(args.variants)
        codes = _codes(folder)
        exams = [parse_exam(read_text(folder / c / "exam.toml", SpecError), str(folder / c / "exam.toml"))
                 for c in codes]
        category = args.category or folder.resolve().name
    else:
        exams = [load_exam(args.spec)]
        category = args.category or exams[0].code or exams[0].title
    credit = _credit(args.carried_credit, exams[0], DEFAULT_CARRIED_CREDIT)
    lang = args.lang or exams[0].language
    categories = build([solve(e) for e in exams], lang, credit, category.strip() or "symcnn")
    atomic_write(args.out, quiz_xml(categories))
    print(text(lang, "moodle.wrote", questions=count(categories), categories=len(categories), path=args.out))
    return 0


def _codes(folder: Path) -> list[str]:
    """The variants' codes: index.csv's order, else every sub-folder holding an exam.toml."""
    import csv
    import io

    from ..errors import SymcnnError
    from ..fileio import read_text

    if not folder.is_dir():
        raise SymcnnError(f"{folder}: no such folder (--variants needs a folder written by symcnn variants)")
    index = folder / "index.csv"
    if index.is_file():
        rows = list(csv.reader(io.StringIO(read_text(index))))
        if not rows or not rows[0] or rows[0][0] != "code":
            raise SymcnnError(f"{index}: not a variants index (its first column must be 'code')")
        codes = [r[0] for r in rows[1:] if r]
    else:
        codes = sorted(p.parent.name for p in folder.glob("*/exam.toml"))
    if not codes:
        raise SymcnnError(f"{folder}: holds no variants (no <code>/exam.toml)")
    for c in codes:
        if not (folder / c / "exam.toml").is_file():
            raise SymcnnError(f"{folder / c / 'exam.toml'}: no such file (listed in {index.name})")
    return codes


def _credit(given: str | None, exam: object, default: Fraction) -> Fraction:
    """The carried-over credit: --carried-credit, else the spec's [grading] carried_credit, else 0.5."""
    from ..errors import SymcnnError

    if given is not None:
        try:
            value = Fraction(given.strip())  # a decimal or a/b, read by Fraction: never evaluated
        except (ValueError, ZeroDivisionError):
            raise SymcnnError(f"--carried-credit must be a number from 0 to 1, got {given!r}") from None
        if not 0 <= value <= 1:
            raise SymcnnError(f"--carried-credit must be a number from 0 to 1, got {given!r}")
        return value
    spec_value = getattr(exam, "carried_credit", None)  # the spec's [grading] carried_credit (default 0.5)
    return Fraction(spec_value) if spec_value is not None else default

"""`symcnn grade RESPONSES`: grade a class's Forms export, with a diagnosis for every wrong answer."""

from __future__ import annotations

import argparse

from . import add_lang

HELP = "grade a Google Forms CSV or Microsoft Forms .xlsx export: gradebook, feedback per student, class report"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("responses", help="the form's export: a Google Forms .csv or a Microsoft Forms .xlsx")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--exam", metavar="SPEC", help="exam spec (TOML) every student answered; default: the seed exam")
    source.add_argument("--variants", metavar="DIR", help="a set written by `symcnn variants --out DIR`: each"
                        " response is graded on the variant its code column names")
    p.add_argument("--out", metavar="DIR", default="grades", help="folder to write into (replaced whole; default grades/)")
    add_lang(p, "the exam's")
    p.add_argument("--map", metavar="MAP.toml", help="name the columns: [columns] email/name/variant, [questions] id = header")
    p.add_argument("--carried-credit", metavar="F", help="share of the points for an error carried forward, 0 to 1"
                   " (default: the spec's [grading] carried_credit, else 0.5)")
    p.add_argument("--pdf", action="store_true", help="also compile class_report.pdf and a PDF per student")


def _credit(raw: str | None) -> object:
    from decimal import Decimal, InvalidOperation
    from fractions import Fraction

    from ..errors import SpecError

    if raw is None:
        return None
    text = raw.strip()
    try:
        if len(text) > 20 or not text or not all(c.isdigit() or c == "." for c in text):
            raise InvalidOperation
        value = Fraction(Decimal(text))
    except (InvalidOperation, ValueError):
        raise SpecError(f"--carried-credit must be a number from 0 to 1, got {raw!r}") from None
    if not 0 <= value <= 1:
        raise SpecError(f"--carried-credit must be a number from 0 to 1, got {raw!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..catalogue import text
    from ..classroom.forms import read_responses
    from ..classroom.gradebook import print_summary, write_grades
    from ..classroom.grading import grade, single_exam, variant_set

    credit = _credit(args.carried_credit)
    if args.pdf:
        from ..render.latex import find_engine

        find_engine()  # no TeX: say so before any work
    exams = variant_set(args.variants) if args.variants else single_exam(args.exam)
    lang = args.lang or exams.base.language
    responses = read_responses(args.responses, [q.id for q in exams.base.questions], args.map)
    err = Console(stderr=True, highlight=False)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(text(lang, "grade.grading"), total=len(responses.rows))
        result = grade(responses, exams, credit, progress=lambda n: bar.update(task, completed=n))  # type: ignore[arg-type]
    write_grades(result, args.out, lang, pdf=args.pdf)
    print_summary(result, lang, args.out)
    return 0

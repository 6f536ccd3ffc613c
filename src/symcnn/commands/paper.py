"""`symcnn paper [SPEC] --latex OUT.tex`: the question paper students read, with no answers."""

from __future__ import annotations

import argparse

HELP = "write an exam's question paper (LaTeX, optionally PDF): no answers, an answer line per question"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", help="exam spec (TOML); default: the embedded seed exam")
    p.add_argument("--latex", metavar="OUT.tex", required=True, help="write the question paper as LaTeX")
    p.add_argument("--pdf", action="store_true", help="also compile OUT.pdf beside it (pdflatex)")
    p.add_argument("--lang", choices=("vi", "en"), help="language (default: the spec's)")


def run(args: argparse.Namespace) -> int:
    from ..classroom.papers import write_paper
    from ..exam.solve import solve
    from ..exam.spec import load_exam
    from ..render.status import print_written

    exam = load_exam(args.spec)
    lang = args.lang or exam.language
    print_written(write_paper(solve(exam), lang, args.latex, pdf=args.pdf), lang)
    return 0

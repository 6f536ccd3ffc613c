"""`symcnn solve [SPEC]`: answer every question of an exam, with formulas and steps."""

from __future__ import annotations

import argparse

from . import add_convention, add_lang

HELP = "solve an exam spec (default: the embedded seed exam)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", help="exam spec (TOML); default: the embedded seed exam")
    p.add_argument("--json", action="store_true", help="print the answers (and the warnings) as JSON")
    add_lang(p)
    add_convention(p, "the spec's")
    p.add_argument("--latex", metavar="OUT.tex", help="write the step-by-step solution sheet as LaTeX")
    p.add_argument("--pdf", action="store_true", help="with --latex: also compile OUT.pdf beside it (pdflatex)")


def run(args: argparse.Namespace) -> int:
    from ..exam.solve import solve
    from ..exam.spec import load_exam

    if args.pdf and not args.latex:
        from ..errors import SymcnnError

        raise SymcnnError("--pdf needs --latex OUT.tex (the PDF is written beside it)")
    exam = load_exam(args.spec)
    if args.convention:
        from dataclasses import replace

        from ..model.conventions import convention

        exam = replace(exam, convention=convention(args.convention, "--convention").name)
    solution = solve(exam)
    lang = args.lang or exam.language
    if args.latex:
        from ..render.latex.sheet import write_sheet
        from ..render.status import print_written

        print_written(write_sheet(solution, lang, args.latex, pdf=args.pdf), lang)
        return 0
    if args.json:
        from ..render.jsonout import solution_json
        from ..render.status import print_json

        print_json(solution_json(solution, lang))
        return 0
    from ..render.terminal import print_solution

    print_solution(solution, lang)
    return 0

"""`symcnn verify [KEY]`: check an answer key against the derived answers and explain every wrong value."""

from __future__ import annotations

import argparse

from . import add_lang

HELP = "check an answer key (default: the seed exam's key) and explain every wrong value"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("key", nargs="?", help="answer key (TOML); default: the embedded seed key")
    p.add_argument("--exam", metavar="SPEC", help="exam spec (TOML); default: the embedded seed exam")
    p.add_argument("--json", action="store_true", help="print the review as JSON")
    add_lang(p, "the exam's")
    p.add_argument("--latex", metavar="OUT.tex", help="write a LaTeX key-review sheet")
    p.add_argument("--pdf", action="store_true", help="with --latex: also compile it to PDF")
    p.add_argument("--template", nargs="?", const="-", metavar="OUT",
                   help="write an empty key for the exam's questions (to OUT, or stdout), saying how each"
                        " question's values are written")
    p.add_argument("--force", action="store_true", help="with --template: replace OUT if it exists")


def run(args: argparse.Namespace) -> int:
    from ..errors import SymcnnError
    from ..exam.solve import solve
    from ..exam.spec import load_exam

    if args.pdf and not args.latex:
        raise SymcnnError("--pdf needs --latex OUT.tex")
    exam = load_exam(args.exam)
    solution = solve(exam)
    lang = args.lang or exam.language
    if args.template is not None:
        return _template(solution, lang, args.template, args.force)
    from ..verify.keyfile import load_key
    from ..verify.review import review

    result = review(load_key(args.key), solution)
    if args.latex:
        from ..render.latex.review_sheet import write_review
        from ..render.status import print_written

        print_written(write_review(result, lang, args.latex, pdf=args.pdf), lang)
    if args.json:
        from ..render.review import review_json

        print(review_json(result, lang))
    elif not args.latex:
        from ..render.review import print_review

        print_review(result, lang)
    return 0 if result.clean else 1


def _template(solution: object, lang: str, out: str, force: bool = False) -> int:
    import os

    from ..errors import SymcnnError
    from ..fileio import atomic_write
    from ..render.status import written
    from ..verify.keyfile import template

    body = template(solution, lang)
    if out == "-":
        print(body, end="")
        return 0
    if os.path.lexists(out) and not force and os.path.isfile(out):
        raise SymcnnError(f"{out}: already exists (use --force to replace it)")
    atomic_write(out, body)
    print(written(out, lang))
    return 0

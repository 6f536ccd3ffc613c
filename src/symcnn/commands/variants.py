"""`symcnn variants [SPEC] --count N --seed S --out DIR`: a different exam for every student, each with its key."""

from __future__ import annotations

import argparse

HELP = "write N seeded variants of an exam (spec, paper, solution, key each) and an index; --check: stress test"
MAX_SEED = 2**63


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", help="exam spec (TOML); default: the embedded seed exam")
    p.add_argument("--count", type=int, default=30, help="how many variants (1 to 10,000; default 30)")
    p.add_argument("--seed", type=int, default=0, help="the set's seed: the same seed gives the same files (default 0)")
    p.add_argument("--out", metavar="DIR", help="folder to write the set into (replaced whole, atomically)")
    p.add_argument("--lang", choices=("vi", "en"), help="language of papers and sheets (default: the spec's)")
    p.add_argument("--pdf", action="store_true", help="also compile every paper and sheet, and papers.pdf, solutions.pdf")
    p.add_argument("--check", action="store_true",
                   help="print the stress test: answer ranges per question, collisions redrawn, rejections")


def run(args: argparse.Namespace) -> int:
    from ..catalogue import text
    from ..classroom.variants import generate
    from ..errors import SpecError, SymcnnError
    from ..exam.spec import embedded_text
    from ..fileio import read_text

    if args.out is None and not args.check:
        raise SymcnnError("symcnn variants needs --out DIR (or --check for the stress test alone)")
    if args.pdf and args.out is None:
        raise SymcnnError("--pdf needs --out DIR")
    if not 0 <= args.seed < MAX_SEED:
        raise SpecError(f"--seed must be 0 to 2^63 - 1, got {args.seed}")
    if args.spec is None:
        source, spec_text = "<embedded seed exam>", embedded_text()
    else:
        source, spec_text = args.spec, read_text(args.spec, SpecError)
    vset = generate(spec_text, source, args.count, args.seed)
    lang = args.lang or vset.base.language
    if args.out is not None:
        from ..classroom.variant_files import write_set

        write_set(vset, args.out, lang, pdf=args.pdf)
        st = vset.stats
        reasons = ", ".join(f"{n} {text(lang, f'variants.reason_{r}')}" for r, n in st.rejected.most_common())
        print(text(lang, "variants.wrote", count=len(vset.variants), folder=args.out, draws=st.draws,
                   rejected=sum(st.rejected.values()), reasons=reasons or text(lang, "variants.none_rejected")))
    if args.check:
        from ..classroom.stress import print_check

        print_check(vset, lang)
    return 0

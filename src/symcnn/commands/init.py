"""`symcnn init PATH`: write the embedded seed exam spec out, to copy and edit."""

from __future__ import annotations

import argparse

from . import add_lang

HELP = "write the embedded exam spec to PATH as a starting point"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="where to write the spec (TOML)")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    add_lang(p, "the embedded spec's, vi")


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from ..data import seed_exam_text  # not the spec reader: writing the text out needs nothing else
    from ..errors import SymcnnError
    from ..fileio import atomic_write
    from ..render.status import written

    target = Path(args.path)
    if os.path.lexists(target) and not args.force:  # lexists: a too-long name is refused by the writer
        raise SymcnnError(f"{target}: already exists (use --force to replace it)")
    atomic_write(target, seed_exam_text())
    print(written(target, args.lang or _embedded_language()))
    return 0


def _embedded_language() -> str:
    import tomllib

    from ..data import seed_exam_text

    return str(tomllib.loads(seed_exam_text()).get("exam", {}).get("language", "en"))

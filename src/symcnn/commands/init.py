"""`symcnn init PATH`: write the embedded seed exam spec out, to copy and edit."""

from __future__ import annotations

import argparse

HELP = "write the embedded exam spec to PATH as a starting point"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="where to write the spec (TOML)")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..data import seed_exam_text  # not the spec reader: writing the text out needs nothing else
    from ..errors import SymcnnError
    from ..fileio import atomic_write

    target = Path(args.path)
    if target.exists() and not args.force:
        raise SymcnnError(f"{target}: already exists (use --force to replace it)")
    atomic_write(target, seed_exam_text())
    print(f"wrote {target}")
    return 0

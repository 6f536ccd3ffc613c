"""The `symcnn` command line: one module per command under :mod:`symcnn.commands`.

Each command module has ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``
and keeps heavy imports inside ``run``. Any :class:`SymcnnError` becomes one line on
stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn, Sequence

# command name → module under symcnn.commands; a new command is one entry
COMMANDS: dict[str, str] = {
    "solve": "solve",
    "init": "init",
    "sweep": "sweep",
    "formulas": "formulas",
    "verify": "verify",
    "report": "report",
}


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> Parser:
    parser = Parser(prog="symcnn", description="Closed-form CNN costs as formulas and exam solutions.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"symcnn.commands.{module_name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import SymcnnError

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SymcnnError as e:
        print(f"symcnn: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symcnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())

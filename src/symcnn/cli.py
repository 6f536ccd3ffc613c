"""The `symcnn` command line: one module per command under :mod:`symcnn.commands`.

Each command module has ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``
and keeps heavy imports inside ``run``; only the chosen command's module is imported
(``symcnn init`` loads neither the spec reader nor sympy). Any :class:`SymcnnError`
becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import NoReturn, Sequence

# command name → module under symcnn.commands; a new command is one entry
COMMANDS: dict[str, str] = {
    "solve": "solve",
    "init": "init",
    "sweep": "sweep",
    "formulas": "formulas",
    "verify": "verify",
    "report": "report",
    "paper": "paper",
    "variants": "variants",
    "grade": "grade",
    "export": "export",
}


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(argv: Sequence[str] | None = None) -> Parser:
    """The parser for ``argv``: the chosen command in full, the others by name only.

    With no command in ``argv`` (``symcnn --help``, a typo) every command is built, so the
    help lists them all and an error names the choices.
    """
    from . import __version__
    from .model.conventions import CONVENTIONS  # a small table: no sympy

    words = sys.argv[1:] if argv is None else argv
    chosen = next((w for w in words if not w.startswith("-")), None)
    epilog = (f"cost conventions: {', '.join(CONVENTIONS)} (a spec's [exam] convention, or --convention NAME"
              " where a command offers it; `symcnn report --compare` shows them side by side)")
    parser = Parser(prog="symcnn", description="Closed-form CNN costs as formulas and exam solutions.", epilog=epilog)
    parser.add_argument("--version", action="version", version=f"symcnn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, module_name in COMMANDS.items():
        if chosen in COMMANDS and name != chosen:
            sub.add_parser(name)  # never parsed: argparse takes the first word as the command
            continue
        module = importlib.import_module(f"symcnn.commands.{module_name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP, epilog=epilog)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def one_line(message: str, limit: int = 1000) -> str:
    """A message as one printable line: control characters escaped, length bounded.

    >>> one_line("a.toml: name must be text, got 'x'\\nnext")
    "a.toml: name must be text, got 'x'\\\\nnext"
    """
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message[: 4 * limit])
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a SymcnnError is one line on stderr and exit status 2.

    Any other exception is a bug in symcnn: it too becomes one line (naming where it
    happened) and exit status 70, unless SYMCNN_DEBUG is set, which shows the traceback.
    """
    import os

    from .errors import SymcnnError

    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.run(args))
    except SymcnnError as e:
        print(f"symcnn: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symcnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: never a traceback for users, but say where
        if os.environ.get("SYMCNN_DEBUG"):
            raise
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
        print(one_line(f"symcnn: internal error{where}: {type(e).__name__}: {e}"
                       " (please report it with the input; SYMCNN_DEBUG=1 shows the traceback)"), file=sys.stderr)
        return 70


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())

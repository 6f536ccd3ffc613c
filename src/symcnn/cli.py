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
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NoReturn, Sequence

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


class Stopped(BaseException):
    """A termination signal (SIGTERM, SIGHUP), raised where the program is so that every cleanup runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = ("SIGTERM", "SIGHUP")  # SIGINT is Python's KeyboardInterrupt already
_forks_reset: list[bool] = []


def _default_signals_in_child() -> None:
    import signal

    for name in STOP_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_DFL)


@contextmanager
def stop_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Stopped` inside, so temporary files and folders are removed.

    Forked workers get the default handlers back (a pool's terminate() must end them).
    """
    import os
    import signal

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    names = [n for n in STOP_SIGNALS if hasattr(signal, n)]
    try:
        old = {n: signal.signal(getattr(signal, n), stop) for n in names}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    if not _forks_reset and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_default_signals_in_child)
        _forks_reset.append(True)
    try:
        yield
    finally:
        for n, handler in old.items():
            signal.signal(getattr(signal, n), handler)


# what an ASCII-only terminal shows for the symbols symcnn prints
ASCII = {"⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")", "×": "x", "·": "*", "−": "-", "…": "...", "≈": "~",
         "≤": "<=", "≥": ">=", "≠": "!=", "→": "->", "—": "-", "–": "-", "‘": "'", "’": "'", "“": "'", "”": "'",
         "°": " deg", "²": "^2", "³": "^3", "√": "sqrt", "η": "eta", "δ": "delta", "θ": "theta", "Σ": "sum", "∑": "sum",
         "đ": "d", "Đ": "D", "│": "|", "┃": "|", "║": "|", "─": "-", "━": "-", "═": "-"}
SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"


def to_ascii(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: the unencodable text in ASCII (``H₁₂`` → ``H_12``, ``⌊x⌋`` → ``floor(x)``).

    >>> "⌊H₁₂/2⌋ × Hồ".encode("ascii", "symcnn-ascii")
    b'floor(H_12/2) x Ho'
    """
    import unicodedata

    if not isinstance(error, UnicodeEncodeError):
        raise error
    text, out, i = error.object[error.start:error.end], [], 0
    while i < len(text):
        if text[i] in SUBSCRIPTS:
            j = i
            while j < len(text) and text[j] in SUBSCRIPTS:
                j += 1
            out.append("_" + "".join(str(SUBSCRIPTS.index(c)) for c in text[i:j]))
            i = j
            continue
        c = text[i]
        plain = "".join(x for x in unicodedata.normalize("NFKD", c) if x.isascii() and not unicodedata.combining(x))
        out.append(ASCII.get(c) or plain or ("+" if "\u2500" <= c <= "\u257f" else "?"))
        i += 1
    return "".join(out), error.end


def _degrade_to_ascii() -> None:
    """Where stdout or stderr cannot encode symcnn's symbols (PYTHONIOENCODING=ascii), write them in ASCII."""
    import codecs

    codecs.register_error("symcnn-ascii", to_ascii)
    for stream in (sys.stdout, sys.stderr):
        try:
            "⌊H₀ × Hồ⌋".encode(getattr(stream, "encoding", None) or "ascii")
        except (UnicodeEncodeError, LookupError):
            try:
                stream.reconfigure(errors="symcnn-ascii")  # type: ignore[union-attr]
            except (AttributeError, ValueError):
                pass


def _write_errnos() -> frozenset[int]:
    import errno

    return frozenset(getattr(errno, n) for n in ("ENOSPC", "EDQUOT", "EFBIG") if hasattr(errno, n))


WRITE_ERRNOS = _write_errnos()  # raised only by a write: files go through fileio, so this is stdout or stderr


def _stdout_failed() -> bool:
    """Whether standard output cannot take what is buffered (a full disk, a closed pipe)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError:
        return True
    return False


def _silence_stdout() -> None:
    """Point the stdout descriptor at /dev/null, so the interpreter's final flush has nowhere to fail."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a SymcnnError is one line on stderr and exit status 2.

    SIGTERM and SIGHUP stop the command as Ctrl-C does: temporary files are removed, an
    existing output file is left whole, exit status 128 + the signal's number. A closed
    stdout pipe (``symcnn solve | head``) ends the command quietly with status 0; stdout
    on a full disk is one line and status 2. Any other exception is a bug in symcnn: it
    too becomes one line (naming where it happened) and exit status 70, unless
    SYMCNN_DEBUG is set, which shows the traceback.
    """
    import os

    from .errors import SymcnnError
    from .fileio import command_scope

    _degrade_to_ascii()
    args = build_parser(argv).parse_args(argv)
    try:
        with command_scope(), stop_signals():
            code = int(args.run(args))
            if sys.stdout is not None:
                sys.stdout.flush()
            return code
    except SymcnnError as e:
        print(f"symcnn: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symcnn: interrupted", file=sys.stderr)
        return 130
    except Stopped as e:
        import signal

        print(f"symcnn: stopped by {signal.Signals(e.signum).name}", file=sys.stderr)
        return 128 + e.signum
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except SystemExit as e:
        if e.code == 1:  # rich's Console.on_broken_pipe: stdout is already /dev/null; commands never exit
            return 0
        raise
    except Exception as e:  # a bug: never a traceback for users, but say where
        if isinstance(e, OSError) and (e.errno in WRITE_ERRNOS or _stdout_failed()):
            _silence_stdout()
            print(f"symcnn: error: standard output: cannot write ({e.strerror or e})", file=sys.stderr)
            return 2
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

"""Files in and out: bounded reading of input files, atomic writing of output files.

Output goes to a temporary file beside the target, which is renamed into place only
once it is complete, so a failure never leaves a partial output file and an existing
file is kept until its replacement is whole; a folder of outputs (a set of variants) is
built the same way (:func:`atomic_folder`). Input files are read up to a size limit,
and only regular files are read: a FIFO, a device or a folder is refused before it is
opened for reading, so ``/dev/zero``, a named pipe or a typo pointing at a disk never
hangs or fills memory.

Inside :func:`command_scope` (each command line run) every input read is remembered,
and an output that is one of them (after resolving symbolic links) is refused: ``symcnn
solve exam.toml --latex exam.toml`` cannot replace its own spec. A target that is not a
regular file is never renamed over: a character device or a pipe (``/dev/null``,
``/dev/stdout``) is written to directly, anything else is refused; a symbolic link to a
file is followed, and the file it names is replaced.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import SymcnnError

MAX_INPUT_BYTES = 4 * 2**20  # a 1,000-layer spec is ~110 kB
NAME_MAX = 255  # bytes in one file name (Linux, macOS); the temporary name is kept shorter
_TMP_STEM = 32  # characters of the target's name kept in its temporary file's name
_DESCRIPTOR = re.compile(r"^/(dev/(stdout|stderr|fd/\d+)|proc/(self|\d+)/fd/\d+)$")  # names an open descriptor

_inputs: set[str] | None = None  # real paths of the inputs read in the current command scope


@contextmanager
def command_scope() -> Iterator[None]:
    """Remember the inputs read inside, so that no output of the same command replaces one."""
    global _inputs
    outer, _inputs = _inputs, set()
    try:
        yield
    finally:
        _inputs = outer


def _real(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def check_not_input(path: str | Path) -> None:
    """Refuse an output path that is an input of the current command (symbolic links resolved)."""
    if _inputs and _real(Path(path)) in _inputs:
        raise SymcnnError(f"{path}: is an input of this command; writing it would destroy the input"
                          " (choose another output file)")


def _inputs_inside(folder: Path) -> list[str]:
    root = _real(folder).rstrip(os.sep) + os.sep
    return sorted(p for p in (_inputs or ()) if p.startswith(root))


def _path(path: str | Path, error: type[SymcnnError]) -> Path:
    if "\0" in str(path):
        raise error(f"{str(path)!r}: a file name cannot contain a NUL character")
    return Path(path)


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _strerror(e: OSError) -> str:
    if e.errno == errno.ENAMETOOLONG:
        return f"file name too long (at most {NAME_MAX} bytes per name)"
    return e.strerror or str(e)


def read_bytes(path: str | Path, error: type[SymcnnError] = SymcnnError, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file (at most ``limit``); every failure is ``error`` naming the file.

    The file type is checked on the opened descriptor before anything is read (a FIFO
    is opened without waiting for a writer), and at most ``limit`` + 1 bytes are read.

    >>> read_bytes("/dev/null")
    Traceback (most recent call last):
    symcnn.errors.SymcnnError: /dev/null: is a character device, not a file; symcnn reads specs, keys and models from regular files
    """
    p = _path(path, error)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{p}: no such file") from None
    except OSError as e:
        if e.errno == errno.EISDIR:
            raise error(f"{p}: is a folder, not a file") from None
        raise error(f"{p}: cannot read ({_strerror(e)})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{p}: is {_kind(mode)}, not a file; symcnn reads specs, keys and models from regular files")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(limit + 1)
    except OSError as e:
        raise error(f"{p}: cannot read ({_strerror(e)})") from None
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise error(f"{p}: larger than {limit // 2**20} MiB; symcnn reads specs and keys up to that size")
    if _inputs is not None:
        _inputs.add(_real(p))
    return raw


def read_text(path: str | Path, error: type[SymcnnError] = SymcnnError, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of an input file (:func:`read_bytes`, decoded); every failure is ``error`` naming the file.

    >>> read_text("/nonexistent/exam.toml")
    Traceback (most recent call last):
    symcnn.errors.SymcnnError: /nonexistent/exam.toml: no such file
    """
    raw = read_bytes(path, error, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(f"{Path(path)}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def _mode() -> int:
    """The permissions a plain new file gets (mkstemp's are 0600)."""
    return 0o666 & ~_umask()


@contextmanager
def atomic_stream(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary file written in pieces that appears at ``path`` only once complete.

    An existing file keeps its permissions; if anything fails (even an interrupt or a
    signal), the temporary file is removed and an existing file is left as it was. A
    character device or a pipe (``/dev/null``, ``/dev/stdout``) is written directly (it
    cannot be replaced); a symbolic link is followed; an input of the running command,
    a folder, a block device or a socket is refused before anything is written.
    """
    shown = _path(path, SymcnnError)
    check_not_input(shown)
    direct, target = _target(shown)
    if direct:
        yield from _direct(shown)
        return
    folder = target.parent
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else _mode()
        stem = target.name[:_TMP_STEM]  # at most 4 bytes a character: the temporary name fits
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise SymcnnError(f"{shown}: cannot write ({_strerror(e)})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise SymcnnError(f"{shown}: cannot write ({_strerror(e)})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _target(shown: Path) -> tuple[bool, Path]:
    """(write directly?, the path to replace): checks the name, the folder and the file type."""
    if len(os.fsencode(shown.name)) > NAME_MAX:
        raise SymcnnError(f"{shown}: cannot write (file name too long: {len(os.fsencode(shown.name))} bytes,"
                          f" at most {NAME_MAX})")
    if _DESCRIPTOR.match(os.path.abspath(shown)):
        return True, shown  # /dev/stdout: the descriptor's own file, whatever it is
    try:
        st = os.stat(shown)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise SymcnnError(f"{shown}: cannot write ({_strerror(e)})") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            return True, shown
        if stat.S_ISDIR(st.st_mode):
            raise SymcnnError(f"{shown}: is a folder, not a file")
        raise SymcnnError(f"{shown}: is {_kind(st.st_mode)}; symcnn writes only regular files, devices and pipes")
    target = Path(_real(shown)) if shown.is_symlink() else shown
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SymcnnError(f"{shown}: folder {folder} does not exist")
    return False, target


def _direct(shown: Path) -> Iterator[IO[bytes]]:
    """Write to a device or a pipe in place (there is nothing to rename); errors are one SymcnnError."""
    try:
        fd = os.open(shown, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        why = "a pipe with no reader" if e.errno == errno.ENXIO else _strerror(e)
        raise SymcnnError(f"{shown}: cannot write ({why})") from None
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
    except BrokenPipeError:
        raise  # the reader has gone (``--csv /dev/stdout | head``): the command ends quietly
    except OSError as e:
        raise SymcnnError(f"{shown}: cannot write ({_strerror(e)})") from None


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_stream(path) as f:
        f.write(raw)
    return Path(path)


@contextmanager
def atomic_folder(path: str | Path, marker: str) -> Iterator[Path]:
    """A folder built in a temporary folder beside ``path``, renamed into place once complete.

    The body writes into the yielded folder; ``marker`` (a file name) is added to it, so
    that a later run knows the folder is one of its own. An existing ``path`` is replaced
    whole, and only when it is empty or holds ``marker``: a folder of anything else is
    refused before any work, so ``--out ~`` can never wipe a home folder. If anything
    fails, the temporary folder is removed and an existing folder is left as it was.
    """
    shown = _path(path, SymcnnError)
    target = Path(os.path.abspath(shown))  # "out/", "." and "a/../b" name the folder itself
    parent = target.parent
    if len(os.fsencode(target.name)) > NAME_MAX:
        raise SymcnnError(f"{shown}: cannot write (file name too long: {len(os.fsencode(target.name))} bytes,"
                          f" at most {NAME_MAX})")
    inside = _inputs_inside(target)
    if inside:
        raise SymcnnError(f"{shown}: holds an input of this command ({inside[0]}); replacing the folder would"
                          " destroy it (choose another folder)")
    if not parent.is_dir():
        raise SymcnnError(f"{shown}: folder {parent} does not exist")
    if target.is_symlink():
        raise SymcnnError(f"{target}: is a symbolic link; give the folder itself")
    if target.exists():
        if not target.is_dir():
            raise SymcnnError(f"{target}: exists and is not a folder")
        if not (target / marker).is_file() and any(target.iterdir()):
            raise SymcnnError(f"{target}: exists and was not written by symcnn (no {marker} in it);"
                              " choose another folder or empty it first")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name[:_TMP_STEM]}.", suffix=".tmp", dir=parent))
    except OSError as e:
        raise SymcnnError(f"{target}: cannot write ({_strerror(e)})") from None
    try:
        yield tmp
        try:
            (tmp / marker).write_bytes(b"")
            os.chmod(tmp, 0o777 & ~_umask())
            _replace(tmp, target)
        except OSError as e:
            raise SymcnnError(f"{target}: cannot write ({_strerror(e)})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace(new: Path, target: Path) -> None:
    """Rename folder ``new`` to ``target``; an existing ``target`` leaves first and is removed after."""
    if not target.exists():
        os.rename(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.rename(target, old / "set")
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old / "set", target)  # put the old set back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_fresh(path: Path, data: str | bytes) -> None:
    """Write a file inside a folder that :func:`atomic_folder` is building (no one else sees it yet)."""
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

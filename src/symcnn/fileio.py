"""Files in and out: bounded reading of input files, atomic writing of output files.

Output goes to a temporary file beside the target, which is renamed into place only
once it is complete, so a failure never leaves a partial output file and an existing
file is kept until its replacement is whole; a folder of outputs (a set of variants) is
built the same way (:func:`atomic_folder`). Input files are read up to a size limit,
so a giant file, ``/dev/zero`` or a typo pointing at a disk image fails fast.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import SymcnnError

MAX_INPUT_BYTES = 4 * 2**20  # a 1,000-layer spec is ~110 kB


def _path(path: str | Path, error: type[SymcnnError]) -> Path:
    if "\0" in str(path):
        raise error(f"{str(path)!r}: a file name cannot contain a NUL character")
    return Path(path)


def read_text(path: str | Path, error: type[SymcnnError] = SymcnnError, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of an input file; every failure is ``error`` naming the file.

    >>> read_text("/nonexistent/exam.toml")
    Traceback (most recent call last):
    symcnn.errors.SymcnnError: /nonexistent/exam.toml: no such file
    """
    p = _path(path, error)
    try:
        with p.open("rb") as f:
            raw = f.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{p}: no such file") from None
    except OSError as e:
        raise error(f"{p}: cannot read ({e.strerror})") from None
    if len(raw) > limit:
        raise error(f"{p}: larger than {limit // 2**20} MiB; symcnn reads specs and keys up to that size")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(f"{p}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def _mode() -> int:
    """The permissions a plain new file gets (mkstemp's are 0600)."""
    return 0o666 & ~_umask()


@contextmanager
def atomic_stream(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary file written in pieces that appears at ``path`` only once complete.

    An existing file keeps its permissions; if anything fails (even an interrupt),
    the temporary file is removed and an existing file is left as it was.
    """
    target = _path(path, SymcnnError)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SymcnnError(f"{target}: folder {folder} does not exist")
    if target.is_dir():
        raise SymcnnError(f"{target}: is a folder, not a file")
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else _mode()
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise SymcnnError(f"{target}: cannot write ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise SymcnnError(f"{target}: cannot write ({e.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as e:
        raise SymcnnError(f"{target}: cannot write ({e.strerror})") from None
    try:
        yield tmp
        try:
            (tmp / marker).write_bytes(b"")
            os.chmod(tmp, 0o777 & ~_umask())
            _replace(tmp, target)
        except OSError as e:
            raise SymcnnError(f"{target}: cannot write ({e.strerror})") from None
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

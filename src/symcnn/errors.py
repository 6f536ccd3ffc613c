"""The small exception family every stage raises (the CLI turns it into one line, exit 2),
and :class:`Notice`, a warning that does not stop the work, worded by the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SymcnnError(Exception):
    """Base of every error symcnn raises on purpose."""


class SpecError(SymcnnError):
    """An exam spec (or command-line value) is malformed or describes an impossible network."""


class UnsupportedLayerError(SymcnnError):
    """A layer type, module or convention symcnn does not know."""


class KeyFileError(SymcnnError):
    """An answer-key file is malformed."""


class ToolMissingError(SymcnnError):
    """An external program (pdflatex, latexmk) that a command needs is not installed."""


@dataclass(frozen=True)
class Notice:
    """A warning as a catalogue key and its blanks, so each sheet words it in its language.

    >>> str(Notice("warning.pool_padding", (("layer", "pool2"), ("index", 4), ("padding", 2), ("kernel", 2))))[:55]
    'layer 4 (pool2): padding 2 is more than half the kernel'
    """

    key: str
    args: tuple[tuple[str, Any], ...] = ()

    def say(self, lang: str) -> str:
        from .catalogue import text

        return text(lang, self.key, **dict(self.args))

    def __str__(self) -> str:
        return self.say("en")

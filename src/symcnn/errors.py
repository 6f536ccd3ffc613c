"""The small exception family every stage raises; the CLI turns it into one line, exit 2."""

from __future__ import annotations


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

"""`python -m symcnn` runs the command line."""

from .cli import entry

entry()

"""Files shipped inside the package: the seed exam spec and its answer key.

Read here, in the ground layer, so that ``symcnn init`` writes the spec out without
loading the spec reader (or sympy).

>>> seed_exam_text().startswith("# The seed exam")
True
"""

from __future__ import annotations

SEED_EXAM = "seed_exam.toml"


def read(name: str) -> str:
    """A shipped file's text."""
    from importlib import resources

    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def seed_exam_text() -> str:
    """The seed exam spec, as shipped."""
    return read(SEED_EXAM)

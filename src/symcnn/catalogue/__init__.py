"""All user-facing wording: one folder of TOML files per language (``en/``, ``vi/``), one file per area.

>>> text("en", "kind.dataset.crops")
'Training samples after cropping'
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("vi", "en")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The flat key → text table of one language, merged from every file of its folder.

    Each area has its own file (``en/questions.toml``, ``en/verify.toml`` …); a key defined
    in two files is a mistake in the catalogue and raises.
    """
    flat: dict[str, str] = {}

    def walk(prefix: str, node: Any, source: str) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value, source)
            elif name in flat:
                raise ValueError(f"catalogue {lang}: {name} is defined twice (again in {source})")
            else:
                flat[name] = value

    folder = resources.files(__name__).joinpath(lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            walk("", tomllib.loads(entry.read_text(encoding="utf-8")), entry.name)
    return flat


def text(lang: str, key: str, **args: Any) -> str:
    """The text for ``key`` in ``lang``, with ``{blanks}`` filled from ``args``."""
    template = catalogue(lang).get(key)
    if template is None:
        template = catalogue("en").get(key, key)
    return template.format(**args) if args else template


def unit_name(lang: str, unit: str, value: object = None) -> str:
    """A unit in words: ``bytes``, ``byte`` after 1, ``MB``; a scaled count ``M params`` as ``million parameters``.

    >>> unit_name("en", "M params"), unit_name("vi", "K samples"), unit_name("en", "B", 1)
    ('million parameters', 'nghìn mẫu', 'byte')
    """
    prefix, _, base = unit.partition(" ")
    if base:
        return text(lang, f"unit_prefix.{prefix}", unit=unit_name(lang, base))
    if value == 1 and f"unit_one.{unit}" in catalogue(lang):
        return text(lang, f"unit_one.{unit}")
    return text(lang, "unit." + unit)

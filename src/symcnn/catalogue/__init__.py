"""All user-facing wording, one TOML catalogue per language.

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
    """The flat key → text table of one language."""
    raw = tomllib.loads(resources.files(__name__).joinpath(f"{lang}.toml").read_text(encoding="utf-8"))
    flat: dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                flat[name] = value

    walk("", raw)
    return flat


def text(lang: str, key: str, **args: Any) -> str:
    """The text for ``key`` in ``lang``, with ``{blanks}`` filled from ``args``."""
    template = catalogue(lang).get(key)
    if template is None:
        template = catalogue("en").get(key, key)
    return template.format(**args) if args else template

"""The "formulas used" section: every rule in :mod:`symcnn.model.rules`, rendered by latexify-py.

The LaTeX comes from the functions' own source, so the printed rule is the code that
computed the answers. Argument names print as they are (one letter each, italic;
``eta`` as η), function names upright.

>>> rule_latex(rules.conv_out)
'\\\\mathrm{conv\\\\_out}(n, k, p, s) = \\\\left\\\\lfloor\\\\frac{n + 2 p - k}{s}\\\\right\\\\rfloor + 1'
"""

from __future__ import annotations

from types import FunctionType

from ...model import rules


def rule_functions() -> tuple[FunctionType, ...]:
    """The public rule functions, in the order they appear in rules.py."""
    found = [f for name, f in vars(rules).items()
             if isinstance(f, FunctionType) and f.__module__ == rules.__name__ and not name.startswith("_")]
    return tuple(sorted(found, key=lambda f: f.__code__.co_firstlineno))


def rule_latex(function: FunctionType) -> str:
    """``name(args) = body`` as LaTeX, from the function's source (latexify-py)."""
    import latexify

    return str(latexify.get_latex(function, use_math_symbols=True))


def rule_names() -> tuple[str, ...]:
    """Names of the rules, for catalogue checks."""
    return tuple(f.__name__ for f in rule_functions())


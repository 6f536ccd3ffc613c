"""Escaping user text (titles, labels, layer and class names) for LaTeX.

Everything a spec or a command line supplies goes through :func:`escape` before it
reaches a ``.tex`` file, so ``\\input{/etc/passwd}`` or ``}$\\def`` print literally.
Characters the sheet's fonts cannot show (T5 encoding, pdflatex with only
texlive-latex-base and texlive-lang-other) are written as ``[U+XXXX]`` instead of
breaking the compile or pulling in bitmap fonts.

>>> escape(r"\\input{/etc/passwd} 50% & $x$")
'\\\\textbackslash{}input\\\\{/etc/passwd\\\\} 50\\\\% \\\\& \\\\$x\\\\$'
>>> escape("xoay phải 45°")
'xoay phải 45\\\\ensuremath{^\\\\circ}'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Raw:
    """LaTeX (built from escaped or printed parts) to put into a catalogue sentence as is."""

    tex: str

# ASCII characters with a meaning in LaTeX, and symbols whose default glyphs would come
# from the TS1 encoding (bitmap fonts without cm-super): each written another way.
_SPECIAL: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\ensuremath{|}",
    "\n": " ",
    "\t": " ",
    "\u00a0": "~",
    "°": r"\ensuremath{^\circ}",
    "²": r"\ensuremath{^2}",
    "³": r"\ensuremath{^3}",
    "×": r"\ensuremath{\times}",
    "÷": r"\ensuremath{\div}",
    "±": r"\ensuremath{\pm}",
    "·": r"\ensuremath{\cdot}",
    "•": r"\ensuremath{\bullet}",
    "…": r"\dots{}",
    "−": r"\ensuremath{-}",
    "→": r"\ensuremath{\to}",
    "←": r"\ensuremath{\leftarrow}",
    "≤": r"\ensuremath{\le}",
    "≥": r"\ensuremath{\ge}",
    "≠": r"\ensuremath{\ne}",
    "≈": r"\ensuremath{\approx}",
    "µ": r"\ensuremath{\mu}",
    "⌊": r"\ensuremath{\lfloor}",
    "⌋": r"\ensuremath{\rfloor}",
    "⌈": r"\ensuremath{\lceil}",
    "⌉": r"\ensuremath{\rceil}",
    "∂": r"\ensuremath{\partial}",
    "Σ": r"\ensuremath{\Sigma}",
    "Δ": r"\ensuremath{\Delta}",
    **{chr(0x3B1 + i): rf"\ensuremath{{\{name}}}" for i, name in enumerate(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi o pi rho varsigma sigma tau"
        " upsilon phi chi psi omega".split()) if name != "o"},
}

# Non-ASCII characters that compile to Type 1 glyphs in T5 with utf8 inputenc: the
# Vietnamese letters and punctuation of t5enc.dfu, and the Latin-1 / Latin Extended-A
# letters, minus those measured to fail here (no glyph in T5 or no inputenc mapping).
_VIETNAMESE = (
    "«»ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩıŨũƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐố"
    "ỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ–—‘’‚“”„‹›"
)
_FAILS = "ÐðÞþŊŋĄąĘęĮįŲųĦħĸĿŀŉŦŧſ×÷"
SUPPORTED: frozenset[str] = frozenset(
    set(_VIETNAMESE) | ({chr(c) for c in range(0xC0, 0x180)} - set(_FAILS))
)


def _char(c: str) -> str:
    if c in _SPECIAL:
        return _SPECIAL[c]
    if " " <= c <= "~" or c in SUPPORTED:
        return c
    return f"[U+{ord(c):04X}]"


BREAK_AFTER = "._-/:"  # where a long identifier (layer4.1.conv2) may wrap in a narrow column


def escape(text: str, breakable: bool = False) -> str:
    """``text`` as LaTeX that prints exactly these characters (any command is neutralised).

    With ``breakable``, a line may also break after each of ``BREAK_AFTER``.

    >>> escape("layer4.1", breakable=True)
    'layer4.\\\\allowbreak{}1'
    """
    return "".join(_char(c) + (r"\allowbreak{}" if breakable and c in BREAK_AFTER else "") for c in str(text))

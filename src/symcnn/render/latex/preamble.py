"""The document around every symcnn sheet: one preamble, per-language babel setup.

Only packages that ``apt-get install texlive-latex-base texlive-lang-other`` provides
are used (amsmath, amssymb, geometry, array, longtable, babel with vietnamese and english). The
font encoding is T5 in every language, so Vietnamese names in an English sheet print
too; its fonts (vntex) are Type 1; the itemize bullet comes from the math fonts, since T5's
would come from TS1 (bitmap fonts without cm-super). The pdfTeX
settings at the end make the PDF itself reproducible (no date, no random id).

>>> print(document("x", "en").splitlines()[3])
\\usepackage[vietnamese,english]{babel}
"""

from __future__ import annotations

# babel's option list per sheet language; the last one is the main language
BABEL: dict[str, str] = {"vi": "english,vietnamese", "en": "vietnamese,english"}

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[T5]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage[%(babel)s]{babel}
\usepackage{amsmath,amssymb}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{array,longtable}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6ex}
\setcounter{secnumdepth}{0}
\renewcommand{\labelitemi}{\ensuremath{\bullet}}
\ifdefined\pdfinfoomitdate \pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1 \fi
"""


def preamble(lang: str) -> str:
    """Everything before ``\\begin{document}`` for a sheet in ``lang``."""
    return PREAMBLE % {"babel": BABEL[lang]}


def document(body: str, lang: str) -> str:
    """A complete LaTeX document: the preamble, then ``body`` (already escaped LaTeX)."""
    return f"{preamble(lang)}\\begin{{document}}\n{body.rstrip()}\n\\end{{document}}\n"


def page_footer(label: str) -> str:
    """LaTeX that puts ``label`` (LaTeX, e.g. a variant's code) before the page number in every footer."""
    return (r"\makeatletter\renewcommand{\@oddfoot}{\hfil\small " + label + r"\quad\thepage\hfil}"
            r"\renewcommand{\@evenfoot}{\@oddfoot}\makeatother")

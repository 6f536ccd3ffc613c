"""LaTeX output: one printer, one preamble, one escape function, one compile function.

Other LaTeX documents (e.g. a key-review sheet) reuse these four pieces:

- :func:`escape` for any text that comes from a spec, a key file or the command line;
- :func:`formula_latex` / :class:`SheetPrinter` (``pieces`` for breakable sums),
  :func:`value_latex` and :func:`number_latex` for math;
- :func:`document` (with :func:`preamble`) to wrap a body into a compilable file;
- :func:`compile_pdf` to build the PDF safely (no shell escape, timeout, atomic), or
  :func:`run_latex` to get the PDF bytes and TeX's log without writing files, or
  :func:`write_document` to write the .tex and, optionally, the PDF beside it.
"""

from .compile import LatexError, LatexRun, compile_pdf, find_engine, run_latex, write_document
from .escape import escape
from .preamble import document, preamble
from .printer import Piece, SheetPrinter, formula_latex, number_latex, printer, value_latex

__all__ = [
    "LatexError",
    "LatexRun",
    "Piece",
    "SheetPrinter",
    "compile_pdf",
    "document",
    "escape",
    "find_engine",
    "formula_latex",
    "number_latex",
    "preamble",
    "printer",
    "run_latex",
    "value_latex",
    "write_document",
]

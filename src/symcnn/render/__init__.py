"""Rendering: numbers and formulas as text, the terminal tables, JSON, plots and LaTeX sheets.

Printers never compute: they render the values (steps, answers, reviews) the layers below give.
"""

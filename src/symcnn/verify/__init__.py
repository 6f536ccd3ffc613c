"""Verify an answer key against the derived answers, and explain every wrong value.

Stages, in the order the data flows: :mod:`keyfile` (TOML → :class:`KeyFile`),
:mod:`arith` (working lines, parsed without eval), :mod:`graph` (the exam as one dataflow
graph of exact numbers, compiled once), :mod:`mistakes` (the mistake grammar: one table
entry per kind, applied to the graph), :mod:`diagnose` (the smallest-explanation search,
with :class:`~.diagnose.Diagnoser` for grading) and :mod:`review` (verdicts per question).
"""

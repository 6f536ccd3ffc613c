"""Verify an answer key against the derived answers, and explain every wrong value.

Stages, in the order the data flows: :mod:`keyfile` (TOML → :class:`KeyFile`),
:mod:`arith` (working lines, parsed without eval), :mod:`perturb` (the table of
perturbation generators), :mod:`diagnose` (the smallest-explanation search) and
:mod:`review` (verdicts per question).
"""

"""Shared fixtures: the embedded exam, solved once per session."""

from __future__ import annotations

import pytest

from symcnn import load_exam, solve


@pytest.fixture(scope="session")
def exam():
    return load_exam()


@pytest.fixture(scope="session")
def solution(exam):
    return solve(exam)

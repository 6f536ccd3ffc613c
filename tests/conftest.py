"""Shared fixtures: the embedded exam, solved once per session.

With ``SYMCNN_REQUIRE_ALL=1`` (set by .ci/run) a skipped test fails the run: CI installs
torch, the peer counters, matplotlib and TeX, so there a skip means a cross-check that
silently did not happen.
"""

from __future__ import annotations

import os

import pytest

from symcnn import load_exam, solve


@pytest.fixture(scope="session")
def exam():
    return load_exam()


@pytest.fixture(scope="session")
def solution(exam):
    return solve(exam)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("SYMCNN_REQUIRE_ALL") != "1" or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write("\n")
        for nodeid, why in dict((r.nodeid, r.longrepr) for r in skipped).items():
            reporter.write_line(f"SYMCNN_REQUIRE_ALL: {nodeid} was skipped: {why}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

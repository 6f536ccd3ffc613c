"""Start-up: only code that needs sympy imports it (a behaviour test; the timings are in benchmarks/startup.py).

Each case runs in a fresh interpreter and reports whether ``sympy`` ended up in
``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"

PROBE = """
import contextlib, io, json, sys
{setup}
with contextlib.redirect_stdout(io.StringIO()):
    {code}
print(json.dumps({{"sympy": "sympy" in sys.modules, "numpy": "numpy" in sys.modules,
                  "symcnn": sorted(m for m in sys.modules if m.startswith("symcnn."))}}))
"""


def imported(code: str, setup: str = "") -> dict:
    probe = PROBE.format(setup=setup, code=code)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(SRC)})
    return json.loads(out.stdout.splitlines()[-1])


@pytest.mark.parametrize("label, code", [
    ("the top-level help", "import symcnn.cli as c; c.build_parser([]).format_help()"),
    ("symcnn init", "import symcnn.cli as c; c.main(['init', sys.argv[0] + '.toml', '--force'])"),
    ("symcnn sweep", "import symcnn.cli as c; c.main(['sweep', '--size', '30:40'])"),
    ("symcnn sweep --json", "import symcnn.cli as c; c.main(['sweep', '--size', '30:32', '--json'])"),
    ("reading a spec", "from symcnn.exam.spec import load_exam; load_exam()"),
    ("evaluating a network", "from symcnn.exam.spec import load_exam; from symcnn.model.network import evaluate;"
                             " evaluate(load_exam().network)"),
    ("the package's names", "import symcnn; symcnn.SymcnnError"),
])
def test_starting_up_does_not_import_sympy(label, code, tmp_path):
    got = imported(code, setup=f"sys.argv[0] = {str(tmp_path / 'spec')!r}")
    assert not got["sympy"], f"{label} imported sympy"


def test_a_command_imports_only_its_own_module():
    got = imported("import symcnn.cli as c; c.main(['init', sys.argv[0] + '.toml', '--force'])",
                   setup="import tempfile, os; sys.argv[0] = os.path.join(tempfile.mkdtemp(), 'spec')")
    assert [m for m in got["symcnn"] if m.startswith("symcnn.commands.")] == ["symcnn.commands.init"]
    assert not got["numpy"]


def test_solving_does_import_sympy():
    """The probe can see sympy (else the tests above could not fail)."""
    got = imported("import symcnn.cli as c; c.main(['solve', '--json'])")
    assert got["sympy"]

"""The README stands alone: its Python examples run, its model-spec example is a valid spec,
and nothing in the project sends readers to files they do not have.

Each ```python block of README.md with ``>>>`` lines runs as a doctest (a block that
imports torch skips without the torch extra).
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)
PYTHON = [body for lang, body in BLOCKS if lang == "python" and ">>>" in body]


def test_readme_has_runnable_examples():
    assert len(PYTHON) >= 3


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_readme_python_block_runs(index):
    body = PYTHON[index]
    if "import torch" in body:
        pytest.importorskip("torch", reason="this README example needs the torch extra")
    globs: dict = {}
    for earlier in PYTHON[:index]:  # a block may use names of the blocks before it
        if "import torch" not in earlier:
            _run(earlier, globs)
    failures = _run(body, globs)
    assert failures == 0, f"README block {index + 1} failed (see the doctest report above)"


def _run(body: str, globs: dict) -> int:
    test = doctest.DocTestParser().get_doctest(body, globs, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, clear_globs=False)
    globs.update(test.globs)
    return runner.failures


def test_readme_model_spec_example_is_a_valid_spec():
    """The model-spec example parses, and its block use expands as the text says."""
    from symcnn.model.network import evaluate
    from symcnn.models.zoo import parse_model

    (spec,) = [body for lang, body in BLOCKS if lang == "toml" and "[blocks." in body]
    model = parse_model(spec, "README.md", "readme")
    names = [n.name for n in model.network.nodes]
    assert names[:4] == ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu", "layer1.0.add"]
    assert "layer1.1.add" in names and names[-1] == "fc"
    # 3×3 conv, 16 → 16 channels, no bias, twice; BatchNorm 2·16 twice; dense 16 → 10 with bias
    assert evaluate(model.network).params == 2 * (3 * 3 * 16 * 16 + 2 * 16) + 16 * 10 + 10


def test_nothing_refers_to_files_users_do_not_have():
    """Item 25 of issue 16: the project's own docs hold the facts; no REFERENCE.md, no ../shared."""
    found = []
    for path in [*ROOT.joinpath("src").rglob("*"), *ROOT.joinpath("tests").rglob("*.py"), ROOT / "README.md",
                 *ROOT.joinpath("docs").rglob("*.md"), *ROOT.joinpath("benchmarks").rglob("*.py"), ROOT / ".ci" / "run"]:
        if path.is_file() and path.suffix in (".py", ".md", ".toml", "") and path.name != Path(__file__).name:
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(ROOT)}" for word in ("REFERENCE.md", "../shared", "/work/shared")
                      if word in text]
    assert not found, f"references to files users do not have: {found}"

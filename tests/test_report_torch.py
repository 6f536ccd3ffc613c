"""``symcnn report torchvision:NAME`` and ``symcnn report --torch package.module:factory``:
one-line errors without torch or torchvision, strict checking of the factory string, and a
user's own model reported with its formulas in H and W; refusals of size-bound models."""

from __future__ import annotations

import sys
import textwrap

import pytest

from symcnn.cli import main
from symcnn.models.vision import parse_factory


def run_cli(capsys, *args):
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("text", ["os.system('ls'):x", "a.b", "a:b:c", ":f", "1a:b", "a..b:f", "a.b:", "a b:f",
                                  "__import__('os'):f", "a.b:f()", "a;b:f"])
def test_factory_strings_are_checked_word_by_word(capsys, text):
    code, out, err = run_cli(capsys, "--torch", text)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--torch must be package.module:factory (Python names only)" in err


def test_factory_string_parts():
    assert parse_factory("pkg.sub.mod:make_net") == ("pkg.sub.mod", "make_net")


def test_a_model_and_torch_together_are_refused(capsys):
    code, out, err = run_cli(capsys, "resnet18", "--torch", "a.b:f")
    assert code == 2 and out == "" and "give a model or --torch, not both" in err


def test_torchvision_absent_is_one_line(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import torchvision raises ImportError
    code, out, err = run_cli(capsys, "torchvision:resnet18")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "torchvision:NAME needs torchvision (pip install 'symcnn[torchvision]')" in err


def test_missing_module_and_factory(capsys, tmp_path, monkeypatch):
    pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.14.1")
    (tmp_path / "mynets_missing.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    code, _, err = run_cli(capsys, "--torch", "mynets_missing:make")
    assert code == 2 and "--torch mynets_missing:make: mynets_missing has no function make" in err
    code, _, err = run_cli(capsys, "--torch", "no_such_pkg_here.mod:make")
    assert code == 2 and "cannot import no_such_pkg_here.mod" in err


def test_failing_factory_and_module_are_one_line(capsys, tmp_path, monkeypatch):
    pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.14.1")
    (tmp_path / "mynets_failing.py").write_text("def needs(depth):\n    return depth\n\ndef boom():\n    raise RuntimeError('no weights here')\n")
    (tmp_path / "mynets_broken.py").write_text("def make(:\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for target, words in (("mynets_failing:needs", "needs() failed: TypeError"),
                          ("mynets_failing:boom", "boom() failed: RuntimeError: no weights here"),
                          ("mynets_broken:make", "cannot import mynets_broken: SyntaxError")):
        code, out, err = run_cli(capsys, "--torch", target)
        assert code == 2 and out == "" and err.count("\n") == 1 and words in err, (target, err)


OWN = '''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.act = nn.SiLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.act(self.conv(x))
        return self.fc(torch.flatten(self.pool(x), 1))


def make():
    return Net()


def not_a_module():
    return 42
'''


def test_own_model_report_with_formulas(capsys, tmp_path, monkeypatch):
    pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.14.1")
    (tmp_path / "mynets_own.py").write_text(textwrap.dedent(OWN))
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, err = run_cli(capsys, "--torch", "mynets_own:make", "--size", "64x48", "--json")
    assert code == 0, err
    import json

    data = json.loads(out)
    text = json.dumps(data, ensure_ascii=False)
    # by hand: conv 3·3·3·8 + 8 = 224, fc 8·10 + 10 = 90; conv MACs 216 · 32·24 = 165,888, fc 80
    assert 224 + 90 in _ints(data) and 165_888 + 80 in _ints(data)
    assert "H_0" in text or "H₀" in text
    code, _, err = run_cli(capsys, "--torch", "mynets_own:not_a_module")
    assert code == 2 and "not_a_module() returned a int, not a torch module" in err


def _ints(data):
    out = set()
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, int):
            out.add(v)
    return out


def test_size_bound_models_are_refused_in_one_line():
    torch = pytest.importorskip("torch", reason="torch is an optional extra; CI installs torch==2.14.1")
    from torch import nn

    from symcnn.errors import UnsupportedLayerError
    from symcnn.models.importer import from_torch

    class Embedded(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.pos = nn.Parameter(torch.zeros(1, 4, 16, 16))

        def forward(self, x):
            return self.conv(x) + self.pos

    class HardView(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.fc = nn.Linear(4 * 16 * 16, 2)

        def forward(self, x):
            return self.fc(self.conv(x).view(1, 1024))

    with pytest.raises(UnsupportedLayerError, match=r"adds the parameter pos of fixed shape 1×4×16×16 \(a position"
                                                    r" embedding\): the forward depends on the input size"):
        from_torch(Embedded(), (3, 16, 16))
    with pytest.raises(UnsupportedLayerError, match=r"^the forward works at 16x16 but fails \(.*\) at 48x48: it depends"
                                                    r" on the input size in a way that is no formula in H and W") as e:
        from_torch(HardView(), (3, 16, 16))
    assert "\n" not in str(e.value)

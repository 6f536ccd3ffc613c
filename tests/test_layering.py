"""The package is layered as the data flows; this test holds the order and guards it.

Every import inside ``src/symcnn`` (at module level or inside a function) is an edge of
the import graph. A module may import modules of its own package and of lower layers only,
and the graph has no cycle. ``ORDER`` is the one place that states the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "symcnn"

ORDER: tuple[tuple[str, ...], ...] = (
    # the ground everyone stands on: errors, atomic files, checked input, wording, embedded data
    ("errors", "fileio", "checked", "catalogue", "data"),
    ("model",),  # rules, layers, network, conventions, training: a network alone
    ("exam",),  # spec → Exam, questions → answers made of steps, solve
    ("scaling", "models"),  # sweeps and formulas in H, W; importer, zoo, report
    ("verify",),  # answer keys → verdicts and diagnoses
    ("render",),  # numbers, terminal, JSON, plots, LaTeX
    ("classroom",),  # papers, variants, grading, export
    ("commands", "cli", "regenerate", "__main__", "__init__"),  # the top
)
RANK = {name: i for i, names in enumerate(ORDER) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def room(module: str) -> str:
    """The top-level part of ``symcnn`` a module belongs to (``symcnn.exam.spec`` → ``exam``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(module: str) -> set[str]:
    """Every symcnn module that ``module`` imports, anywhere in its source."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "symcnn")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "symcnn":
                target = node.module
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in MODULES else target)
    return {m for m in out if m in MODULES and m != module}


GRAPH = {m: imports(m) for m in MODULES}


def test_every_room_has_a_layer():
    assert {room(m) for m in MODULES} <= set(RANK), sorted({room(m) for m in MODULES} - set(RANK))


def upward(module: str, graph: dict[str, set[str]]) -> list[str]:
    """The modules ``module`` imports from higher layers, or from another room of its own layer
    (rooms of the ground and of the top may use each other; the cycle check still holds)."""
    mine, top = room(module), len(ORDER) - 1
    return [target for target in sorted(graph[module])
            if room(target) != mine and (RANK[room(target)] > RANK[mine]
                                         or RANK[room(target)] == RANK[mine] not in (0, top))]


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` (``[a, b, a]``), or ``[]``."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(m: str) -> list[str]:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return []

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module):
    found = upward(module, GRAPH)
    assert found == [], f"{module} (layer {RANK[room(module)]}) imports {found}: lower layers never import higher ones"


def test_no_import_cycle():
    assert find_cycle(GRAPH) == []


def test_the_guard_catches_upward_and_cyclic_imports():
    """Both checks fail on a graph with one made-up upward edge or one made-up cycle."""
    assert "symcnn.model.network" in GRAPH["symcnn.exam.spec"]  # the graph sees real edges, lazy ones too
    assert "symcnn.render.latex.sheet" in GRAPH["symcnn.commands.solve"]
    bad = {**GRAPH, "symcnn.exam.steps": GRAPH["symcnn.exam.steps"] | {"symcnn.render.latex.notebook"}}
    assert upward("symcnn.exam.steps", bad) == ["symcnn.render.latex.notebook"]
    assert "symcnn.model.rules" in GRAPH["symcnn.model.layers"]
    looped = {**GRAPH, "symcnn.model.rules": GRAPH["symcnn.model.rules"] | {"symcnn.model.layers"}}
    assert find_cycle(looped) in (["symcnn.model.layers", "symcnn.model.rules", "symcnn.model.layers"],
                                  ["symcnn.model.rules", "symcnn.model.layers", "symcnn.model.rules"])

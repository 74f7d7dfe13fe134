"""The layering of docs/architecture.md holds: no import cycle between the project's modules, and the contracts of
pyproject.toml ([tool.importlinter]) kept. Function-local imports count as much as those at the top of a file."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def import_graph() -> grimp.ImportGraph:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return grimp.build_graph("sohosolo", exclude_type_checking_imports=True, cache_dir=None)


def cycles(nodes: list[str], imported_by) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(sorted(edges), edges.__getitem__) == [["a", "b", "c"]]


def test_no_import_cycle_between_the_projects_modules():
    graph = import_graph()
    found = cycles(sorted(graph.modules), graph.find_modules_directly_imported_by)
    described = [
        " → ".join(component)
        + ": "
        + "; ".join(
            f"{a} imports {b} (line {d['line_number']})"
            for a in component
            for b in component
            if a != b
            for d in graph.get_import_details(importer=a, imported=b)
        )
        for component in found
    ]
    assert not found, "Import cycles:\n" + "\n".join(described)


def test_the_layering_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0, (
        "A contract of [tool.importlinter] in pyproject.toml is broken: see above, and docs/architecture.md"
    )

"""The package layout holds: no import circles, imports only run downward, rooms documented.

Imports are read with :mod:`ast` from the source files (every ``import`` anywhere in a module,
inside functions too, since a lazy import is still a dependency). The allowed directions are the
table of ``docs/architecture.md``.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import networkx as nx
import pytest

from _util import ROOT

PKG = ROOT / "src" / "siting"

GROUND = {"_version", "errors", "settings", "units", "_io", "data", "decay"}
#: unit (top-level module or sub-package of siting) -> the units it may import (besides itself).
_STANDARDS = GROUND
_NETWORK = GROUND
_OPTIMIZE = GROUND
_INPUTS = GROUND | {"standards", "network"}
_SCENARIO = _INPUTS | {"inputs"}
_COVERAGE = _SCENARIO | {"scenario"}
_INDICATORS = _COVERAGE | {"coverage"}
_ACCESS = _COVERAGE | {"coverage"}
_RESULTS = _INDICATORS | {"indicators", "access", "optimize"}
_PLANNING = _RESULTS | {"results"}
_PIPELINE = _PLANNING | {"planning"}
_OUTPUTS = _RESULTS | {"results"}  # results and below: never the pipeline or planning
_ABOVE_PIPELINE = _PIPELINE | {"pipeline", "outputs"}
ALLOWED: dict[str, set[str]] = {
    **dict.fromkeys(GROUND, GROUND),
    "standards": _STANDARDS,
    "network": _NETWORK,
    "optimize": _OPTIMIZE,
    "inputs": _INPUTS,
    "scenario": _SCENARIO,
    "coverage": _COVERAGE,
    "indicators": _INDICATORS,
    "access": _ACCESS,
    "results": _RESULTS,
    "planning": _PLANNING,
    "pipeline": _PIPELINE,
    "outputs": _OUTPUTS,
    "check": _ABOVE_PIPELINE,
    "batch": _ABOVE_PIPELINE | {"check"},
    "serve": _ABOVE_PIPELINE | {"check"},
    "cli": _ABOVE_PIPELINE | {"check", "batch", "serve"},
}
TOP = {"__init__", "__main__"}  # the package's front door re-exports everything


def _module_name(path: Path, pkg: Path = PKG) -> str:
    parts = list(path.relative_to(pkg.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(pkg: Path = PKG) -> dict[str, Path]:
    return {_module_name(p, pkg): p for p in pkg.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path], pkg: Path = PKG) -> set[str]:
    """siting modules imported anywhere in ``path`` (resolved to modules, not names)."""
    name = _module_name(path, pkg)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "siting")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "siting":
                continue
            for a in node.names:  # "from siting import settings" imports the module siting.settings
                sub = f"{mod}.{a.name}"
                out.add(sub if sub in modules else mod)
    return out


def import_graph(pkg: Path = PKG) -> nx.DiGraph:
    """Module -> imported module, for every siting module under ``pkg``."""
    modules = _modules(pkg)
    g = nx.DiGraph()
    for name, path in modules.items():
        g.add_node(name)
        for dep in _imports(path, modules, pkg):
            assert dep in modules, f"{name} imports {dep}, which does not exist"
            if dep != name:
                g.add_edge(name, dep)
    return g


def _unit(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def circles(g: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]


def upward(g: nx.DiGraph) -> list[str]:
    wrong = []
    for a, b in g.edges:
        ua, ub = _unit(a), _unit(b)
        if ua in TOP or ua == ub:
            continue
        if ub not in ALLOWED.get(ua, set()):
            wrong.append(f"{a} imports {b} ({ua} may import {', '.join(sorted(ALLOWED.get(ua, ()))) or 'nothing'})")
    return sorted(wrong)


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    return import_graph()


def test_no_import_circle(graph):
    assert not circles(graph), f"import circles: {circles(graph)}"


def test_every_unit_has_a_rule():
    units = {_unit(m) for m in _modules()} - TOP
    assert units <= set(ALLOWED), f"add these to ALLOWED and to docs/architecture.md: {sorted(units - set(ALLOWED))}"


def test_imports_only_run_downward(graph):
    assert not upward(graph), "upward or sideways imports:\n" + "\n".join(upward(graph))


def test_the_checker_finds_a_circle_and_an_upward_import(tmp_path):
    """The checker on a made-up tree: a lazy upward import and a two-module circle are both found."""
    pkg = tmp_path / "siting"
    for rel, text in {
        "__init__.py": "",
        "errors.py": "",
        "network/__init__.py": "from siting.network.graph import Net\n",
        "network/graph.py": "from siting.errors import X\n\ndef f():\n    from siting.outputs.maps import draw\n",
        "outputs/__init__.py": "",
        "outputs/maps.py": "from .style import colour\n",
        "outputs/style.py": "from siting.outputs import maps\n",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    g = import_graph(pkg)
    assert circles(g) == [["siting.outputs.maps", "siting.outputs.style"]]
    assert upward(g) == ["siting.network.graph imports siting.outputs.maps (network may import "
                         + ", ".join(sorted(ALLOWED["network"])) + ")"]


def test_sub_packages_say_what_they_are_for_and_are_installed():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    installed = set(cfg["tool"]["setuptools"]["packages"])
    for init in PKG.rglob("__init__.py"):
        name = _module_name(init)
        assert name in installed, f"{name} is missing from [tool.setuptools] packages in pyproject.toml"
        if name == "siting":
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "May import" in doc, f"{init}: the docstring must say what the room is for and what it may import"


def test_no_module_over_600_lines():
    long = {str(p.relative_to(PKG)): n for p in PKG.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 620}
    assert not long, f"split these along their seams: {long}"


def test_public_api_is_unchanged():
    import siting

    for name in siting.__all__:
        assert hasattr(siting, name), name
    # what __all__ offered before the layout moved into packages
    before = {
        "CRSError", "Category", "CoverageProblem", "CoverageResult", "InputError", "MissingDependency",
        "MissingFileError", "Nearest", "Network", "NetworkError", "OfflineError", "Plan", "RunResult",
        "SPEED_PROFILES", "Scenario", "ScenarioError", "SitingError", "Snap", "SolverError", "Threshold",
        "capacity_from_floor_area", "check_batch", "check_development", "coverage", "frontier",
        "frontier_chart", "graph_from_download", "graph_from_file", "graph_from_pyrosm", "greedy",
        "list_standards", "load_scenario", "load_standard", "nearest", "pairs_within", "prepare_check",
        "read_development", "write_report", "parse_threshold", "priority_weights", "resolve_categories",
        "resolve_speed", "run_batch", "run_scenario", "scenarios_from_files", "scenarios_from_template",
        "settings", "solve_max_cover", "solve_multi", "solve_set_cover", "solve_target", "write_outputs",
    }
    assert before <= set(siting.__all__)

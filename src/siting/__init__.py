"""siting: plan community services around the 15-minute life circle.

The stages, each usable alone (see docs/architecture.md)::

    from siting import load_scenario, run_scenario, write_outputs
    sc = load_scenario("scenarios/demo.toml")
    res = run_scenario(sc)          # network, demand, facilities, coverage, indicators, plan
    write_outputs(res)              # out/demo/ (map, report, tables), maps/demo.html

Inputs as planners hand them over: :func:`read_table` (CSV in any encoding, ``.xlsx``),
:func:`read_lines` and :meth:`Network.from_gdf` (road centrelines), :class:`RejectedRows` (the bad
rows a run dropped); :mod:`siting.inputs` for the loaders.

Lower-level: :class:`Network` (compiled road network), :func:`nearest` and
:func:`pairs_within` (bounded shortest paths), :func:`coverage`, :mod:`siting.optimize`.
"""

from siting import settings
from siting._version import __version__
from siting.batch import run_batch, scenarios_from_files, scenarios_from_template
from siting.check import check_batch, check_development, prepare_check, read_development, write_report
from siting.coverage import CoverageResult, coverage
from siting.errors import (
    CRSError,
    DownloadError,
    InputError,
    MissingDependency,
    MissingFileError,
    NetworkError,
    OfflineError,
    OutputError,
    ScenarioError,
    SitingError,
    SolverError,
)
from siting.inputs import ReadOptions, RejectedRows, read_table
from siting.network import (
    LineRules,
    Nearest,
    Network,
    Snap,
    graph_from_download,
    graph_from_file,
    graph_from_pyrosm,
    nearest,
    pairs_within,
    read_lines,
)
from siting.optimize import (
    CoverageProblem,
    Plan,
    capacity_from_floor_area,
    frontier,
    frontier_chart,
    greedy,
    priority_weights,
    solve_max_cover,
    solve_multi,
    solve_set_cover,
    solve_target,
)
from siting.outputs import write_outputs
from siting.pipeline import run_scenario
from siting.results import RunResult
from siting.scenario import Scenario, load_scenario
from siting.standards import Category, list_standards, load_standard, resolve_categories
from siting.units import SPEED_PROFILES, Threshold, parse_threshold, resolve_speed

__all__ = [
    "SPEED_PROFILES",
    "CRSError",
    "Category",
    "CoverageProblem",
    "CoverageResult",
    "DownloadError",
    "InputError",
    "LineRules",
    "MissingDependency",
    "MissingFileError",
    "Nearest",
    "Network",
    "NetworkError",
    "OfflineError",
    "OutputError",
    "Plan",
    "ReadOptions",
    "RejectedRows",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SitingError",
    "Snap",
    "SolverError",
    "Threshold",
    "__version__",
    "capacity_from_floor_area",
    "check_batch",
    "check_development",
    "coverage",
    "frontier",
    "frontier_chart",
    "graph_from_download",
    "graph_from_file",
    "graph_from_pyrosm",
    "greedy",
    "list_standards",
    "load_scenario",
    "load_standard",
    "nearest",
    "pairs_within",
    "parse_threshold",
    "prepare_check",
    "priority_weights",
    "read_development",
    "read_lines",
    "read_table",
    "resolve_categories",
    "resolve_speed",
    "run_batch",
    "run_scenario",
    "scenarios_from_files",
    "scenarios_from_template",
    "settings",
    "solve_max_cover",
    "solve_multi",
    "solve_set_cover",
    "solve_target",
    "write_outputs",
    "write_report",
]

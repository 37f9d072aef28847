"""Solver names and limits for :mod:`siting.optimize` (private plumbing).

The back ends themselves (CBC as a watched child process, HiGHS through highspy) live in
:mod:`siting.optimize.mip`; this module checks what the caller asked for and runs them.
"""

from __future__ import annotations

import math

import numpy as np

from siting.errors import MissingDependency, SolverError
from siting.optimize.mip import MIPResult, SparseMIP, solve_sparse

SOLVERS = ("cbc", "highs")


def check_solver(name: str) -> str:
    """Normalise a solver name; raise :class:`SolverError` naming the choices."""
    key = str(name).strip().lower()
    if key not in SOLVERS:
        raise SolverError(
            f"solver = {name!r} is unknown: choose one of {', '.join(SOLVERS)} "
            "(cbc is bundled with pulp; highs needs the highspy package)"
        )
    if key == "highs":
        try:
            import highspy  # noqa: F401
        except ImportError as exc:  # pragma: no cover - highspy is a dependency
            raise MissingDependency(
                "solver 'highs' needs highspy: pip install highspy, or use solver='cbc'"
            ) from exc
    return key


def _check_limits(time_limit: float | None, gap: float | None) -> None:
    if time_limit is not None and not (isinstance(time_limit, (int, float))
                                       and math.isfinite(time_limit) and time_limit > 0):
        raise SolverError(f"time_limit = {time_limit!r} must be a positive number of seconds")
    if gap is not None and not (isinstance(gap, (int, float)) and 0 <= gap < 1):
        raise SolverError(f"gap = {gap!r} must be a relative gap in [0, 1), e.g. 0.001")


def run_mip(mip: SparseMIP, solver: str, *, time_limit: float | None, gap: float | None,
            threads: int | None = None, start: np.ndarray | None = None) -> MIPResult:
    """Solve a sparse MIP; never raises on a time limit or a solver crash."""
    solver = check_solver(solver)
    _check_limits(time_limit, gap)
    return solve_sparse(mip, solver, time_limit=time_limit, gap=gap, threads=threads,
                        start=start)

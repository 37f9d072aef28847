"""Solver names and limits for :mod:`siting.optimize` (private plumbing).

The back ends themselves (CBC as a watched child process, HiGHS in a thread or a watched
child process) live in :mod:`siting.optimize.mip`; this module checks what the caller asked
for, resolves ``"auto"`` and runs them.

``solver="auto"`` (the default) picks HiGHS: it is the back end that takes the local search's
plans while it runs and hands out its incumbents (callbacks), and on the models siting builds
it matched or beat CBC in the measurements of ``docs/optimize.md``. CBC is used by ``"auto"``
only when highspy cannot be imported.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from siting.errors import MissingDependency, SolverError
from siting.optimize.jobs import solve_sparse
from siting.optimize.mip import MIPResult, SparseMIP

SOLVERS = ("auto", "cbc", "highs")


def _has_highs() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:  # pragma: no cover - highspy is a dependency
        return False
    return True


def check_solver(name: str) -> str:
    """Normalise a solver name; raise :class:`SolverError` naming the choices."""
    key = str(name).strip().lower()
    if key not in SOLVERS:
        raise SolverError(
            f"solver = {name!r} is unknown: choose one of {', '.join(SOLVERS)} "
            "(auto picks HiGHS; cbc is bundled with pulp; highs needs the highspy package)"
        )
    if key == "highs" and not _has_highs():  # pragma: no cover - highspy is a dependency
        raise MissingDependency(
            "solver 'highs' needs highspy: pip install highspy, or use solver='cbc'"
        )
    return key


def resolve_solver(name: str) -> str:
    """The back end that runs for a (checked) solver name: ``"auto"`` becomes ``"highs"``
    (``"cbc"`` when highspy is missing)."""
    if name == "auto":
        return "highs" if _has_highs() else "cbc"
    return name


def _check_limits(time_limit: float | None, gap: float | None) -> None:
    if time_limit is not None and not (isinstance(time_limit, (int, float))
                                       and not isinstance(time_limit, bool)
                                       and math.isfinite(time_limit) and time_limit > 0):
        raise SolverError(f"time_limit = {time_limit!r} must be a positive number of seconds")
    if gap is not None and not (isinstance(gap, (int, float)) and 0 <= gap < 1):
        raise SolverError(f"gap = {gap!r} must be a relative gap in [0, 1), e.g. 0.001")


def run_mip(mip: SparseMIP, solver: str, *, time_limit: float | None, gap: float | None,
            threads: int | None = None, start: np.ndarray | None = None,
            cancel: Callable[[], bool] | None = None) -> MIPResult:
    """Solve a sparse MIP and wait; never raises on a time limit or a solver crash.
    ``solver`` may be ``"auto"``; ``cancel()`` returning True stops the solve early."""
    solver = resolve_solver(check_solver(solver))
    _check_limits(time_limit, gap)
    return solve_sparse(mip, solver, time_limit=time_limit, gap=gap, threads=threads,
                        start=start, cancel=cancel)

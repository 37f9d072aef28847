"""Solver handling for :mod:`siting.optimize`: CBC and HiGHS through pulp (private plumbing).

* ``"cbc"`` — ``pulp.PULP_CBC_CMD`` (the CBC binary bundled with pulp). Warm start through
  pulp's ``warmStart=True`` (an ``.mst`` file from ``LpVariable.setInitialValue``). pulp does
  not return CBC's best bound, so the solver log is written to a temporary file and parsed
  (``Lower bound:`` / ``Upper bound:`` / ``best possible``).
* ``"highs"`` — ``pulp.HiGHS`` (highspy, in process). pulp 3.3 does not pass a start to
  highspy (its ``warmStart`` exists only for ``HiGHS_CMD``), so :class:`_HiGHSWarm` hands the
  initial values to ``Highs.setSolution`` between building and running the model, and reads
  the model status, ``mip_dual_bound`` and ``mip_gap`` from highspy itself (pulp reports a
  time limit as "Optimal").
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from ._errors import MissingDependency, SolverError

logger = logging.getLogger(__name__)

SOLVERS = ("cbc", "highs")


@dataclass(frozen=True)
class SolveOutcome:
    """What a MIP run gave: status, whether values are present, bound in the model's sense."""

    status: str  # "optimal" | "time_limit" | "infeasible" | "no_solution"
    has_solution: bool
    bound: float | None
    seconds: float
    solver: str


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


def run_mip(prob, solver: str, *, time_limit: float | None, gap: float | None,
            warm: bool, threads: int | None = None) -> SolveOutcome:
    """Solve a pulp problem; never raises on a time limit."""
    import pulp

    solver = check_solver(solver)
    _check_limits(time_limit, gap)
    maximize = prob.sense == pulp.LpMaximize
    t0 = time.perf_counter()
    if solver == "cbc":
        with tempfile.TemporaryDirectory(prefix="siting-cbc-") as tmp:
            log_path = os.path.join(tmp, "cbc.log")
            cmd = _cbc_command(msg=False, timeLimit=time_limit, gapRel=gap, warmStart=warm,
                               logPath=log_path, threads=threads)
            try:
                prob.solve(cmd)
            except pulp.PulpSolverError as exc:
                raise SolverError(f"CBC failed: {exc}; try solver='highs'") from exc
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                log_text = fh.read()
        secs = time.perf_counter() - t0
        status, has_sol, bound = _parse_cbc(log_text, prob, maximize)
    else:
        cmd = _HiGHSWarm(msg=False, timeLimit=time_limit, gapRel=gap, threads=threads,
                         use_start=warm)
        prob.solve(cmd)
        secs = time.perf_counter() - t0
        status, has_sol, bound = cmd.outcome
    logger.info("%s: %s in %.2f s (bound %s)", solver, status, secs, bound)
    return SolveOutcome(status=status, has_solution=has_sol, bound=bound, seconds=secs,
                        solver=solver)


def _cbc_command(**kw):
    """The CBC binary bundled with pulp (``PULP_CBC_CMD``), else a ``cbc`` on the PATH."""
    import inspect

    import pulp

    cls = getattr(pulp, "PULP_CBC_CMD", None)
    cmd = None
    if cls is not None:
        if "_skip_v4_deprecation" in inspect.signature(cls.__init__).parameters:
            cmd = cls(**kw, _skip_v4_deprecation=True)  # pulp 3.3 warns about pulp 4.0
        else:  # pragma: no cover - older pulp
            cmd = cls(**kw)
    if cmd is None or not cmd.available():
        cmd = pulp.COIN_CMD(**kw)
        if not cmd.available():
            raise SolverError(
                "CBC is not available: pip install 'pulp[cbc]' (or install cbc), "
                "or use solver='highs'")
    return cmd


_NUM = r"(-?(?:\d+\.?\d*(?:e[+-]?\d+)?|inf))"


def _parse_cbc(text: str, prob, maximize: bool):
    import pulp

    has_sol = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if "Result - Optimal solution found" in text:
        status = "optimal"
    elif re.search(r"Result - (Linear relaxation|Problem proven) infeasible", text) or \
            "Result - Integer infeasible" in text or prob.status == pulp.LpStatusInfeasible:
        status = "infeasible"
    elif "Stopped on time" in text or "Exiting on maximum time" in text:
        status = "time_limit"
    elif "Stopped on" in text and has_sol:  # e.g. stopped on gap
        status = "optimal" if "gap" in text.lower() else "time_limit"
    else:
        status = "optimal" if prob.status == pulp.LpStatusOptimal and has_sol else "no_solution"
    bound = None
    m = re.search(r"(Lower|Upper) bound:\s*" + _NUM, text, re.I)
    if m:
        bound = float(m.group(2))
    else:
        m = re.search(r"best possible\s*" + _NUM, text, re.I)
        if m:
            b = float(m.group(1))
            bound = -b if maximize else b
    if bound is not None and not math.isfinite(bound):
        bound = None
    if status == "optimal" and bound is None and has_sol:
        bound = float(prob.objective.value() or 0.0)
    return status, has_sol, bound


try:
    import pulp as _pulp

    _HiGHSBase = _pulp.HiGHS
except ImportError:  # pragma: no cover - pulp is a dependency
    _HiGHSBase = object


class _HiGHSWarm(_HiGHSBase):  # type: ignore[misc, valid-type]
    """pulp.HiGHS with a MIP start (``Highs.setSolution``) and honest status and bound."""

    def __init__(self, *args, use_start: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.use_start = use_start
        self.outcome = ("no_solution", False, None)

    def actualSolve(self, lp):  # noqa: N802 - pulp's name
        import highspy
        import pulp

        self.createAndConfigureSolver(lp)
        self.buildSolverModel(lp)
        h = lp.solverModel
        variables = lp.variables()
        if self.use_start:
            idx, val = [], []
            for v in variables:
                if v.varValue is not None:
                    idx.append(v.index)
                    val.append(float(v.varValue))
            if idx:
                h.setSolution(len(idx), np.asarray(idx, dtype=np.int32),
                              np.asarray(val, dtype=np.float64))
        self.callSolver(lp)
        self.findSolutionValues(lp)
        ms = h.getModelStatus()
        info = h.getInfo()
        S = highspy.HighsModelStatus
        has_sol = bool(info.primal_solution_status == 2) or ms == S.kOptimal
        if ms == S.kOptimal:
            status = "optimal"
        elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
            status = "infeasible"
        elif ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kSolutionLimit):
            status = "time_limit"
        else:
            status = "no_solution"
        bound = float(info.mip_dual_bound) if h.getLp().integrality_ else None
        if bound is not None and math.isfinite(bound):
            bound = -bound if lp.sense == pulp.LpMaximize else bound
        else:
            bound = None
        if not has_sol:
            for v in variables:
                v.varValue = None
        self.outcome = (status, has_sol, bound)
        for v in variables:
            v.modified = False
        for c in lp._constraints.values():
            c.modified = False
        lp.assignStatus(pulp.LpStatusOptimal if has_sol else pulp.LpStatusNotSolved,
                        pulp.LpSolutionIntegerFeasible if has_sol
                        else pulp.LpSolutionNoSolutionFound)
        return lp.status

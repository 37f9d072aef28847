"""Sparse MIPs and the two solver back ends (private plumbing of :mod:`siting.optimize`).

A :class:`SparseMIP` is the model as arrays: objective, a CSC constraint matrix, row and
column bounds, integrality. The builders in :mod:`siting.optimize.models` and
:mod:`siting.optimize.multi` fill it with numpy from the reduced coverage matrix (no Python loop
per row), and :func:`solve_sparse` hands it to

* **CBC** — the binary bundled with pulp (``pulp.PULP_CBC_CMD().path``), run as a child
  process on a free-format MPS file written here, with ``-timeMode elapsed -sec T``, the MIP
  start as ``-mips`` (the solution-file format pulp writes for ``warmStart``) and the log
  captured to a file. CBC checks its time limit only between search nodes, so on a big model
  it can stay in the root LP or the cuts for minutes past ``-sec``. A **watchdog** therefore
  interrupts the process (SIGINT, which makes CBC stop and write its incumbent) at
  ``T + grace`` and kills it a little later. A killed or crashed CBC is not an error: the
  outcome says ``"no_solution"`` with a message, and the caller keeps its heuristic plan.
* **HiGHS** — highspy in process, the model passed whole with ``Highs.passModel`` (column-wise
  arrays and integrality), the start with ``Highs.setSolution``; status, objective and
  ``mip_dual_bound`` read back. HiGHS checks its time limit inside the LP too.

Any solution read back is checked against the bounds, rows and integrality before use.
"""

from __future__ import annotations

import logging
import math
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from siting.errors import SolverError
from siting.optimize import highs_child
from siting.optimize.highs_child import highs_run

logger = logging.getLogger(__name__)

#: Seconds past the time limit before the watchdog interrupts CBC (plus 2 % of the limit).
CBC_GRACE_SECONDS = 1.0
#: Seconds CBC gets after the interrupt to write its incumbent before it is killed.
CBC_KILL_AFTER = 2.0

_FEAS_TOL = 1e-6


@dataclass(eq=False)
class SparseMIP:
    """``max/min c·x  s.t.  row_lo <= A x <= row_hi,  col_lo <= x <= col_hi``, some x integer.

    Rows must be one-sided or equalities (no ranges). ``offset`` is added to the objective.
    """

    c: np.ndarray
    A: sp.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    maximize: bool
    offset: float = 0.0
    names: dict = field(default_factory=dict)  # named rows, e.g. {"p": 17}

    @property
    def n_cols(self) -> int:
        return int(self.c.size)

    @property
    def n_rows(self) -> int:
        return int(self.row_lo.size)

    def objective(self, x: np.ndarray) -> float:
        return float(self.c @ x) + self.offset

    def feasible(self, x: np.ndarray, tol: float = _FEAS_TOL) -> bool:
        """True when ``x`` meets bounds, rows and integrality within ``tol`` (scaled)."""
        if x is None or x.shape != (self.n_cols,) or not np.all(np.isfinite(x)):
            return False
        if np.any(x < self.col_lo - tol) or np.any(x > self.col_hi + tol):
            return False
        if np.any(np.abs(x[self.integer] - np.round(x[self.integer])) > tol):
            return False
        ax = self.A @ x
        scale = 1.0 + np.abs(np.where(np.isfinite(self.row_hi), self.row_hi, 0.0))
        scale = np.maximum(scale, 1.0 + np.abs(np.where(np.isfinite(self.row_lo),
                                                        self.row_lo, 0.0)))
        return bool(np.all(ax <= self.row_hi + tol * scale)
                    and np.all(ax >= self.row_lo - tol * scale))


@dataclass(frozen=True)
class MIPResult:
    """What a MIP run gave. ``bound`` is in the model's own sense (upper when maximising)."""

    status: str  # "optimal" | "time_limit" | "infeasible" | "no_solution"
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    seconds: float
    solver: str
    message: str = ""

    @property
    def has_solution(self) -> bool:
        return self.x is not None


def stack(blocks: list[list[sp.spmatrix | None]], shape_rows: list[int],
          shape_cols: list[int]) -> sp.csc_matrix:
    """``scipy.sparse.bmat`` with explicit block sizes (None blocks become empty)."""
    filled = [[sp.csr_matrix((r, c)) if b is None else b for b, c in zip(row, shape_cols)]
              for row, r in zip(blocks, shape_rows)]
    return sp.bmat(filled, format="csc").astype(np.float64)


# ---------------------------------------------------------------------------------- entry
def solve_sparse(mip: SparseMIP, solver: str, *, time_limit: float | None,
                 gap: float | None, threads: int | None = None,
                 start: np.ndarray | None = None) -> MIPResult:
    """Solve ``mip`` with ``"cbc"`` or ``"highs"``; never raises on a time limit or a crash
    of the solver process (the result then has no solution and says why)."""
    if start is not None and not mip.feasible(start):
        logger.warning("the heuristic start is not feasible for the model; solving without it")
        start = None
    t0 = time.perf_counter()
    if solver == "cbc":
        res = _solve_cbc(mip, time_limit=time_limit, gap=gap, threads=threads, start=start)
    else:
        res = _solve_highs(mip, time_limit=time_limit, gap=gap, threads=threads, start=start)
    x = res.x
    if x is not None and not mip.feasible(x, tol=1e-5):
        logger.warning("%s returned a solution that violates the model; discarded", solver)
        x = None
    obj = mip.objective(x) if x is not None else None
    bound = res.bound
    if bound is not None and not math.isfinite(bound):
        bound = None
    status = res.status
    if status == "optimal" and x is None:
        status = "no_solution"
    if status == "optimal" and bound is None:
        bound = obj
    secs = time.perf_counter() - t0
    logger.info("%s: %s in %.2f s (objective %s, bound %s)%s", solver, status, secs, obj, bound,
                f" — {res.message}" if res.message else "")
    return MIPResult(status=status, x=x, objective=obj, bound=bound, seconds=secs,
                     solver=solver, message=res.message)


# ---------------------------------------------------------------------------------- HiGHS
def _highs_arrays(mip: SparseMIP) -> dict:
    A = mip.A.tocsc()
    A.sort_indices()
    return {
        "c": np.asarray(mip.c, np.float64), "col_lo": np.asarray(mip.col_lo, np.float64),
        "col_hi": np.asarray(mip.col_hi, np.float64),
        "row_lo": np.asarray(mip.row_lo, np.float64),
        "row_hi": np.asarray(mip.row_hi, np.float64), "offset": np.array(float(mip.offset)),
        "maximize": np.array(bool(mip.maximize)), "start": A.indptr.astype(np.int32),
        "index": A.indices.astype(np.int32), "value": A.data.astype(np.float64),
        "integer": np.asarray(mip.integer, bool),
    }


def _solve_highs(mip: SparseMIP, *, time_limit, gap, threads, start) -> MIPResult:
    arrays = _highs_arrays(mip)
    if time_limit is None:
        status, x, bound = highs_run(arrays, None, gap, threads, start)
        return MIPResult(status, x, None, bound if math.isfinite(bound) else None, 0.0,
                         "highs")
    # with a limit HiGHS runs in a child process: it checks its limit inside the LP, but a
    # long presolve or symmetry detection on a loaded machine can still overrun it
    import sys

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="siting-highs-") as tmp:
        src = os.path.join(tmp, "model.npz")
        dst = os.path.join(tmp, "result.npz")
        limit = max(0.5, float(time_limit) - (time.perf_counter() - t0))
        np.savez(src, **arrays, time_limit=np.array(limit),
                 gap=np.array(-1.0 if gap is None else float(gap)),
                 threads=np.array(-1 if threads is None else int(threads)),
                 x0=np.zeros(0) if start is None else np.asarray(start, np.float64))
        with open(os.path.join(tmp, "highs.log"), "w", encoding="utf-8") as log_fh:
            proc = subprocess.Popen([sys.executable, highs_child.__file__, src, dst], stdout=log_fh,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=tmp)
            killed = not _watch(proc, limit + CBC_GRACE_SECONDS + 0.02 * limit)
        if not os.path.exists(dst):
            with open(os.path.join(tmp, "highs.log"), encoding="utf-8", errors="replace") as fh:
                tail = fh.read()[-300:].strip()
            msg = ("HiGHS did not stop at its time limit and was ended by the watchdog"
                   if killed else f"HiGHS ended with exit code {proc.returncode} and no "
                   f"result ({tail})")
            return MIPResult("time_limit" if killed else "no_solution", None, None, None, 0.0,
                             "highs", msg)
        z = np.load(dst)
        status = str(z["status"])
        x = np.array(z["x"]) if bool(z["has"]) else None
        bound = float(z["bound"])
    return MIPResult(status, x, None, bound if math.isfinite(bound) else None, 0.0, "highs")


def _watch(proc: subprocess.Popen, deadline: float) -> bool:
    """Wait for ``proc`` up to ``deadline`` seconds, then stop it; True when it ended alone."""
    try:
        proc.wait(timeout=deadline)
        return True
    except subprocess.TimeoutExpired:
        logger.warning("solver process overran its limit by %.1f s; interrupting it",
                       CBC_GRACE_SECONDS)
        _stop(proc)
        return False
    except BaseException:
        _stop(proc, hard=True)
        raise


# ---------------------------------------------------------------------------------- CBC
def cbc_path() -> str:
    """Path of the CBC binary bundled with pulp, else a ``cbc`` on the PATH."""
    import inspect
    import shutil

    import pulp

    cls = getattr(pulp, "PULP_CBC_CMD", None)
    if cls is not None:
        kw = {"msg": False}
        if "_skip_v4_deprecation" in inspect.signature(cls.__init__).parameters:
            kw["_skip_v4_deprecation"] = True  # pulp 3.3 warns about pulp 4.0
        cmd = cls(**kw)
        if cmd.available():
            return cmd.path
    found = shutil.which("cbc")
    if found:
        return found
    raise SolverError("CBC is not available: pip install 'pulp[cbc]' (or install cbc), "
                      "or use solver='highs'")


def _fmt(v: np.ndarray) -> list[str]:
    return [repr(float(a)) for a in v]


def write_mps(mip: SparseMIP, path: str) -> None:
    """Free-format MPS of ``mip`` as a minimisation (a maximum is negated). Names are
    ``C<j>`` and ``R<i>``."""
    n = mip.n_cols
    lo, hi = mip.row_lo, mip.row_hi
    kind = np.where(lo == hi, "E", np.where(np.isfinite(hi), "L", "G"))
    if np.any(~np.isfinite(lo) & ~np.isfinite(hi)):
        kind = np.where(~np.isfinite(lo) & ~np.isfinite(hi), "N", kind)
    rhs = np.where(kind == "G", lo, hi)
    c = -mip.c if mip.maximize else mip.c
    A = mip.A.tocsc()
    A.sort_indices()
    out: list[str] = ["NAME siting", "ROWS", " N OBJ"]
    out.extend(f" {k} R{i}" for i, k in enumerate(kind) if k != "N")
    out.append("COLUMNS")
    ind, ptr, data = A.indices, A.indptr, A.data
    vals = _fmt(data)
    cvals = _fmt(c)
    in_int = False
    for j in range(n):
        if mip.integer[j] != in_int:
            out.append(" MARKER 'MARKER' 'INTORG'" if mip.integer[j] else
                       " MARKER 'MARKER' 'INTEND'")
            in_int = bool(mip.integer[j])
        name = f"C{j}"
        if c[j] != 0 or ptr[j] == ptr[j + 1]:
            out.append(f" {name} OBJ {cvals[j]}")
        for k in range(ptr[j], ptr[j + 1]):
            if kind[ind[k]] != "N":
                out.append(f" {name} R{ind[k]} {vals[k]}")
    if in_int:
        out.append(" MARKER 'MARKER' 'INTEND'")
    out.append("RHS")
    nz = np.flatnonzero((rhs != 0) & (kind != "N"))
    rv = _fmt(rhs[nz])
    out.extend(f" RHS R{i} {v}" for i, v in zip(nz, rv))
    out.append("BOUNDS")
    clo, chi = mip.col_lo, mip.col_hi
    for j in range(n):
        a, b = clo[j], chi[j]
        if a == b:
            out.append(f" FX BND C{j} {float(a)!r}")
            continue
        if not math.isfinite(a):
            out.append(f" MI BND C{j}")
        elif a != 0 or mip.integer[j]:
            out.append(f" LO BND C{j} {float(a)!r}")
        if math.isfinite(b):
            out.append(f" UP BND C{j} {float(b)!r}")
        elif mip.integer[j]:
            out.append(f" PL BND C{j}")
    out.append("ENDATA")
    with open(path, "w", encoding="ascii") as fh:
        fh.write("\n".join(out))
        fh.write("\n")


def _write_start(mip: SparseMIP, x: np.ndarray, path: str) -> None:
    # the solution-file layout CBC reads with -mips (as pulp's COIN_CMD.writesol)
    lines = ["Stopped on time - objective value 0"]
    lines.extend(f"{j:>7} C{j} {float(v):>15g} {0:>23}" for j, v in enumerate(x))
    with open(path, "w", encoding="ascii") as fh:
        fh.write("\n".join(lines) + "\n")


def _read_solution(path: str, n: int) -> tuple[str, np.ndarray | None]:
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return "", None
    with open(path, encoding="ascii", errors="replace") as fh:
        head = fh.readline().strip()
        x = np.zeros(n)
        for line in fh:
            parts = line.split()
            if len(parts) < 3:
                continue
            if parts[0] == "**":
                parts = parts[1:]
            name = parts[1]
            if name.startswith("C") and name[1:].isdigit():
                j = int(name[1:])
                if j < n:
                    try:
                        x[j] = float(parts[2])
                    except ValueError:
                        return head, None
    low = head.lower()
    if "infeasible" in low or "no integer solution" in low or "unbounded" in low \
            or "no solution" in low:
        return head, None
    return head, x


_NUM = r"(-?(?:\d+\.?\d*(?:e[+-]?\d+)?|inf))"


def _cbc_bound(log: str, *, final_only: bool = False) -> float | None:
    """The best lower bound (minimisation form) CBC printed, else its root LP value.

    With ``final_only`` the root LP value ("Continuous objective value") is not used: a proved
    optimum's bound must come from the end of the search, not from the root relaxation.
    """
    pats = [r"Lower bound:\s*" + _NUM, r"best possible\s*" + _NUM]
    if not final_only:
        pats.append(r"Continuous objective value is\s*" + _NUM)
    for pat in pats:
        found = re.findall(pat, log, re.I)
        if found:
            try:
                v = float(found[-1])
            except ValueError:
                continue
            if math.isfinite(v):
                return v
    return None


def _solve_cbc(mip: SparseMIP, *, time_limit, gap, threads, start) -> MIPResult:
    path = cbc_path()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="siting-cbc-") as tmp:
        mps = os.path.join(tmp, "model.mps")
        sol = os.path.join(tmp, "model.sol")
        mst = os.path.join(tmp, "start.mst")
        log_path = os.path.join(tmp, "cbc.log")
        write_mps(mip, mps)
        args = [path, mps, "-timeMode", "elapsed"]
        limit = None
        if time_limit is not None:
            limit = max(0.5, float(time_limit) - (time.perf_counter() - t0))
            args += ["-sec", f"{limit:.3f}"]
        if gap is not None:
            args += ["-ratio", repr(float(gap))]
        if threads is not None:
            args += ["-threads", str(int(threads))]
        if start is not None:
            _write_start(mip, start, mst)
            args += ["-mips", mst]
        args += ["-solve", "-solution", sol]
        logger.debug("cbc: %s", " ".join(args))
        message = ""
        killed = False
        with open(log_path, "w", encoding="utf-8") as log_fh:
            try:
                proc = subprocess.Popen(args, stdout=log_fh, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=tmp)
            except OSError as exc:
                return MIPResult("no_solution", None, None, None, 0.0, "cbc",
                                 f"CBC could not start ({exc})")
            try:
                if limit is None:
                    proc.wait()
                else:
                    deadline = limit + CBC_GRACE_SECONDS + 0.02 * limit
                    try:
                        proc.wait(timeout=deadline)
                    except subprocess.TimeoutExpired:
                        killed = True
                        logger.warning("CBC overran its %.1f s limit; interrupting it", limit)
                        _stop(proc)
            except BaseException:
                _stop(proc, hard=True)
                raise
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            log = fh.read()
        head, x = _read_solution(sol, mip.n_cols)
        rc = proc.returncode
    low = head.lower()
    lb = _cbc_bound(log)
    bound = None if lb is None else (-lb if mip.maximize else lb)
    if killed:
        message = ("CBC did not stop at its time limit (it checks it only between search "
                   "nodes) and was interrupted by the watchdog")
    elif rc not in (0, None) and x is None:
        message = f"CBC ended with exit code {rc} and no solution"
    if "Result - Optimal solution found" in log or low.startswith("optimal"):
        status = "optimal"
    elif re.search(r"Result - (Linear relaxation|Problem proven|Integer) infeasible", log) or \
            low.startswith("infeasible") or "integer infeasible" in low:
        status = "infeasible"
    elif "stopped on time" in low or "Stopped on time" in log or killed or \
            "stopped on ctrl-c" in low or "stopped on iterations" in low or \
            "stopped on nodes" in low or "stopped on solutions" in low:
        status = "time_limit"
    elif "stopped on gap" in low or "Stopped on gap" in log or "stopped on ratio" in low:
        status = "optimal"  # within the requested gap
    else:
        status = "no_solution" if x is None else "time_limit"
    if status == "optimal":
        # proved optimal (within the requested gap): only a bound CBC reports at the end of the
        # search counts; the root LP value is stale, and without a final one the objective is
        # the bound
        lb = None if gap is None else _cbc_bound(log, final_only=True)
        bound = None if lb is None else (-lb if mip.maximize else lb)
    return MIPResult(status=status, x=x, objective=None, bound=bound, seconds=0.0,
                     solver="cbc", message=message)


def _stop(proc: subprocess.Popen, hard: bool = False) -> None:
    """Interrupt CBC (it then writes its incumbent), kill it if it does not end."""
    if proc.poll() is not None:
        return
    if not hard:
        try:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=CBC_KILL_AFTER)
            return
        except (subprocess.TimeoutExpired, OSError, ValueError):
            pass
    try:
        proc.kill()
    except OSError:  # pragma: no cover - already gone
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        logger.warning("CBC process %s did not end after kill", proc.pid)

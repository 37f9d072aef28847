"""Sparse MIPs and the solver back ends (private plumbing of :mod:`siting.optimize`).

A :class:`SparseMIP` is the model as arrays: objective, a CSC constraint matrix, row and
column bounds, integrality. The builders in :mod:`siting.optimize.models` and
:mod:`siting.optimize.multi` fill it with numpy from the reduced coverage matrix (no Python loop
per row). A solve is a **job** that runs beside the caller (:mod:`siting.optimize.jobs`), so that the
local search can keep working while the solver runs, hand it plans and take its incumbents:

* **HiGHS** (highspy). A small model (:data:`HIGHS_THREAD_NNZ` nonzeros or fewer) is solved in
  a thread of this process (highspy releases the GIL while it solves); a larger one in a child
  process (``highs_child.py`` run by its path, importing only numpy and highspy) that a
  watchdog can end — HiGHS does not look at its time limit inside a long presolve or root LP
  of a big model. Both use HiGHS callbacks (:mod:`siting.optimize.highs_child`): the job can
  be stopped at any time (time limit, cancel), reports its dual bound and every new incumbent
  while it runs, and takes the search's plans as incumbents (``kCallbackMipUserSolution``).
  The start is passed with ``Highs.setSolution``.
* **CBC** — the binary bundled with pulp (``pulp.PULP_CBC_CMD().path``), a child process on a
  free-format MPS file written here, with ``-timeMode elapsed -sec T``, the MIP start as
  ``-mips`` and the log captured. CBC checks its limit only between search nodes, so on a big
  model it can stay in the root LP or the cuts long past ``-sec``; at the deadline the job
  interrupts it (SIGINT: CBC stops and writes its incumbent) and kills it
  :data:`STOP_GRACE` seconds later. CBC takes no plans while it runs.

A killed or crashed solver is not an error: the result says ``"no_solution"`` or
``"time_limit"`` with a message and the caller keeps its own plan. A solver that calls the
model infeasible while a checked feasible start is in hand (CBC's preprocessing, out of
time, prints "Pre-processing says infeasible") is not believed: the result is
``"time_limit"`` (or ``"no_solution"`` without a limit) and says so. Any solution read back is
checked against the bounds, rows and integrality before use.
"""

from __future__ import annotations

import logging
import math
import os
import re
import signal
import subprocess
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from siting.errors import SolverError

logger = logging.getLogger(__name__)

#: Seconds a solver gets after a stop request (deadline or cancel) before it is killed.
STOP_GRACE = 0.3
#: Kept for callers of the earlier watchdog: seconds past the limit before CBC is interrupted.
CBC_GRACE_SECONDS = STOP_GRACE
#: Seconds CBC gets after the interrupt to write its incumbent before it is killed.
CBC_KILL_AFTER = STOP_GRACE
#: Models with at most this many nonzeros are solved by HiGHS in a thread of this process.
HIGHS_THREAD_NNZ = 60_000

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

"""The coverage–stations frontier: how coverage grows with each added station."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.optimize.covering import _common
from siting.optimize.heuristics import cover_upper_bound, covered_weight, greedy_max_cover, swap_max_cover
from siting.optimize.models import build, read_open, start_vector
from siting.optimize.plan import rel_gap
from siting.optimize.problem import CoverageProblem
from siting.optimize.reduce import reduce_problem
from siting.optimize.solvers import run_mip

__all__ = ["frontier", "frontier_chart"]


# ---------------------------------------------------------------------------------- frontier
def frontier(problem: CoverageProblem, k: int, *, method: str = "heuristic",
             solver: str = "auto", time_limit: float | None = None, gap: float | None = None,
             reduce: bool = True) -> pd.DataFrame:
    """Covered share versus the number of new stations, 1..k, without k cold solves.

    ``method="heuristic"`` grows one plan: the plan for k is the plan for k-1 plus the best
    greedy addition, improved by swaps, so the curve never falls; each row's ``bound`` is the
    submodular bound (an upper bound on the optimum for that k). ``method="mip"`` builds the
    maximal covering model once, changes only the p row, and warm-starts each solve from the
    heuristic plan (``time_limit`` is per k).

    Returns
    -------
    pandas.DataFrame
        Columns ``k``, ``covered_weight``, ``share``, ``bound``, ``status``, ``gap``,
        ``sites`` (the new site ids, ``;``-joined).
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k = {k!r} must be a whole number of stations, at least 1")
    if method not in ("heuristic", "mip"):
        raise InputError(f"method = {method!r} must be 'heuristic' or 'mip'")
    if method == "mip":
        solver = _common(solver, time_limit, gap)
    k = int(min(k, problem.n_candidates))
    red = reduce_problem(problem, reduce=reduce, use_cost=False)
    total = red.total
    rows = []
    S = np.zeros(0, dtype=np.int64)
    built = None
    for kk in range(1, k + 1):
        S = greedy_max_cover(red, kk, None, start=S)
        S = swap_max_cover(red, S, kk, None)
        f = red.offset + covered_weight(red, S)
        bound = red.offset + cover_upper_bound(red, S, kk, None)
        status = "heuristic"
        chosen = S
        if method == "mip" and red.n_cols:
            if built is None:
                built = build(red, sense="max", p=kk)
            else:
                built.mip.row_hi[built.mip.names["p"]] = float(kk)
            out = run_mip(built.mip, solver, time_limit=time_limit, gap=gap,
                          start=start_vector(built, red, S))
            m_open = read_open(built, red, out.x)
            if out.bound is not None:
                bound = min(bound, out.bound + red.offset)
            if m_open is not None and covered_weight(red, m_open) > covered_weight(red, S):
                chosen = m_open
                S = m_open
                f = red.offset + covered_weight(red, S)
            status = "optimal" if out.status == "optimal" else "time_limit"
        bound = max(bound, f)
        ids = np.sort(red.col_site[chosen])
        rows.append({
            "k": kk, "covered_weight": f, "share": f / total if total > 0 else 1.0,
            "bound": bound, "status": status, "gap": rel_gap(f, bound),
            "sites": ";".join(problem.site_ids[ids]),
        })
    return pd.DataFrame(rows, columns=["k", "covered_weight", "share", "bound", "status",
                                       "gap", "sites"])


def frontier_chart(df: pd.DataFrame, path: Any, *, title: str | None = None, labels: dict[str, str] | None = None) -> Any:
    """Write the frontier (covered share against new stations) as a PNG for meetings.

    Uses matplotlib's object API with the Agg canvas, so no pyplot state is touched.

    Parameters
    ----------
    df : pandas.DataFrame
        The output of :func:`frontier`.
    path : str or os.PathLike
        Where to write the PNG.
    title : str, optional
    labels : dict, optional
        Texts in another language: ``plan``, ``bound``, ``x``, ``y`` (legend entries and axes).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    from pathlib import Path

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    missing = {"k", "share"} - set(df.columns)
    if missing:
        raise InputError(f"frontier table lacks {sorted(missing)}: pass the output of frontier()")
    lab = {"plan": "covered share (plan)", "bound": "upper bound", "x": "new stations", "y": "population covered (%)",
           **(labels or {})}
    fig = Figure(figsize=(6.4, 4.0), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(df["k"], 100 * df["share"], marker="o", ms=3, lw=1.6, color="#1f6fb4",
            label=lab["plan"])
    if "bound" in df.columns and "covered_weight" in df.columns:
        tot = (df["covered_weight"] / df["share"]).replace([np.inf, -np.inf], np.nan)
        ub = 100 * np.minimum(df["bound"] / tot, 1.0)
        ax.plot(df["k"], ub, ls="--", lw=1.0, color="#888888", label=lab["bound"])
    ax.set_xlabel(lab["x"])
    ax.set_ylabel(lab["y"])
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or "Coverage versus number of new stations", fontsize=10)
    out = Path(path)
    fig.savefig(out, format="png", bbox_inches="tight")
    return out

"""pulp model builders for the single-category covering models (private plumbing).

Formulations are documented on the public functions in :mod:`siting.optimize`; the builders
here only turn a :class:`~siting._opt_reduce.Reduced` into a ``pulp.LpProblem`` and read the
solution back. Built directly from the CSR arrays, one constraint per row, no dense matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._opt_reduce import Reduced


@dataclass(eq=False)
class Built:
    """A pulp problem with handles on its variables."""

    prob: object
    y: list
    x: list | None  # per row (uncapacitated)
    a: list | None  # per stored pair, CSR order (capacitated)


def _pulp():
    import pulp

    return pulp


def _expr(pairs):
    return _pulp().LpAffineExpression(pairs)


def new_var(prob, name: str, low: float | None, up: float | None, cat: str = "Continuous"):
    """A pulp variable owned by ``prob`` (pulp >= 3.3 API, older pulp as a fallback)."""
    add = getattr(prob, "add_variable", None)
    if add is not None:
        return add(name, low, up, cat=cat)
    return _pulp().LpVariable(name, low, up, cat)  # pragma: no cover - pulp < 3.3


def constraint_by_name(prob, name: str):
    """A named constraint of ``prob`` (pulp >= 3.3 API, older pulp as a fallback)."""
    get = getattr(prob, "get_constraint_by_name", None)
    return get(name) if get is not None else prob.constraints[name]


def _y_vars(prob, red: Reduced) -> list:
    return [new_var(prob, f"y{j}", 1 if red.fixed[j] else 0, 1, "Binary")
            for j in range(red.n_cols)]


def build(red: Reduced, *, sense: str, p: int | None = None, budget: float | None = None,
          need: float | None = None, count_only: bool = False, capacitated: bool = False,
          single_assignment: bool = False, lscp: bool = False) -> Built:
    """Build max-cover (``sense="max"``) or target-cover (``sense="min"``) as a pulp problem.

    ``need`` is the weight the model must cover (target models), ``count_only`` minimises the
    number of new stations instead of their cost, ``lscp`` uses the set-covering rows
    ``sum_j a_ij y_j >= 1`` for every demand row with positive weight.
    """
    pulp = _pulp()
    prob = pulp.LpProblem("siting", pulp.LpMaximize if sense == "max" else pulp.LpMinimize)
    y = _y_vars(prob, red)
    A = red.A
    ind, ptr = A.indices, A.indptr
    free = np.flatnonzero(~red.fixed)
    x = a = None
    if capacitated:
        cat = "Binary" if single_assignment else "Continuous"
        a = [new_var(prob, f"a{k}", 0, 1, cat) for k in range(A.nnz)]
        covered_terms = [(a[k], float(red.w[i])) for i in range(red.n_rows)
                         for k in range(ptr[i], ptr[i + 1])]
    elif not lscp:
        x = [new_var(prob, f"x{i}", 0, 1) for i in range(red.n_rows)]
        covered_terms = [(x[i], float(red.w[i])) for i in range(red.n_rows)]
    else:
        covered_terms = []

    if sense == "max":
        prob.setObjective(_expr(covered_terms))
    else:
        coef = np.ones(red.n_cols) if count_only else red.cost
        prob.setObjective(_expr([(y[j], float(coef[j])) for j in free]))

    if capacitated:
        for i in range(red.n_rows):
            ks = range(ptr[i], ptr[i + 1])
            prob.addConstraint(pulp.LpConstraint(_expr([(a[k], 1.0) for k in ks]),
                                                 pulp.LpConstraintLE, f"r{i}", 1.0))
        csc_order = np.argsort(ind, kind="stable")
        rows_of = np.repeat(np.arange(red.n_rows), np.diff(ptr))
        h = red.h
        col_ptr = np.concatenate([[0], np.cumsum(np.bincount(ind, minlength=red.n_cols))])
        for j in range(red.n_cols):
            ks = csc_order[col_ptr[j]:col_ptr[j + 1]]
            terms = [(a[k], float(h[rows_of[k]])) for k in ks]
            terms.append((y[j], -float(red.cap[j])))
            prob.addConstraint(pulp.LpConstraint(_expr(terms), pulp.LpConstraintLE, f"k{j}", 0))
        for k in range(A.nnz):
            prob.addConstraint(pulp.LpConstraint(_expr([(a[k], 1.0), (y[ind[k]], -1.0)]),
                                                 pulp.LpConstraintLE, f"l{k}", 0))
    elif lscp:
        for i in range(red.n_rows):
            if red.w[i] > 0:
                terms = [(y[j], 1.0) for j in ind[ptr[i]:ptr[i + 1]]]
                prob.addConstraint(pulp.LpConstraint(_expr(terms), pulp.LpConstraintGE,
                                                     f"c{i}", 1.0))
    else:
        for i in range(red.n_rows):
            terms = [(x[i], 1.0)] + [(y[j], -1.0) for j in ind[ptr[i]:ptr[i + 1]]]
            prob.addConstraint(pulp.LpConstraint(_expr(terms), pulp.LpConstraintLE, f"c{i}", 0))

    if p is not None:
        prob.addConstraint(pulp.LpConstraint(_expr([(y[j], 1.0) for j in free]),
                                             pulp.LpConstraintLE, "p", float(p)))
    if budget is not None:
        prob.addConstraint(pulp.LpConstraint(
            _expr([(y[j], float(red.cost[j])) for j in free]), pulp.LpConstraintLE,
            "budget", float(budget)))
    if need is not None and not lscp:
        prob.addConstraint(pulp.LpConstraint(_expr(covered_terms), pulp.LpConstraintGE,
                                             "target", float(need)))
    return Built(prob=prob, y=y, x=x, a=a)


def set_start(built: Built, red: Reduced, open_cols: np.ndarray) -> None:
    """Give every variable an initial value from a set of open columns (a MIP start)."""
    mask = red.fixed.copy()
    mask[open_cols] = True
    for j, v in enumerate(built.y):
        v.setInitialValue(1 if mask[j] else 0)
    if built.x is not None:
        cnt = np.asarray(red.A @ mask.astype(np.int32)).reshape(-1)
        for i, v in enumerate(built.x):
            v.setInitialValue(1 if cnt[i] > 0 else 0)


def read_open(built: Built, red: Reduced) -> np.ndarray | None:
    """Open non-fixed columns of the solution, or None when no values are present."""
    vals = [v.varValue for v in built.y]
    if any(v is None for v in vals):
        return None
    arr = np.asarray(vals, dtype=float)
    return np.flatnonzero((arr > 0.5) & ~red.fixed)


def read_assignment(built: Built, red: Reduced) -> np.ndarray | None:
    """Assignment fraction per stored pair (capacitated models), CSR order of ``red.A``."""
    if built.a is None:
        return None
    vals = [v.varValue for v in built.a]
    if any(v is None for v in vals):
        return None
    return np.clip(np.asarray(vals, dtype=float), 0.0, 1.0)

"""The coverage problem object of :mod:`siting.optimize`: sparse pairs in, validated arrays out.

Private plumbing; the public names are re-exported from :mod:`siting.optimize`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from siting.errors import InputError, Problems

__all__ = ["CoverageProblem", "capacity_from_floor_area", "priority_weights"]

logger = logging.getLogger(__name__)

#: The planning norm behind :func:`capacity_from_floor_area`: square metres per 100 households.
M2_PER_100_HOUSEHOLDS = 30.0


def capacity_from_floor_area(floor_area_m2: Any, *, m2_per_100_households: float = 30.0) -> Any:
    """Households a station can serve, from its floor area.

    Uses the community-service norm of at least 30 m² of floor area per 100 households:
    ``capacity = floor_area_m2 / 30 * 100``.

    Parameters
    ----------
    floor_area_m2 : float or array-like
        Floor area in square metres (non-negative).
    m2_per_100_households : float
        The norm, square metres per 100 households (default 30).

    Returns
    -------
    float or numpy.ndarray
        Capacity in households (same shape as the input).

    Raises
    ------
    InputError
        When an area is negative or missing.
    """
    area = np.asarray(floor_area_m2, dtype=float)
    if not (m2_per_100_households > 0):
        raise InputError("m2_per_100_households must be positive, e.g. 30")
    bad = ~np.isfinite(area) | (area < 0)
    if np.any(bad):
        raise InputError(
            f"{int(np.sum(bad))} floor area(s) are negative or missing: give every candidate "
            "its floor area in m² (0 for a site that cannot host the service)"
        )
    cap = area / m2_per_100_households * 100.0
    return float(cap) if cap.ndim == 0 else cap


def priority_weights(
    population: Any, groups: Mapping[str, tuple[Any, float]] | None = None
) -> np.ndarray:
    """Demand weights with priority groups: ``population + sum_g weight_g * count_g``.

    Parameters
    ----------
    population : array-like
        People per demand point.
    groups : mapping, optional
        Group name (``"elderly"``, ``"children"``, ``"disabled"`` ...) to a pair
        ``(count per demand point, extra weight per person of the group)``. An elderly person
        with group weight 1.0 then counts twice in the objective.

    Returns
    -------
    numpy.ndarray
        The effective weight per demand point (people-equivalents).
    """
    w = np.asarray(population, dtype=float).copy()
    problems = Problems("priority weights")
    for name, pair in (groups or {}).items():
        try:
            counts, gw = pair
        except (TypeError, ValueError):
            problems.add(f"group {name!r} must be a pair (counts per demand, group weight)")
            continue
        c = np.asarray(counts, dtype=float)
        if c.shape != w.shape:
            problems.add(
                f"group {name!r} has {c.size} counts for {w.size} demand points: "
                "give one count per demand point"
            )
            continue
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            problems.add(f"group {name!r} has negative or missing counts: fill them with 0")
            continue
        if not (isinstance(gw, (int, float)) and math.isfinite(gw) and gw >= 0):
            problems.add(f"group {name!r} weight {gw!r} must be a non-negative number")
            continue
        w += float(gw) * c
    problems.raise_if_any()
    return w


def _ids(values: Any, what: str, problems: Problems) -> np.ndarray:
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=object)
    arr = arr.reshape(-1)
    out = np.empty(arr.size, dtype=object)
    missing = 0
    for k, v in enumerate(arr):
        if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
            missing += 1
            out[k] = ""
        else:
            out[k] = str(v)
    if missing:
        problems.add(f"{missing} {what} id(s) are empty: give every row an id")
    uniq, counts = np.unique(out.astype(str), return_counts=True)
    dups = uniq[counts > 1]
    if dups.size:
        shown = ", ".join(repr(str(d)) for d in dups[:5])  # plain text, never np.str_('d0')
        problems.add(
            f"{dups.size} {what} id(s) appear more than once ({shown}): ids must be unique"
        )
    return out


def _numbers(values: Any, n: int, what: str, problems: Problems, *, allow_zero: bool = True):
    try:
        arr = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        problems.add(f"{what} must be numbers")
        return np.zeros(n)
    if arr.size != n:
        problems.add(f"{what} has {arr.size} values for {n} rows: give one per row")
        return np.zeros(n)
    nan = ~np.isfinite(arr)
    neg = np.isfinite(arr) & ((arr < 0) if allow_zero else (arr <= 0))
    if nan.any():
        problems.add(f"{int(nan.sum())} {what} value(s) are missing or infinite: fill them in")
    if neg.any():
        sign = "negative" if allow_zero else "zero or negative"
        problems.add(f"{int(neg.sum())} {what} value(s) are {sign}: correct them")
    return np.where(nan, 0.0, arr)


@dataclass(frozen=True, eq=False)
class CoverageProblem:
    """A covering problem: weighted demand, candidate sites and the sparse pairs in reach.

    Build it with :meth:`from_pairs`. Nothing here is dense: coverage is a scipy.sparse CSR
    matrix (demand × site, boolean) with the distance of each stored pair alongside.

    Attributes
    ----------
    demand_ids, site_ids : numpy.ndarray of str
        Identifiers, unique.
    weights : numpy.ndarray
        Effective weight per demand point (people, or people-equivalents with priority groups).
    population : numpy.ndarray
        The weight given before priority groups were added (equals ``weights`` without them).
    costs : numpy.ndarray
        Build cost per site (any currency; 0 for existing sites in the models).
    cover : scipy.sparse.csr_matrix
        Boolean, ``cover[i, s]`` is True when ``distance(i, s) <= within``.
    distance : numpy.ndarray
        Distance (metres or seconds, the unit of ``within``) of each stored pair, aligned with
        ``cover.data``.
    within : float
        The reach threshold, same unit as the pair distances.
    households, capacity : numpy.ndarray or None
        Households per demand point; households each site can serve.
    existing : numpy.ndarray of bool
        Sites already built: open at zero cost, never counted in p or the budget.
    categories : numpy.ndarray of frozenset or None
        Categories each site can host; dominance only compares sites with equal sets.
    """

    demand_ids: np.ndarray
    weights: np.ndarray
    population: np.ndarray
    site_ids: np.ndarray
    costs: np.ndarray
    cover: sp.csr_matrix
    distance: np.ndarray
    within: float
    households: np.ndarray | None = None
    capacity: np.ndarray | None = None
    existing: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    categories: np.ndarray | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_pairs(
        cls,
        demand_ids: Sequence[Any] | np.ndarray,
        weights: Any,
        site_ids: Sequence[Any] | np.ndarray,
        costs: Any,
        pair_demand: Sequence[Any] | np.ndarray,
        pair_site: Sequence[Any] | np.ndarray,
        pair_dist: Any,
        within: float,
        *,
        households: Any = None,
        capacity: Any = None,
        existing: Any = None,
        categories: Sequence[Any] | None = None,
        priority: Mapping[str, tuple[Any, float]] | None = None,
    ) -> CoverageProblem:
        """Build a problem from long-format (demand, site, distance) pairs.

        Parameters
        ----------
        demand_ids : sequence
            One id per demand point (turned into strings).
        weights : array-like
            Population (or any non-negative weight) per demand point.
        site_ids : sequence
            One id per site, candidate or existing (strings).
        costs : array-like
            Build cost per site, non-negative. Existing sites cost nothing whatever is given.
        pair_demand, pair_site : sequence
            Ids of each reachable pair; every id must appear in ``demand_ids``/``site_ids``.
        pair_dist : array-like
            Distance of each pair in metres, or travel time in seconds, the same unit as
            ``within``. Pairs farther than ``within`` are ignored; repeated pairs keep the
            shortest distance.
        within : float
            Coverage threshold: a pair covers when ``distance <= within``.
        households : array-like, optional
            Households per demand point (needed by the capacitated models).
        capacity : array-like, optional
            Households each site can serve (see :func:`capacity_from_floor_area`).
        existing : array-like of bool, optional
            True for sites already built.
        categories : sequence, optional
            Categories a site can host, per site: a string (``"elderly;health"``) or a
            collection of strings.
        priority : mapping, optional
            Priority groups, see :func:`priority_weights`; the weight becomes
            ``weights + sum_g group_weight_g * count_g``.

        Raises
        ------
        ScenarioError
            Listing every problem found (duplicate ids, unknown ids in pairs, negative or
            missing costs, weights, capacities, distances).
        """
        p = Problems("coverage problem")
        d_ids = _ids(demand_ids, "demand", p)
        s_ids = _ids(site_ids, "site", p)
        nd, ns = d_ids.size, s_ids.size
        if nd == 0:
            p.add("there are no demand points: give at least one")
        if ns == 0:
            p.add("there are no sites: give at least one candidate")
        population = _numbers(weights, nd, "demand weight", p)
        cost = _numbers(costs, ns, "site cost", p)
        hh = None if households is None else _numbers(households, nd, "households", p)
        cap = None if capacity is None else _numbers(capacity, ns, "site capacity", p)
        if existing is None:
            ex = np.zeros(ns, dtype=bool)
        else:
            ex_raw = np.asarray(existing).reshape(-1)
            if ex_raw.size != ns:
                p.add(f"existing has {ex_raw.size} values for {ns} sites: give one per site")
                ex = np.zeros(ns, dtype=bool)
            else:
                ex = np.array([_as_bool(v) for v in ex_raw], dtype=bool)
        cats = None
        if categories is not None:
            cats_list = list(categories)
            if len(cats_list) != ns:
                p.add(f"categories has {len(cats_list)} entries for {ns} sites: one per site")
            else:
                cats = np.empty(ns, dtype=object)
                for k, c in enumerate(cats_list):
                    cats[k] = _as_category_set(c)
        try:
            within_f = float(within)
        except (TypeError, ValueError):
            within_f = float("nan")
        if not (math.isfinite(within_f) and within_f > 0):
            p.add(
                f"within = {within!r} must be a positive number in the unit of the pair "
                "distances (metres or seconds); parse text with siting.units.parse_threshold"
            )
        pd_ = np.asarray(list(pair_demand) if not isinstance(pair_demand, np.ndarray)
                         else pair_demand, dtype=object).reshape(-1)
        ps_ = np.asarray(list(pair_site) if not isinstance(pair_site, np.ndarray)
                         else pair_site, dtype=object).reshape(-1)
        try:
            dist = np.asarray(pair_dist, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            p.add("pair distances must be numbers (metres or seconds)")
            dist = np.zeros(pd_.size)
        if not (pd_.size == ps_.size == dist.size):
            p.add(
                f"pair columns differ in length (demand {pd_.size}, site {ps_.size}, "
                f"distance {dist.size}): give one demand id, site id and distance per pair"
            )
        p.raise_if_any()

        bad_d = ~np.isfinite(dist) | (dist < 0)
        if bad_d.any():
            p.add(f"{int(bad_d.sum())} pair distance(s) are negative or missing: fix or drop them")
        d_index = {v: k for k, v in enumerate(d_ids)}
        s_index = {v: k for k, v in enumerate(s_ids)}
        rows = np.fromiter((d_index.get(str(v), -1) for v in pd_), dtype=np.int64, count=pd_.size)
        cols = np.fromiter((s_index.get(str(v), -1) for v in ps_), dtype=np.int64, count=ps_.size)
        for arr, raw, what, hint in (
            (rows, pd_, "demand", "demand table"),
            (cols, ps_, "site", "sites table"),
        ):
            unknown = arr < 0
            if unknown.any():
                names = sorted({str(v) for v in raw[unknown]})
                shown = ", ".join(repr(v) for v in names[:5])
                p.add(
                    f"the reach table names {len(names)} {what} id(s) not in the {hint} "
                    f"({shown}): add them there or drop those pairs"
                )
        p.raise_if_any()

        keep = dist <= within_f
        rows, cols, dist = rows[keep], cols[keep], dist[keep]
        cover, distance = _csr_min(rows, cols, dist, nd, ns)
        weights_eff = population if priority is None else priority_weights(population, priority)
        logger.info(
            "coverage problem: %d demand points, %d sites (%d existing), %d pairs within %g",
            nd, ns, int(ex.sum()), cover.nnz, within_f,
        )
        return cls(
            demand_ids=d_ids,
            weights=weights_eff,
            population=population,
            site_ids=s_ids,
            costs=np.where(ex, 0.0, cost),
            cover=cover,
            distance=distance,
            within=within_f,
            households=hh,
            capacity=cap,
            existing=ex,
            categories=cats,
        )

    # ------------------------------------------------------------------ conveniences
    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return int(self.demand_ids.size)

    @property
    def n_sites(self) -> int:
        """Number of sites (candidates and existing)."""
        return int(self.site_ids.size)

    @property
    def n_candidates(self) -> int:
        """Number of sites not yet built."""
        return int(self.n_sites - self.existing.sum())

    @property
    def total_weight(self) -> float:
        """Sum of all demand weights."""
        return float(self.weights.sum())

    def covered_by(self, open_sites: Any) -> np.ndarray:
        """Boolean mask of demand points covered when ``open_sites`` (bool mask or indices)
        and all existing sites are open."""
        mask = np.zeros(self.n_sites, dtype=bool)
        sel = np.asarray(open_sites)
        if sel.dtype == bool:
            mask |= sel
        else:
            mask[sel.astype(np.int64)] = True
        mask |= self.existing
        return np.asarray(self.cover @ mask.astype(np.int8)).reshape(-1) > 0

    def reachable_share(self) -> float:
        """Largest covered weight share any plan can reach (all candidates open)."""
        tot = self.total_weight
        if tot <= 0:
            return 1.0
        reach = np.diff(self.cover.indptr) > 0
        return float(self.weights[reach].sum() / tot)

    def existing_share(self) -> float:
        """Covered weight share of the existing sites alone."""
        tot = self.total_weight
        return 1.0 if tot <= 0 else float(self.weights[self.covered_by([])].sum() / tot)


def _as_bool(v: Any) -> bool:
    if isinstance(v, str):
        t = v.strip().lower()
        if t in {"1", "true", "yes", "y", "t", "existing"}:
            return True
        if t in {"0", "false", "no", "n", "f", ""}:
            return False
        raise InputError(f"existing = {v!r} is not a yes/no value: write true/false or 1/0")
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    return bool(v)


def _as_category_set(c: Any) -> frozenset:
    if c is None or (isinstance(c, float) and math.isnan(c)):
        return frozenset()
    if isinstance(c, str):
        return frozenset(t.strip() for t in c.replace(",", ";").split(";") if t.strip())
    return frozenset(str(t) for t in c)


def _csr_min(rows, cols, dist, nr, nc):
    """Canonical boolean CSR (sorted, no duplicates) plus the minimum distance per pair."""
    if rows.size:
        order = np.lexsort((dist, cols, rows))
        rows, cols, dist = rows[order], cols[order], dist[order]
        first = np.ones(rows.size, dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, dist = rows[first], cols[first], dist[first]
    indptr = np.zeros(nr + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=nr), out=indptr[1:])
    cover = sp.csr_matrix(
        (np.ones(rows.size, dtype=bool), cols.astype(np.int32), indptr.astype(np.int64)),
        shape=(nr, nc),
    )
    return cover, dist.astype(float)

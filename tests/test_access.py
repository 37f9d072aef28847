"""2SFCA accessibility and equity: by hand on a street, and against a dense numpy version.

The street of the ``line_network`` fixture (nodes every 100 m on x = 0..900). Facilities F1 at
x = 0 (6 beds) and F2 at x = 500 (4 beds); residences R1 x = 100 (100 people, 10 elderly),
R2 x = 300 (200), R3 x = 600 (100), R4 x = 900 (50, 30 elderly); catchment 300 m (5 min at
60 m/min). F1 reaches R1 (100 m) and R2 (300 m); F2 reaches R2 (200 m) and R3 (100 m).

Step 1: R_F1 = 6 / (100 + 200) = 0.02 beds per person; R_F2 = 4 / (200 + 100) = 0.01333.
Step 2: A_R1 = 0.02, A_R2 = 0.02 + 0.01333 = 0.03333, A_R3 = 0.01333, A_R4 = 0 — per 1,000
people 20, 33.33, 13.33, 0. Sorted by A with population shares 50, 100, 100, 200 of 450, the
Lorenz curve passes (0.111, 0), (0.333, 0.1333), (0.556, 0.3333), (1, 1), so
Gini = 1 - [0.2222·0.1333 + 0.2222·0.4667 + 0.4444·1.3333] = 0.274074. R4 (50 of 450 people,
30 of 40 elderly) has no facility in reach.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from _util import points
from siting.access import accessibility, gini, lorenz, method_decay, two_step_fca
from siting.errors import InputError
from siting.network import Network
from siting.standards import resolve_categories


def _category(threshold="5 min"):
    (cat,) = resolve_categories(["pharmacy"], overrides={"pharmacy": {"threshold": threshold}})
    return cat


def _street():
    res = points([(100, 0), (300, 0), (600, 0), (900, 0)], rid=["R1", "R2", "R3", "R4"],
                 population=[100.0, 200.0, 100.0, 50.0], elderly=[10.0, 0.0, 0.0, 30.0])
    fac = points([(0, 0), (500, 0)], fid=["F1", "F2"], category=["pharmacy", "pharmacy"],
                 beds=[6.0, 4.0])
    return res, fac


def test_2sfca_by_hand(line_network):
    res, fac = _street()
    out = accessibility(line_network, res, fac, [_category()], speed_mps=1.0, supply="beds")
    a = out.residences["pharmacy_access"].to_numpy()
    assert a == pytest.approx([20.0, 100.0 / 3, 40.0 / 3, 0.0])
    row = out.categories.iloc[0]
    assert row["gini"] == pytest.approx(0.274074, abs=1e-6)
    assert row["share_none"] == pytest.approx(50 / 450)
    assert row["share_elderly_beyond"] == pytest.approx(30 / 40)
    assert row["supply_total"] == 10.0 and row["facilities"] == 2
    # 2SFCA conserves supply when every facility's demand is in reach: sum pop * A = beds
    assert float((res["population"] * a).sum()) / 1000 == pytest.approx(10.0)
    lz = out.lorenz["pharmacy"]
    assert lz["population"][0] == 0 and lz["access"][-1] == pytest.approx(1.0)


def test_demand_from_a_priority_group_and_a_target(line_network):
    res, fac = _street()
    out = accessibility(line_network, res, fac, [_category()], supply="beds", demand="elderly",
                        target=25.0)
    # F1's catchment holds 10 elderly (R1) and F2's none: R_F1 = 0.6, R_F2 = 0 (nobody to serve)
    assert out.residences["pharmacy_access"].to_numpy() == pytest.approx([600.0, 600.0, 0.0, 0.0])
    row = out.categories.iloc[0]
    assert row["share_below_target"] == pytest.approx(150 / 450)
    assert row["share_elderly_below_target"] == pytest.approx(30 / 40)


def test_missing_supply_is_noted_not_counted_as_zero_silently(line_network):
    res, fac = _street()
    fac["beds"] = [6.0, np.nan]
    out = accessibility(line_network, res, fac, [_category()], supply="beds")
    assert out.categories.iloc[0]["facilities_without_supply"] == 1
    assert any("F2" in n and "left out" in n for n in out.notes)
    with pytest.raises(InputError, match="staff"):
        accessibility(line_network, res, fac, [_category()], supply="staff")
    with pytest.raises(InputError, match="children"):
        accessibility(line_network, res, fac, [_category()], demand="children")


def test_gini_against_mean_absolute_difference():
    rng = np.random.default_rng(4)
    v = rng.random(40) * 10
    v[:5] = 0
    w = rng.integers(1, 30, 40).astype(float)
    mad = (w[:, None] * w[None, :] * np.abs(v[:, None] - v[None, :])).sum()
    ref = mad / (2 * w.sum() ** 2 * (w * v).sum() / w.sum())
    assert gini(v, w) == pytest.approx(ref)
    assert gini(np.ones(5), np.ones(5)) == pytest.approx(0.0)
    assert np.isnan(gini(np.zeros(3), np.ones(3)))
    x, y = lorenz(v, w)
    assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) >= 0) and np.all(y <= x + 1e-12)


def _grid(n=7, step=100.0):
    ij = [(i, j) for j in range(n) for i in range(n)]
    x = np.array([i * step for i, _ in ij])
    y = np.array([j * step for _, j in ij])
    u, v = [], []
    for k, (i, j) in enumerate(ij):
        if i + 1 < n:
            u.append(k)
            v.append(k + 1)
        if j + 1 < n:
            u.append(k)
            v.append(k + n)
    return x, y, np.array(u), np.array(v)


@pytest.mark.parametrize("method", ["2sfca", "gaussian", "enhanced"])
def test_against_a_dense_numpy_2sfca(method):
    x, y, u, v = _grid()
    net = Network.from_arrays(x, y, u, v, crs="EPSG:32650")
    rng = np.random.default_rng(1)
    rn = rng.choice(x.size, 20, replace=False)
    fn = rng.choice(x.size, 5, replace=False)
    pop = rng.integers(10, 200, 20).astype(float)
    area = rng.integers(50, 400, 5).astype(float)
    res = points(np.c_[x[rn], y[rn]], rid=[f"r{k}" for k in range(20)], population=pop)
    fac = points(np.c_[x[fn], y[fn]], fid=[f"f{k}" for k in range(5)], category="pharmacy",
                 floor_area_m2=area)
    cat = _category("6 min")  # 360 m at 1 m/s
    out = accessibility(net, res, fac, [cat], method=method, supply="floor_area_m2", per=1.0)
    # independent: node-to-node distances by scipy's Dijkstra on the grid, then dense matrices
    G = csr_matrix((np.full(u.size, 100.0), (u, v)), shape=(x.size, x.size))
    D = dijkstra(G, directed=False, indices=fn)[:, rn]  # facilities x residences
    W = np.where(D <= 360.0, method_decay(method, 360.0)(D), 0.0)
    R = area / (W @ pop)
    A = W.T @ R
    assert out.residences["pharmacy_access"].to_numpy() == pytest.approx(A, rel=1e-9)


def test_two_step_with_no_demand_in_reach_gives_zero_ratio():
    ratio, access = two_step_fca(np.array([0]), np.array([0]), np.array([1.0]),
                                 np.array([5.0, 3.0]), np.array([0.0]))
    assert ratio.tolist() == [0.0, 0.0] and access.tolist() == [0.0]


def test_method_weights():
    assert method_decay("enhanced", 900.0)([100, 400, 800, 950]).tolist() == [1.0, 0.68, 0.22, 0.0]
    g = method_decay("gaussian", 900.0)([0.0, 900.0])
    assert g.tolist() == pytest.approx([1.0, 0.0])
    with pytest.raises(InputError, match="unknown"):
        method_decay("3sfca", 900.0)

"""The row weighting local search (RWLS) for unicost set covering: its state against a
recomputation from scratch, its covers against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from test_setcover import brute_cover, random_cover

from siting.optimize.search_rwls import RowWeightingSearch


def _check_state(rw: RowWeightingSearch, A: sp.csr_matrix) -> None:
    """Every incremental array equals its definition computed from the open set."""
    sel = rw.sel.astype(np.int64)
    a = np.asarray(A.todense(), np.int64)
    cnt = a @ sel
    assert np.array_equal(rw.cnt, cnt)
    ones = np.flatnonzero(cnt == 1)
    assert np.array_equal(rw.own[ones], (a @ (sel * np.arange(a.shape[1])))[ones])
    unc = set(np.flatnonzero(cnt == 0))
    assert set(rw.unc[:rw.nunc[0]]) == unc
    for j in range(a.shape[1]):
        rows = np.flatnonzero(a[:, j])
        if sel[j]:
            want = -rw.wt[rows[cnt[rows] == 1]].sum()
        else:
            want = rw.wt[rows[cnt[rows] == 0]].sum()
        assert rw.score[j] == pytest.approx(want), j
    assert set(rw.sel_list[:rw.nsel[0]]) == set(np.flatnonzero(sel))
    # the best mask is a cover of the cost it claims; S costs what the state says
    b = rw.best_mask.astype(np.int64)
    assert (a @ b).min() > 0
    assert rw.best_cost == pytest.approx(float(rw.cost[b == 1].sum()))
    assert rw.info[5] == pytest.approx(float(rw.cost[sel == 1].sum()))


@pytest.mark.parametrize("seed", range(10))
def test_state_stays_exact_and_the_optimum_is_found(seed):
    A, _ = random_cover(seed, m=16, n=12, unit=True)
    opt = brute_cover(A, np.ones(12))
    rw = RowWeightingSearch(A, np.arange(12), seed=seed)  # every column: a cover
    for _ in range(6):
        rw.run(max_steps=37)
        _check_state(rw, A)
    rw.run(max_steps=20_000, lb=opt)
    assert rw.best_size == opt
    _check_state(rw, A)


@pytest.mark.parametrize("seed", range(10))
def test_with_costs_the_cheapest_cover_is_found(seed):
    A, cost = random_cover(seed + 20, m=16, n=12)
    opt = brute_cover(A, cost)
    rw = RowWeightingSearch(A, np.arange(12), cost=cost, seed=seed)
    for _ in range(5):
        rw.run(max_steps=29)
        _check_state(rw, A)
        # S stays cheaper than the best cover while some row is uncovered
        if rw.nunc[0] > 0:
            assert rw.info[5] < rw.best_cost
    rw.run(max_steps=20_000, lb=opt)
    assert rw.best_cost == pytest.approx(opt)
    _check_state(rw, A)


def test_costs_must_be_positive():
    A, cost = random_cover(1, m=10, n=8)
    cost[2] = 0.0
    with pytest.raises(ValueError, match="positive"):
        RowWeightingSearch(A, np.arange(8), cost=cost)


def test_a_start_that_is_not_a_cover_is_repaired():
    A, _ = random_cover(3, m=16, n=12, unit=True)
    rw = RowWeightingSearch(A, np.zeros(0, np.int64))
    cols = rw.best()
    assert (np.asarray(A.todense())[:, cols].any(axis=1)).all()
    _check_state(rw, A)


def test_by_hand_two_columns_cover_what_three_did():
    # rows 0-3; columns: {0,1}, {2,3}, {0,2}, {1,3}; start from columns 0, 2, 3 (3 columns)
    A = sp.csr_matrix(np.array([[1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 0, 1]]))
    rw = RowWeightingSearch(A, np.array([0, 2, 3]))
    rw.run(max_steps=100, lb=2)
    assert rw.best_size == 2
    assert {tuple(rw.best())} <= {(0, 1), (2, 3)}


def test_a_row_without_a_column_is_refused():
    A = sp.csr_matrix(np.array([[1, 0], [0, 0]]))
    with pytest.raises(ValueError, match="no cover"):
        RowWeightingSearch(A, np.array([0]))

"""Compiled local search for the covering models (private plumbing of :mod:`siting.optimize`).

The search works on the reduced model (:class:`~siting.optimize.reduce.Reduced`): columns
(sites) and rows (demand) with weights, in CSC (rows of a column) and CSR (columns of a row)
arrays. Its state is kept **per demand row**, as in the fast interchange of Whitaker (1983,
*INFOR* 21(2):95–108) and Resende & Werneck (2007, *Journal of Heuristics* 13:5–28) for the
p-median, carried over to coverage:

* ``cnt[i]`` — open sites covering row i; ``own[i]`` — the sum of their indices, so the sole
  owner when ``cnt[i] == 1``;
* ``gain[j]`` — weight of the uncovered rows column j reaches (what opening j adds);
* ``loss[s]`` — weight of the rows only s covers (what closing s removes).

Opening or closing a site updates these in time proportional to its rows and their
columns, never a pass over the whole matrix. The value of the exchange "close s, open j" is
``gain[j] - loss[s] + extra_j(s)``, ``extra_j(s)`` the weight of rows j reaches that s alone
covers; for each closed j the best partner s is found from j's own rows (``tb[j]``) or is the
open site of least loss. ``tb[j]`` is cached and recomputed only for columns whose rows, or
whose partners' losses, a move changed ("don't look bits" made exact), so a best-improvement
move costs O(columns) plus the neighbourhood of the sites moved.

On top of the exchange descent runs an **iterated local search** in the spirit of the
adaptive ILS of Máximo, Cordeau & Nascimento (2023, *International Transactions in
Operational Research*, doi:10.1111/itor.13245, the best published method for large maximal
covering instances): a kick closes k open sites near a random one and opens k sites that
reach the rows left uncovered (randomised greedy), the kicked-out sites are tabu during the
descent that follows, the new local optimum is accepted when it is not worse, the kick size
adapts (back to 1 after an improvement, larger after failures), and a long run without
improvement triggers a large unconditional kick (a restart from a perturbed best). A
compound move — the best exchange followed, if it pays, by a second exchange among the
sites it touched (a 2-swap, an ejection chain of depth two) — is tried at each local optimum.

The kernels run in chunks of kicks; the Python side (:class:`CoverSearch`,
:class:`TargetSearch`) checks the clock, a cancel hook and incumbents from a MIP solver
between chunks, so the search runs until the time limit or until it stops improving.

Two searches share the state:

* :class:`CoverSearch` — maximal covering: at most p new sites (and/or a budget), most
  covered weight.
* :class:`TargetSearch` — target covering: cover at least ``need`` weight at least cost
  (or count). Lexicographic descent: drop a site while the target holds, exchange to a
  cheaper site, or at equal cost to more coverage (slack that later allows a drop); a kick
  removes sites and repairs the target greedily (cost per newly covered weight).

numba compiles the kernels on first use (``cache=True`` keeps them for later runs).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import numpy as np
from numba import njit

from siting.optimize.reduce import Reduced

logger = logging.getLogger(__name__)

_NEG = -1e300
_INT = np.int64


# ------------------------------------------------------------------------------------ rng
@njit(cache=True)
def _rand(rs):
    """xorshift64*: a uniform float in [0, 1) from the state ``rs[0]`` (deterministic)."""
    x = rs[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rs[0] = x
    return float((x * np.uint64(2685821657736338717)) >> np.uint64(11)) / 9007199254740992.0


@njit(cache=True)
def _randint(rs, n):
    return min(int(_rand(rs) * n), n - 1)


# ------------------------------------------------------------------------------------ moves
@njit(cache=True)
def _mark(k, dirty, dlist, dn):
    if dirty[k] == 0:
        dirty[k] = 1
        dlist[dn[0]] = k
        dn[0] += 1


@njit(cache=True)
def _mark_around(s, cp, cr, rp, rc, dirty, dlist, dn):
    """Mark every column that shares a row with column s (its 2-hop neighbourhood)."""
    for a in range(cp[s], cp[s + 1]):
        i = cr[a]
        for b in range(rp[i], rp[i + 1]):
            _mark(rc[b], dirty, dlist, dn)


@njit(cache=True)
def _open(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn):
    """Open column j; record the owners whose loss changed in ``chg``."""
    for a in range(cp[j], cp[j + 1]):
        i = cr[a]
        c = cnt[i]
        if c == 0:
            wi = w[i]
            fv[0] += wi
            loss[j] += wi
            for b in range(rp[i], rp[i + 1]):
                gain[rc[b]] -= wi
        elif c == 1:
            s = own[i]
            loss[s] -= w[i]
            chg[cn[0]] = s
            cn[0] += 1
        cnt[i] = c + 1
        own[i] += j


@njit(cache=True)
def _close(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn):
    """Close column j; record the owners whose loss changed in ``chg``."""
    for a in range(cp[j], cp[j + 1]):
        i = cr[a]
        c = cnt[i] - 1
        cnt[i] = c
        own[i] -= j
        if c == 0:
            wi = w[i]
            fv[0] -= wi
            for b in range(rp[i], rp[i + 1]):
                gain[rc[b]] += wi
        elif c == 1:
            s = own[i]
            loss[s] += w[i]
            chg[cn[0]] = s
            cn[0] += 1
    loss[j] = 0.0


@njit(cache=True)
def _touch(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
           opening, is_open, sel, pos, nsel):
    """Open (``opening``) or close column j and keep the selection list and marks."""
    cn[0] = 0
    if opening:
        _open(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn)
        is_open[j] = 1
        pos[j] = nsel[0]
        sel[nsel[0]] = j
        nsel[0] += 1
    else:
        _close(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn)
        is_open[j] = 0
        k = pos[j]
        last = sel[nsel[0] - 1]
        sel[k] = last
        pos[last] = k
        nsel[0] -= 1
        pos[j] = -1
    _mark_around(j, cp, cr, rp, rc, dirty, dlist, dn)
    for t in range(cn[0]):
        s = chg[t]
        if dirty[s] < 2:  # around each changed owner once per flush
            _mark(s, dirty, dlist, dn)
            _mark_around(s, cp, cr, rp, rc, dirty, dlist, dn)
            dirty[s] = 2


@njit(cache=True)
def _eval(j, cp, cr, w, cnt, own, loss, fixed, acc, stamp, st, tl):
    """Best exchange partner of closed column j among the owners of its rows:
    ``max_s extra_j(s) - loss[s]`` and that s (-1 when j reaches no singly covered row)."""
    st[0] += 1
    cur = st[0]
    tn = 0
    for a in range(cp[j], cp[j + 1]):
        i = cr[a]
        if cnt[i] == 1:
            s = own[i]
            if stamp[s] != cur:
                stamp[s] = cur
                acc[s] = 0.0
                tl[tn] = s
                tn += 1
            acc[s] += w[i]
    best = _NEG
    bs = -1
    for t in range(tn):
        s = tl[t]
        if fixed[s] == 0:
            v = acc[s] - loss[s]
            if v > best:
                best = v
                bs = s
    return best, bs


@njit(cache=True)
def _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
           tb, tbs):
    for t in range(dn[0]):
        k = dlist[t]
        dirty[k] = 0
        if is_open[k] == 0 and fixed[k] == 0:
            v, s = _eval(k, cp, cr, w, cnt, own, loss, fixed, acc, stamp, st, tl)
            tb[k] = v
            tbs[k] = s
        else:
            tb[k] = _NEG
            tbs[k] = -1
    dn[0] = 0


@njit(cache=True)
def _min_loss(sel, nsel, fixed, loss):
    ml = 1e300
    ms = -1
    for t in range(nsel[0]):
        s = sel[t]
        if fixed[s] == 0 and loss[s] < ml:
            ml = loss[s]
            ms = s
    return ml, ms


# ------------------------------------------------------------------------------------ cover
@njit(cache=True)
def _cover_descent(p, tol, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss, fv, chg, cn,
                   dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp, st, tl, tb, tbs,
                   tabu, now, max_moves):
    """Best-improvement add/exchange descent for at most p open (non-fixed) columns.
    Columns with ``tabu[j] > now`` may not open. Returns the number of moves."""
    n = cp.size - 1
    moves = 0
    while moves < max_moves:
        _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
               tb, tbs)
        nfree = 0
        for t in range(nsel[0]):
            if fixed[sel[t]] == 0:
                nfree += 1
        if nfree < p:
            bj = -1
            bg = tol
            for j in range(n):
                if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now and gain[j] > bg:
                    bg = gain[j]
                    bj = j
            if bj >= 0:
                _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
                       True, is_open, sel, pos, nsel)
                moves += 1
                continue
        ml, ms = _min_loss(sel, nsel, fixed, loss)
        if ms < 0:
            break
        best = tol
        bj = -1
        for j in range(n):
            if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now:
                t = tb[j]
                v = gain[j] + (t if t > -ml else -ml)
                if v > best:
                    best = v
                    bj = j
        if bj < 0:
            break
        s = tbs[bj] if tb[bj] > -ml else ms
        _touch(s, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               False, is_open, sel, pos, nsel)
        _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               True, is_open, sel, pos, nsel)
        moves += 1
    _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
           tb, tbs)
    return moves


@njit(cache=True)
def _cover_chain(p, tol, width, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss, fv, chg, cn,
                 dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp, st, tl, tb, tbs, tabu,
                 now, cand, cval):
    """2-swap at a local optimum: for the ``width`` best single exchanges (all non-improving),
    apply one and look for a second exchange that makes the pair improve; keep the first pair
    that does. Returns True when an improving pair was applied."""
    n = cp.size - 1
    ml, ms = _min_loss(sel, nsel, fixed, loss)
    if ms < 0:
        return False
    m = 0
    for j in range(n):
        if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now:
            t = tb[j]
            v = gain[j] + (t if t > -ml else -ml)
            if m < width:
                cand[m] = j
                cval[m] = v
                m += 1
            else:
                lo = 0
                for q in range(1, m):
                    if cval[q] < cval[lo]:
                        lo = q
                if v > cval[lo]:
                    cand[lo] = j
                    cval[lo] = v
    f0 = fv[0]
    for q in range(m):
        j1 = cand[q]
        ml, ms = _min_loss(sel, nsel, fixed, loss)
        s1 = tbs[j1] if tb[j1] > -ml else ms
        if s1 < 0:
            continue
        _touch(s1, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               False, is_open, sel, pos, nsel)
        _touch(j1, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               True, is_open, sel, pos, nsel)
        _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
               tb, tbs)
        ml, ms = _min_loss(sel, nsel, fixed, loss)
        best = f0 - fv[0] + tol
        bj = -1
        for j in range(n):
            if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now and j != s1:
                t = tb[j]
                v = gain[j] + (t if t > -ml else -ml)
                if v > best:
                    best = v
                    bj = j
        if bj >= 0:
            s2 = tbs[bj] if tb[bj] > -ml else ms
            if s2 >= 0 and s2 != j1:
                _touch(s2, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist,
                       dn, False, is_open, sel, pos, nsel)
                _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist,
                       dn, True, is_open, sel, pos, nsel)
                _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty,
                       dlist, dn, tb, tbs)
                if fv[0] > f0 + tol:
                    return True
                # numerically no better: undo the second exchange
                _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist,
                       dn, False, is_open, sel, pos, nsel)
                _touch(s2, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist,
                       dn, True, is_open, sel, pos, nsel)
        # undo the first exchange
        _touch(j1, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               False, is_open, sel, pos, nsel)
        _touch(s1, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               True, is_open, sel, pos, nsel)
        _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
               tb, tbs)
    return False


@njit(cache=True)
def _restore(target, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
             is_open, sel, pos, nsel, fixed, buf):
    """Make the open set equal to the mask ``target`` (fixed columns stay open)."""
    m = 0
    for t in range(nsel[0]):
        s = sel[t]
        if fixed[s] == 0 and target[s] == 0:
            buf[m] = s
            m += 1
    for t in range(m):
        _touch(buf[t], cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               False, is_open, sel, pos, nsel)
    n = cp.size - 1
    for j in range(n):
        if target[j] == 1 and is_open[j] == 0:
            _touch(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
                   True, is_open, sel, pos, nsel)


@njit(cache=True)
def _kick_region(s0, k, rs, cp, cr, rp, rc, is_open, fixed, stamp, st, buf):
    """Up to k open non-fixed columns near s0 (s0 first, then random open neighbours)."""
    st[0] += 1
    cur = st[0]
    m = 0
    buf[m] = s0
    m += 1
    stamp[s0] = cur
    # open columns sharing a row with a column that shares a row with s0 (4 hops at most)
    for a in range(cp[s0], cp[s0 + 1]):
        i = cr[a]
        for b in range(rp[i], rp[i + 1]):
            j = rc[b]
            if stamp[j] != cur:
                stamp[j] = cur
                if is_open[j] == 1 and fixed[j] == 0:
                    buf[m] = j
                    m += 1
    if m < k:
        # widen: open columns around the neighbours found so far
        lim = m
        for q in range(1, lim):
            s = buf[q]
            for a in range(cp[s], cp[s + 1]):
                i = cr[a]
                for b in range(rp[i], rp[i + 1]):
                    j = rc[b]
                    if stamp[j] != cur:
                        stamp[j] = cur
                        if is_open[j] == 1 and fixed[j] == 0:
                            buf[m] = j
                            m += 1
    # a random k-subset keeping s0: partial Fisher–Yates on buf[1:m]
    take = min(k, m)
    for q in range(1, take):
        r = q + _randint(rs, m - q)
        tmp = buf[q]
        buf[q] = buf[r]
        buf[r] = tmp
    return take


@njit(cache=True, nogil=True)
def _cover_ils(n_kicks, p, tol, ub, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss, fv, chg,
               cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp, st, tl, tb, tbs, tabu,
               rs, cur_mask, best_mask, info, cand, cval, buf, buf2, kmax, tabu_len,
               chain_width, restart_after):
    """``n_kicks`` kicks of the iterated local search (see the module docstring).

    ``info`` carries the search across chunks: [0] best value, [1] current value, [2] kick
    size, [3] kicks since the best improved, [4] kick counter (tabu clock), [5] kicks done,
    [6] improvements, [7] moves, [8] failures at this kick size."""
    n = cp.size - 1
    for _ in range(n_kicks):
        if info[0] >= ub - tol:
            break
        info[4] += 1.0
        now = info[4]
        k = int(info[2])
        big = info[3] >= restart_after
        if big:
            k = min(2 * kmax, max(nsel[0] // 2, 1))
            info[3] = 0.0
        # choose a random open non-fixed column as the centre of the kick
        nfree = 0
        for t in range(nsel[0]):
            if fixed[sel[t]] == 0:
                buf2[nfree] = sel[t]
                nfree += 1
        if nfree == 0:
            break
        s0 = buf2[_randint(rs, nfree)]
        m = _kick_region(s0, k, rs, cp, cr, rp, rc, is_open, fixed, stamp, st, buf)
        for q in range(m):
            s = buf[q]
            _touch(s, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
                   False, is_open, sel, pos, nsel)
            tabu[s] = now + tabu_len
        # refill: for each removed site, a random uncovered row near the kick and a column
        # reaching it (the best-gain one, or a random one)
        for q in range(m):
            s = buf[q]
            # rows of s that are uncovered now
            nu = 0
            for a in range(cp[s], cp[s + 1]):
                i = cr[a]
                if cnt[i] == 0:
                    buf2[nu] = i
                    nu += 1
            if nu == 0:
                continue
            i = buf2[_randint(rs, nu)]
            bj = -1
            if _rand(rs) < 0.5:
                bg = -1.0
                for b in range(rp[i], rp[i + 1]):
                    j = rc[b]
                    if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now and gain[j] > bg:
                        bg = gain[j]
                        bj = j
            else:
                deg = rp[i + 1] - rp[i]
                for _t in range(4):
                    j = rc[rp[i] + _randint(rs, deg)]
                    if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now:
                        bj = j
                        break
            if bj >= 0:
                _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist,
                       dn, True, is_open, sel, pos, nsel)
        info[7] += _cover_descent(p, tol, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss, fv,
                                  chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp,
                                  st, tl, tb, tbs, tabu, now, 1 << 30)
        # the kicked-out sites may come back now: a last descent without tabu
        for q in range(m):
            tabu[buf[q]] = 0.0
            _mark_around(buf[q], cp, cr, rp, rc, dirty, dlist, dn)
        info[7] += _cover_descent(p, tol, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss, fv,
                                  chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp,
                                  st, tl, tb, tbs, tabu, now, 1 << 30)
        if chain_width > 0 and fv[0] <= info[1] + tol:
            while _cover_chain(p, tol, chain_width, cp, cr, rp, rc, w, fixed, cnt, own, gain,
                               loss, fv, chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc,
                               stamp, st, tl, tb, tbs, tabu, now, cand, cval):
                info[7] += _cover_descent(p, tol, cp, cr, rp, rc, w, fixed, cnt, own, gain,
                                          loss, fv, chg, cn, dirty, dlist, dn, is_open, sel, pos,
                                          nsel, acc, stamp, st, tl, tb, tbs, tabu, now, 1 << 30)
        info[5] += 1.0
        f = fv[0]
        if f > info[0] + tol:
            info[0] = f
            info[6] += 1.0
            info[3] = 0.0
            info[2] = 1.0
            info[8] = 0.0
            for j in range(n):
                best_mask[j] = is_open[j]
        else:
            info[3] += 1.0
            info[8] += 1.0
            if info[8] >= 8:  # failures at this size: kick harder (cycle back to 1)
                info[8] = 0.0
                info[2] = info[2] + 1.0 if info[2] < kmax else 1.0
        if f >= info[1] - tol or big:
            info[1] = f
            for j in range(n):
                cur_mask[j] = is_open[j]
        else:
            _restore(cur_mask, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty,
                     dlist, dn, is_open, sel, pos, nsel, fixed, buf2)
            _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist,
                   dn, tb, tbs)
            info[1] = fv[0]


# ------------------------------------------------------------------------------------ target
@njit(cache=True)
def _target_descent(need, tol, cost, unit, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss, fv,
                    chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp, st, tl, tb,
                    tbs, tabu, now, max_moves, order):
    """Lexicographic descent (cost, then -coverage) keeping ``covered >= need``: drops, then
    exchanges to a cheaper column, or at equal cost to more coverage. ``unit``: every cost
    is equal (a count), so an exchange only adds coverage. Returns the moves made."""
    n = cp.size - 1
    moves = 0
    while moves < max_moves:
        _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
               tb, tbs)
        slack = fv[0] - need
        # drop: the most expensive site whose loss the slack absorbs (least loss at a tie)
        bd = -1
        bc = -1.0
        bl = 0.0
        for t in range(nsel[0]):
            s = sel[t]
            if fixed[s] == 0 and loss[s] <= slack + tol:
                if cost[s] > bc + 1e-12 or (cost[s] >= bc - 1e-12 and loss[s] < bl):
                    bc = cost[s]
                    bl = loss[s]
                    bd = s
        if bd >= 0:
            _touch(bd, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
                   False, is_open, sel, pos, nsel)
            moves += 1
            continue
        ml, ms = _min_loss(sel, nsel, fixed, loss)
        if ms < 0:
            break
        bj = -1
        bs = -1
        if unit:
            best = tol
            for j in range(n):
                if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now:
                    t = tb[j]
                    v = gain[j] + (t if t > -ml else -ml)
                    if v > best:
                        best = v
                        bj = j
            if bj >= 0:
                bs = tbs[bj] if tb[bj] > -ml else ms
        else:
            # open sites by decreasing cost: the first feasible partner of j gives the largest
            # saving; the delta gain_j - loss_s is exact for a partner sharing no row with j
            # and a lower bound otherwise (tb[j] gives the exact best sharing partner)
            m = 0
            for t in range(nsel[0]):
                if fixed[sel[t]] == 0:
                    order[m] = sel[t]
                    m += 1
            keys = np.empty(m)
            for q in range(m):
                keys[q] = -cost[order[q]]
            idx = np.argsort(keys)
            bdc = 0.0
            bdv = tol
            for j in range(n):
                if is_open[j] == 1 or fixed[j] == 1 or tabu[j] > now:
                    continue
                s = tbs[j]
                if s >= 0:
                    d = gain[j] + tb[j]
                    dc = cost[s] - cost[j]
                    if fv[0] + d >= need - tol and dc >= -1e-12:
                        if dc > bdc + 1e-12 or (dc >= bdc - 1e-12 and d > bdv):
                            bdc = dc
                            bdv = d
                            bj = j
                            bs = s
                for q in range(m):
                    s2 = order[idx[q]]
                    dc = cost[s2] - cost[j]
                    if dc < bdc - 1e-12 or dc < -1e-12:
                        break
                    d = gain[j] - loss[s2]
                    if fv[0] + d >= need - tol:
                        if dc > bdc + 1e-12 or d > bdv:
                            bdc = dc
                            bdv = d
                            bj = j
                            bs = s2
                        break
        if bj < 0 or bs < 0:
            break
        _touch(bs, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               False, is_open, sel, pos, nsel)
        _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               True, is_open, sel, pos, nsel)
        moves += 1
    _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
           tb, tbs)
    return moves


@njit(cache=True)
def _target_repair(need, tol, cost, rs, randomise, cp, cr, rp, rc, w, fixed, cnt, own, gain,
                   loss, fv, chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, tabu, now):
    """Open columns by least cost per newly covered weight until ``covered >= need``
    (randomised among near-best when ``randomise``). False when the target is out of reach."""
    n = cp.size - 1
    while fv[0] < need - tol:
        bj = -1
        br = 1e300
        for j in range(n):
            if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now and gain[j] > tol:
                r = cost[j] / gain[j]
                if randomise:
                    r *= 1.0 + 0.3 * _rand(rs)
                if r < br:
                    br = r
                    bj = j
        if bj < 0:
            # allow tabu columns before giving up
            for j in range(n):
                if is_open[j] == 0 and fixed[j] == 0 and gain[j] > tol:
                    r = cost[j] / gain[j]
                    if r < br:
                        br = r
                        bj = j
            if bj < 0:
                return False
        _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               True, is_open, sel, pos, nsel)
    return True


@njit(cache=True, nogil=True)
def _target_ils(n_kicks, need, tol, lb, cost, unit, order, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss,
                fv, chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp, st, tl, tb,
                tbs, tabu, rs, cur_mask, best_mask, info, buf, buf2, kmax, tabu_len,
                restart_after):
    """Kicks of the target-covering ILS. ``info``: [0] best cost, [1] current cost, [2] kick
    size, [3] kicks since the best improved, [4] tabu clock, [5] kicks, [6] improvements,
    [7] moves, [8] failures at this size, [9] best coverage, [10] current coverage."""
    n = cp.size - 1
    for _ in range(n_kicks):
        if info[0] <= lb + tol:
            break
        info[4] += 1.0
        now = info[4]
        k = int(info[2])
        big = info[3] >= restart_after
        if big:
            k = min(2 * kmax, max(nsel[0] // 2, 1))
            info[3] = 0.0
        nfree = 0
        for t in range(nsel[0]):
            if fixed[sel[t]] == 0:
                buf2[nfree] = sel[t]
                nfree += 1
        if nfree == 0:
            break
        s0 = buf2[_randint(rs, nfree)]
        m = _kick_region(s0, k + 1, rs, cp, cr, rp, rc, is_open, fixed, stamp, st, buf)
        for q in range(m):
            _touch(buf[q], cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist,
                   dn, False, is_open, sel, pos, nsel)
            tabu[buf[q]] = now + tabu_len
        ok = _target_repair(need, tol, cost, rs, True, cp, cr, rp, rc, w, fixed, cnt, own, gain,
                            loss, fv, chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, tabu,
                            now)
        if ok:
            info[7] += _target_descent(need, tol, cost, unit, cp, cr, rp, rc, w, fixed, cnt,
                                       own, gain, loss, fv, chg, cn, dirty, dlist, dn, is_open,
                                       sel, pos, nsel, acc, stamp, st, tl, tb, tbs, tabu, now,
                                       1 << 30, order)
            for q in range(m):
                tabu[buf[q]] = 0.0
                _mark_around(buf[q], cp, cr, rp, rc, dirty, dlist, dn)
            info[7] += _target_descent(need, tol, cost, unit, cp, cr, rp, rc, w, fixed, cnt,
                                       own, gain, loss, fv, chg, cn, dirty, dlist, dn, is_open,
                                       sel, pos, nsel, acc, stamp, st, tl, tb, tbs, tabu, now,
                                       1 << 30, order)
        else:
            for q in range(m):
                tabu[buf[q]] = 0.0
        info[5] += 1.0
        c = 0.0
        for t in range(nsel[0]):
            if fixed[sel[t]] == 0:
                c += cost[sel[t]]
        f = fv[0]
        better_best = ok and (c < info[0] - 1e-9 or (abs(c - info[0]) <= 1e-9 and
                                                     f > info[9] + tol))
        if better_best:
            info[0] = c
            info[9] = f
            info[6] += 1.0
            info[3] = 0.0
            info[2] = 1.0
            info[8] = 0.0
            for j in range(n):
                best_mask[j] = is_open[j]
        else:
            info[3] += 1.0
            info[8] += 1.0
            if info[8] >= 8:
                info[8] = 0.0
                info[2] = info[2] + 1.0 if info[2] < kmax else 1.0
        accept = ok and (c < info[1] - 1e-9 or (abs(c - info[1]) <= 1e-9 and
                                                f >= info[10] - tol) or big)
        if accept:
            info[1] = c
            info[10] = f
            for j in range(n):
                cur_mask[j] = is_open[j]
        else:
            _restore(cur_mask, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty,
                     dlist, dn, is_open, sel, pos, nsel, fixed, buf2)
            _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist,
                   dn, tb, tbs)
            info[10] = fv[0]


# ------------------------------------------------------------------------------------ python
class _State:
    """Arrays of one search on a reduced model (see the module docstring)."""

    def __init__(self, red: Reduced, seed: int):
        A = red.A.tocsr()
        A.sort_indices()
        C = A.tocsc()
        C.sort_indices()
        self.red = red
        self.n = n = red.n_cols
        self.m = m = red.n_rows
        self.cp = C.indptr.astype(_INT)
        self.cr = C.indices.astype(_INT)
        self.rp = A.indptr.astype(_INT)
        self.rc = A.indices.astype(_INT)
        self.w = np.asarray(red.w, dtype=np.float64)
        self.fixed = np.asarray(red.fixed, dtype=np.uint8).copy()
        self.cnt = np.zeros(m, dtype=_INT)
        self.own = np.zeros(m, dtype=_INT)
        self.gain = np.asarray(C.T @ self.w, dtype=np.float64).reshape(-1).copy() if n else \
            np.zeros(0)
        self.loss = np.zeros(n)
        self.fv = np.zeros(1)
        deg = np.diff(self.rp)
        cdeg = np.diff(self.cp)
        self.chg = np.zeros(max(int(cdeg.max()) if n else 1, 1) + 1, dtype=_INT)
        self.cn = np.zeros(1, dtype=_INT)
        self.dirty = np.zeros(n, dtype=np.uint8)
        self.dlist = np.zeros(n + 1, dtype=_INT)
        self.dn = np.zeros(1, dtype=_INT)
        self.is_open = np.zeros(n, dtype=np.uint8)
        self.sel = np.zeros(n + 1, dtype=_INT)
        self.pos = np.full(n, -1, dtype=_INT)
        self.nsel = np.zeros(1, dtype=_INT)
        self.acc = np.zeros(n)
        self.stamp = np.zeros(n, dtype=_INT)
        self.st = np.zeros(1, dtype=_INT)
        self.tl = np.zeros(max(int(cdeg.max()) if n else 1, 1) + 1, dtype=_INT)
        self.tb = np.full(n, _NEG)
        self.tbs = np.full(n, -1, dtype=_INT)
        self.tabu = np.zeros(n)
        self.rs = np.array([np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(seed * 7919 + 1)],
                           dtype=np.uint64)
        self.cur_mask = np.zeros(n, dtype=np.uint8)
        self.best_mask = np.zeros(n, dtype=np.uint8)
        self.buf = np.zeros(n + 1, dtype=_INT)
        self.buf2 = np.zeros(max(n, m, 1) + 1, dtype=_INT)
        self.max_deg = int(deg.max()) if m else 0
        for j in np.flatnonzero(self.fixed):
            self.touch(int(j), True)
        _flush(self.cp, self.cr, self.w, self.cnt, self.own, self.loss, self.fixed,
               self.is_open, self.acc, self.stamp, self.st, self.tl, self.dirty, self.dlist,
               self.dn, self.tb, self.tbs)

    def resync(self) -> None:
        """Recompute counts, gains, losses and the value exactly from the open set (the
        incremental updates add and subtract floats; this removes any drift)."""
        import scipy.sparse as sp

        red = self.red
        o = self.is_open.astype(np.float64)
        A = sp.csr_matrix((np.ones(self.rc.size), self.rc, self.rp), shape=(self.m, self.n))
        self.cnt[:] = np.rint(A @ o).astype(_INT)
        self.own[:] = np.rint(A @ (o * np.arange(self.n))).astype(_INT)
        w = self.w
        self.fv[0] = float(w[self.cnt > 0].sum())
        self.gain[:] = A.T @ np.where(self.cnt == 0, w, 0.0)
        self.loss[:] = (A.T @ np.where(self.cnt == 1, w, 0.0)) * o
        del red
        self.dirty[:] = 1
        self.dlist[: self.n] = np.arange(self.n)
        self.dn[0] = self.n
        self.flush()

    def touch(self, j: int, opening: bool) -> None:
        _touch(j, self.cp, self.cr, self.rp, self.rc, self.w, self.cnt, self.own, self.gain,
               self.loss, self.fv, self.chg, self.cn, self.dirty, self.dlist, self.dn, opening,
               self.is_open, self.sel, self.pos, self.nsel)

    def set_open(self, cols: np.ndarray) -> None:
        """Make the open non-fixed columns exactly ``cols``."""
        target = self.fixed.copy()
        target[np.asarray(cols, dtype=_INT)] = 1
        _restore(target, self.cp, self.cr, self.rp, self.rc, self.w, self.cnt, self.own,
                 self.gain, self.loss, self.fv, self.chg, self.cn, self.dirty, self.dlist,
                 self.dn, self.is_open, self.sel, self.pos, self.nsel, self.fixed, self.buf2)
        self.flush()

    def flush(self) -> None:
        _flush(self.cp, self.cr, self.w, self.cnt, self.own, self.loss, self.fixed,
               self.is_open, self.acc, self.stamp, self.st, self.tl, self.dirty, self.dlist,
               self.dn, self.tb, self.tbs)

    def open_cols(self, mask: np.ndarray | None = None) -> np.ndarray:
        m = self.is_open if mask is None else mask
        return np.flatnonzero((m == 1) & (self.fixed == 0)).astype(_INT)


def _tol(red: Reduced) -> float:
    return 1e-9 * max(1.0, float(np.sum(red.w)))


class CoverSearch:
    """Iterated local search for maximal covering with at most ``p`` new sites.

    ``start`` (model columns) is the first plan; :meth:`run` improves it until a deadline,
    a kick budget, a plateau or the upper bound ``ub`` is reached; :meth:`offer` brings in a
    plan found elsewhere (a MIP incumbent), which the search polishes and continues from
    when it is better. ``best_value`` and :meth:`best` give the best plan (model weight,
    offset excluded).
    """

    def __init__(self, red: Reduced, p: int, start: np.ndarray | None = None, *, seed: int = 0,
                 ub: float = math.inf):
        self.red = red
        self.p = int(p)
        self.s = _State(red, seed)
        self.tol = _tol(red)
        self.ub = float(ub)
        n = self.s.n
        self.info = np.zeros(12)
        self.info[2] = 1.0
        self.kmax = int(max(2, min(10, self.p // 3 if self.p >= 6 else 2)))
        self.tabu_len = 1.0
        self.restart_after = float(max(200, 4 * self.p))
        self.chain_width = 8
        self.cand = np.zeros(max(self.chain_width, 1), dtype=_INT)
        self.cval = np.zeros(max(self.chain_width, 1))
        self.kicks_per_second = 0.0
        if start is not None and len(start):
            self.s.set_open(np.asarray(start, dtype=_INT)[: self.p])
        self._descend()
        self.info[0] = self.info[1] = self.s.fv[0]
        self.s.best_mask[:] = self.s.is_open
        self.s.cur_mask[:] = self.s.is_open
        self.n = n

    def _descend(self) -> None:
        s = self.s
        self.info[7] += _cover_descent(
            self.p, self.tol, s.cp, s.cr, s.rp, s.rc, s.w, s.fixed, s.cnt, s.own, s.gain, s.loss,
            s.fv, s.chg, s.cn, s.dirty, s.dlist, s.dn, s.is_open, s.sel, s.pos, s.nsel, s.acc,
            s.stamp, s.st, s.tl, s.tb, s.tbs, s.tabu, self.info[4], 1 << 30)

    @property
    def best_value(self) -> float:
        return float(self.info[0])

    def best(self) -> np.ndarray:
        """Columns of the best plan found (non-fixed)."""
        return self.s.open_cols(self.s.best_mask)

    @property
    def kicks(self) -> int:
        return int(self.info[5])

    def offer(self, cols: np.ndarray) -> bool:
        """Continue from ``cols`` when it is better than the current plan (after a descent);
        True when it became the best plan."""
        s = self.s
        cols = np.asarray(cols, dtype=_INT)
        if cols.size > self.p:
            return False
        saved = s.is_open.copy()
        s.set_open(cols)
        self._descend()
        if s.fv[0] > self.info[1] + self.tol:
            self.info[1] = s.fv[0]
            s.cur_mask[:] = s.is_open
            if s.fv[0] > self.info[0] + self.tol:
                self.info[0] = s.fv[0]
                s.best_mask[:] = s.is_open
                return True
            return False
        s.set_open(np.flatnonzero((saved == 1) & (s.fixed == 0)))
        return False

    def run(self, *, deadline: float | None = None, max_kicks: int | None = None,
            patience: int | None = None, cancel: Callable[[], bool] | None = None,
            between: Callable[[CoverSearch], bool] | None = None) -> None:
        """Kick until ``deadline`` (``time.perf_counter`` seconds), ``max_kicks``, ``patience``
        kicks without improvement, the upper bound, ``cancel()`` or ``between(self)``
        returning True (``between`` runs between chunks, e.g. to exchange incumbents)."""
        s = self.s
        if s.nsel[0] - int(s.fixed.sum()) == 0 or self.n == 0:
            return
        chunk = 8
        t_start = time.perf_counter()
        done0 = self.kicks
        while True:
            if self.info[0] >= self.ub - self.tol:
                break
            if max_kicks is not None and self.kicks - done0 >= max_kicks:
                break
            if patience is not None and self.info[3] >= patience:
                break
            if cancel is not None and cancel():
                break
            if between is not None and between(self):
                break
            now = time.perf_counter()
            if deadline is not None and now >= deadline:
                break
            n = chunk
            if max_kicks is not None:
                n = min(n, max_kicks - (self.kicks - done0))
            if patience is not None:
                n = min(n, max(1, int(patience - self.info[3])))
            t0 = time.perf_counter()
            _cover_ils(n, self.p, self.tol, self.ub, s.cp, s.cr, s.rp, s.rc, s.w, s.fixed,
                       s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty, s.dlist, s.dn,
                       s.is_open, s.sel, s.pos, s.nsel, s.acc, s.stamp, s.st, s.tl, s.tb, s.tbs,
                       s.tabu, s.rs, s.cur_mask, s.best_mask, self.info, self.cand, self.cval,
                       s.buf, s.buf2, self.kmax, self.tabu_len, self.chain_width,
                       self.restart_after)
            dt = time.perf_counter() - t0
            # aim at chunks of about 50 ms (and never past the deadline by much)
            rate = n / max(dt, 1e-6)
            target = 0.05
            if deadline is not None:
                target = max(0.005, min(target, 0.5 * (deadline - time.perf_counter())))
            chunk = int(max(1, min(10_000, rate * target)))
        elapsed = time.perf_counter() - t_start
        if elapsed > 0:
            self.kicks_per_second = (self.kicks - done0) / elapsed
        logger.info("cover search: %d kicks (%.0f/s), %d improvements, %d moves, best %.6g",
                    self.kicks, self.kicks_per_second, int(self.info[6]), int(self.info[7]),
                    self.info[0])


class TargetSearch:
    """Iterated local search for target covering: cover at least ``need`` model weight at
    least cost (``cost`` per column; ones for a count). Starts from ``start`` (a feasible
    plan) or a greedy repair. ``best_cost`` is None when no plan reaches the target."""

    def __init__(self, red: Reduced, need: float, cost: np.ndarray,
                 start: np.ndarray | None = None, *, seed: int = 0, lb: float = -math.inf):
        self.red = red
        self.need = float(need)
        self.cost = np.asarray(cost, dtype=np.float64)
        free_cost = self.cost[~np.asarray(red.fixed, bool)]
        self.unit = bool(free_cost.size == 0 or np.all(free_cost == free_cost[0]))
        self.s = _State(red, seed)
        self.order = np.zeros(self.s.n + 1, dtype=_INT)
        self.tol = _tol(red)
        self.lb = float(lb)
        self.info = np.zeros(12)
        self.info[2] = 1.0
        self.kmax = 6
        self.tabu_len = 1.0
        self.restart_after = 300.0
        self.kicks_per_second = 0.0
        if start is not None and len(start):
            self.s.set_open(np.asarray(start, dtype=_INT))
        s = self.s
        self.feasible = bool(_target_repair(
            self.need, self.tol, self.cost, s.rs, False, s.cp, s.cr, s.rp, s.rc, s.w, s.fixed,
            s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty, s.dlist, s.dn, s.is_open,
            s.sel, s.pos, s.nsel, s.tabu, 0.0))
        s.flush()
        if self.feasible:
            self._descend()
        c = self._cost()
        self.info[0] = self.info[1] = c
        self.info[9] = self.info[10] = s.fv[0]
        s.best_mask[:] = s.is_open
        s.cur_mask[:] = s.is_open

    def _cost(self) -> float:
        cols = self.s.open_cols()
        return float(self.cost[cols].sum())

    def _descend(self) -> None:
        s = self.s
        self.info[7] += _target_descent(
            self.need, self.tol, self.cost, self.unit, s.cp, s.cr, s.rp, s.rc, s.w, s.fixed,
            s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty, s.dlist, s.dn, s.is_open,
            s.sel, s.pos, s.nsel, s.acc, s.stamp, s.st, s.tl, s.tb, s.tbs, s.tabu, self.info[4],
            1 << 30, self.order)

    @property
    def best_cost(self) -> float | None:
        return float(self.info[0]) if self.feasible else None

    @property
    def best_covered(self) -> float:
        return float(self.info[9])

    def best(self) -> np.ndarray:
        return self.s.open_cols(self.s.best_mask)

    @property
    def kicks(self) -> int:
        return int(self.info[5])

    def offer(self, cols: np.ndarray) -> bool:
        """Continue from a feasible plan found elsewhere when it is cheaper."""
        s = self.s
        saved = s.is_open.copy()
        s.set_open(np.asarray(cols, dtype=_INT))
        if s.fv[0] < self.need - self.tol:
            s.set_open(np.flatnonzero((saved == 1) & (s.fixed == 0)))
            return False
        self._descend()
        c = self._cost()
        if not self.feasible or c < self.info[0] - 1e-9:
            self.feasible = True
            self.info[0] = self.info[1] = c
            self.info[9] = self.info[10] = s.fv[0]
            s.best_mask[:] = s.is_open
            s.cur_mask[:] = s.is_open
            return True
        s.set_open(np.flatnonzero((saved == 1) & (s.fixed == 0)))
        return False

    def run(self, *, deadline: float | None = None, max_kicks: int | None = None,
            patience: int | None = None, cancel: Callable[[], bool] | None = None,
            between: Callable[[TargetSearch], bool] | None = None) -> None:
        """As :meth:`CoverSearch.run`; stops at the lower bound ``lb``."""
        s = self.s
        if not self.feasible or s.nsel[0] - int(s.fixed.sum()) == 0:
            return
        chunk = 4
        t_start = time.perf_counter()
        done0 = self.kicks
        while True:
            if self.info[0] <= self.lb + 1e-9:
                break
            if max_kicks is not None and self.kicks - done0 >= max_kicks:
                break
            if patience is not None and self.info[3] >= patience:
                break
            if cancel is not None and cancel():
                break
            if between is not None and between(self):
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
            n = chunk
            if max_kicks is not None:
                n = min(n, max_kicks - (self.kicks - done0))
            if patience is not None:
                n = min(n, max(1, int(patience - self.info[3])))
            t0 = time.perf_counter()
            _target_ils(n, self.need, self.tol, self.lb, self.cost, self.unit, self.order, s.cp, s.cr, s.rp, s.rc, s.w,
                        s.fixed, s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty, s.dlist,
                        s.dn, s.is_open, s.sel, s.pos, s.nsel, s.acc, s.stamp, s.st, s.tl, s.tb,
                        s.tbs, s.tabu, s.rs, s.cur_mask, s.best_mask, self.info, s.buf, s.buf2,
                        self.kmax, self.tabu_len, self.restart_after)
            dt = time.perf_counter() - t0
            rate = n / max(dt, 1e-6)
            target = 0.05
            if deadline is not None:
                target = max(0.005, min(target, 0.5 * (deadline - time.perf_counter())))
            chunk = int(max(1, min(10_000, rate * target)))
        elapsed = time.perf_counter() - t_start
        if elapsed > 0:
            self.kicks_per_second = (self.kicks - done0) / elapsed
        logger.info("target search: %d kicks (%.0f/s), %d improvements, best cost %.6g",
                    self.kicks, self.kicks_per_second, int(self.info[6]), self.info[0])

"""Compiled target covering search: lexicographic descent, greedy repair, iterated local
search (private plumbing; see :mod:`siting.optimize.search`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from siting.optimize.search_moves import (
    _flush,
    _kick_region,
    _load,
    _min_loss,
    _rand,
    _randint,
    _save,
    _touch,
)


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
                restart_after, snf, sni):
    """Kicks of the target-covering ILS. ``info``: [0] best cost, [1] current cost, [2] kick
    size, [3] kicks since the best improved, [4] tabu clock, [5] kicks, [6] improvements,
    [7] moves, [8] failures at this size, [9] best coverage, [10] current coverage."""
    n = cp.size - 1
    _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
           tb, tbs)
    _save(snf, sni, cnt, own, gain, loss, fv, sel, pos, nsel, tb, tbs)  # the current plan
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
            _save(snf, sni, cnt, own, gain, loss, fv, sel, pos, nsel, tb, tbs)
        else:
            _load(snf, sni, cur_mask, cnt, own, gain, loss, fv, is_open, sel, pos, nsel, tb,
                  tbs, dirty, dlist, dn)
            info[10] = fv[0]

"""Compiled maximal covering search: exchange descent, 2-swap, iterated local search
(private plumbing; see :mod:`siting.optimize.search`)."""

from __future__ import annotations

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


@njit(cache=True, nogil=True)
def _cover_ils(n_kicks, p, tol, ub, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss, fv, chg,
               cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp, st, tl, tb, tbs, tabu,
               rs, cur_mask, best_mask, info, cand, cval, buf, buf2, kmax, tabu_len,
               chain_width, restart_after, snf, sni, lift):
    """``n_kicks`` kicks of the iterated local search (see the module docstring).

    ``lift``: 1 lets the kicked-out sites back in a last descent after the tabu one, 0 keeps
    them out until the next kick (:attr:`~siting.optimize.search.CoverSearch.lift_tabu`).

    ``info`` carries the search across chunks: [0] best value, [1] current value, [2] kick
    size, [3] kicks since the best improved, [4] kick counter (tabu clock), [5] kicks done,
    [6] improvements, [7] moves, [8] failures at this kick size."""
    n = cp.size - 1
    _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
           tb, tbs)
    _save(snf, sni, cnt, own, gain, loss, fv, sel, pos, nsel, tb, tbs)  # the current plan
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
        # the kicked-out sites may come back now (lift): a last descent without tabu (their
        # cached partners are exact already: tabu only filters the scan). Without it they stay
        # out until the next kick, and the kick is undone far less often
        for q in range(m):
            tabu[buf[q]] = 0.0
        if lift:
            info[7] += _cover_descent(p, tol, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss,
                                      fv, chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel,
                                      acc, stamp, st, tl, tb, tbs, tabu, now, 1 << 30)
        if chain_width > 0 and fv[0] <= info[1] + tol and int(info[5]) % 16 == 15:
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
            _save(snf, sni, cnt, own, gain, loss, fv, sel, pos, nsel, tb, tbs)
        else:
            _load(snf, sni, cur_mask, cnt, own, gain, loss, fv, is_open, sel, pos, nsel, tb,
                  tbs, dirty, dlist, dn)
            info[1] = fv[0]


# ------------------------------------------------------------------------------------ budget
@njit(cache=True)
def _budget_descent(p, budget, cost, tol, cp, cr, rp, rc, w, fixed, cnt, own, gain, loss, fv,
                    chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp, st, tl, tb,
                    tbs, tabu, now, max_moves):
    """Best-improvement add/exchange descent with at most p open non-fixed columns and their
    total cost at most ``budget``. An exchange (close s, open j) is feasible when
    ``spent - cost[s] + cost[j] <= budget``; its value is exact for the best partner among the
    owners of j's rows and a lower bound (``gain[j] - loss[s]``) for any other partner."""
    n = cp.size - 1
    moves = 0
    while moves < max_moves:
        _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
               tb, tbs)
        spent = 0.0
        nfree = 0
        for t in range(nsel[0]):
            s = sel[t]
            if fixed[s] == 0:
                spent += cost[s]
                nfree += 1
        slack = budget - spent
        if nfree < p:
            bj = -1
            bg = tol
            for j in range(n):
                if is_open[j] == 0 and fixed[j] == 0 and tabu[j] <= now and \
                        cost[j] <= slack + 1e-9 and gain[j] > bg:
                    bg = gain[j]
                    bj = j
            if bj >= 0:
                _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
                       True, is_open, sel, pos, nsel)
                moves += 1
                continue
        best = tol
        bj = -1
        bs = -1
        for j in range(n):
            if is_open[j] == 1 or fixed[j] == 1 or tabu[j] > now or gain[j] + 0.0 < -1e300:
                continue
            s = tbs[j]
            if s >= 0 and cost[j] - cost[s] <= slack + 1e-9:
                v = gain[j] + tb[j]
                if v > best:
                    best = v
                    bj = j
                    bs = s
            if gain[j] <= best:
                continue  # no partner can beat the best: the loss is never negative
            for t in range(nsel[0]):
                s2 = sel[t]
                if fixed[s2] == 1 or cost[j] - cost[s2] > slack + 1e-9:
                    continue
                v = gain[j] - loss[s2]
                if v > best:
                    best = v
                    bj = j
                    bs = s2
        if bj < 0:
            break
        _touch(bs, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               False, is_open, sel, pos, nsel)
        _touch(bj, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
               True, is_open, sel, pos, nsel)
        moves += 1
    _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
           tb, tbs)
    return moves


@njit(cache=True, nogil=True)
def _budget_ils(n_kicks, p, budget, cost, tol, ub, cp, cr, rp, rc, w, fixed, cnt, own, gain,
                loss, fv, chg, cn, dirty, dlist, dn, is_open, sel, pos, nsel, acc, stamp, st, tl,
                tb, tbs, tabu, rs, cur_mask, best_mask, info, buf, buf2, kmax, restart_after,
                snf, sni):
    """The iterated local search of :func:`_cover_ils` under a budget (``info`` as there)."""
    n = cp.size - 1
    _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
           tb, tbs)
    _save(snf, sni, cnt, own, gain, loss, fv, sel, pos, nsel, tb, tbs)  # the current plan
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
            _touch(buf[q], cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist,
                   dn, False, is_open, sel, pos, nsel)
            tabu[buf[q]] = now + 1.0
        info[7] += _budget_descent(p, budget, cost, tol, cp, cr, rp, rc, w, fixed, cnt, own,
                                   gain, loss, fv, chg, cn, dirty, dlist, dn, is_open, sel, pos,
                                   nsel, acc, stamp, st, tl, tb, tbs, tabu, now, 1 << 30)
        for q in range(m):
            tabu[buf[q]] = 0.0
        info[7] += _budget_descent(p, budget, cost, tol, cp, cr, rp, rc, w, fixed, cnt, own,
                                   gain, loss, fv, chg, cn, dirty, dlist, dn, is_open, sel, pos,
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
            if info[8] >= 8:
                info[8] = 0.0
                info[2] = info[2] + 1.0 if info[2] < kmax else 1.0
        if f >= info[1] - tol or big:
            info[1] = f
            for j in range(n):
                cur_mask[j] = is_open[j]
            _save(snf, sni, cnt, own, gain, loss, fv, sel, pos, nsel, tb, tbs)
        else:
            _load(snf, sni, cur_mask, cnt, own, gain, loss, fv, is_open, sel, pos, nsel, tb,
                  tbs, dirty, dlist, dn)
            info[1] = fv[0]

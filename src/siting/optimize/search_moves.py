"""Compiled moves of the local search: the per-row state and its updates (private plumbing).

See :mod:`siting.optimize.search` for the state (``cnt``, ``own``, ``gain``, ``loss``) and why
a move costs only its neighbourhood. Every function here is compiled with numba, except
:func:`next_chunk`, the chunk sizing the Python drivers of the compiled searches share.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

_NEG = -1e300


def next_chunk(n: int, seconds: float, deadline: float | None, *, most: int,
               least: float = 0.005) -> int:
    """Steps (kicks) for the next chunk of a compiled search that just ran ``n`` in
    ``seconds``: about 50 ms at that rate, at most half the time left before ``deadline``
    (``time.perf_counter()`` seconds) but never under ``least`` seconds, 1 to ``most``."""
    rate = n / max(seconds, 1e-6)
    target = 0.05
    if deadline is not None:
        target = max(least, min(target, 0.5 * (deadline - time.perf_counter())))
    return int(max(1, min(most, rate * target)))


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

"""Compiled moves of the local search: the per-row state and its updates (private plumbing).

See :mod:`siting.optimize.search` for the state (``cnt``, ``own``, ``gain``, ``loss``) and why
a move costs only its neighbourhood. Every function here is compiled with numba, except
:func:`next_chunk`, the chunk sizing the Python drivers of the compiled searches share.

Speed notes (measured with ``perf`` on the block instances of ``benchmarks/optimize_quality``):
the innermost loops (marking a column for re-evaluation, evaluating its best partner,
copying the state) are written out rather than calling a helper or assigning slices. A
compiled call, or a slice, inside such a loop costs reference counting of its array
arguments at every step — atomic operations that took half the time of the whole search
before they were removed (2.3–2.6× more kicks a second after).

numba's on-disk cache (``cache=True``) keys a kernel on its own file: a kernel of
``search_cover`` keeps the compiled code of the helpers it calls from here until its own file
changes. After editing this module, delete the ``__pycache__/*.nbi``/``*.nbc`` files of the
package (an installed release has fresh files, so its caches are rebuilt).
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
def _mark_owned(s, cp, cr, rp, rc, cnt, dirty, dlist, dn):
    """Mark the columns of the rows open column s alone covers: the only columns whose best
    partner value (``tb``) reads ``loss[s]``. The rows that s gained or lost as sole owner in
    the move are rows of the column moved, whose neighbourhood is marked anyway."""
    d = dn[0]
    for a in range(cp[s], cp[s + 1]):
        i = cr[a]
        if cnt[i] == 1:
            for b in range(rp[i], rp[i + 1]):
                k = rc[b]
                if dirty[k] == 0:  # marks written out (see the module docstring)
                    dirty[k] = 1
                    dlist[d] = k
                    d += 1
    dn[0] = d


@njit(cache=True)
def _open(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn):
    """Open column j; record the owners whose loss changed in ``chg`` and mark the columns
    of the rows whose count crosses one (0 → 1, 1 → 2): only through those rows can a
    column's best partner (``tb``) change; a row going from 2 to 3 is shared before and
    after. (Marks written out: see the module docstring.)"""
    d = dn[0]
    for a in range(cp[j], cp[j + 1]):
        i = cr[a]
        c = cnt[i]
        if c <= 1:
            dg = 0.0  # what the columns of row i gain: -w[i] when the row becomes covered
            if c == 0:
                dg = -w[i]
                fv[0] -= dg
                loss[j] -= dg
            else:
                s = own[i]
                loss[s] -= w[i]
                chg[cn[0]] = s
                cn[0] += 1
            for b in range(rp[i], rp[i + 1]):
                k = rc[b]
                gain[k] += dg
                if dirty[k] == 0:
                    dirty[k] = 1
                    dlist[d] = k
                    d += 1
        cnt[i] = c + 1
        own[i] += j
    if dirty[j] == 0:  # an open column has no partner to cache
        dirty[j] = 1
        dlist[d] = j
        d += 1
    dn[0] = d


@njit(cache=True)
def _close(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn):
    """Close column j; as :func:`_open` for the changed owners and the marks (1 → 0,
    2 → 1)."""
    d = dn[0]
    for a in range(cp[j], cp[j + 1]):
        i = cr[a]
        c = cnt[i] - 1
        cnt[i] = c
        own[i] -= j
        if c <= 1:
            dg = 0.0  # what the columns of row i gain: w[i] when the row becomes uncovered
            if c == 0:
                dg = w[i]
                fv[0] -= dg
            else:
                s = own[i]
                loss[s] += w[i]
                chg[cn[0]] = s
                cn[0] += 1
            for b in range(rp[i], rp[i + 1]):
                k = rc[b]
                gain[k] += dg
                if dirty[k] == 0:
                    dirty[k] = 1
                    dlist[d] = k
                    d += 1
    loss[j] = 0.0
    if dirty[j] == 0:
        dirty[j] = 1
        dlist[d] = j
        d += 1
    dn[0] = d


@njit(cache=True)
def _touch(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn,
           opening, is_open, sel, pos, nsel):
    """Open (``opening``) or close column j and keep the selection list and marks."""
    cn[0] = 0
    if opening:
        _open(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn)
        is_open[j] = 1
        pos[j] = nsel[0]
        sel[nsel[0]] = j
        nsel[0] += 1
    else:
        _close(j, cp, cr, rp, rc, w, cnt, own, gain, loss, fv, chg, cn, dirty, dlist, dn)
        is_open[j] = 0
        k = pos[j]
        last = sel[nsel[0] - 1]
        sel[k] = last
        pos[last] = k
        nsel[0] -= 1
        pos[j] = -1
    for t in range(cn[0]):
        s = chg[t]
        # the rows each changed owner alone covers, once per flush; s itself is marked
        # already: it covers the row whose count crossed one in _open/_close
        if dirty[s] < 2:
            _mark_owned(s, cp, cr, rp, rc, cnt, dirty, dlist, dn)
            dirty[s] = 2


@njit(cache=True)
def _flush(cp, cr, w, cnt, own, loss, fixed, is_open, acc, stamp, st, tl, dirty, dlist, dn,
           tb, tbs):
    """Recompute the cached best partner of every marked column: for closed column k,
    ``tb[k] = max_s extra_k(s) - loss[s]`` over the owners s of its singly covered rows and
    ``tbs[k]`` that s (``_NEG`` and -1 when k reaches no singly covered row, or is open).

    The evaluation is written out in the loop, not a compiled call per column (see
    the module docstring)."""
    cur = st[0]
    for t in range(dn[0]):
        k = dlist[t]
        dirty[k] = 0
        best = _NEG
        bs = -1
        if is_open[k] == 0 and fixed[k] == 0:
            cur += 1
            tn = 0
            for a in range(cp[k], cp[k + 1]):
                i = cr[a]
                if cnt[i] == 1:
                    s = own[i]
                    if stamp[s] != cur:
                        stamp[s] = cur
                        acc[s] = 0.0
                        tl[tn] = s
                        tn += 1
                    acc[s] += w[i]
            for q in range(tn):
                s = tl[q]
                if fixed[s] == 0:
                    v = acc[s] - loss[s]
                    if v > best:
                        best = v
                        bs = s
        tb[k] = best
        tbs[k] = bs
    st[0] = cur
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
def _save(snf, sni, cnt, own, gain, loss, fv, sel, pos, nsel, tb, tbs):
    """Copy the state of a flushed search (counts, owners, gains, losses, value, selection,
    cached partners) into ``snf`` (floats, 3n + 1) and ``sni`` (integers, 2m + 3n + 2): taking
    it back with :func:`_load` costs O(n + m) copies, not the moves that left it. (Plain
    loops: slice assignment reference-counts at every element.)"""
    n = gain.size
    m = cnt.size
    for j in range(n):
        snf[j] = gain[j]
        snf[n + j] = loss[j]
        snf[2 * n + j] = tb[j]
        sni[2 * m + n + 1 + j] = pos[j]
        sni[2 * m + 2 * n + 1 + j] = tbs[j]
    for j in range(n + 1):
        sni[2 * m + j] = sel[j]
    for i in range(m):
        sni[i] = cnt[i]
        sni[m + i] = own[i]
    snf[3 * n] = fv[0]
    sni[2 * m + 3 * n + 1] = nsel[0]


@njit(cache=True)
def _load(snf, sni, mask, cnt, own, gain, loss, fv, is_open, sel, pos, nsel, tb, tbs, dirty,
          dlist, dn):
    """Return to the state :func:`_save` copied, whose open set is ``mask``; pending marks
    are dropped (the saved partners are exact)."""
    n = gain.size
    m = cnt.size
    for j in range(n):
        gain[j] = snf[j]
        loss[j] = snf[n + j]
        tb[j] = snf[2 * n + j]
        pos[j] = sni[2 * m + n + 1 + j]
        tbs[j] = sni[2 * m + 2 * n + 1 + j]
        is_open[j] = mask[j]
    for j in range(n + 1):
        sel[j] = sni[2 * m + j]
    for i in range(m):
        cnt[i] = sni[i]
        own[i] = sni[m + i]
    fv[0] = snf[3 * n]
    nsel[0] = sni[2 * m + 3 * n + 1]
    for t in range(dn[0]):
        dirty[dlist[t]] = 0
    dn[0] = 0


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

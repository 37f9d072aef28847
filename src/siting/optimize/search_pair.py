"""Two local searches on the machine's two cores (private plumbing of :mod:`siting.optimize`).

An engine runs its local search on one core and a solver (the MIP, or the LP relaxation for a
bound) on another. When no solver runs — the model is too large for the MIP in the time
left, or the LP has finished — the second core would idle; :func:`run_pair` gives it a
second iterated local search instead, with its own random seed and the other kick rule
(:attr:`~siting.optimize.search.CoverSearch.lift_tabu`: the first search keeps the
kicked-out sites out until the next kick, the second lets them back in after the tabu
descent), started from the first one's best plan. Every :data:`EXCHANGE` seconds the
two compare their best plans and the worse search continues from the better plan (a
cooperative multi-start in the sense of Crainic & Toulouse's "cooperative multi-search",
*Handbook of Metaheuristics*, 2nd ed., 2010, ch. 17: independent trajectories, here of two
strategies, periodic sharing of the elite solution).

Why two rules: with the kicked-out sites let back in, three kicks in four end with every
kicked-out site open again on the block instances of ``benchmarks/optimize_quality`` (the
last descent undoes the kick); kept out, one in twenty. Keeping them out is better on some
cases and even on the rest (search alone, 60 s, six seeds on blk8k-r400-p100,
blk5k-r600-p100 and gen-D, two on the others; docs/optimize.md), but neither rule wins on
every seed, so the pair runs one of each.

The compiled kernels release the GIL (``nogil=True``), so two threads really run at once;
each search keeps its own state, the threads meet only between time slices.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from siting.optimize.search import CoverSearch

logger = logging.getLogger(__name__)

#: Run a second search when the second core is free (switch off to compare, or in tests).
SECOND_SEARCH = True
#: Seconds between two exchanges of best plans.
EXCHANGE = 5.0


def second_core_free() -> bool:
    """Whether :func:`run_pair` should run two searches: :data:`SECOND_SEARCH` is on and the
    machine has at least two cores (``os.cpu_count()``)."""
    return SECOND_SEARCH and (os.cpu_count() or 1) >= 2


def run_pair(cs: CoverSearch, *, deadline: float, cancel: Callable[[], bool] | None = None,
             seed: int = 1, exchange: float = EXCHANGE,
             on_exchange: Callable[[], None] | None = None) -> dict[str, float]:
    """Run ``cs`` and a second :class:`CoverSearch` (same model, p and budget, seed
    ``seed``, started from ``cs``'s best plan) in two threads until ``deadline``
    (``time.perf_counter()`` seconds), ``cancel()``, or a plan meeting ``cs.ub``. Every
    ``exchange`` seconds the worse one continues from the other's best plan; at the end
    ``cs`` holds the best plan of both. Falls back to ``cs.run`` alone when
    :func:`second_core_free` says no or less than one exchange period is left.

    ``on_exchange()`` is called in the caller's thread after each exchange (progress reports).
    Returns ``{"second_search_kicks": …, "second_search_wins": …}`` (kicks of the second
    search; how many times its plan was better and went to the first), empty without one.
    """
    if not second_core_free() or deadline - time.perf_counter() < min(exchange, 1.0):
        cs.run(deadline=deadline, cancel=cancel)
        return {}
    other = CoverSearch(cs.red, cs.p, cs.best(), seed=seed, ub=cs.ub, budget=cs.budget)
    other.lift_tabu = not cs.lift_tabu  # two kick rules: two kinds of trajectory
    wins = 0
    while True:
        now = time.perf_counter()
        if now >= deadline or (cancel is not None and cancel()) \
                or cs.best_value >= cs.ub - cs.tol:
            break
        end = min(deadline, now + exchange)
        worker = threading.Thread(target=other.run, kwargs={"deadline": end, "cancel": cancel},
                                  name="siting-second-search", daemon=True)
        worker.start()
        try:
            cs.run(deadline=end, cancel=cancel)
        finally:
            worker.join()
        cs.polish()  # the best of the search that keeps kicked-out sites out may miss a swap
        other.polish()
        if other.best_value > cs.best_value + cs.tol:
            if cs.offer(other.best()):
                wins += 1
        elif cs.best_value > other.best_value + cs.tol:
            other.offer(cs.best())
        if on_exchange is not None:
            on_exchange()
        if other.best_value >= cs.ub - cs.tol:
            break
    logger.debug("second search: %d kicks, better %d times", other.kicks, wins)
    return {"second_search_kicks": float(other.kicks), "second_search_wins": float(wins)}

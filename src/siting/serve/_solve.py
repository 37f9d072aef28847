"""Child process of ``siting serve``'s optimizer: ``python -m siting.serve._solve IN OUT``.

Reads a pickled job written by :mod:`siting.serve.optimizer` (the problem, p, time limit, solver),
solves it with :func:`siting.optimize.solve_max_cover` and writes the answer (plain types) to OUT.
It runs in a session of its own so that the server can end it and its CBC process together.
"""

from __future__ import annotations

import pickle
import sys

import numpy as np


def main(argv: list[str]) -> int:
    """Solve the job in ``argv[0]``, write the answer to ``argv[1]``."""
    from siting.optimize import solve_max_cover

    with open(argv[0], "rb") as fh:
        job = pickle.load(fh)
    problem = job["problem"]
    plan = solve_max_cover(problem, job["p"], solver=job["solver"], time_limit=job["time_limit"])
    a = plan.assignment
    a = a[a["covered"].astype(bool) & a["site_id"].astype(str).isin(plan.selected_sites)]
    served = {str(s): g["demand_id"].astype(int).tolist() for s, g in a.groupby("site_id")}
    covered = problem.covered_by(np.isin(problem.site_ids, plan.selected_sites))
    ans = {"selected": [str(s) for s in plan.selected_sites], "status": plan.status, "objective": plan.objective,
           "bound": plan.bound, "gap": plan.gap, "solve_seconds": plan.solve_seconds, "solver": plan.solver,
           "message": plan.message, "served": served, "covered": np.flatnonzero(covered)}
    with open(argv[1] + ".tmp", "wb") as fh:
        pickle.dump(ans, fh)
    import os

    os.replace(argv[1] + ".tmp", argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

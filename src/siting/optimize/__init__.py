"""Location models on sparse reachability: the problem, models, reductions, searches, solvers.

Room for: :class:`CoverageProblem` (sparse demand–site pairs, never a dense matrix), the covering
models (target, maximal, set cover, budgeted, capacitated, multi-category), the
location-allocation models (p-median, p-center, attendance with distance decay), reductions, greedy and
local-search heuristics, the MIP back ends (CBC through pulp, HiGHS in a child process), the
frontier and the :class:`Plan` result with its status, bound and gap. Each model's docstring
carries its formulation and its paper.

May import: the ground floor only. It knows nothing of networks, scenarios or maps: it takes
arrays and tables, so that ``siting optimize`` works on anyone's travel times.
"""

from siting.optimize.attendance import solve_attendance
from siting.optimize.center import solve_p_center
from siting.optimize.covering import greedy, solve_max_cover, solve_set_cover, solve_target
from siting.optimize.frontier import frontier, frontier_chart
from siting.optimize.median import solve_p_median
from siting.optimize.multi import solve_multi
from siting.optimize.plan import Plan
from siting.optimize.problem import CoverageProblem, capacity_from_floor_area, priority_weights

__all__ = [
    "CoverageProblem",
    "Plan",
    "capacity_from_floor_area",
    "frontier",
    "frontier_chart",
    "greedy",
    "priority_weights",
    "solve_attendance",
    "solve_max_cover",
    "solve_multi",
    "solve_p_center",
    "solve_p_median",
    "solve_set_cover",
    "solve_target",
]

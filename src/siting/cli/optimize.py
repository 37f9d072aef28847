"""``siting optimize``: site new stations on a reachability table you bring.

::

    siting optimize --demand demand.csv --sites sites.csv --reach pairs.csv \\
        --within "400 m" --p 50 --out DIR

``demand.csv``: ``id,weight`` (optional ``households``); ``sites.csv``: ``id,cost`` (optional
``capacity``, ``existing``); ``pairs.csv``: ``demand_id,site_id,metres`` — or ``minutes`` (or
``seconds``) with a time threshold such as ``--within "15 min"``. Ids are read as text.
Coverage is ``distance <= within``. Writes ``DIR/plan.json`` and ``DIR/assignment.csv`` (and
``frontier.csv``/``frontier.png`` with ``--frontier K``), committed as one unit (the folder
``DIR`` is replaced as a whole; see ``docs/outputs.md``).

Exit code: 0 when the plan is written, 1 when it is written but ``infeasible`` (the reason is
printed and is ``message`` in ``plan.json``), 2 for an input or output error (nothing written).

``--model`` chooses the question: ``max_cover`` (default with ``--p``/``--budget``), ``target``
(default with ``--target``), ``set_cover``, ``p_median`` (least total walking; ``--penalty``
for who has no station within ``--within``), ``p_center`` (shortest longest walk) or
``attendance`` (``--decay linear|exponential|gaussian|power|step`` and its parameters). For the
location models ``--within`` is the maximum distance of the pairs.

Registered in :mod:`siting.cli` through :func:`add_parser`; also runs as
``python -m siting.cli.optimize``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, MissingFileError, SitingError
from siting.units import parse_threshold

__all__ = ["main"]

logger = logging.getLogger(__name__)

HELP = "site new stations on a reachability table you bring (CSV in, plan.json out)"

#: The models ``--model`` accepts.
MODELS = ("max_cover", "target", "set_cover", "p_median", "p_center", "attendance")


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--demand", required=True, help="CSV with id,weight[,households]")
    p.add_argument("--sites", required=True, help="CSV with id,cost[,capacity,existing]")
    p.add_argument("--reach", "--pairs", dest="reach", required=True,
                   help="CSV with demand_id,site_id and metres (or minutes / seconds)")
    p.add_argument("--within", required=True, help='coverage threshold, e.g. "400 m", "15 min"')
    goal = p.add_argument_group("goal (one of --p, --target, --budget)")
    goal.add_argument("--p", type=int, default=None, help="number of new stations")
    goal.add_argument("--target", type=float, default=None,
                      help="covered share to reach at least cost, e.g. 0.8")
    goal.add_argument("--budget", type=float, default=None, help="largest total cost")
    p.add_argument("--minimize", choices=("cost", "count"), default="cost",
                   help="with --target: minimise total cost (default) or station count")
    p.add_argument("--capacitated", action="store_true",
                   help="respect site capacity (households); needs households and capacity")
    p.add_argument("--solver", default="auto", help="auto (default: HiGHS beside the local search), highs or cbc")
    p.add_argument("--time-limit", dest="time_limit", type=float, default=None,
                   help="seconds; the best plan found is kept")
    p.add_argument("--gap", type=float, default=None, help="relative gap, e.g. 0.001")
    p.add_argument("--model", default=None, choices=MODELS,
                   help="the question to answer (default: max_cover with --p/--budget, target with --target)")
    p.add_argument("--penalty", default=None,
                   help='p_median: walk counted for who has no open station within --within, e.g. "1200 m"')
    p.add_argument("--decay", default=None, help="attendance: linear (default), exponential, gaussian, power, step")
    p.add_argument("--decay-beta", dest="decay_beta", type=float, default=None,
                   help="attendance: exponential rate per metre (or second), or the power exponent")
    for name, what in (("half-distance", "exponential: where half attends"), ("sigma", "gaussian: the spread"),
                       ("d0", "power: up to where everyone attends"), ("cutoff", "where attendance ends")):
        p.add_argument(f"--decay-{name}", dest=f"decay_{name.replace('-', '_')}", default=None,
                       help=f'attendance, {what}: a distance or time like --within, e.g. "300 m"')
    p.add_argument("--single-assignment", dest="single_assignment", action="store_true",
                   help="with --capacitated: each residence served whole by one station")
    p.add_argument("--frontier", type=int, default=None, metavar="K",
                   help="also write frontier.csv/png for 1..K new stations")
    p.add_argument("--no-reduce", dest="reduce", action="store_false",
                   help="solve without the problem reductions (for checking)")
    p.add_argument("--out", required=True, help="output folder")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``optimize`` sub-command to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("optimize", help=HELP, description=HELP)
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def _read_csv(path: str, what: str, required: list[str]) -> pd.DataFrame:
    fp = Path(path)
    if not fp.is_file():
        raise MissingFileError(f"{what} file {path!r} does not exist: check the path")
    try:
        df = pd.read_csv(fp, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} file {path!r} is not a readable CSV ({exc})") from exc
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{what} file {path!r} lacks column(s) {', '.join(missing)} "
            f"(has {', '.join(df.columns) or 'none'}): add or rename them"
        )
    return df


def _num(df: pd.DataFrame, col: str, what: str) -> np.ndarray:
    raw = df[col].str.strip()
    vals = pd.to_numeric(raw.replace("", np.nan), errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(vals) & (raw != "").to_numpy()
    if bad.any():
        shown = ", ".join(repr(v) for v in raw[bad].head(3))
        raise InputError(f"{what} column {col!r} has values that are not numbers ({shown})")
    return vals


def _warn_repeated_pairs(pairs: pd.DataFrame, path: str) -> int:
    """Warn when the reach table lists a (demand_id, site_id) pair more than once; return how many
    extra rows there are. The covering problem keeps the shortest distance of each pair."""
    key = pairs["demand_id"].str.strip() + "\x1f" + pairs["site_id"].str.strip()
    extra = int(key.duplicated().sum())
    if extra:
        first = key[key.duplicated(keep=False)].iloc[0]
        lines = [str(i + 2) for i in np.flatnonzero((key == first).to_numpy())]  # line 1 is the header
        d, s = first.split("\x1f")
        logger.warning(
            "reach file %s repeats %d (demand_id, site_id) pair(s), e.g. %r-%r on lines %s: the shortest distance of "
            "each is kept; remove the repeats if they are a mistake", path, extra, d, s, ", ".join(lines[:5]))
    return extra


def load_inputs(args: argparse.Namespace):
    """Read the three CSVs into a CoverageProblem (also used by tests)."""
    from siting.optimize import CoverageProblem

    th = parse_threshold(args.within, key="--within")
    demand = _read_csv(args.demand, "demand", ["id", "weight"])
    sites = _read_csv(args.sites, "sites", ["id", "cost"])
    pairs = _read_csv(args.reach, "reach", ["demand_id", "site_id"])
    if th.kind == "m":
        if "metres" not in pairs.columns:
            raise InputError(
                f"--within {args.within!r} is a distance but the reach file has no 'metres' "
                "column: add metres, or give a time such as --within \"15 min\" with minutes")
        dist = _num(pairs, "metres", "reach")
    else:
        if "minutes" in pairs.columns:
            dist = _num(pairs, "minutes", "reach") * 60.0
        elif "seconds" in pairs.columns:
            dist = _num(pairs, "seconds", "reach")
        else:
            raise InputError(
                f"--within {args.within!r} is a time but the reach file has no 'minutes' or "
                "'seconds' column: add one, or give a distance such as --within \"400 m\"")
    _warn_repeated_pairs(pairs, args.reach)
    hh = _num(demand, "households", "demand") if "households" in demand.columns else None
    cap = _num(sites, "capacity", "sites") if "capacity" in sites.columns else None
    existing = sites["existing"].to_numpy() if "existing" in sites.columns else None
    logger.info("within %s = %g %s", th.text, th.value, "m" if th.kind == "m" else "s")
    return CoverageProblem.from_pairs(
        demand["id"].str.strip().to_numpy(dtype=object),
        _num(demand, "weight", "demand"),
        sites["id"].str.strip().to_numpy(dtype=object),
        _num(sites, "cost", "sites"),
        pairs["demand_id"].str.strip().to_numpy(dtype=object),
        pairs["site_id"].str.strip().to_numpy(dtype=object),
        dist, th.value, households=hh, capacity=cap, existing=existing,
    )


def _same_unit(text: str | None, args: argparse.Namespace, key: str) -> float | None:
    """A distance/time option in the unit of --within (metres or seconds)."""
    if text is None:
        return None
    th = parse_threshold(text, key=key)
    within = parse_threshold(args.within, key="--within")
    if th.kind != within.kind:
        raise InputError(f"{key} {text!r} must be a {'distance' if within.kind == 'm' else 'time'} like "
                         f"--within {args.within!r}")
    return th.value


def _solve_location(args: argparse.Namespace, problem):
    from siting.decay import make_decay
    from siting.optimize import solve_attendance, solve_p_center, solve_p_median

    if args.target is not None:
        raise InputError(f"--model {args.model} takes --p and/or --budget, not --target")
    if args.p is None and args.budget is None:
        raise InputError(f"--model {args.model} needs --p N (new stations) or --budget B")
    common = {"solver": args.solver, "time_limit": args.time_limit}
    if args.model == "p_center":
        if args.capacitated:
            raise InputError("--capacitated is not offered for --model p_center")
        return solve_p_center(problem, args.p, budget=args.budget, **common)
    if args.model == "p_median":
        return solve_p_median(problem, args.p, budget=args.budget, gap=args.gap,
                              penalty=_same_unit(args.penalty, args, "--penalty"),
                              capacitated=args.capacitated, single_assignment=args.single_assignment,
                              **common)
    cutoff = _same_unit(args.decay_cutoff, args, "--decay-cutoff") or problem.within
    decay = make_decay(args.decay or "linear", cutoff, beta=args.decay_beta,
                       half_distance=_same_unit(args.decay_half_distance, args, "--decay-half-distance"),
                       sigma=_same_unit(args.decay_sigma, args, "--decay-sigma"),
                       d0=_same_unit(args.decay_d0, args, "--decay-d0"))
    return solve_attendance(problem, args.p, budget=args.budget, decay=decay, gap=args.gap,
                            capacitated=args.capacitated, single_assignment=args.single_assignment,
                            **common)


def _solve(args: argparse.Namespace, problem):
    from siting.optimize import solve_max_cover, solve_set_cover, solve_target

    model = args.model
    location_only = [o for o, v in (("--penalty", args.penalty), ("--decay", args.decay)) if v is not None]
    if location_only and model not in ("p_median", "attendance"):
        raise InputError(f"{', '.join(location_only)} need --model p_median (penalty) or attendance (decay)")
    if model in ("p_median", "p_center", "attendance"):
        return _solve_location(args, problem)
    if model == "set_cover":
        return solve_set_cover(problem, minimize=args.minimize, capacitated=args.capacitated,
                               solver=args.solver, time_limit=args.time_limit, gap=args.gap,
                               reduce=args.reduce)
    if model == "target" and args.target is None:
        raise InputError("--model target needs --target SHARE, e.g. 0.8")
    if model == "max_cover" and args.target is not None:
        raise InputError("--model max_cover takes --p and/or --budget, not --target")
    goals = [g for g in ("p", "target") if getattr(args, g) is not None]
    if len(goals) > 1:
        raise InputError("give --p or --target, not both")
    if args.target is not None:
        if args.budget is not None:
            raise InputError("--budget works with --p (or alone), not with --target")
        return solve_target(problem, args.target, minimize=args.minimize,
                            capacitated=args.capacitated, solver=args.solver,
                            time_limit=args.time_limit, gap=args.gap, reduce=args.reduce)
    if args.p is None and args.budget is None:
        raise InputError("give a goal: --p N (new stations), --target SHARE or --budget B")
    return solve_max_cover(problem, args.p, budget=args.budget, capacitated=args.capacitated,
                           solver=args.solver, time_limit=args.time_limit, gap=args.gap,
                           reduce=args.reduce)


def _write_all(out: Path, files: dict[str, Any]) -> None:
    """Write every file into a staging folder, then commit it as ``out`` (one unit, see
    :mod:`siting.outputs.commit`)."""
    from siting.outputs.commit import staged_folder

    with staged_folder(out, hint="--out", accept=_ACCEPT) as tmp:
        for name, writer in files.items():
            writer(str(tmp / name))


#: Files that mark an existing --out folder (without a completion marker) as an earlier siting's.
_ACCEPT = ("plan.json",)


def run(args: argparse.Namespace) -> int:
    """Run ``siting optimize``; returns the exit code (0 plan written, 1 written but
    infeasible, 2 input or output error: nothing written)."""
    from siting.optimize import frontier, frontier_chart
    from siting.outputs.commit import check_writable

    try:
        if args.frontier is not None and args.frontier < 1:
            raise InputError(f"--frontier {args.frontier} must be at least 1")
        if args.frontier is not None and args.model in ("p_median", "p_center", "attendance"):
            raise InputError("--frontier is for the covering models (max_cover, target, set_cover)")
        check_writable(Path(args.out), out_hint="--out", accept=_ACCEPT)  # before any solving
        problem = load_inputs(args)
        plan = _solve(args, problem)
        fr = frontier(problem, args.frontier) if args.frontier else None
    except SitingError as exc:
        print(f"siting optimize: error: {exc}", file=sys.stderr)
        return 2
    info = plan.to_dict()
    info["within"] = args.within
    info["inputs"] = {"demand": args.demand, "sites": args.sites, "reach": args.reach}

    def write_json(path: str) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(info, fh, ensure_ascii=False, indent=2)
            fh.write("\n")

    files: dict[str, Any] = {
        "plan.json": write_json,
        "assignment.csv": lambda path: plan.assignment.to_csv(path, index=False),
    }
    if fr is not None:
        files["frontier.csv"] = lambda path: fr.to_csv(path, index=False)
        files["frontier.png"] = lambda path: frontier_chart(fr, path)
    try:
        _write_all(Path(args.out), files)
    except SitingError as exc:
        print(f"siting optimize: error: {exc}", file=sys.stderr)
        return 2
    what = f"covered share {plan.share:.4f}"
    if plan.model.endswith("p_median") and plan.details.get("mean_distance") is not None:
        what = f"mean walk {plan.details['mean_distance']:.4g}"
    elif plan.model == "p_center" and plan.objective is not None:
        what = f"longest walk {plan.objective:.4g}"
    elif plan.model.endswith("attendance") and plan.objective is not None:
        what = f"attendance {plan.objective:.6g}"
    print(f"{plan.status}: {plan.n_new} new station(s), {what}, written to {args.out}", file=sys.stderr)
    if plan.message:
        print(f"  {plan.status}: {plan.message}", file=sys.stderr)
    if plan.status == "infeasible":
        print("  no plan meets the target (see the reason above): exit code 1", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``python -m siting.cli.optimize``."""
    parser = argparse.ArgumentParser(prog="siting optimize", description=HELP)
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

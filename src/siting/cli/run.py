"""``siting run scenarios/<name>.toml``: coverage, indicators, an optional plan; map, report and tables.

Exit code: 0 when the run is written; 1 when it is written but a plan is ``infeasible`` (no set
of stations meets the target: the reason is printed, and shown in the report and on the map);
2 for an input or output error, with nothing written (see ``docs/outputs.md``).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

from siting._version import __version__

logger = logging.getLogger("siting")

HELP = "run a scenario file: coverage, optional optimisation, map and tables"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``run`` sub-command to an argparse ``subparsers`` object."""
    run = subparsers.add_parser("run", help=HELP, description=HELP)
    run.add_argument("scenario", type=Path, help="scenario TOML file, e.g. scenarios/demo.toml")
    run.add_argument("--out", type=Path, default=None, help="output folder (default out/<name>)")
    run.add_argument("--map", type=Path, default=None, help="map file (default maps/<name>.html)")
    run.add_argument("--lang", choices=("zh", "en"), default=None,
                     help="language of the map, report and charts (default: the scenario's lang)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument("--strict", action="store_true", help="refuse the run (exit 2) when any input row is bad, instead of "
                     "dropping it and listing it in rejected_rows.csv")
    run.set_defaults(func=_cmd_run)
    return run


def _cmd_run(args: argparse.Namespace) -> int:
    from siting.outputs import prepare_outputs, write_outputs
    from siting.pipeline import run_scenario
    from siting.scenario import load_scenario

    t0 = time.perf_counter()
    overrides: dict[str, Any] = {}
    if getattr(args, "strict", False):
        overrides["strict"] = True
    if getattr(args, "lang", None):  # the language of the outputs, without editing the scenario
        overrides["lang"] = args.lang
    sc = load_scenario(args.scenario, overrides=overrides or None)
    logger.info("scenario %s: %s", sc.name, sc.title or "(no title)")
    prepare_outputs(Path(args.out or sc.out_dir), Path(args.map or sc.map_path))  # before any computing
    res = run_scenario(sc, progress=not args.no_progress)
    extra = getattr(args, "_after_run", None)
    if extra is not None:
        res = extra(res)
    paths = write_outputs(res, out_dir=args.out, map_path=args.map)
    cov = res.coverage.categories
    print(f"siting {__version__} - {sc.name}: {len(res.demand):,} residences, {res.demand['population'].sum():,.0f} persons")
    width = max(len(k) for k in cov["category"]) if len(cov) else 10
    for _, row in cov.iterrows():
        print(f"  {row['category']:<{width}}  within {row['threshold']:>7}  {row['share']:6.1%}  ({row['facilities']} facilities)")
    cs = res.coverage.complete_share
    if cs == cs:
        print(f"  complete circle ({', '.join(res.coverage.basic)}): {cs:.1%}")
    plan = res.extras.get("tables", {}).get("plan_coverage")
    infeasible: list[str] = []
    if plan is not None:
        print("  proposed new stations:")
        for r in plan.itertuples():
            gap = f", gap {r.gap:.2%}" if r.gap is not None and r.gap == r.gap else ""
            print(f"    {r.category:<{width}}  {r.new_stations} new: {r.share_before:6.1%} -> {r.share_after:6.1%}  ({r.status}, {r.solver}{gap})")
            if getattr(r, "message", ""):
                print(f"    {'':<{width}}  {r.status}: {r.message}")
            if r.status == "infeasible":
                infeasible.append(r.category)
    rejected = res.extras.get("rejected")
    if rejected is not None and len(rejected):
        print(f"  dropped {len(rejected):,} bad input rows (listed in rejected_rows.csv):")
        for line in rejected.lines():
            print(f"    {line}")
    for k, p in paths.items():
        if k != "marker":
            print(f"  wrote {k}: {p}")
    print(f"  done in {time.perf_counter() - t0:.1f} s")
    if infeasible:
        print(f"  no plan meets the target for {', '.join(infeasible)} (see the reason above): exit code 1")
        return 1
    return 0

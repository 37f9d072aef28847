"""The ``siting`` command.

``siting run scenarios/demo.toml`` runs a scenario and writes the map and tables;
``siting optimize ...`` solves a covering problem on your own reachability table.
Input errors print a message that names the problem and the fix and exit with code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from . import __version__
from ._errors import SitingError

__all__ = ["main"]

logger = logging.getLogger("siting")


def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
    root = logging.getLogger("siting")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import run_scenario, write_outputs
    from .scenario import load_scenario

    t0 = time.perf_counter()
    sc = load_scenario(args.scenario)
    logger.info("scenario %s: %s", sc.name, sc.title or "(no title)")
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
    if plan is not None:
        print("  proposed new stations:")
        for r in plan.itertuples():
            gap = f", gap {r.gap:.2%}" if r.gap is not None and r.gap == r.gap else ""
            print(f"    {r.category:<{width}}  {r.new_stations} new: {r.share_before:6.1%} -> {r.share_after:6.1%}  ({r.status}, {r.solver}{gap})")
    for k, p in paths.items():
        print(f"  wrote {k}: {p}")
    print(f"  done in {time.perf_counter() - t0:.1f} s")
    return 0


#: Modules that add a sub-command (``siting optimize``, ``siting check``, ``siting batch``, ``siting bench``).
_SUBCOMMANDS = ("_cli_optimize", "_cli_check", "_cli_batch", "_cli_bench")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``siting`` command."""
    p = argparse.ArgumentParser(prog="siting", description="Plan community services around the 15-minute life circle.")
    p.add_argument("--version", action="version", version=f"siting {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    p.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run a scenario file: coverage, optional optimisation, map and tables")
    run.add_argument("scenario", type=Path, help="scenario TOML file, e.g. scenarios/demo.toml")
    run.add_argument("--out", type=Path, default=None, help="output folder (default out/<name>)")
    run.add_argument("--map", type=Path, default=None, help="map file (default maps/<name>.html)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.set_defaults(func=_cmd_run)
    import importlib

    # each sub-command module defines add_parser(subparsers), which sets defaults(func=run)
    for name in _SUBCOMMANDS:
        try:
            mod = importlib.import_module(f"siting.{name}")
        except ModuleNotFoundError as exc:  # pragma: no cover - a module not in this build
            if exc.name != f"siting.{name}":
                raise
            continue
        mod.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``siting`` command; returns the exit code (2 for input errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    _setup_logging(-1 if args.quiet else args.verbose)
    try:
        return int(args.func(args))
    except SitingError as exc:
        print(f"siting: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("siting: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``siting batch``: many areas at once on Dask distributed.

::

    siting batch scenarios/a.toml scenarios/b.toml --out out/batch
    siting batch --template scenarios/batch/template.toml --areas scenarios/batch/areas.csv \\
        --out out/batch --workers 4 --memory-limit 4GB
    siting batch ... --scheduler tcp://10.0.0.5:8786      # an existing cluster

Writes ``OUT/areas.csv``, ``area_categories.csv``, ``totals.csv``, ``ranking.csv``,
``areas.gpkg``, ``batch_map.html``, ``batch.json`` and per area ``OUT/areas/<name>/`` and
``OUT/maps/<name>.html``. Exit code 0 when every area succeeded, 1 when some failed (the others
are written), 2 for input errors. See ``docs/batch.md``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

__all__ = ["main"]

logger = logging.getLogger(__name__)

HELP = "run many areas (scenario files, or a template and an areas table) on a Dask cluster"


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="*", type=Path, help="scenario TOML files, one area each")
    p.add_argument("--template", type=Path, help="template scenario (with --areas)")
    p.add_argument("--areas", type=Path, help="CSV: name, and one of place / bbox / boundary / network; "
                   "optional population, facilities, title")
    p.add_argument("--out", type=Path, default=Path("out/batch"), help="batch folder (default out/batch); "
                   "on a cluster it must be on a file system every worker sees")
    cl = p.add_argument_group("cluster")
    cl.add_argument("--scheduler", default=None, help="address of a running Dask scheduler, e.g. tcp://HOST:8786 "
                    "(default: start a LocalCluster)")
    cl.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    cl.add_argument("--threads-per-worker", type=int, default=1, help="threads per local worker (default 1)")
    cl.add_argument("--memory-limit", default="auto", help='per local worker, e.g. "4GB" (default: share of RAM)')
    cl.add_argument("--threads", dest="processes", action="store_false",
                    help="local workers as threads of this process (quick start; for small runs and tests)")
    cl.add_argument("--dashboard", default=":8787", help='dashboard address (default ":8787"; ":0" any free port)')
    p.add_argument("--retries", type=int, default=2, help="extra attempts after a transient error (default 2)")
    p.add_argument("--force", action="store_true", help="rerun areas that are already done")
    p.add_argument("--hash-content", action="store_true",
                   help="key input files by content hash (default: size and modification time)")
    p.add_argument("--title", default="siting batch", help="title of the batch map")
    p.add_argument("--colour-by", default="complete_share",
                   help="map colour: complete_share (default) or share_<category>")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``batch`` sub-command to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("batch", help=HELP, description=HELP)
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def _specs(args: argparse.Namespace):
    from siting.batch import scenarios_from_files, scenarios_from_template
    from siting.errors import InputError

    if args.template or args.areas:
        if not (args.template and args.areas):
            raise InputError("--template and --areas go together: give both")
        if args.scenarios:
            raise InputError("give scenario files or --template/--areas, not both")
        return scenarios_from_template(args.template, args.areas)
    if not args.scenarios:
        raise InputError("nothing to run: give scenario files (scenarios/*.toml) or --template T.toml --areas areas.csv")
    return scenarios_from_files(args.scenarios)


def run(args: argparse.Namespace) -> int:
    """Run ``siting batch``; returns 0 (all areas done), 1 (some failed) or raises SitingError."""
    from siting.batch import run_batch
    from siting.errors import InputError

    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: give at least 1")
    if args.retries < 0:
        raise InputError(f"--retries {args.retries}: give 0 or more")
    specs = _specs(args)
    from siting.outputs.writable import check_folder_writable

    check_folder_writable(args.out, "--out")  # before any computing
    mem: Any = args.memory_limit
    if isinstance(mem, str) and mem.lower() in ("none", "0"):
        mem = None
    print(f"siting batch: {len(specs)} area(s) -> {args.out}", file=sys.stderr)
    res = run_batch(
        specs, args.out, scheduler=args.scheduler, workers=args.workers, threads_per_worker=args.threads_per_worker,
        memory_limit=mem, processes=args.processes, dashboard_address=args.dashboard, retries=args.retries, force=args.force,
        hash_content=args.hash_content, title=args.title, colour_by=args.colour_by, progress=not args.no_progress,
        report=lambda msg: print(f"  {msg}", file=sys.stderr),
    )
    done, skipped, failed = res.count("done"), res.count("skipped"), res.count("failed")
    print(f"siting batch: {done} done, {skipped} skipped (already done), {failed} failed in {res.seconds:.1f} s")
    for row in res.totals.itertuples():
        if row.share == row.share:
            extra = ""
            if row.new_stations == row.new_stations:
                extra = f"; plans: {int(row.new_stations)} new stations -> {row.share_after:.1%}"
            print(f"  {row.category:<20} {row.share:6.1%} of {row.population:,.0f} residents ({row.areas} areas){extra}")
    if len(res.ranking):
        worst = res.ranking.head(5)
        print("  most in need (lowest complete-circle share): "
              + ", ".join(f"{r.name} {r.complete_share:.0%}" for r in worst.itertuples()))
    for name, err in res.failed.items():
        print(f"  FAILED {name}: {err}")
    for k, p in res.paths.items():
        print(f"  wrote {k}: {p}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``python -m siting.cli.batch``."""
    from siting.errors import SitingError

    parser = argparse.ArgumentParser(prog="siting batch", description=HELP)
    _add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except SitingError as exc:
        print(f"siting batch: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

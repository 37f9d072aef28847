"""``siting check``: does a proposed residential development meet the life-circle standards?

::

    siting check proposals/*.geojson --scenario scenarios/demo.toml [--out DIR]

Loads the scenario's network, residents and facilities once, checks every proposal, writes
``DIR/<proposal>.html`` and ``DIR/<proposal>.json`` per proposal and ``DIR/summary.csv``
(default ``DIR``: ``out/check-<scenario>``), and prints the summary table.

Exit code: 0 when every proposal passes, 1 when any fails a check, 2 when any proposal has an
input error (the others are still checked and reported) or the scenario itself is wrong.
See ``docs/check.md``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

HELP = "check proposed residential developments against the life-circle standards"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``check`` sub-command to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("check", help=HELP, description=HELP)
    p.add_argument("proposals", nargs="+", type=Path, help="proposal files (GeoJSON or GeoPackage), one development each")
    p.add_argument("--scenario", "-s", required=True, type=Path, help="scenario of the surrounding area, e.g. scenarios/demo.toml")
    p.add_argument("--out", type=Path, default=None, help="output folder (default out/check-<scenario>)")
    p.add_argument("--entrances", type=Path, default=None, help="entrance points (with a single proposal)")
    p.add_argument("--lang", choices=("en", "zh"), default=None, help="report language (default: the scenario's)")
    p.add_argument("--rule", choices=("any", "all"), default="any",
                   help="distance from the nearest access point (any, default) or from every one (all)")
    p.add_argument("--no-remedy", dest="remedy", action="store_false", help="do not search new station sites")
    p.add_argument("--no-community-area", dest="community_area", action="store_false",
                   help="leave out the community service floor-area line (30 m² per 100 households)")
    p.add_argument("--solver", default="cbc", help="solver for the remedy search: cbc (default) or highs")
    p.add_argument("--time-limit", dest="time_limit", type=float, default=30.0, help="seconds per remedy search")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``siting check``; returns the exit code (0 pass, 1 fail, 2 input error)."""
    from siting._version import __version__
    from siting.check import check_batch, prepare_check
    from siting.scenario import load_scenario

    t0 = time.perf_counter()
    sc = load_scenario(args.scenario)
    out = args.out or Path("out") / f"check-{sc.name}"
    from siting.outputs.writable import check_folder_writable

    check_folder_writable(out, "--out")  # before any computing
    run_ = prepare_check(sc, report=lambda m: logger.info(m))
    print(f"siting {__version__} check - scenario {sc.name}: {len(args.proposals)} proposal(s)")
    lang = args.lang or sc.lang
    from siting.check.development import scenario_standard
    from siting.check.report import t
    from siting.standards import label

    std = scenario_standard(sc)
    rules = [r for r in std.rules if r.applies(sc.area_type)] if std is not None else []
    if rules:
        print(f"  {label('rules_of', lang, standard=std.name(lang))}: " + "; ".join(r.name(lang) for r in rules))  # type: ignore[union-attr]

    def line(row: dict) -> None:
        status = {"pass": "pass", "fail": "FAIL", "error": "ERROR"}[row["status"]]
        if row["status"] == "error":
            print(f"  {Path(row['file']).stem:<24} {status:<6} {row['error']}")
        else:
            failed = f"  failed: {row['failed'].replace(';', ', ')}" if row["failed"] else ""
            print(f"  {Path(row['file']).stem:<24} {status:<6} {row['lines_pass']} pass, {row['lines_fail']} fail, "
                  f"{row['lines_not_assessable']} not assessable{failed}")
            for r in row.get("rule_lines", []):  # the catalog's rules (local ones among them), with their source
                print(f"      {t(r['status'], lang):<6} {r['service']} · {r['rule']}: {r['text']}")
                print(f"             {label('source', lang)}: {r['source']}")

    batch = check_batch(
        list(args.proposals), run_, out, lang=args.lang, entrances=args.entrances, report=line,
        rule=args.rule, remedy=args.remedy, community_area=args.community_area, solver=args.solver,
        time_limit=args.time_limit,
    )
    s = batch.summary
    n = len(s)
    counts = {k: int((s["status"] == k).sum()) for k in ("pass", "fail", "error")}
    print(f"  {counts['pass']} of {n} pass, {counts['fail']} fail, {counts['error']} with input errors")
    print(f"  wrote {batch.paths['summary']} and {2 * (n - counts['error'])} report files in {out}")
    print(f"  done in {time.perf_counter() - t0:.1f} s (exit code {batch.exit_code})")
    return batch.exit_code

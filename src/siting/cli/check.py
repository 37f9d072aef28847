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
    from siting.scenario import load_scenario, scenario_lang
    from siting.standards.logtext import set_console_lang

    t0 = time.perf_counter()
    # --lang: the check's console, report and stage lines in that language
    set_console_lang(args.lang or scenario_lang(args.scenario))  # the scenario's problems in its language
    sc = load_scenario(args.scenario, overrides={"lang": args.lang} if args.lang else None)
    set_console_lang(sc.lang)
    out = args.out or Path("out") / f"check-{sc.name}"
    from siting.outputs.writable import check_folder_writable

    check_folder_writable(out, "--out")  # before any computing
    run_ = prepare_check(sc)  # its stages are logged (shown with -v/-q as any log line)
    lang = sc.lang
    from siting.cli.run import _pad
    from siting.standards import label

    print(label("check_head", lang, version=__version__, name=sc.name, n=len(args.proposals)))
    from siting.check.development import scenario_standard
    from siting.check.report import t

    std = scenario_standard(sc)
    rules = [r for r in std.rules if r.applies(sc.area_type)] if std is not None else []
    if rules:
        print(f"  {label('rules_of', lang, standard=std.name(lang))}: " + "; ".join(r.name(lang) for r in rules))  # type: ignore[union-attr]

    def line(row: dict) -> None:
        status = _pad(label(f"check_{row['status']}", lang), 8 if lang == "zh" else 6)
        if row["status"] == "error":
            print(f"  {_pad(Path(row['file']).stem, 24)} {status} {row['error']}")
        else:
            failed = label("check_failed", lang, items=row["failed"].replace(";", label("list_sep", lang))) \
                if row["failed"] else ""
            print(f"  {_pad(Path(row['file']).stem, 24)} {status} "
                  + label("check_line", lang, passed=row["lines_pass"], failed=row["lines_fail"],
                          na=row["lines_not_assessable"]) + failed)
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
    print("  " + label("check_total", lang, passed=counts["pass"], n=n, failed=counts["fail"], errors=counts["error"]))
    print("  " + label("check_wrote", lang, summary=batch.paths["summary"], k=2 * (n - counts["error"]), out=out))
    print("  " + label("check_done", lang, seconds=f"{time.perf_counter() - t0:.1f}", code=batch.exit_code))
    return batch.exit_code

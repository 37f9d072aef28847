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
    from siting.scenario import load_scenario, scenario_lang
    from siting.standards.logtext import set_console_lang

    t0 = time.perf_counter()
    overrides: dict[str, Any] = {}
    if getattr(args, "strict", False):
        overrides["strict"] = True
    if getattr(args, "lang", None):  # the language of the outputs, without editing the scenario
        overrides["lang"] = args.lang
    set_console_lang(getattr(args, "lang", None) or scenario_lang(args.scenario))  # its problems in its language
    sc = load_scenario(args.scenario, overrides=overrides or None)
    set_console_lang(sc.lang)
    logger.info("scenario %s: %s", sc.name, sc.title or "(no title)")
    prepare_outputs(Path(args.out or sc.out_dir), Path(args.map or sc.map_path))  # before any computing
    res = run_scenario(sc, progress=not args.no_progress)
    extra = getattr(args, "_after_run", None)
    if extra is not None:
        res = extra(res)
    paths = write_outputs(res, out_dir=args.out, map_path=args.map)
    infeasible = _summary(res, paths, t0)
    if infeasible:
        return 1
    return 0


def _summary(res: Any, paths: dict[str, Path], t0: float) -> list[str]:
    """Print the run's summary in the run's language; returns the categories without a
    feasible plan."""
    from siting.outputs.classes import format_threshold
    from siting.outputs.status import plan_reasons
    from siting.standards import label
    from siting.standards.labels import label_or, solver_name

    sc = res.scenario
    lang = sc.lang
    zh = lang == "zh"

    def pct(x: float) -> str:
        return f"{x:6.1%}"

    names = {c.key: c.name(lang) for c in res.categories}
    cov = res.coverage.categories
    print(label("console_head", lang, version=__version__, name=sc.name,
                residences=f"{len(res.demand):,}", persons=f"{res.demand['population'].sum():,.0f}"))
    shown = {k: names.get(k, k) for k in cov["category"]} if len(cov) else {}
    width = max((_width(v) for v in shown.values()), default=10)
    cats = {c.key: c for c in res.categories}
    speed = res.coverage.speed_mps
    for _, row in cov.iterrows():
        c = cats.get(row["category"])
        thr = row["threshold"] if c is None else \
            format_threshold(c.metres(speed), speed, c.threshold_parsed.kind, lang)
        print("  " + label("console_category", lang, category=_pad(shown[row["category"]], width),
                           threshold=" " * max(0, 7 - _width(thr)) + thr, share=pct(row["share"]),
                           facilities=row["facilities"]))
    cs = res.coverage.complete_share
    if cs == cs:
        basic = ("、" if zh else ", ").join(names.get(k, k) for k in res.coverage.basic)
        print("  " + label("console_complete", lang, basic=basic, share=f"{cs:.1%}"))
    plan = res.extras.get("tables", {}).get("plan_coverage")
    infeasible: list[str] = []
    if plan is not None:
        reasons = {x["category"]: x for x in plan_reasons(res, lang)}
        print("  " + label("console_plan_head", lang))
        for r in plan.itertuples():
            gap = label("console_gap", lang, gap=f"{r.gap:.2%}") \
                if r.gap is not None and r.gap == r.gap else ""
            status = label_or(r.status, lang, r.status)
            print("    " + label("console_plan", lang, category=_pad(names.get(r.category, r.category), width),
                                 n=r.new_stations, before=pct(r.share_before), after=pct(r.share_after),
                                 status=status, solver=solver_name(str(r.solver), lang), gap=gap))
            why = reasons.get(r.category)
            if why is not None:
                print(f"    {'':<{width}}  {why['status_label']}{'：' if zh else ': '}{why['reason']}")
            if r.status == "infeasible":
                infeasible.append(names.get(r.category, r.category))
    rejected = res.extras.get("rejected")
    if rejected is not None and len(rejected):
        print("  " + label("console_rejected", lang, n=f"{len(rejected):,}"))
        for line in rejected.lines(lang):
            print(f"    {line}")
    for k, p in paths.items():
        if k != "marker":
            print("  " + label("console_wrote", lang, what=label_or(f"console_out_{k}", lang, k), path=p))
    print("  " + label("console_done", lang, seconds=f"{time.perf_counter() - t0:.1f}"))
    if infeasible:
        print("  " + label("console_infeasible", lang, names=("、" if zh else ", ").join(infeasible)))
    return infeasible


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (a CJK character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _pad(text: str, width: int) -> str:
    return str(text) + " " * max(0, width - _width(text))

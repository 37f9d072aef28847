"""``siting serve scenarios/<name>.toml``: the live what-if page for a meeting (click a site, see coverage change)."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("siting")

HELP = "serve a scenario's map live: add, move and remove stations and see coverage change at once"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``serve`` sub-command to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("serve", help=HELP, description=HELP + " (JSON API: docs/serve.md)")
    p.add_argument("scenario", type=Path, help="scenario TOML file, e.g. scenarios/demo.toml")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; any other address "
                        "requires the random access token printed at start)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    p.add_argument("--out", type=Path, default=None,
                   help="the only folder saves and exports are written to (default out/<name>-serve)")
    p.add_argument("--no-plan", action="store_true", help="do not run the scenario's [optimize] plan at start")
    p.set_defaults(func=_cmd_serve)
    return p


def _cmd_serve(args: argparse.Namespace) -> int:
    from siting.pipeline import run_scenario
    from siting.scenario import load_scenario
    from siting.serve.server import prepare, serve

    if not 0 <= args.port <= 65535:
        from siting.errors import InputError

        raise InputError(f"--port {args.port}: give a port from 1 to 65535 (or 0 for any free one)")
    t0 = time.perf_counter()
    sc = load_scenario(args.scenario, overrides={"optimize": None} if args.no_plan else None)
    print(f"siting serve - {sc.name}: loading (once) ...")
    res = run_scenario(sc, report=lambda m: print(f"  {m}"), progress=True)
    out = args.out if args.out is not None else Path("out") / f"{sc.name}-serve"
    served = prepare(res, out_dir=out, host=args.host)
    print(f"  ready in {time.perf_counter() - t0:.1f} s: {len(served.whatif.stations)} stations from the plan on the map")
    serve(served, host=args.host, port=args.port)
    return 0

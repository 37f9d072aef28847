"""Many proposals against one surrounding area, and writing a check's report."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pandas as pd

from siting.check.development import check_development
from siting.check.result import BatchResult, CheckResult
from siting.errors import InputError, Msg, ScenarioError, SitingError
from siting.inputs import Development, read_development
from siting.results import RunResult

__all__ = ["check_batch", "write_report"]


logger = logging.getLogger(__name__)


def write_report(res: CheckResult, out_dir: str | Path, *, stem: str | None = None, lang: str | None = None) -> dict[str, Path]:
    """Write ``<stem>.html`` (one page with an offline map) and ``<stem>.json`` of one check.

    Both files are written beside their targets first and moved into place together.

    Parameters
    ----------
    res : CheckResult
    out_dir : str or Path
    stem : str, optional
        File name without suffix (default: the proposal file's stem).
    lang : {"en", "zh"}, optional
        Default: the scenario's ``lang``.
    """
    from siting.check.report import Staging, stage_result

    stage = Staging(Path(out_dir))
    try:
        paths = stage_result(stage, res, stem or _stem(res.development), lang or res.scenario.lang)
        stage.commit()
    except BaseException:
        stage.abort()
        raise
    return paths


def _rule_rows(res: CheckResult, lang: str) -> list[dict[str, str]]:
    from siting.check.report import _names, reason_text, source_text

    names = _names(res, lang)
    return [{"status": ln.status, "service": names.get(ln.category, ln.category), "rule": ln.rule.name(lang),
             "text": reason_text(ln, lang, ""), "source": source_text(ln, lang)}
            for ln in res.rule_lines if ln.rule is not None]


def _stem(dev: Development) -> str:
    base = dev.path.stem if dev.path is not None else dev.name
    return re.sub(r"[^\w\-.]+", "_", base) or "proposal"


def check_batch(
    paths: list[str | Path],
    run: RunResult,
    out_dir: str | Path,
    *,
    lang: str | None = None,
    entrances: str | Path | None = None,
    report: Any = None,
    **kwargs: Any,
) -> BatchResult:
    """Check several proposals against one scenario run; a bad proposal does not stop the batch.

    Each proposal gets ``<stem>.html`` and ``<stem>.json`` in ``out_dir`` (stems made unique);
    ``summary.csv`` lists them all. A proposal with an input error (unreadable, invalid, empty
    or misplaced polygon, wrong CRS, households missing or negative, an unknown category) is
    listed with status ``error``, exit code 2 and the message; the others go on. Every file is
    written to a staging folder first and moved into ``out_dir`` at the end.

    Parameters
    ----------
    paths : list of path
        Proposal files (GeoJSON or GeoPackage).
    run : RunResult
        From :func:`prepare_check`, computed once for the whole batch.
    out_dir : str or Path
    lang : {"en", "zh"}, optional
        Report language (default: the scenario's).
    entrances : path, optional
        An entrances file (only with a single proposal).
    report : callable, optional
        Called with one row per proposal (the CLI prints them); a checked proposal's row also
        holds ``rule_lines``: per line of a catalog rule, its ``status``, ``service``, ``rule``
        (name), ``text`` and ``source`` (document and clause), in the report language. They are
        not written to ``summary.csv``.
    **kwargs
        Passed to :func:`check_development` (``rule``, ``remedy``, ``community_area``, ...).
    """
    from siting.check.report import Staging, stage_result

    if entrances is not None and len(paths) != 1:
        raise InputError(Msg("an entrances file goes with one proposal: put the entrances in each proposal file instead"))
    lang = lang or run.scenario.lang
    stage = Staging(Path(out_dir))
    rows, results = [], {}
    written: dict[str, Any] = {}
    used: set[str] = set()
    try:
        for p in paths:
            row: dict[str, Any] = {"proposal": Path(p).stem, "file": str(p), "status": "error", "exit_code": 2,
                                   "households": None, "lines_pass": 0, "lines_fail": 0, "lines_not_assessable": 0,
                                   "failed": "", "error": "", "html": "", "json": ""}
            try:
                dev = read_development(p, entrances=entrances)
                row["proposal"] = dev.name
                res = check_development(dev, run, **kwargs)
            except SitingError as exc:
                row["error"] = "; ".join(map(str, exc.problems)) if isinstance(exc, ScenarioError) else str(exc)
                logger.info("proposal %s: %s", p, row["error"])
            else:
                stem = _stem(dev)
                k = 2
                while stem.lower() in used:
                    stem = f"{_stem(dev)}-{k}"
                    k += 1
                used.add(stem.lower())
                out = stage_result(stage, res, stem, lang)
                results[str(p)] = res
                written[str(p)] = out
                st = [ln.status for ln in res.lines]
                row.update({"status": res.status, "exit_code": res.exit_code, "households": round(res.households, 1),
                            "lines_pass": st.count("pass"), "lines_fail": st.count("fail"),
                            "lines_not_assessable": st.count("not_assessable"),
                            "failed": ";".join(f"{ln.category}:{ln.check}" for ln in res.lines if ln.status == "fail"),
                            "html": str(out["html"]), "json": str(out["json"])})
                row["rule_lines"] = _rule_rows(res, lang)
            rows.append(row)
            if report:
                report(row)
        cols = [c for c in rows[0] if c != "rule_lines"] if rows else ["proposal", "status", "exit_code"]
        summary = pd.DataFrame(rows, columns=cols)
        summary.to_csv(stage.path("summary.csv"), index=False, encoding="utf-8-sig")  # Excel reads UTF-8 with the mark
        stage.commit()
    except BaseException:
        stage.abort()
        raise
    written["summary"] = Path(out_dir) / "summary.csv"
    return BatchResult(summary, results, written)

"""Why each plan of a run has its status, for the report and the map (in the run's language)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from siting.standards.labels import label_or, plan_reason

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = ["plan_reasons"]


def plan_reasons(res: RunResult, lang: str | None = None) -> list[dict[str, Any]]:
    """One entry per planned category whose plan is not simply optimal.

    Each entry has ``category`` (key), ``name`` (in ``lang``), ``status``, ``status_label`` and
    ``reason`` (a sentence, :func:`siting.standards.labels.plan_reason`). Empty without a plan.
    """
    lang = lang or res.scenario.lang
    plans = res.extras.get("plans") or {}
    cfg = res.scenario.optimize
    names = {c.key: c.name(lang) for c in res.categories}
    out = []
    target = None
    if cfg is not None:
        target = cfg.target if cfg.model == "target" else 1.0 if cfg.model == "set_cover" else None
    for key, plan in plans.items():
        reason = plan_reason(
            plan.status, lang, model=plan.model, target=target, reachable_share=plan.reachable_share,
            gap=plan.gap, has_plan=plan.objective is not None, message=plan.message,
        )
        if not reason:
            continue
        status_label = label_or(plan.status, lang)  # a status without a label as it is
        out.append({"category": key, "name": names.get(key, key), "status": plan.status,
                    "status_label": status_label, "reason": reason})
    return out

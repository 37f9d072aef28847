"""Distance-decay functions: how the pull of a facility falls with the walk to it.

One small, pure-numpy module on the ground floor, used by the attendance model
(:mod:`siting.optimize.attendance`) and by the accessibility measures (:mod:`siting.access`).
Every function is 1 at distance 0 (or below ``d0``), never increases, and is 0 beyond the
cutoff — so it stays on the sparse pairs within reach. Distances are metres (or seconds: any
unit, as long as the cutoff and the parameters use the same one).

========================  =====================================================================
kind                      f(d) for d <= cutoff (0 beyond)
========================  =====================================================================
``binary``                1 (the plain catchment of 2SFCA)
``linear``                1 - d / cutoff
``exponential``           exp(-beta d); ``half_distance`` h gives beta = ln 2 / h
``gaussian``              exp(-d² / (2 sigma²))
``gaussian_dai``          (exp(-½ (d/c)²) - exp(-½)) / (1 - exp(-½)), c = cutoff (Dai 2010)
``power``                 min(1, (d / d0)^-beta) (1 up to d0)
``step``                  w_k on zone k: ``steps = [(upper_1, w_1), (upper_2, w_2), ...]``
                          (Luo & Qi 2009's enhanced 2SFCA zones; the last upper is the cutoff)
========================  =====================================================================

>>> f = make_decay("linear", 1000.0)
>>> [float(v) for v in f([0.0, 250.0, 1000.0, 1200.0])]
[1.0, 0.75, 0.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from siting.errors import InputError, Msg

__all__ = ["DECAYS", "Decay", "decay_from_mapping", "make_decay"]

#: The kinds of decay and the parameters each takes (besides ``cutoff``).
DECAYS: dict[str, tuple[str, ...]] = {
    "binary": (),
    "linear": (),
    "exponential": ("beta", "half_distance"),
    "gaussian": ("sigma",),
    "gaussian_dai": (),
    "power": ("beta", "d0"),
    "step": ("steps",),
}

#: Luo & Qi (2009)'s zone weights for three equal travel-time zones ("slow decay").
LUO_QI_WEIGHTS = (1.0, 0.68, 0.22)


@dataclass(frozen=True)
class Decay:
    """A distance-decay function with its parameters; call it on distances.

    Build it with :func:`make_decay`, which checks the parameters. Attributes are in the unit
    of the distances (metres in a scenario run).

    Attributes
    ----------
    kind : str
        One of :data:`DECAYS`.
    cutoff : float
        Beyond this distance the weight is 0.
    beta : float or None
        Exponential: decay rate per distance unit. Power: the exponent.
    sigma : float or None
        Gaussian: the standard deviation (distance).
    d0 : float or None
        Power: the distance up to which the weight is 1.
    steps : tuple of (float, float)
        Step: (upper edge of the zone, weight), edges increasing, the last equal to cutoff.
    """

    kind: str
    cutoff: float
    beta: float | None = None
    sigma: float | None = None
    d0: float | None = None
    steps: tuple[tuple[float, float], ...] = ()

    def __call__(self, distance: Any) -> np.ndarray:
        """Weights (0–1) of the given distances (array-like, same unit as ``cutoff``)."""
        d = np.asarray(distance, dtype=float)
        inside = d <= self.cutoff
        k = self.kind
        if k == "binary":
            w = np.ones_like(d)
        elif k == "linear":
            w = 1.0 - d / self.cutoff
        elif k == "exponential":
            assert self.beta is not None
            w = np.exp(-self.beta * d)
        elif k == "gaussian":
            assert self.sigma is not None
            w = np.exp(-0.5 * (d / self.sigma) ** 2)
        elif k == "gaussian_dai":
            e = math.exp(-0.5)
            w = (np.exp(-0.5 * (d / self.cutoff) ** 2) - e) / (1.0 - e)
        elif k == "power":
            assert self.beta is not None and self.d0 is not None
            w = np.minimum(1.0, (np.maximum(d, self.d0) / self.d0) ** (-self.beta))
        else:  # step
            edges = np.array([s[0] for s in self.steps])
            weights = np.array([s[1] for s in self.steps])
            idx = np.minimum(np.searchsorted(edges, d, side="left"), edges.size - 1)
            w = weights[idx]
        return np.where(inside & np.isfinite(d), np.clip(w, 0.0, 1.0), 0.0)

    def describe(self) -> str:
        """The formula with its numbers, for reports (e.g. ``exp(-0.00231·d), 0 beyond 900``)."""
        c = f"{self.cutoff:g}"
        k = self.kind
        if k == "binary":
            body = "1"
        elif k == "linear":
            body = f"1 - d/{c}"
        elif k == "exponential":
            body = f"exp(-{self.beta:.4g}·d)"
        elif k == "gaussian":
            body = f"exp(-d²/(2·{self.sigma:g}²))"
        elif k == "gaussian_dai":
            body = f"(exp(-½(d/{c})²) - exp(-½)) / (1 - exp(-½))"
        elif k == "power":
            body = f"min(1, (d/{self.d0:g})^-{self.beta:g})"
        else:
            body = "; ".join(f"{w:g} up to {u:g}" for u, w in self.steps)
        return f"{k}: f(d) = {body}, 0 beyond {c}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        out: dict[str, Any] = {"kind": self.kind, "cutoff": self.cutoff}
        for name in ("beta", "sigma", "d0"):
            v = getattr(self, name)
            if v is not None:
                out[name] = v
        if self.steps:
            out["steps"] = [list(s) for s in self.steps]
        out["formula"] = self.describe()
        return out


def _positive(name: str, v: Any, problems: list[str]) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        problems.append(Msg("{name} = {v!r} must be a number", name=name, v=v))
        return None
    if not (math.isfinite(f) and f > 0):
        problems.append(Msg("{name} = {v!r} must be a positive number", name=name, v=v))
        return None
    return f


def make_decay(kind: str, cutoff: float, *, beta: float | None = None,
               half_distance: float | None = None, sigma: float | None = None,
               d0: float | None = None,
               steps: Sequence[Sequence[float]] | Iterable[Any] | None = None,
               weights: Sequence[float] | None = None) -> Decay:
    """A checked :class:`Decay`; every problem is reported at once.

    Parameters
    ----------
    kind : str
        ``binary``, ``linear``, ``exponential``, ``gaussian``, ``gaussian_dai``, ``power`` or
        ``step`` (see the module table).
    cutoff : float
        Distance beyond which the weight is 0 (metres, or the unit of your distances).
    beta : float, optional
        Exponential: rate per distance unit (or give ``half_distance``). Power: exponent
        (required).
    half_distance : float, optional
        Exponential: the distance at which the weight is one half (beta = ln 2 / half_distance).
    sigma : float, optional
        Gaussian: standard deviation; default cutoff / 2.
    d0 : float, optional
        Power: the weight is 1 up to d0; default cutoff / 10.
    steps : sequence of (upper, weight), optional
        Step: the zones; default three equal zones with Luo & Qi's weights 1, 0.68, 0.22.
    weights : sequence of float, optional
        Step: weights of equal zones (instead of ``steps``), e.g. ``[1, 0.42, 0.09]``.

    Raises
    ------
    InputError
        Naming every wrong or missing parameter and the fix.
    """
    problems: list[str] = []
    key = str(kind).strip().lower()
    if key not in DECAYS:
        raise InputError(Msg("decay kind {kind!r} is unknown: use one of {v1}", kind=kind, v1=', '.join(DECAYS)))
    c = _positive("cutoff", cutoff, problems)
    given = {"beta": beta, "half_distance": half_distance, "sigma": sigma, "d0": d0,
             "steps": steps, "weights": weights}
    allowed = set(DECAYS[key]) | ({"weights"} if key == "step" else set())
    extra = [n for n, v in given.items() if v is not None and n not in allowed]
    if extra:
        problems.append(Msg("decay {key!r} takes no {extra} (it takes {allowed})", key=key, extra=", ".join(extra),
                            allowed=", ".join(sorted(allowed))) if allowed
                        else Msg("decay {key!r} takes no {extra}", key=key, extra=", ".join(extra)))
    b = _positive("beta", beta, problems)
    h = _positive("half_distance", half_distance, problems)
    s = _positive("sigma", sigma, problems)
    z = _positive("d0", d0, problems)
    zones: tuple[tuple[float, float], ...] = ()
    if key == "exponential":
        if b is not None and h is not None:
            problems.append(Msg("exponential decay: give beta or half_distance, not both"))
        elif b is None and h is None and beta is None and half_distance is None:
            problems.append(Msg("exponential decay needs beta (per metre, e.g. 0.002) or half_distance (metres at which half the "
                                "demand remains, e.g. 400)"))
        if h is not None:
            b = math.log(2.0) / h
    if key == "power" and b is None and beta is None:
        problems.append(Msg("power decay needs beta (the exponent, e.g. 1.5)"))
    if key == "gaussian" and s is None and c is not None:
        s = c / 2.0
    if key == "power" and z is None and c is not None:
        z = c / 10.0
    if key == "power" and z is not None and c is not None and z >= c:
        problems.append(Msg("power decay: d0 = {z:g} must be below the cutoff {c:g}", z=z, c=c))
    if key == "step" and c is not None:
        zones = _zones(steps, weights, c, problems)
    if problems:
        raise InputError("; ".join(problems))
    assert c is not None
    return Decay(kind=key, cutoff=c, beta=b if key in ("exponential", "power") else None,
                 sigma=s if key == "gaussian" else None, d0=z if key == "power" else None,
                 steps=zones)


def _zones(steps: Any, weights: Any, cutoff: float, problems: list[str]
           ) -> tuple[tuple[float, float], ...]:
    if steps is not None and weights is not None:
        problems.append(Msg("step decay: give steps or weights, not both"))
        return ()
    if steps is None:
        ws = list(LUO_QI_WEIGHTS if weights is None else weights)
        if not ws:
            problems.append(Msg("step decay: weights is empty: give e.g. [1, 0.68, 0.22]"))
            return ()
        steps = [((k + 1) * cutoff / len(ws), w) for k, w in enumerate(ws)]
    out: list[tuple[float, float]] = []
    try:
        for item in steps:
            u, w = item
            out.append((float(u), float(w)))
    except (TypeError, ValueError):
        problems.append(Msg("step decay: steps must be pairs [upper distance, weight], e.g. [[300, 1], [600, 0.68], [900, 0.22]]"))
        return ()
    uppers = [u for u, _ in out]
    ws = [w for _, w in out]
    if any(not (0 < u) for u in uppers) or any(b <= a for a, b in pairwise(uppers)):
        problems.append(Msg("step decay: zone edges must be positive and increasing"))
    if any(not (0 <= w <= 1) for w in ws) or any(b > a for a, b in pairwise(ws)):
        problems.append(Msg("step decay: weights must lie in [0, 1] and never increase"))
    if out and abs(uppers[-1] - cutoff) > 1e-9 * max(cutoff, 1.0):
        problems.append(Msg("step decay: the last zone must end at the cutoff {cutoff:g} (it ends at {v1:g})", cutoff=cutoff, v1=uppers[-1]))
    return tuple(out)


def decay_from_mapping(params: Mapping[str, Any], cutoff: float) -> Decay:
    """:func:`make_decay` from a mapping such as a scenario's ``[optimize.decay]`` table."""
    p = dict(params)
    kind = p.pop("kind", "linear")
    return make_decay(kind, cutoff, **p)

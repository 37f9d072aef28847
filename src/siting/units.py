"""Thresholds and speeds: minutes and metres at the interface, metres and seconds inside.

A threshold is written ``"5 min"``, ``"15 min"``, ``"300 m"`` or ``"1.2 km"``. Times become
metres at the walking speed of the chosen profile, one conversion, logged once (cityseer's
``log_thresholds`` does the same).

Speed profiles (metres per second):

==========  =========  ==============================================================
profile     m/s        source
==========  =========  ==============================================================
walk        1.0        60 m/min reproduces GB 50180-2018's 300 m per 5 minutes
adult       1.2        pedestrian-crossing design speed (UK/US practice)
elderly     0.8        older adults at risk of mobility disability, 65–74 (Webb 2017)
bike        3.5        ≈12.6 km/h, ordinary bicycle / e-bike in mixed traffic
drive       8.3        ≈30 km/h, rural roads; use osmnx speeds for finer work
==========  =========  ==============================================================
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

from siting.errors import InputError, Msg

__all__ = ["SPEED_PROFILES", "Threshold", "parse_threshold", "resolve_speed"]

logger = logging.getLogger(__name__)

#: Speeds in metres per second by profile name.
SPEED_PROFILES: dict[str, float] = {
    "walk": 1.0,
    "adult": 1.2,
    "elderly": 0.8,
    "bike": 3.5,
    "drive": 8.3,
}

_UNITS = {
    "m": ("m", 1.0),
    "metre": ("m", 1.0),
    "metres": ("m", 1.0),
    "meter": ("m", 1.0),
    "meters": ("m", 1.0),
    "km": ("m", 1000.0),
    "min": ("s", 60.0),
    "mins": ("s", 60.0),
    "minute": ("s", 60.0),
    "minutes": ("s", 60.0),
    "分钟": ("s", 60.0),
    "米": ("m", 1.0),
    "s": ("s", 1.0),
    "sec": ("s", 1.0),
    "h": ("s", 3600.0),
}
_RE = re.compile(r"^\s*([+-]?\s*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*([A-Za-z\u4e00-\u9fff]+)\s*$")


@dataclass(frozen=True)
class Threshold:
    """A reach threshold: a distance in metres or a time in seconds.

    Attributes
    ----------
    value : float
        Metres when ``kind == "m"``, seconds when ``kind == "s"``.
    kind : str
        ``"m"`` (distance) or ``"s"`` (time).
    text : str
        The text it was parsed from, for reports (``"5 min"``).
    """

    value: float
    kind: str
    text: str

    def metres(self, speed_mps: float) -> float:
        """Metres reachable within this threshold at ``speed_mps`` (metres per second)."""
        return self.value if self.kind == "m" else self.value * speed_mps

    def seconds(self, speed_mps: float) -> float:
        """Seconds needed to use up this threshold at ``speed_mps`` (metres per second)."""
        return self.value if self.kind == "s" else self.value / speed_mps

    @property
    def minutes(self) -> float | None:
        """The threshold in minutes when it was given as a time, else ``None``."""
        return self.value / 60.0 if self.kind == "s" else None

    def __str__(self) -> str:
        return self.text


def parse_threshold(text: str | Threshold, *, key: str = "threshold") -> Threshold:
    """Parse ``"5 min"``, ``"300 m"``, ``"1.2 km"`` into a :class:`Threshold`.

    Parameters
    ----------
    text : str
        A positive number and a unit: m, km (distance) or min, s, h (time).
    key : str
        The scenario key the value came from, named in the error message.

    Raises
    ------
    InputError
        When the text is not a positive number followed by a known unit.
    """
    if isinstance(text, Threshold):
        return text
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if not (math.isfinite(text) and text > 0):
            raise InputError(Msg("{key} = {text!r} {v1}: write a positive number with a unit, e.g. \"5 min\" or \"300 m\"",
                                 key=key,
                                 text=text,
                                 v1=_not_positive(float(text))))
        raise InputError(
            Msg("{key} = {text!r} has no unit: write it as \"{text} min\" or \"{text} m\"", key=key, text=text)
        )
    m = _RE.match(str(text))
    unit = _UNITS.get(m.group(2).lower()) if m else None
    if m is not None and unit is None:
        raise InputError(
            Msg("{key} = {text!r} is not a threshold: {v1!r} is not a unit siting knows; use m, km (distance) or "
                "min, s, h (time), e.g. \"5 min\", \"15 min\", \"300 m\" or \"1.2 km\"",
                key=key,
                text=text,
                v1=m.group(2))
        )
    if m is None or unit is None:
        raise InputError(
            Msg("{key} = {text!r} is not a threshold: write a number and a unit, e.g. \"5 min\", \"15 min\", \"300 m\" or "
                "\"1.2 km\"",
                key=key,
                text=text)
        )
    value = float(m.group(1).replace(" ", "")) * unit[1]
    if not math.isfinite(value) or value <= 0:
        raise InputError(Msg("{key} = {text!r} {v1}: write a positive distance or time, e.g. \"5 min\" or \"300 m\"",
                             key=key,
                             text=text,
                             v1=_not_positive(value)))
    return Threshold(value=value, kind=unit[0], text=str(text).strip())


def _not_positive(value: float) -> Msg:
    if value != value:
        return Msg("is not a number")
    if value < 0:
        return Msg("is negative: a threshold is a walking distance or time, never below zero")
    return Msg("is zero: a threshold of zero reaches nothing")


def resolve_speed(profile: str | float, *, key: str = "speed") -> float:
    """Walking (or riding) speed in metres per second from a profile name or a number.

    Parameters
    ----------
    profile : str or float
        A name in :data:`SPEED_PROFILES`, a number of metres per second, or text such as
        ``"60 m/min"``, ``"4.5 km/h"`` or ``"1.1 m/s"``.
    """
    if isinstance(profile, (int, float)) and not isinstance(profile, bool):
        speed = float(profile)
    elif isinstance(profile, str) and profile.strip().lower() in SPEED_PROFILES:
        return SPEED_PROFILES[profile.strip().lower()]
    else:
        m = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(m/s|m/min|km/h)\s*$", str(profile))
        if not m:
            names = ", ".join(SPEED_PROFILES)
            raise InputError(
                Msg("{key} = {profile!r} is not a speed: name a profile ({names}) or write \"60 m/min\", \"4.5 km/h\" or "
                    "\"1.0 m/s\"",
                    key=key,
                    profile=profile,
                    names=names)
            )
        factor = {"m/s": 1.0, "m/min": 1 / 60.0, "km/h": 1 / 3.6}[m.group(2)]
        speed = float(m.group(1)) * factor
    if not (0.1 <= speed <= 50):
        raise InputError(Msg("{key} = {profile!r} gives {speed:.3g} m/s: expected 0.1–50 m/s", key=key, profile=profile, speed=speed))
    return speed

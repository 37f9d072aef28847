"""Documented global settings, with typed defaults. Change them as attributes::

    import siting
    siting.settings.offline = True

Unknown names are rejected (a typo raises instead of silently doing nothing).
A scenario file sets the same values per run; these are only the defaults.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

#: Folder for downloaded graphs (GraphML) and osmnx's HTTP cache.
#: Default ``$SITING_CACHE_DIR`` or ``~/.cache/siting``.
cache_dir: Path = Path(os.environ.get("SITING_CACHE_DIR", Path.home() / ".cache" / "siting"))

#: Offline (cache-only) mode: never download; use cached graphs or fail with a clear message.
#: Default ``$SITING_OFFLINE`` ("1" = on).
offline: bool = os.environ.get("SITING_OFFLINE", "0") == "1"

#: Default walking speed profile (see :data:`siting.units.SPEED_PROFILES`).
speed_profile: str = "walk"

#: Default maximum distance (metres) from a point to the street network; farther is unreachable.
max_snap_m: float = 300.0

#: Default solver for the integer programs: "cbc" (bundled with pulp) or "highs" (highspy).
solver: str = "cbc"

#: Default solver time limit, seconds.
time_limit_s: float = 60.0

#: Default relative optimality gap at which the solver may stop (0.0001 = 0.01 %).
mip_gap: float = 1e-4

#: Show progress bars in library calls that take a ``progress`` argument left at None.
progress: bool = False

#: Language of the console: log lines shown by the ``siting`` command and progress bars ("en" or
#: "zh"; the command sets it to the run's language, see :mod:`siting.standards.logtext`).
console_lang: str = "en"

_NAMES = {"cache_dir", "offline", "speed_profile", "max_snap_m", "solver", "time_limit_s", "mip_gap", "progress",
          "console_lang"}


class _Guard(types.ModuleType):
    def __setattr__(self, name: str, value: object) -> None:
        if not name.startswith("_") and name not in _NAMES:
            raise AttributeError(
                f"siting.settings has no setting {name!r}: known settings are {', '.join(sorted(_NAMES))}"
            )
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Guard

"""The exception tree of siting, documented in one place.

Every error a user can cause is a :class:`SitingError` with a message that names the problem and
the fix. Errors subclass the matching built-in so that callers can catch ``ValueError`` or
``FileNotFoundError`` as usual.

=====================  ==========================================================  ==========
class                  raised when                                                 built-in
=====================  ==========================================================  ==========
``SitingError``        base class of everything below                              Exception
``InputError``         bad user input: a value, a column, a file's content         ValueError
``ScenarioError``      a scenario file fails validation (carries every problem)    InputError
``MissingFileError``   a named input file does not exist                           FileNotFoundError
``CRSError``           a missing, geographic or mismatched CRS, swapped lat/lon    InputError
``NetworkError``       the road network is empty, tiny or cannot be loaded         InputError
``OfflineError``       a download is needed but offline mode is on                 InputError
``DownloadError``      a download failed (no network, server error, unknown place)  ConnectionError
``OutputError``        an output folder cannot be written (permission, read-only    OSError
                       file system, disk full) or is not siting's to replace
``SolverError``        a solver is unknown or not installed                        InputError
``MissingDependency``  an optional package (browser, dask, spopt) is absent        ImportError
=====================  ==========================================================  ==========

The CLI turns every ``SitingError`` into a one-line (or one-list) message and exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CRSError",
    "DownloadError",
    "InputError",
    "MissingDependency",
    "MissingFileError",
    "NetworkError",
    "OfflineError",
    "OutputError",
    "ScenarioError",
    "SitingError",
    "SolverError",
]


class SitingError(Exception):
    """Base class of all errors raised by siting on purpose."""


class InputError(SitingError, ValueError):
    """Bad user input. The message names what is wrong and how to fix it."""


class ScenarioError(InputError):
    """A scenario (or any collected validation) failed; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[str], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            msg = f"{head}{self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            msg = f"{head}{len(self.problems)} problems found:\n{lines}"
        super().__init__(msg)


class MissingFileError(SitingError, FileNotFoundError):
    """A named input file does not exist."""


class CRSError(InputError):
    """A CRS problem: missing, geographic where metres are needed, mismatched, or swapped axes."""


class NetworkError(InputError):
    """The road network is empty, too small, or cannot be built from the input."""


class OfflineError(InputError):
    """A download is required but offline (cache-only) mode is on."""


class DownloadError(SitingError, ConnectionError):
    """A download failed: no network, a server error, or a place no geocoder knows.

    ``transient`` is True when trying again later may succeed (a lost connection, a timeout,
    a busy server) and False when it will not (an unknown place name).
    """

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OutputError(SitingError, OSError):
    """An output folder cannot be written, or is not siting's to replace; nothing was half-written."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class SolverError(InputError):
    """An unknown solver name, or a solver that is not installed."""


class MissingDependency(SitingError, ImportError):
    """An optional dependency is not installed; the message gives the pip command."""


class Problems:
    """Collect validation problems, then raise them all at once.

    >>> p = Problems("demand.csv")
    >>> p.add("column 'population' is missing: add it or set demand.population_column")
    >>> p.raise_if_any()  # doctest: +SKIP
    """

    def __init__(self, source: str | None = None) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, message: str) -> None:
        """Record one problem (a full sentence naming the key and the fix)."""
        self.items.append(message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, cls: type[ScenarioError] = ScenarioError) -> None:
        """Raise ``cls`` carrying every recorded problem, if there is any."""
        if self.items:
            raise cls(self.items, self.source)

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

Messages are :class:`Msg` objects: an English template with named fields (``str.format``
syntax), rendered when the error is shown, in the console's language
(:data:`siting.settings.console_lang`). The Chinese templates are the catalog
:data:`siting.standards.errtext.ZH`, which registers its renderer here when it is imported (as
``import siting`` does: this ground floor imports nothing of siting above it); ``tests/standards/test_errtext.py`` checks that every
message a scenario run can raise is there. ``str(exc)`` in a library call is English (the
console's language is English unless a ``siting`` command set it from the scenario).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "CRSError",
    "DownloadError",
    "InputError",
    "MissingDependency",
    "MissingFileError",
    "Msg",
    "NetworkError",
    "OfflineError",
    "OutputError",
    "ScenarioError",
    "SitingError",
    "SolverError",
]


class Msg(str):
    """A message in the console's language: an English ``template`` with named ``fields``.

    >>> m = Msg("{key} = {value!r} is not a number", key="demand.household_size", value="x")
    >>> str(m)
    "demand.household_size = 'x' is not a number"
    >>> m.render("zh")
    "demand.household_size = 'x' 不是数字"

    The template uses ``str.format`` syntax; the Chinese template of the catalog
    (:data:`siting.standards.errtext.ZH`) uses the same fields, in the order Chinese needs. A
    field that is itself a :class:`Msg` (or a siting error) is rendered in the same language.
    As a ``str`` it holds the English text (so ``in``, ``startswith`` and ``==`` work on it);
    ``str()`` and f-strings show it in the console's language.
    """

    template: str
    fields: dict[str, Any]

    def __new__(cls, template: str, /, **fields: Any) -> Msg:
        obj = super().__new__(cls, _render(template, fields, "en"))
        obj.template = template
        obj.fields = fields
        return obj

    @classmethod
    def texts(cls, **by_lang: str) -> Msg:
        """A message already written in each language (``en=..., zh=...``), e.g. from the labels."""
        obj = super().__new__(cls, by_lang["en"])
        obj.template = by_lang["en"].replace("{", "{{").replace("}", "}}")
        obj.fields = {"_texts": dict(by_lang)}
        return obj

    @classmethod
    def join(cls, parts: Iterable[str], en: str = ", ", zh: str = "、") -> Msg:
        """``parts`` (messages or text) joined by ``en`` in English and ``zh`` in Chinese."""
        from siting.errors import render_message

        items = list(parts)
        return cls.texts(en=en.join(render_message(p, "en") for p in items),
                         zh=zh.join(render_message(p, "zh") for p in items))

    def render(self, lang: str | None = None) -> str:
        """The message in ``lang`` (``"en"`` or ``"zh"``; default: the console's language)."""
        texts = self.fields.get("_texts")
        if texts is not None:
            return str(texts.get(lang or _console_lang(), texts["en"]))
        return _render(self.template, self.fields, lang)

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)

    def __repr__(self) -> str:
        return f"Msg({self.template!r}, **{self.fields!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_msg, (self.template, self.fields))

    __hash__ = str.__hash__


#: Fills a template in a language (template, fields, lang); set by :mod:`siting.standards.errtext`.
_renderer: Callable[[str, dict[str, Any], str | None], str] | None = None


def set_renderer(renderer: Callable[[str, dict[str, Any], str | None], str]) -> None:
    """Install the function that fills message templates in a language (the catalog's)."""
    global _renderer
    _renderer = renderer


class _English(string.Formatter):
    """``str.format`` with nested messages in English (before the catalog is loaded)."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion in (None, "s") and isinstance(value, (Msg, SitingError)):
            return render_message(value, "en")
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        return format(value, "" if format_spec == "w" else format_spec)


def _render(template: str, fields: dict[str, Any], lang: str | None) -> str:
    if _renderer is not None:
        return _renderer(template, fields, lang)
    try:
        return _English().vformat(template, (), fields)
    except (KeyError, IndexError, ValueError, TypeError):
        return template


def _console_lang() -> str:
    from siting import settings

    return "zh" if settings.console_lang == "zh" else "en"


def _msg(template: str, fields: dict[str, Any]) -> Msg:
    if "_texts" in fields:
        return Msg.texts(**fields["_texts"])
    return Msg(template, **fields)


def render_message(message: object, lang: str | None = None) -> str:
    """``message`` (a :class:`Msg`, a siting error or any text) as text in ``lang``."""
    if isinstance(message, Msg):
        return message.render(lang)
    if isinstance(message, ScenarioError):
        return message.render(lang)
    if isinstance(message, SitingError) and len(message.args) == 1:
        return render_message(message.args[0], lang)
    return str(message)


class SitingError(Exception):
    """Base class of all errors raised by siting on purpose.

    The message (the first argument) is a :class:`Msg` or plain text; ``str(exc)`` shows it in
    the console's language.
    """


class InputError(SitingError, ValueError):
    """Bad user input. The message names what is wrong and how to fix it."""


class ScenarioError(InputError):
    """A scenario (or any collected validation) failed; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[str | Msg], source: str | None = None) -> None:
        self.problems: list[str | Msg] = list(problems)
        self.source = source
        super().__init__(self.render("en"))

    def render(self, lang: str | None = None) -> str:
        """Every problem, one per line, in ``lang`` (default: the console's language)."""
        zh = (lang or _console_lang()) == "zh"
        source = render_message(self.source, lang) if self.source else ""
        head = (f"{source}：" if zh else f"{source}: ") if source else ""
        texts = [render_message(p, lang) for p in self.problems]
        if len(texts) == 1:
            return f"{head}{texts[0]}"
        lines = "\n".join(f"  - {t}" for t in texts)
        return head + _render("{n} problems found:", {"n": len(texts)}, lang) + "\n" + lines

    def __str__(self) -> str:
        return self.render()


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
        return render_message(self.args[0]) if self.args else ""


class OutputError(SitingError, OSError):
    """An output folder cannot be written, or is not siting's to replace; nothing was half-written."""

    def __str__(self) -> str:
        return render_message(self.args[0]) if self.args else ""


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
        self.items: list[str | Msg] = []

    def add(self, message: str | Msg) -> None:
        """Record one problem (a full sentence naming the key and the fix; a :class:`Msg` to be
        shown in the console's language)."""
        self.items.append(message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, cls: type[ScenarioError] = ScenarioError) -> None:
        """Raise ``cls`` carrying every recorded problem, if there is any."""
        if self.items:
            raise cls(self.items, self.source)

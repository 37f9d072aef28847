"""The messages of siting's errors in the run's language: a catalog of English templates.

A siting error carries a :class:`siting.errors.Msg`: an English template with named fields
(``str.format`` syntax), ``Msg("{what} file not found: {p}: check the path", what=..., p=...)``.
:data:`ZH` maps each template to its Chinese one, with the same fields (in the order Chinese
needs, as gettext catalogs do), and :func:`render` fills a template in a language. In a
Chinese template the format spec ``w`` (``{what:w}``) shows a field that is a word the log
catalog or the labels know (``"facilities"``, a category key, ``"5 min"``) in Chinese; keys of
the scenario file (``travel.max_snap``), file names, numbers and values from the data stay as
they are, so that the planner can find them. A template missing from the catalog is shown in
English; ``tests/standards/test_errtext.py`` checks that every message a scenario run
(``siting run``, ``siting check``) can raise is here.

>>> render("{what} file not found: {p}: check the path (relative to the scenario file)",
...        {"what": "facilities", "p": "poi.csv"}, "zh")
'现状设施（facilities）文件不存在：poi.csv：请检查路径（相对于方案文件）'
"""

from __future__ import annotations

import string
from typing import Any

from siting.standards.errtext_zh import WORDS, ZH

__all__ = ["ZH", "field_names", "render"]


class _Formatter(string.Formatter):
    """``str.format`` with nested messages rendered in one language and the ``w`` spec."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        from siting.errors import SitingError, render_message

        if conversion in (None, "s") and isinstance(value, (str, SitingError)):
            if type(value) is not str:  # a Msg or an error: in this formatter's language
                return render_message(value, self.lang)
            return value
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec == "w":
            from siting.standards.logtext import word

            text = str(value)
            if self.lang == "zh" and text in WORDS:
                return WORDS[text]
            if ", " in text:  # a list of words: translated when every part is known
                raw = text.split(", ")
                parts = [word(x, self.lang) for x in raw]
                return "、".join(parts) if all(a != b for a, b in zip(parts, raw)) else text
            return word(text, self.lang)
        return format(value, format_spec)


def field_names(template: str) -> list[str]:
    """The field names of a template, each once, in order of appearance."""
    out: list[str] = []
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in out:
            out.append(name)
    return out


def render(template: str, fields: dict[str, Any], lang: str | None = None) -> str:
    """The message ``template`` filled with ``fields`` in ``lang`` (default: the console's)."""
    from siting.standards.logtext import console_lang

    lang = console_lang() if lang is None else lang
    if lang != "zh":
        lang = "en"
    zh = ZH.get(template) if lang == "zh" else None
    if zh is not None:
        try:
            return _Formatter("zh").vformat(zh, (), fields)
        except (KeyError, IndexError, ValueError, TypeError):  # a field of another type than the template's
            pass
    try:
        return _Formatter("en").vformat(template, (), fields)
    except (KeyError, IndexError, ValueError, TypeError):
        return template


def _install() -> None:
    from siting import errors

    errors.set_renderer(render)


_install()

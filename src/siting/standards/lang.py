"""The supported output languages."""

from __future__ import annotations

from siting.errors import InputError, Msg

__all__ = ["LANGUAGES", "normalise_lang"]


#: Supported languages.
LANGUAGES = ("en", "zh")


def normalise_lang(lang: str) -> str:
    """``"en"`` or ``"zh"`` from a language code (``"zh-CN"``, ``"zh_Hans"``, ``"EN"``).

    Raises
    ------
    InputError
        For any other language; the message lists the supported ones.
    """
    code = str(lang).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise InputError(
            Msg("language {lang!r} is not supported: set lang to one of {v1}", lang=lang, v1=', '.join(LANGUAGES))
        )
    return code

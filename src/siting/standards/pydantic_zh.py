"""pydantic's validation messages in the run's language: Chinese by the error's type.

pydantic writes its messages in English (``Input should be 'a' or 'b'``); a scenario or
standards file refused by it is reported with :func:`pydantic_text`, which keeps pydantic's
English and adds the Chinese of the common error types (:data:`PYDANTIC_ZH`; the fields are the
error's ``ctx``). Types not listed stay English in Chinese runs too.
"""

from __future__ import annotations

from typing import Any

from siting.errors import Msg, SitingError

__all__ = ["PYDANTIC_ZH", "pydantic_text"]


#: pydantic error types → Chinese text (the fields are the error's ``ctx``).
PYDANTIC_ZH = {
    "missing": "缺少此项",
    "extra_forbidden": "不是可用的键",
    "literal_error": "应为 {expected} 之一",
    "enum": "应为 {expected} 之一",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数（不带小数）",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本（加英文双引号）",
    "list_type": "应为列表，如 [\"a\", \"b\"]",
    "tuple_type": "应为列表，如 [1, 2]",
    "dict_type": "应为表（[小节] 或 { 键 = 值 }）",
    "model_type": "应为表（[小节] 或 { 键 = 值 }）",
    "too_short": "至少应有 {min_length} 项",
    "too_long": "至多应有 {max_length} 项",
    "string_too_short": "不能为空",
}


def pydantic_text(error: dict[str, Any]) -> Any:
    """One pydantic error's message (without its location) as a :class:`siting.errors.Msg`:
    pydantic's English, and Chinese by the error's type; a validator's own siting error keeps
    its message."""
    ctx = error.get("ctx") or {}
    inner = ctx.get("error")
    en = str(error.get("msg", "")).removeprefix("Value error, ")
    if isinstance(inner, SitingError):
        return Msg("{inner}", inner=inner)
    zh = PYDANTIC_ZH.get(str(error.get("type")))
    if zh is None:
        return Msg.texts(en=en, zh=en)
    try:
        return Msg.texts(en=en, zh=zh.format(**{k: v if isinstance(v, (int, float)) else str(v).replace(" or ", " 或 ")
                                                   for k, v in ctx.items()}))
    except (KeyError, IndexError, ValueError):
        return Msg.texts(en=en, zh=en)


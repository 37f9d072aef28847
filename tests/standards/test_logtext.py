"""The console's log lines in Chinese: every log template of the library is in the catalog,
with the same placeholders, and renders as a reader would write it by hand."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest

from siting.standards import logtext
from siting.standards.logtext import ZH, placeholders, render, word

SRC = Path(__file__).resolve().parents[2] / "src" / "siting"
#: Commands whose console has no single run language (a province's batch, the meeting server,
#: `siting optimize` on a reachability table): their log lines stay English.
ENGLISH_ONLY = ("batch/", "serve/", "cli/optimize.py", "cli/batch.py", "cli/serve.py")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _templates() -> dict[str, str]:
    """Literal templates of logger.info/warning/error calls (and commit.py's repair lines)."""
    out = {}
    for p in SRC.rglob("*.py"):
        rel = p.relative_to(SRC).as_posix()
        if rel.startswith(ENGLISH_ONLY):
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            f = node.func
            logged = (isinstance(f, ast.Attribute) and f.attr in ("info", "warning", "error")
                      and isinstance(f.value, ast.Name) and f.value.id == "logger")
            said = isinstance(f, ast.Name) and f.id == "say" and rel == "outputs/commit.py"
            a = node.args[0]
            if (logged or said) and isinstance(a, ast.Constant) and isinstance(a.value, str):
                out[a.value] = f"{rel}:{node.lineno}"
    return out


def test_every_log_template_of_a_run_has_its_chinese_text():
    found = _templates()
    assert len(found) > 50  # the scan sees the library's messages
    missing = {t: where for t, where in found.items() if t not in ZH}
    assert not missing, missing
    # and no stale entry: every catalog key is a template the library still logs
    stale = [t for t in ZH if t not in found]
    assert not stale, stale


@pytest.mark.parametrize("template", sorted(ZH))
def test_chinese_template_has_the_same_placeholders(template):
    zh = ZH[template]
    en = placeholders(template)
    order = logtext._ORDER.get(template, tuple(range(len(en))))
    assert sorted(order) == list(range(len(en)))
    assert placeholders(zh) == [en[i] for i in order]
    if re.search(r"[A-Za-z]{3,}", re.sub(logtext._SPEC, "", template)):  # words to translate
        assert CJK.search(zh), zh
    assert "%%" not in template or "%%" in zh


def test_render_by_hand():
    assert render("model size: %d → %d demand rows, %d → %d sites, %d → %d pairs",
                  (12, 7, 7, 4, 21, 11), "zh") == "模型规模：需求行 12 → 7，站点 7 → 4，点对 21 → 11"
    # arguments in another order in Chinese
    assert render("coverage problem: %d demand points, %d sites (%d existing), %d pairs within %g",
                  (12, 7, 1, 21, 500), "zh") == "覆盖问题：12 个需求点、7 个站点（现状 1 个）、500 以内 21 对"
    # words among the arguments: stage names, category keys, "5 min", lists of keys
    assert render("%s ...", ("access points",), "zh") == "接入点……"
    assert render("facilities: none found for %s (everyone is uncovered there)",
                  ("pharmacy, kindergarten",), "zh") == "现状设施：药店、幼儿园 无任何设施（全体居民均未覆盖）"
    assert word("15 min", "zh") == "15 分钟" and word("compounds.shp", "zh") == "compounds.shp"
    # a list with an unknown part stays as it is (a file name is never half translated)
    assert render("facilities: none found for %s (everyone is uncovered there)",
                  ("pharmacy, a.csv",), "zh").startswith("现状设施：pharmacy, a.csv")
    # English unchanged; a template outside the catalog is shown in English
    t = "coverage: %s within %s (%.0f m): %d facilities, %.1f %% of population"
    assert render(t, ("pharmacy", "8 min", 480.0, 2, 25.4), "en") == \
        "coverage: pharmacy within 8 min (480 m): 2 facilities, 25.4 % of population"
    assert render("no such %s", ("template",), "zh") == "no such template"


def test_cli_formatter_shows_records_in_the_console_language():
    from siting.cli import _Formatter

    rec = logging.LogRecord("siting.optimize.reduce", logging.WARNING, __file__, 1,
                            "fixing: %d → %d sites (%d forced open), %d → %d rows, %d → %d pairs",
                            (10, 4, 1, 20, 8, 50, 12), None)
    fmt = _Formatter()
    try:
        logtext.set_console_lang("zh")
        line = fmt.format(rec)
        assert line.endswith(" 警告    变量固定：站点 10 → 4（强制开放 1 个），需求行 20 → 8，点对 50 → 12")
        logtext.set_console_lang("en")
        assert fmt.format(rec).endswith("WARNING fixing: 10 → 4 sites (1 forced open), 20 → 8 rows, 50 → 12 pairs")
    finally:
        logtext.set_console_lang("en")
    # the record itself is untouched (other handlers, caplog, see the English template)
    assert rec.levelname == "WARNING" and rec.args == (10, 4, 1, 20, 8, 50, 12)
    assert rec.msg.startswith("fixing: ")


def test_solver_names():
    from siting.standards.labels import solver_name

    assert solver_name("search+highs", "zh") == "局部搜索+HiGHS"
    assert solver_name("search+highs", "en") == "search+HiGHS"
    assert solver_name("greedy+swap", "zh") == "贪心算法+交换改进"
    assert solver_name("cbc", "zh") == "CBC"
    assert solver_name("", "zh") == "—" and solver_name("nan", "en") == "—"

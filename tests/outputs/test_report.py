"""Report and charts: files written, escaping, CJK font handling, PDF when Chromium exists."""

from __future__ import annotations

import logging
import re
import shutil

import numpy as np
import pytest
from _maps_util import EVIL, tiny_run
from matplotlib.image import imread

from siting.outputs import charts
from siting.outputs.report import report_html, write_report


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return write_report(tiny_run(), out, map_href="../maps/tiny.html", pdf=False), out


def test_files_written(written):
    paths, _ = written
    for name in ("report", "coverage", "minutes", "map_minutes", "map_complete"):
        assert paths[name].exists() and paths[name].stat().st_size > 1000, name
    img = imread(paths["coverage"])
    assert img.shape[0] > 300 and img.shape[1] > 600
    assert "pdf" not in paths


def test_report_content_escaped_and_complete(written):
    paths, _ = written
    page = paths["report"].read_text(encoding="utf-8")
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="../maps/tiny.html"' in page
    assert page.count("data:image/png;base64,") == 4
    # coverage shares as in the run (pharmacy 50 %, supermarket 90 of 780 residents)
    assert "50.0 %" in page and "11.5 %" in page and "70.0 %" in page


def test_coverage_chart_bar_lengths(tmp_path):
    """The bars are drawn at the shares of the run (read back from the Axes)."""
    from matplotlib.figure import Figure

    run = tiny_run(plan=False)
    captured = {}
    orig = Figure.savefig

    def grab(self, *a, **k):
        captured["fig"] = self
        return orig(self, *a, **k)

    Figure.savefig = grab
    try:
        charts.coverage_chart(run, tmp_path / "c.png")
    finally:
        Figure.savefig = orig
    ax = captured["fig"].axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    want = sorted(100 * run.coverage.share(c.key) for c in run.categories)
    np.testing.assert_allclose(widths, want)


def test_chinese_charts_use_a_cjk_font(tmp_path, caplog):
    if charts.cjk_font() is None:
        pytest.skip("no CJK font on this machine (Debian: apt-get install fonts-noto-cjk)")
    with caplog.at_level(logging.WARNING):
        paths = write_report(tiny_run("zh"), tmp_path, pdf=False)  # a missing glyph would warn -> error here
    assert "no font with Chinese glyphs" not in caplog.text
    assert "到最近设施的步行时间" in paths["report"].read_text(encoding="utf-8")


def test_no_cjk_font_warns_and_falls_back_to_english(tmp_path, caplog, monkeypatch):
    monkeypatch.setitem(charts._found, "face", None)
    with caplog.at_level(logging.WARNING, logger="siting.outputs.charts"):
        charts.coverage_chart(tiny_run("zh"), tmp_path / "c.png")
    assert "no font with Chinese glyphs" in caplog.text


def test_report_html_in_chinese():
    page = report_html(tiny_run("zh"), {}, map_href="m.html")
    assert '<html lang="zh-CN">' in page and "覆盖分析报告" in page and "药店" in page


@pytest.mark.browser
def test_pdf_with_chromium(tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium); PDF not tested")
    paths = write_report(tiny_run(), tmp_path, pdf=True)
    pdf = paths["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_chinese_charts_use_the_simplified_chinese_face():
    """Noto Sans CJK ships JP, KR, SC, TC and HK faces in one .ttc; the first (JP) is not for China."""
    from matplotlib import font_manager as fm

    face = charts.cjk_face()
    if face is None:
        pytest.skip("no CJK font on this machine (Debian: apt-get install fonts-noto-cjk)")
    assert face.family.endswith(("SC", "CN", "GB")) or face.family in ("Microsoft YaHei", "SimHei", "WenQuanYi Micro Hei")
    # what matplotlib draws with, inside the charts' font context, is that very face
    with charts._fonts("zh", ["药店"]) as (lang, ok):
        assert lang == "zh" and ok
        found = fm.findfont(fm.FontProperties(family=["sans-serif"]))
        font = fm.get_font(found)
        assert font.family_name == face.family


@pytest.mark.slow
def test_sc_face_extracted_when_matplotlib_cannot_pick_a_face(tmp_path, monkeypatch):
    """On a matplotlib that always reads a collection's first face, the SC face gets a file of its own."""
    from matplotlib import ft2font

    from siting import settings

    face = charts.cjk_face()
    if face is None or face.index == 0:
        pytest.skip("no CJK font collection on this machine")
    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    charts._found.pop("face", None)
    monkeypatch.setattr(charts, "_face_usable", lambda f: f.index == 0 and not f.path.endswith(".ttc"))
    try:
        got = charts.cjk_face()
        assert got is not None and got.path.startswith(str(tmp_path)) and got.index == 0
        assert ft2font.FT2Font(got.path).family_name == face.family
    finally:
        charts._found.pop("face", None)


_LATIN = re.compile(r"[A-Za-z]{2,}")


def test_chinese_charts_carry_no_english(tmp_path, monkeypatch):
    """Every text of every zh chart (titles, axes, ticks, legends, notes) is Chinese, numbers or units."""
    from matplotlib.figure import Figure

    if charts.cjk_font() is None:
        pytest.skip("no CJK font on this machine")
    texts: list[str] = []
    orig = Figure.savefig

    def grab(self, *a, **k):
        for t in self.findobj(lambda o: hasattr(o, "get_text")):
            texts.append(t.get_text())
        return orig(self, *a, **k)

    monkeypatch.setattr(Figure, "savefig", grab)
    from _maps_util import threshold_run

    run = threshold_run("zh")
    charts.write_charts(run, tmp_path)
    words = {w for t in texts for w in _LATIN.findall(t)} - {"km"}
    assert words == set(), words
    assert any("阈值" in t for t in texts) and any("合成数据" in t for t in texts)


@pytest.mark.browser
def test_pdf_embeds_the_simplified_chinese_font(tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium); PDF not tested")
    if charts.cjk_face() is None:
        pytest.skip("no CJK font on this machine")
    paths = write_report(tiny_run("zh"), tmp_path, pdf=True)
    pdf = paths["pdf"].read_bytes()
    assert b"NotoSansCJKsc" in pdf or b"SourceHanSansSC" in pdf or b"SourceHanSansCN" in pdf
    assert b"NotoSansCJKjp" not in pdf


def test_plan_solver_named_in_the_report_language():
    """What ran is named in the report's language (the console summary uses the same names)."""
    for lang, shown in (("zh", "局部搜索+HiGHS"), ("en", "search+HiGHS")):
        run = tiny_run(lang)
        run.extras["tables"]["plan_coverage"]["solver"] = ["search+highs"]
        page = report_html(run, {}, map_href="m.html")
        plan = page[page.index("id='plan'"):]
        plan = plan[:plan.index("</table>")]
        assert f"<td>{shown}</td></tr>" in plan, plan[-200:]

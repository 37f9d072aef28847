"""Report and charts: files written, escaping, CJK font handling, PDF when Chromium exists."""

from __future__ import annotations

import logging
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
    monkeypatch.setitem(charts._found, "family", None)
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

"""PNG charts and static maps of a run, for slides (matplotlib object API, Agg canvas).

No pyplot state is touched: each chart is a :class:`matplotlib.figure.Figure` drawn on an Agg
canvas, inside a temporary ``rc_context`` that only sets the font. Chinese text needs a CJK
font: :func:`cjk_face` looks for one and picks its **Simplified Chinese** face — Noto Sans CJK and
Source Han Sans ship as one ``.ttc`` file with Japanese, Korean and Chinese faces, and the first
face (the one a naive lookup takes) is Japanese, whose glyphs differ (直, 骨, 角…). On a
matplotlib that cannot select a face of a collection, the SC face is written once to a font file
of its own (fontTools, a matplotlib dependency) in siting's cache. When no CJK font is found,
Chinese labels fall back to English with a logged warning, never boxes of missing glyphs.

Static maps colour residents by the classes of the interactive map (within the threshold, just
beyond, far, none: :func:`siting.outputs.maps.distance_class`) and carry the credits of the data
actually used (:mod:`siting.outputs.credits`).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = [
    "CjkFace", "cjk_face", "cjk_font", "coverage_chart", "frontier_charts", "has_cjk", "lorenz_chart", "map_png",
    "minutes_chart",
    "write_charts",
]

logger = logging.getLogger(__name__)

#: Families with Simplified Chinese glyphs, best first; the JP/TC/KR faces of the same fonts are
#: the last resort (their glyph shapes are not those of mainland China).
_SC_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Microsoft YaHei", "PingFang SC",
    "Hiragino Sans GB", "Heiti SC", "STHeiti", "SimHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Serif CJK SC",
    "Source Han Serif SC", "AR PL UMing CN", "Droid Sans Fallback",
)
_OTHER_CJK = ("Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans CJK KR", "Noto Sans CJK HK")
_CJK_FILES = re.compile(
    r"(NotoSansCJK|NotoSansSC|SourceHanSans|wqy-?(micro|zen)hei|msyh|simhei|PingFang|DroidSansFallback|"
    r"NotoSerifCJK|uming)", re.I,
)
_CJK_CHARS = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_found: dict[str, Any] = {}


@dataclass(frozen=True)
class CjkFace:
    """The font face used for Chinese labels.

    Attributes
    ----------
    family : str
        The family name matplotlib knows it by (``"Noto Sans CJK SC"``).
    path : str
        The font file.
    index : int
        The face within the file (a ``.ttc`` holds several).
    """

    family: str
    path: str
    index: int

_TEXT = {
    "en": {
        "coverage_title": "Population within the walking threshold", "share": "Residents covered (%)",
        "before": "now", "after": "with proposed stations", "target": "target", "minutes_title":
        "Walking minutes to the nearest facility", "residents_pct": "Residents (%)", "minutes": "Minutes",
        "within": "Residents within x minutes (%)", "threshold": "threshold", "map_title": "Walk to the nearest {cat}",
        "complete_title": "Complete circle: {n} basic services", "proposed": "proposed station",
        "existing": "existing {cat}", "none": "none within search range", "frontier": "{cat}: {t}",
        "residents_hist": "{cat} (population-weighted)",
        "c0": "within the threshold (≤ {a})", "c1": "just beyond ({a}–{b})", "c2": "far (> {b})",
        "c3": "none within {c} / off the streets", "cc0": "every basic service within its threshold",
        "cc1": "some just beyond their threshold", "cc2": "some far", "cc3": "some none within the search range",
        "f_plan": "covered share (plan)", "f_bound": "upper bound", "f_x": "new stations", "f_y": "population covered (%)",
    },
    "zh": {
        "coverage_title": "步行阈值内的人口比例", "share": "覆盖人口比例（%）", "before": "现状", "after": "新增站点后",
        "target": "目标", "minutes_title": "到最近设施的步行时间", "residents_pct": "人口比例（%）", "minutes": "分钟",
        "within": "x 分钟内可达的人口比例（%）", "threshold": "阈值", "map_title": "步行至最近的{cat}",
        "complete_title": "完整生活圈：{n}类基本设施", "proposed": "拟建站点", "existing": "现有{cat}",
        "none": "搜索范围内没有", "frontier": "{cat}：{t}", "residents_hist": "{cat}（按人口加权）",
        "c0": "阈值内（≤ {a}）", "c1": "略超阈值（{a}–{b}）", "c2": "较远（> {b}）", "c3": "{c}内没有 / 距路网过远",
        "cc0": "基本设施均在阈值内", "cc1": "部分略超阈值", "cc2": "部分较远", "cc3": "部分在搜索范围内没有",
        "f_plan": "覆盖人口比例（方案）", "f_bound": "上界", "f_x": "新增站点数", "f_y": "覆盖人口比例（%）",
    },
}


def has_cjk(texts: Iterable[Any]) -> bool:
    """True when any of the texts contains CJK characters."""
    return any(_CJK_CHARS.search(str(t)) for t in texts if t is not None)


def _faces(path: str) -> list[tuple[int, str]]:
    """(face index, family) of every face of a font file."""
    from matplotlib import ft2font

    try:
        font = ft2font.FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return []
    out = [(0, font.family_name)]
    for i in range(1, getattr(font, "num_faces", 1)):
        try:
            out.append((i, ft2font.FT2Font(path, face_index=i).family_name))
        except (OSError, RuntimeError, ValueError, TypeError):  # matplotlib < 3.10: no face_index
            break
    return out


def _rank(family: str) -> int:
    if family in _SC_FAMILIES:
        return _SC_FAMILIES.index(family)
    if family in _OTHER_CJK:
        return 100 + _OTHER_CJK.index(family)
    return 1000


def _face_usable(face: CjkFace) -> bool:
    """matplotlib resolves ``face.family`` to that very face of that very file."""
    from matplotlib import font_manager as fm

    try:
        found = fm.findfont(fm.FontProperties(family=face.family), fallback_to_default=False)
    except ValueError:
        return False
    idx = getattr(found, "face_index", 0)
    return os.path.realpath(str(found)) == os.path.realpath(face.path) and int(idx) == face.index


def _extract_face(face: CjkFace) -> CjkFace | None:
    """Write one face of a font collection to a font file of its own (cached) and register it."""
    from fontTools.ttLib import TTCollection
    from matplotlib import font_manager as fm

    from siting import settings

    out = Path(settings.cache_dir) / "fonts" / f"{re.sub(r'[^A-Za-z0-9]+', '', face.family)}-{Path(face.path).stem}.otf"
    try:
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp")
            TTCollection(face.path).fonts[face.index].save(str(tmp))
            os.replace(tmp, out)
        fm.fontManager.addfont(str(out))
        return CjkFace(fm.FontProperties(fname=str(out)).get_name(), str(out), 0)
    except (OSError, IndexError, ValueError, RuntimeError) as exc:
        logger.warning("charts: could not extract the %s face of %s (%s)", face.family, face.path, exc)
        return None


def cjk_face() -> CjkFace | None:
    """The font face for Chinese labels: a Simplified Chinese one when there is one.

    Looks at ``SITING_CJK_FONT`` (a font file; in a collection its SC face is taken), the fonts
    matplotlib knows, then the system's font files (a stale matplotlib cache misses fonts
    installed later; those are added in memory). Every face of a ``.ttc`` is considered, SC
    families first (:data:`_SC_FAMILIES`); a JP/TC/KR face only when nothing else exists.
    """
    if "face" in _found:
        return _found["face"]
    from matplotlib import font_manager as fm

    cands: list[tuple[int, CjkFace]] = []
    env = os.environ.get("SITING_CJK_FONT")
    files: list[str] = []
    if env and Path(env).is_file():
        files.append(env)
    else:
        files = sorted({f.fname for f in fm.fontManager.ttflist if _rank(f.name) < 1000 or _CJK_FILES.search(os.path.basename(f.fname))})
        if not files:
            files = sorted(f for f in fm.findSystemFonts() if _CJK_FILES.search(os.path.basename(f)))
        files.sort(key=lambda f: ("Sans" not in f, "Bold" in f, f))
    for f in files:
        for idx, fam in _faces(f):
            r = _rank(fam)
            if r < 1000 or env:
                cands.append((r + (50 if "Bold" in f or "Light" in f else 0), CjkFace(fam, f, idx)))
    cands.sort(key=lambda c: c[0])
    face = None
    for _, c in cands:
        if not _face_usable(c):
            try:
                fm.fontManager.addfont(c.path)
            except (OSError, RuntimeError, ValueError):
                continue
        if _face_usable(c):
            face = c
        elif c.index > 0 or c.path.lower().endswith(".ttc"):
            face = _extract_face(c)  # this matplotlib cannot pick a face of a collection
        elif c.index == 0:
            face = c
        if face is not None:
            break
    _found["face"] = face
    if face:
        logger.info("charts: CJK font %s (%s, face %d)", face.family, face.path, face.index)
    return face


def cjk_font() -> str | None:
    """Family name of the font for Chinese labels (see :func:`cjk_face`), or None."""
    face = cjk_face()
    return face.family if face else None


@contextmanager
def _fonts(lang: str, texts: Iterable[Any] = ()):
    """rc_context with a CJK font when needed; yields the language the labels can use."""
    import matplotlib as mpl

    texts = list(texts)
    need = lang == "zh" or has_cjk(texts)
    fam = cjk_font() if need else None
    if need and fam is None:
        logger.warning(
            "charts: no font with Chinese glyphs found (install fonts-noto-cjk, or set SITING_CJK_FONT to a .ttf/.otf/.ttc "
            "file); chart labels fall back to English"
        )
        lang = "en"
    rc: dict[str, Any] = {"font.family": "sans-serif", "font.size": 9, "axes.titlesize": 11}
    if fam:
        rc["font.sans-serif"] = [fam, "DejaVu Sans"]
    with mpl.rc_context(rc):  # type: ignore[arg-type]  # matplotlib types the keys as literals
        yield lang, fam is not None


def _figure(w: float, h: float, dpi: int = 150):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _name(cat, lang: str, cjk_ok: bool) -> str:
    return cat.name(lang) if (lang == "zh" and cjk_ok) else (cat.name_en or cat.key)


def _thr(cat, res: RunResult, lang: str, mult: float = 1.0) -> str:
    """A (multiple of a) category's threshold in its own unit, in ``lang``."""
    from siting.outputs.classes import format_threshold

    speed = res.coverage.speed_mps
    return format_threshold(cat.metres(speed) * mult, speed, cat.threshold_parsed.kind, lang)


def _names(res: RunResult, lang: str) -> list[str]:
    """The texts a chart of ``res`` may show in ``lang`` (to decide whether a CJK font is needed)."""
    return [c.name(lang) for c in res.categories] + [res.scenario.title_in(lang)]


def coverage_chart(res: RunResult, path: str | os.PathLike, *, lang: str | None = None) -> Path:
    """Bar chart of the population share covered per category, now and with the plan (PNG).

    Bars: share of residents (%) within each category's threshold; with a plan
    (``res.extras["tables"]["plan_coverage"]``) a second bar per planned category, and the
    optimisation target as a line where the model has one.
    """
    lang = lang or res.scenario.lang
    with _fonts(lang, _names(res, lang)) as (lang, ok):
        T = _TEXT[lang]
        pc = res.extras.get("tables", {}).get("plan_coverage")
        after = dict(zip(pc["category"], pc["share_after"])) if pc is not None and len(pc) else {}
        cats = list(res.categories)
        labels = [f"{_name(c, lang, ok)} ({_thr(c, res, lang)})" for c in cats]
        share = [100 * res.coverage.share(c.key) for c in cats]
        fig = _figure(7.0, 0.42 * len(cats) + 1.4)
        ax = fig.add_subplot(1, 1, 1)
        y = np.arange(len(cats))[::-1]
        h = 0.38 if after else 0.6
        bars = ax.barh(y + (h / 2 if after else 0), share, height=h, color="#2c7fb8", label=T["before"])
        for b, v in zip(bars, share):
            ax.text(b.get_width() + 1, b.get_y() + b.get_height() / 2, f"{v:.0f}%", va="center", fontsize=8)
        if after:
            a = [100 * after[c.key] if c.key in after and np.isfinite(after[c.key]) else np.nan for c in cats]
            bars2 = ax.barh(y - h / 2, np.nan_to_num(a), height=h, color="#6a00ff", label=T["after"])
            for b, v in zip(bars2, a):
                if np.isfinite(v):
                    ax.text(b.get_width() + 1, b.get_y() + b.get_height() / 2, f"{v:.0f}%", va="center", fontsize=8,
                            color="#4b0fb0")
        opt = res.scenario.optimize
        if opt is not None and opt.model == "target" and opt.target is not None:
            ax.axvline(100 * opt.target, color="#555", lw=1, ls="--", label=f"{T['target']} {100 * opt.target:.0f}%")
        ax.set_yticks(y, labels)
        ax.set_xlim(0, 110)
        ax.set_xlabel(T["share"])
        ax.set_title(T["coverage_title"])
        ax.spines[["top", "right"]].set_visible(False)
        fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
        fig.savefig(path)
    return Path(path)


def minutes_chart(res: RunResult, path: str | os.PathLike, *, category: str | None = None, lang: str | None = None,
                  max_minutes: float = 30.0) -> Path:
    """Distribution of walking minutes (PNG), weighted by population.

    Left: histogram (1-minute bins, % of residents) of minutes to the nearest facility of
    ``category`` (default the map category), threshold marked; residents with none within the
    search range are in the last bar. Right: for every category, the % of residents within x
    minutes (cumulative), each curve marked at its threshold.
    """
    lang = lang or res.scenario.lang
    r = res.coverage.residences
    pop = r["population"].to_numpy(dtype=float)
    total = pop.sum() if pop.sum() > 0 else 1.0
    cats = list(res.categories)
    key = category or res.scenario.map.category or cats[0].key
    cat = next(c for c in cats if c.key == key)
    speed = res.coverage.speed_mps
    with _fonts(lang, _names(res, lang)) as (lang, ok):
        T = _TEXT[lang]
        fig = _figure(10.0, 4.0)
        ax, ax2 = fig.subplots(1, 2)
        m = r[f"{key}_min"].to_numpy(dtype=float)
        m = np.where(np.isfinite(m), np.minimum(m, max_minutes + 0.5), max_minutes + 0.5)
        bins = np.arange(0, max_minutes + 2)
        hist, edges = np.histogram(m, bins=bins, weights=pop)
        thr = cat.metres(speed) / speed / 60
        colours = ["#2c7fb8" if e < thr else "#d95f0e" for e in edges[:-1]]
        ax.bar(edges[:-1], 100 * hist / total, width=1.0, align="edge", color=colours, edgecolor="white", lw=0.5)
        ax.axvline(thr, color="#333", ls="--", lw=1)
        ax.text(thr, ax.get_ylim()[1] * 0.95, f" {T['threshold']} {_thr(cat, res, lang)}", fontsize=8, va="top")
        ax.set_xlabel(T["minutes"] + f"  (> {max_minutes:.0f}: {T['none']})")
        ax.set_ylabel(T["residents_pct"])
        ax.set_title(T["residents_hist"].format(cat=_name(cat, lang, ok)))
        xs = np.linspace(0, max_minutes, 121)
        for j, c in enumerate(cats):
            mc = r[f"{c.key}_min"].to_numpy(dtype=float)
            order = np.argsort(mc)
            cum = np.cumsum(pop[order]) / total
            ys = np.interp(xs, np.where(np.isfinite(mc[order]), mc[order], 1e9), cum, left=0.0)
            col = _colour(j)
            ax2.plot(xs, 100 * ys, color=col, lw=1.5, label=_name(c, lang, ok))
            t = c.metres(speed) / speed / 60
            if t <= max_minutes:
                ax2.plot([t], [100 * np.interp(t, xs, ys)], "o", color=col, ms=4)
        ax2.set_xlabel(T["minutes"])
        ax2.set_ylabel(T["within"])
        ax2.set_ylim(0, 100)
        ax2.set_xlim(0, max_minutes)
        ax2.grid(alpha=0.3)
        ax2.legend(fontsize=7, frameon=False, loc="lower right")
        ax2.set_title(T["minutes_title"])
        for a in (ax, ax2):
            a.spines[["top", "right"]].set_visible(False)
        fig.savefig(path)
    return Path(path)


def _colour(j: int) -> str:
    from siting.outputs.classes import CATEGORY_COLOURS  # one colour per category, as on the interactive map

    return CATEGORY_COLOURS[j % len(CATEGORY_COLOURS)]


def map_png(res: RunResult, path: str | os.PathLike, *, category: str | None = None, what: str = "minutes",
            lang: str | None = None) -> Path:
    """A static map for slides (PNG): streets, residences, facilities, proposed stations, scale bar.

    ``what="minutes"``: residents classed against ``category``'s threshold (within it, just
    beyond, far, none: the interactive map's classes); ``what="complete"``: by their worst basic
    category. Framed on the network, drawn in the analysis CRS (metres), so the scale bar is
    exact; no basemap (works offline); the credits are those of the data used.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    from siting.outputs.classes import BEYOND, CLASS_COLOURS, SEARCH_FACTOR, distance_class
    from siting.outputs.classes import representative_points as _points
    from siting.outputs.credits import credit_lines, run_credits

    lang = lang or res.scenario.lang
    r = res.coverage.residences
    cats = list(res.categories)
    key = category or res.scenario.map.category or cats[0].key
    cat = next(c for c in cats if c.key == key)
    speed = res.coverage.speed_mps
    with _fonts(lang, _names(res, lang) + (list(res.facilities["name"].astype(str)) if len(res.facilities) else [])) as (lang, ok):
        T = _TEXT[lang]
        fig = _figure(9.5, 8.0)
        ax = fig.add_subplot(1, 1, 1)
        net = res.network
        segs = [np.asarray(g.coords)[:, :2] for g in net.edge_geometry]
        ax.add_collection(LineCollection(segs, colors="#bbbbbb", linewidths=0.5, zorder=1))
        pts = _points(r.geometry)
        x, y = pts.x.to_numpy(), pts.y.to_numpy()
        size = np.clip(np.sqrt(np.maximum(r["population"].to_numpy(dtype=float), 0)) * 1.2, 4, 80)
        if len(r) > 3000:
            size = size / 3
        handles = []

        def cls_of(c) -> np.ndarray:
            return distance_class(r[f"{c.key}_m"].to_numpy(dtype=float), r[f"{c.key}_covered"].to_numpy(dtype=bool),
                                  c.metres(speed))

        if what == "complete":
            basic = [c for c in cats if c.key in res.coverage.basic]
            worst = np.max(np.stack([cls_of(c) for c in basic]), axis=0) if basic else np.full(len(r), 3, dtype=np.uint8)
            cols = np.asarray(CLASS_COLOURS)[worst]
            title = T["complete_title"].format(n=len(basic))
            labels = [T["cc0"], T["cc1"], T["cc2"], T["cc3"]]
        else:
            cols = np.asarray(CLASS_COLOURS)[cls_of(cat)]
            title = T["map_title"].format(cat=_name(cat, lang, ok)) + f" ({T['threshold']} {_thr(cat, res, lang)})"
            a, b, c = (_thr(cat, res, lang, m) for m in (1.0, BEYOND, SEARCH_FACTOR))
            labels = [T[f"c{i}"].format(a=a, b=b, c=c) for i in range(4)]
        for col, label in zip(CLASS_COLOURS, labels):
            handles.append(Line2D([], [], marker="o", ls="", color=col, markeredgecolor="#333", label=label))
        ax.scatter(x, y, s=size, c=list(cols), edgecolors="#333", linewidths=0.3, zorder=3)
        fac = res.facilities
        sub = fac[fac["category"] == key] if len(fac) and what == "minutes" else fac.iloc[0:0] if len(fac) else fac
        if len(sub):
            sp = _points(sub.geometry)
            ax.scatter(sp.x, sp.y, marker="D", s=40, c=_colour(cats.index(cat)), edgecolors="white",
                       linewidths=0.8, zorder=4)
            handles.append(Line2D([], [], marker="D", ls="", color=_colour(cats.index(cat)), markeredgecolor="white",
                                  label=T["existing"].format(cat=_name(cat, lang, ok))))
        prop = res.extras.get("proposed")
        if prop is not None and len(prop):
            p = prop[prop["category"] == key] if what == "minutes" else prop
            if len(p):
                pp = _points(p.geometry)
                ax.scatter(pp.x, pp.y, marker="*", s=220, c="#6a00ff", edgecolors="white", linewidths=0.8, zorder=5)
                handles.append(Line2D([], [], marker="*", ls="", ms=12, color="#6a00ff", label=T["proposed"]))
        ax.set_aspect("equal")
        xmin, ymin, xmax, ymax = net.bounds  # framed on the study area, never on a stray point
        pad = 0.03 * max(xmax - xmin, ymax - ymin, 1.0)
        ax.set_xlim(xmin - pad, xmax + pad)
        ax.set_ylim(ymin - pad, ymax + pad)
        _scale_bar(ax, xmax - xmin)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
        fig.legend(handles=handles, loc="outside right upper", fontsize=8, frameon=False)
        credits = credit_lines(run_credits(res.scenario, network_info=net.info), lang)
        ax.text(0.01, 0.005, "\n".join(credits), transform=ax.transAxes, fontsize=6, color="#555", va="bottom")
        fig.savefig(path)
    return Path(path)


def _scale_bar(ax, width_m: float) -> None:
    """A scale bar of a round length (metres) in the lower right."""
    target = width_m / 5
    nice = [10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000]
    length = max([v for v in nice if v <= target] or [nice[0]])
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    xs = x1 - 0.04 * (x1 - x0) - length
    ys = y0 + 0.04 * (y1 - y0)
    ax.plot([xs, xs + length], [ys, ys], color="black", lw=3, solid_capstyle="butt", zorder=6)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    ax.text(xs + length / 2, ys + 0.012 * (y1 - y0), label, ha="center", va="bottom", fontsize=8, zorder=6)


def frontier_charts(res: RunResult, out_dir: str | os.PathLike, *, lang: str | None = None) -> dict[str, Path]:
    """Frontier PNGs (covered share against new stations), one per planned category."""
    from siting.optimize import frontier_chart

    lang = lang or res.scenario.lang
    out = {}
    with _fonts(lang, _names(res, lang)) as (lang, ok):
        for key, fr in (res.extras.get("frontiers") or {}).items():
            cat = next(c for c in res.categories if c.key == key)
            p = Path(out_dir) / f"frontier_{key}.png"
            T = _TEXT[lang]
            frontier_chart(fr, p, title=T["frontier"].format(cat=_name(cat, lang, ok), t=_thr(cat, res, lang)),
                           labels={"plan": T["f_plan"], "bound": T["f_bound"], "x": T["f_x"], "y": T["f_y"]})
            out[f"frontier_{key}"] = p
    return out


def lorenz_chart(res: RunResult, path: str | os.PathLike, *, lang: str | None = None) -> Path:
    """Lorenz curves of 2SFCA accessibility across residents, one per category (PNG).

    x: cumulative share of residents, lowest accessibility first; y: cumulative share of the
    accessibility they hold; the diagonal is equal access. With a plan, the after curve is
    dashed. The legend gives each curve's Gini coefficient.
    """
    from siting.standards import label

    acc = res.access
    if acc is None:
        raise ValueError("this run has no accessibility (no [access] section)")
    lang = lang or res.scenario.lang
    cats = {c.key: c for c in res.categories}
    with _fonts(lang, _names(res, lang)) as (lang, ok):
        fig = _figure(6.4, 5.2)
        ax = fig.add_subplot(1, 1, 1)
        ax.plot([0, 1], [0, 1], color="#888", lw=1, ls=":", label=label("equality_line", lang))
        g = acc.categories.set_index("category")
        for j, (key, lz) in enumerate(acc.lorenz.items()):
            col = _colour(j)
            name = _name(cats[key], lang, ok) if key in cats else key
            gi = g.loc[key, "gini"]
            ax.plot(lz["population"], lz["access"], color=col, lw=1.8,
                    label=f"{name}: {label('gini', lang)} {gi:.3f}" if np.isfinite(gi) else name)
            if "access_after" in lz and lz["access_after"] != lz["access"]:  # unplanned: no second curve
                ga = g.loc[key, "gini_after"]
                ax.plot(lz["population_after"], lz["access_after"], color=col, lw=1.4, ls="--",
                        label=f"{name} ({_TEXT[lang]['after']}): {ga:.3f}" if np.isfinite(ga) else name)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel(label("lorenz_x", lang))
        ax.set_ylabel(label("lorenz_y", lang))
        ax.set_title(label("lorenz_curve", lang))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        fig.savefig(path)
    return Path(path)


def write_charts(res: RunResult, out_dir: str | os.PathLike, *, lang: str | None = None) -> dict[str, Path]:
    """Every chart and static map of a run as PNGs in ``out_dir``; returns name → path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = res.scenario.map.category or res.categories[0].key
    paths = {
        "coverage": coverage_chart(res, out_dir / "chart_coverage.png", lang=lang),
        "minutes": minutes_chart(res, out_dir / "chart_minutes.png", lang=lang),
        "map_minutes": map_png(res, out_dir / f"map_{key}.png", lang=lang),
        "map_complete": map_png(res, out_dir / "map_complete.png", what="complete", lang=lang),
    }
    paths.update(frontier_charts(res, out_dir, lang=lang))
    if res.access is not None and res.access.lorenz:
        paths["lorenz"] = lorenz_chart(res, out_dir / "chart_lorenz.png", lang=lang)
    return paths

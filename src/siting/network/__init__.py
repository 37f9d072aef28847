"""The street network: loading, the compiled :class:`Network`, bounded searches, service areas.

Room for: reading road graphs (OSM files, osmnx downloads, line layers of road centrelines split
at crossings), cleaning and projecting
them, the immutable compiled form (CSR matrix in metres, snapping onto segments), shortest-path
searches cut off at a threshold (:mod:`~siting.network.reach`), the nearest site per target kept
up to date as sites are added and removed (:mod:`~siting.network.incremental`), service-area lines and the
synthetic city used by tests and benchmarks.

May import: the ground floor only (:mod:`siting.errors`, :mod:`siting.settings`,
:mod:`siting.units`, :mod:`siting._io`). Nothing here knows about scenarios, standards or
outputs.
"""

from siting.network.compiled import Network, Snap
from siting.network.incremental import Change, NearestState, snapped_xy
from siting.network.lines import LineRules, is_line_layer, read_lines
from siting.network.load import graph_from_download, graph_from_file, graph_from_pyrosm, load_graph, resolve_offline
from siting.network.reach import Nearest, nearest, pairs_within

__all__ = [
    "Change",
    "LineRules",
    "Nearest",
    "NearestState",
    "Network",
    "Snap",
    "graph_from_download",
    "graph_from_file",
    "graph_from_pyrosm",
    "is_line_layer",
    "load_graph",
    "nearest",
    "pairs_within",
    "read_lines",
    "resolve_offline",
    "snapped_xy",
]

"""What a planner hands over: demand, facilities, candidate sites, development proposals.

Room for: file readers (tables in any encoding and separator, ``.xlsx``, GIS files, population
grids), row validation (bad rows flagged, good rows kept), access points of compound polygons
(shared with the development check), coordinate systems
(GCJ-02 / BD-09 to WGS84), residents estimated from OSM buildings, OSM features per category,
candidate sites, and the reader of proposed developments for ``siting check``. Everything
returned is in the run's projected CRS (metres).

May import: the ground floor, :mod:`siting.standards` and :mod:`siting.network`. Never the run,
the outputs, the check, batch or the CLI.
"""

from siting.inputs.access import ENTRANCE_TOLERANCE_M, access_points, assign_entrances, boundary_points
from siting.inputs.candidates import candidates_from_file, generate_candidates, hosts
from siting.inputs.demand import BuildingRules, demand_from_buildings, demand_from_file, entrances_from_file
from siting.inputs.facilities import facilities_from_file, facilities_from_osm
from siting.inputs.grids import demand_from_raster
from siting.inputs.proposals import Development, read_development
from siting.inputs.readers import ReadOptions, check_extent, read_points
from siting.inputs.rows import RejectedRows
from siting.inputs.tables import Table, find_column, parse_numbers, read_table

__all__ = [
    "ENTRANCE_TOLERANCE_M",
    "BuildingRules",
    "Development",
    "ReadOptions",
    "RejectedRows",
    "Table",
    "access_points",
    "assign_entrances",
    "boundary_points",
    "candidates_from_file",
    "check_extent",
    "demand_from_buildings",
    "demand_from_file",
    "demand_from_raster",
    "entrances_from_file",
    "facilities_from_file",
    "facilities_from_osm",
    "find_column",
    "generate_candidates",
    "hosts",
    "parse_numbers",
    "read_development",
    "read_points",
    "read_table",
]

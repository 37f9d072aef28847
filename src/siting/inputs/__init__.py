"""What a planner hands over: demand, facilities, candidate sites, development proposals.

Room for: file readers (formats, encodings, columns), row validation, coordinate systems
(GCJ-02 / BD-09 to WGS84), residents estimated from OSM buildings, OSM features per category,
candidate sites, and the reader of proposed developments for ``siting check``. Everything
returned is in the run's projected CRS (metres).

May import: the ground floor, :mod:`siting.standards` and :mod:`siting.network`. Never the run,
the outputs, the check, batch or the CLI.
"""

from siting.inputs.candidates import candidates_from_file, generate_candidates, hosts
from siting.inputs.demand import BuildingRules, demand_from_buildings, demand_from_file
from siting.inputs.facilities import facilities_from_file, facilities_from_osm
from siting.inputs.proposals import Development, read_development
from siting.inputs.readers import check_extent, read_points

__all__ = [
    "BuildingRules",
    "Development",
    "candidates_from_file",
    "check_extent",
    "demand_from_buildings",
    "demand_from_file",
    "facilities_from_file",
    "facilities_from_osm",
    "generate_candidates",
    "hosts",
    "read_development",
    "read_points",
]

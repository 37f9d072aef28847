"""What a run leaves behind: the meeting map, charts, the report and the run folder.

Room for: the folium map (Leaflet inlined, opens offline), PNG charts, the HTML/PDF report, and
:func:`write_outputs`, which commits the GeoPackage, CSV tables, ``summary.json``, report and
map as one unit (:mod:`siting.outputs.commit`: staging, completion marker, repair after a kill).

May import: :mod:`siting.results` and everything below it (network, inputs, standards,
optimize, coverage). Outputs take results; they never import the pipeline or the planning stage
that make them.
"""

from siting.outputs.commit import check_writable, repair_folder, staged_folder
from siting.outputs.writable import check_folder_writable
from siting.outputs.writer import prepare_outputs, summary_dict, write_outputs

__all__ = [
    "check_folder_writable", "check_writable", "prepare_outputs", "repair_folder", "staged_folder", "summary_dict",
    "write_outputs",
]

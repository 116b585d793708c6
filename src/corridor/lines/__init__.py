"""The lines beside the corridor: pipelines, fibre and rail line capacity.

Modules: :mod:`~corridor.lines.pipelines` (gas: isothermal/AGA/Weymouth/Panhandle with Papay or CNGA Z;
liquids: Darcy–Weisbach with pumps; both refuse impossible pressures), :mod:`~corridor.lines.fibre` (latency,
great-circle floor, capacity per pair), :mod:`~corridor.lines.rail` (CIS parallel graph, automatic block,
UIC 406 compression, tonnes per year, link capacities), :mod:`~corridor.lines.cases` (the bundled TRIPP cases
for the report) and :mod:`~corridor.lines.plots` (inline SVG). Sourced defaults live in ``data/defaults.yaml``.
"""

from corridor.lines.cases import (
    lines_summary,
    tripp_fibre_case,
    tripp_gas_case,
    tripp_oil_case,
    tripp_rail_case,
)
from corridor.lines.fibre import capacity as fibre_capacity
from corridor.lines.fibre import compare_routes, floor_rtt_ms, great_circle_km, latency
from corridor.lines.pipelines import (
    GasLine,
    LiquidLine,
    gas_capacity,
    gas_profile,
    liquid_capacity,
    liquid_profile,
    load_line,
    pump_duty,
)
from corridor.lines.rail import (
    double_track_capacity,
    rail_link_capacities,
    rail_link_capacity,
    single_track_capacity,
    uic406_consumption,
)

__all__ = [
    "GasLine", "LiquidLine", "compare_routes", "double_track_capacity", "fibre_capacity", "floor_rtt_ms",
    "gas_capacity", "gas_profile", "great_circle_km", "latency", "lines_summary", "liquid_capacity",
    "liquid_profile", "load_line", "pump_duty", "rail_link_capacities", "rail_link_capacity",
    "single_track_capacity", "tripp_fibre_case", "tripp_gas_case", "tripp_oil_case", "tripp_rail_case",
    "uic406_consumption",
]

"""The lines beside the corridor: pipelines, fibre and rail line capacity.

Modules: :mod:`~corridor.lines.pipelines` (gas: isothermal/AGA/Weymouth/Panhandle with Papay or CNGA Z;
liquids: Darcy–Weisbach with pumps; both refuse impossible pressures), :mod:`~corridor.lines.fibre` (latency,
great-circle floor, capacity per pair), :mod:`~corridor.lines.rail` (CIS parallel graph, automatic block,
UIC 406 compression, tonnes per year, link capacities), :mod:`~corridor.lines.cases` (a corridor's line cases
from its links and inputs, for the report) and :mod:`~corridor.lines.plots` (inline SVG). Sourced defaults live in ``data/defaults.yaml``.
"""

from corridor.lines.cases import fibre_case, gas_case, oil_case, rail_case
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
    "GasLine", "LiquidLine", "compare_routes", "double_track_capacity", "fibre_capacity", "fibre_case",
    "floor_rtt_ms", "gas_capacity", "gas_case", "gas_profile", "great_circle_km", "latency", "liquid_capacity",
    "liquid_profile", "load_line", "oil_case", "pump_duty", "rail_case", "rail_link_capacities",
    "rail_link_capacity", "single_track_capacity", "uic406_consumption",
]

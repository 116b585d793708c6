"""The project's line cases (gas, oil, fibre, rail) on the study's network."""

from __future__ import annotations

from corridor.lines import cases
from corridor.network.model import Network
from corridor.study.result import LinesResult
from corridor.study.spec import CorridorSpec


def lines_cases(spec: CorridorSpec, net: Network, project_net: Network) -> LinesResult | None:
    """The spec's line cases: pipelines and rail on ``net`` (link lengths), fibre routes on ``project_net``."""
    if spec.lines is None:
        return None
    return LinesResult(gas=cases.tripp_gas_case(net) if spec.lines.gas else None,
                       oil=cases.tripp_oil_case(net) if spec.lines.oil else None,
                       fibre=cases.tripp_fibre_case(project_net) if spec.lines.fibre else None,
                       rail=cases.tripp_rail_case(net) if spec.lines.rail else None)

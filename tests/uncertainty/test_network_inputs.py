"""Ranged link figures applied to the prepared problems equal a rebuilt problem, and move flows and trade."""

from __future__ import annotations

import pytest

from corridor.assignment import assign
from corridor.assignment.corridor import freight_problem
from corridor.assignment.freight import bundled_demand
from corridor.economics.appraisal import Figure
from corridor.economics.appraisal_flows import project_tonnes
from corridor.network.io import load_network
from corridor.scenario.apply import apply_scenario
from corridor.uncertainty.model import prepare
from corridor.uncertainty.network_inputs import LinkRange

BORDER = ("tripp_aghband_nrnadzor_rail", "tripp_agarak_sallammelik_rail", "tripp_aghband_nrnadzor_road",
          "tripp_agarak_ordubad_road")
RANGES = {
    "tripp_border_h": LinkRange(Figure(value=1.0, low=1.0, high=40.0, unit="h",
                                            source="assumption: test range"),
                                     tuple((lid, "fixed_time_h") for lid in BORDER)),
    "tripp_rail_cap": LinkRange(Figure(value=15.0, low=5.0, high=21.1, unit="Mt/yr", source="assumption: test"),
                                (("tripp_nrnadzor_meghri_rail", "capacity"),)),
}


@pytest.fixture(scope="module")
def ranged():
    return prepare(link_ranges=RANGES)


def _rebuilt_flow(border_h: float, cap: float) -> float:
    from corridor.study import default_spec
    from corridor.study.pipeline import resolve_scenario

    spec = default_spec()
    net = apply_scenario(load_network(), resolve_scenario(spec, spec.default_case))
    links = net.links.copy()
    links.loc[links["link_id"].isin(BORDER), "fixed_time_h"] = border_h
    links.loc[links["link_id"] == "tripp_nrnadzor_meghri_rail", "capacity"] = cap
    net = net.replace_links(links)
    fp = freight_problem(net, bundled_demand(2030))
    r = assign(fp.problem, algorithm="gp", gap=1e-6)
    return sum(project_tonnes(fp, r, net.links["link_id"].isin(spec.project_links).to_numpy(dtype=bool)).values())


def test_network_ranges_are_sampled(ranged):
    assert {"network:tripp_border_h", "network:tripp_rail_cap"} <= set(ranged.names)


def test_draw_equals_rebuilt_problem(ranged):
    out = ranged.evaluate({"network:tripp_border_h": 20.0, "network:tripp_rail_cap": 8.0})
    assert out["corridor_flow_t_2030"] == pytest.approx(_rebuilt_flow(20.0, 8.0), rel=1e-6)


def test_border_time_moves_flow_and_trade(ranged):
    central = ranged.evaluate()
    slow = ranged.evaluate({"network:tripp_border_h": 40.0})
    assert slow["corridor_flow_t_2030"] < central["corridor_flow_t_2030"]
    assert slow["trade_change_usd"] < central["trade_change_usd"]
    assert slow["enpv_usd"] < central["enpv_usd"]
    same = ranged.evaluate({"network:tripp_border_h": 1.0})
    assert same == central

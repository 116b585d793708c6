"""Delay by facility type in the freight problem (queues on rail, ferries and border posts; BPR on roads) and
the freight study's logit route choice."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from test_corridor_model import _demand, _net

from corridor._errors import ValidationError
from corridor.assignment._native import _vdf
from corridor.assignment.corridor import assign_corridor, freight_problem, relative_theta
from corridor.assignment.facilities import FacilityQueue, facility_queues, facility_type, queue_table
from corridor.assignment.freight import bundled_assumptions, bundled_demand
from corridor.network import load_network
from corridor.network.validate import NetworkWarning
from corridor.routing import get_class


@pytest.fixture(scope="module")
def region():
    return load_network()


@pytest.fixture(scope="module")
def region_problem(region):
    return freight_problem(region, bundled_demand(2030))


def _kind_by_link(fp):
    p = fp.problem
    real = p.arc_link < fp.n_links
    kinds = {}
    for li, k in zip(p.arc_link[real], p.vdf[real], strict=True):
        kinds.setdefault(fp.network.links["link_id"].iat[li], set()).add(int(k))
    return kinds


def test_queues_on_rail_ferry_and_borders_bpr_on_roads(region_problem):
    fp = region_problem
    links = fp.network.links.set_index("link_id")
    kinds = _kind_by_link(fp)
    capped = {lid for lid, cap in zip(fp.network.links["link_id"], fp.capacity_t, strict=True) if np.isfinite(cap)}
    queued = {q.link_id for q in fp.queues}
    for lid in capped & set(kinds):
        mode, border = links.at[lid, "mode"], bool(links.at[lid, "border"])
        if mode in ("rail", "ferry") or (border and mode == "road"):
            assert kinds[lid] == {_vdf.QUEUE} and lid in queued, lid
        else:
            assert kinds[lid] == {_vdf.BPR} and lid not in queued, lid
    by_type = {q.facility for q in fp.queues}
    assert by_type == {"rail_line", "rail_border", "road_border", "ferry"}
    assert any(links.at[lid, "mode"] == "road" and kinds[lid] == {_vdf.BPR} for lid in capped & set(kinds))


def test_kernel_parameters_are_the_queue_table(region_problem):
    fp = region_problem
    p = fp.problem
    table = queue_table(fp.queues).set_index("link_id")
    for a in np.flatnonzero(p.vdf == _vdf.QUEUE):
        row = table.loc[fp.network.links["link_id"].iat[p.arc_link[a]]]
        assert p.capacity[a] == row["capacity_t"] and p.beta[a] == row["servers"]
        assert p.alpha[a] == pytest.approx(row["wait_scale_h"], rel=1e-15)
        # the time the kernel gives at half load is t0 plus queueing.py's Allen–Cunneen wait
        out = np.empty(p.n_arcs)
        _vdf.times(*p.vdf_arrays(), 0.5 * p.capacity, out)
        q = next(q for q in fp.queues if q.link_id == row.name)
        assert out[a] == pytest.approx(p.free_flow_time[a] + q.wait_h(0.5 * q.capacity_t), rel=1e-12)
        break


def test_mixed_equilibrium_of_a_queue_and_a_bpr_route():
    """a → b by a rail line (queue) and a road (BPR): equal generalised costs, solved independently."""
    with pytest.warns(NetworkWarning, match="cannot be reached"):  # two modes, joined only by their places
        net = _net([("a_rail", "A", "a", "station", "AZ", 47.0, 40.0),
                    ("b_rail", "B", "b", "station", "AZ", 48.0, 40.0),
                    ("a_road", "A", "a", "junction", "AZ", 47.0, 40.0),
                    ("b_road", "B", "b", "junction", "AZ", 48.0, 40.0)],
                   [("rail", "a_rail", "b_rail", "rail", 100.0, 50.0, 1520, 2.0, "Mt/yr", 0.0, 0.0, "existing"),
                    ("road", "a_road", "b_road", "road", 100.0, 60.0, None, 4000.0, "veh/day", 0.0, 0.0,
                     "existing")])
    cargo = get_class("general_cargo")
    demand_t = 3.0e6
    res = assign_corridor(net, None, _demand(("a", "b", "general_cargo", "", demand_t, "test")), gap=1e-10,
                          route_choice="ue")
    fp = res.freight
    (q,) = fp.queues
    assert q.link_id == "rail" and q.facility == "rail_line"
    bpr = bundled_assumptions().bpr["road"].value
    cap_road = 4000.0 * bundled_assumptions().capacity_units["veh/day"].value

    def rail(x):
        return 100 / 50 + q.wait_h(x) + cargo.rate("rail") * 100 / cargo.vot

    def road(x):
        return 100 / 60 * (1 + bpr.alpha * (x / cap_road) ** bpr.beta) + cargo.rate("road") * 100 / cargo.vot

    x_rail = brentq(lambda x: rail(x) - road(demand_t - x), 0.0, min(demand_t, 0.95 * q.capacity_t), xtol=1e-6)
    flows = res.links.groupby("link_id")["flow_t"].sum()
    assert 0 < x_rail < demand_t
    assert flows["rail"] == pytest.approx(x_rail, rel=1e-6)
    assert flows["road"] == pytest.approx(demand_t - x_rail, rel=1e-6)
    assert res.result.converged and res.result.relative_gap <= 1e-10


def test_bundled_mixed_equilibrium_converges_both_ways(region):
    for choice, gap in (("ue", 1e-8), ("logit", 1e-6)):
        res = assign_corridor(region, "tripp", bundled_demand(2030), gap=gap, route_choice=choice)
        assert res.result.converged and res.result.relative_gap <= gap
        assert res.summary["route_choice"] == choice


def test_logit_split_on_the_bundled_region(region):
    res = assign_corridor(region, "tripp", bundled_demand(2030), gap=1e-8)
    assert res.summary["route_choice"] == "logit"  # the freight assumptions' setting
    theta_rel = bundled_assumptions().route_choice.theta_relative.value
    assert res.summary["theta_relative"] == theta_rel
    p = res.result.problem
    theta = relative_theta(p, theta_rel)
    ps = res.result.paths
    cost = res.result.class_cost()
    split = 0
    for k in range(len(ps)):
        paths = ps.paths(k)
        c, o, d = int(ps.od_class[k]), int(ps.od_origin[k]), int(ps.od_dest[k])
        dem = p.classes[c].demand[o, d]
        assert sum(f for _, f in paths) == pytest.approx(dem, rel=1e-12)  # O–D flow conserved
        costs = np.array([cost[c, a].sum() for a, _ in paths])
        flows = np.array([f for _, f in paths])
        share = np.exp(-theta[c, o, d] * (costs - costs.min()))
        np.testing.assert_allclose(flows, dem * share / share.sum(), atol=1e-6 * dem)
        split += int((flows > 0.01 * dem).sum() > 1)
    assert split >= 3  # some pairs really share their demand between routes


def test_overrides_replace_queue_parameters(region):
    fp = freight_problem(region, bundled_demand(2030),
                         queue_overrides={"alat_aktau_ferry": {"servers": 14, "mean_service_h": 100.0,
                                                               "source": "test"}})
    q = next(q for q in fp.queues if q.link_id == "alat_aktau_ferry")
    assert q.servers == 14 and q.source == "test"
    assert q.mean_service_h == pytest.approx(100.0)
    assert q.capacity_t == pytest.approx(14 * q.lot_t / 100.0 * 8760)
    assert fp.capacity_t[region.link_index["alat_aktau_ferry"]] == pytest.approx(q.capacity_t)
    with pytest.raises(ValidationError, match="not a queue facility"):
        freight_problem(region, bundled_demand(2030), queue_overrides={"baku_alat_road": {"servers": 2}})
    with pytest.raises(ValidationError, match="unknown queue field"):
        freight_problem(region, bundled_demand(2030), queue_overrides={"alat_aktau_ferry": {"berths": 2}})


def test_facility_type_and_wait():
    assert facility_type("ferry", True) == "ferry"
    assert facility_type("rail", True) == "rail_border"
    assert facility_type("road", True) == "road_border"
    assert facility_type("rail", False) == "rail_line"
    assert facility_type("road", False) is None and facility_type("pipeline_oil", True) is None
    q = FacilityQueue("x", "rail_line", 1, 2000.0, 1.0, 1.0, 8760 * 1000.0, "test")  # E[S] = 2 h
    assert q.mean_service_h == pytest.approx(2.0)
    assert q.wait_h(0.5 * q.capacity_t) == pytest.approx(2.0)  # M/M/1: ρ/(1−ρ) E[S]
    assert q.wait_h(q.capacity_t) == np.inf and q.wait_h(0.0) == 0.0
    assert facility_queues(load_network().links.iloc[:0], np.zeros(0), bundled_assumptions()) == ()

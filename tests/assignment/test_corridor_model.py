"""Freight equilibrium on corridor networks: toy cases with known answers, and invariants on the bundled region."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from corridor._errors import NotFoundError, ValidationError
from corridor.assignment.corridor import (
    assign_corridor,
    class_name,
    compare_corridor,
    freight_problem,
)
from corridor.assignment.freight import bundled_assumptions, bundled_demand, check_demand, read_demand
from corridor.network import Network, load_network
from corridor.routing import get_class
from corridor.study import default_spec

RULES = default_spec().route_families
FAMILIES = RULES.names

NODE_COLS = ["node_id", "name", "place", "kind", "country", "x_coord", "y_coord"]
LINK_COLS = ["link_id", "from_node_id", "to_node_id", "mode", "length_km", "free_speed_kmh", "gauge_mm",
             "capacity", "capacity_unit", "fixed_time_h", "toll_usd", "status"]


def _net(nodes, links) -> Network:
    n = pd.DataFrame(nodes, columns=NODE_COLS).assign(source="test")
    lk = pd.DataFrame(links, columns=LINK_COLS).assign(directed=False, country="AZ", border=False)
    return Network.from_tables(n, lk, name="toy")


def _demand(*rows) -> pd.DataFrame:
    return check_demand(pd.DataFrame(rows, columns=["origin", "destination", "cargo", "modes", "tonnes_per_yr",
                                                    "source"]).astype(str))


def _two_routes() -> Network:
    """Places a and b joined by two parallel rail lines of different length and capacity."""
    return _net(
        [("a_rail", "A", "a", "station", "AZ", 47.0, 40.0), ("b_rail", "B", "b", "station", "AZ", 48.0, 40.0)],
        [("short", "a_rail", "b_rail", "rail", 100.0, 50.0, 1520, 1.0, "Mt/yr", 0.0, 0.0, "existing"),
         ("long", "a_rail", "b_rail", "rail", 150.0, 50.0, 1520, 2.0, "Mt/yr", 1.0, 0.0, "existing")],
    )


@pytest.mark.parametrize("beta", [1.0, 4.0])
def test_two_parallel_routes_reach_the_analytic_equilibrium(beta):
    net = _two_routes()
    cargo = get_class("container")
    demand_t = 3.0e6
    rail = bundled_assumptions().bpr["rail"]
    # BPR on rail (no queue facilities) and deterministic route choice
    assumptions = bundled_assumptions().model_copy(update={"bpr": {
        "rail": rail.model_copy(update={"value": rail.value.model_copy(update={"alpha": 1.0, "beta": beta})})},
        "queues": {}, "route_choice": None})
    res = assign_corridor(net, None, _demand(("a", "b", "container", "", demand_t, "test")), gap=1e-10,
                          assumptions=assumptions)
    # independent equilibrium: equal generalised cost (hours) on both lines, costs from the class and link data
    t0 = {"short": 100 / 50 + 0.0, "long": 150 / 50 + 1.0}
    fixed = {k: cargo.rate("rail") * km / cargo.vot for k, km in (("short", 100.0), ("long", 150.0))}
    cap = {"short": 1.0e6, "long": 2.0e6}

    def cost(k, x):
        return t0[k] * (1 + (x / cap[k]) ** beta) + fixed[k]

    x_short = brentq(lambda x: cost("short", x) - cost("long", demand_t - x), 0.0, demand_t, xtol=1e-6)
    flows = res.links.groupby(["link_id", "from_node_id"])["flow_t"].sum()
    assert flows[("short", "a_rail")] == pytest.approx(x_short, rel=1e-6)
    assert flows[("long", "a_rail")] == pytest.approx(demand_t - x_short, rel=1e-6)
    assert flows[("short", "b_rail")] == 0 and flows[("long", "b_rail")] == 0
    assert 0 < x_short < demand_t  # the test case really splits
    assert res.result.converged and res.result.relative_gap <= 1e-10
    # both used paths cost the same, in USD per tonne too
    costs = res.paths["cost_usd_per_t"].to_numpy()
    assert len(costs) == 2 and costs[0] == pytest.approx(costs[1], rel=1e-8)
    assert costs[0] == pytest.approx(cost("short", x_short) * cargo.vot, rel=1e-6)


def test_uncapacitated_links_keep_free_flow_time():
    net = _two_routes()
    links = net.links.copy()
    links["capacity"] = np.nan
    res = assign_corridor(net.replace_links(links), None, _demand(("a", "b", "container", "", 5e6, "test")))
    used = res.links[res.links["flow_t"] > 0]
    assert list(used["link_id"]) == ["short"]  # all on the cheaper line, whatever the flow
    assert used["time_h"].iloc[0] == used["free_flow_time_h"].iloc[0] == 2.0
    assert res.over_capacity.empty and np.isnan(used["voc"].iloc[0])


def test_centroids_are_never_passed_through():
    """Place x has a rail and a road node joined by a costly transfer: a route a→x→b must pay it, not hop across
    x's zone centroid for free."""
    net = _net(
        [("a_rail", "A", "a", "station", "AZ", 47.0, 40.0), ("x_rail", "X", "x", "station", "AZ", 47.5, 40.0),
         ("x_road", "X", "x", "city", "AZ", 47.5, 40.0), ("b_road", "B", "b", "city", "AZ", 48.0, 40.0)],
        [("ax", "a_rail", "x_rail", "rail", 50.0, 50.0, 1520, np.nan, "", 0.0, 0.0, "existing"),
         ("x_t", "x_rail", "x_road", "transfer", 0.0, np.nan, np.nan, np.nan, "", 30.0, 0.0, "existing"),
         ("xb", "x_road", "b_road", "road", 50.0, 50.0, np.nan, np.nan, "", 0.0, 0.0, "existing")],
    )
    res = assign_corridor(net, None, _demand(("a", "b", "general_cargo", "", 1e5, "test")))
    flows = res.links.groupby("link_id")["flow_t"].sum()
    assert flows["x_t"] == pytest.approx(1e5)
    path = res.paths.iloc[0]
    assert path["links"] == "ax;x_t;xb" and path["time_h"] == pytest.approx(1 + 30 + 1)
    cargo = get_class("general_cargo")
    money = 50 * cargo.rate("rail") + 50 * cargo.rate("road") + cargo.handling
    assert path["cost_usd_per_t"] == pytest.approx(money + cargo.vot * 32)


def test_road_only_demand_uses_only_roads():
    net = _net(
        [("a_rail", "A", "a", "station", "AZ", 47.0, 40.0), ("a_road", "A", "a", "city", "AZ", 47.0, 40.0),
         ("b_rail", "B", "b", "station", "AZ", 48.0, 40.0), ("b_road", "B", "b", "city", "AZ", 48.0, 40.0)],
        [("ab_rail", "a_rail", "b_rail", "rail", 100.0, 50.0, 1520, 10.0, "Mt/yr", 0.0, 0.0, "existing"),
         ("ab_road", "a_road", "b_road", "road", 120.0, 60.0, np.nan, 12000.0, "veh/day", 0.0, 0.0, "existing"),
         ("a_t", "a_rail", "a_road", "transfer", 0.0, np.nan, np.nan, np.nan, "", 4.0, 0.0, "existing"),
         ("b_t", "b_rail", "b_road", "transfer", 0.0, np.nan, np.nan, np.nan, "", 4.0, 0.0, "existing")],
    )
    res = assign_corridor(net, None, _demand(("a", "b", "general_cargo", "road", 1e5, "test"),
                                             ("a", "b", "general_cargo", "", 2e5, "test")))
    lk = res.links.groupby("link_id")[["flow_t", "flow_t_general_cargo_by_road", "flow_t_general_cargo"]].sum()
    assert lk.at["ab_road", "flow_t_general_cargo_by_road"] == pytest.approx(1e5)
    assert lk.at["ab_rail", "flow_t_general_cargo_by_road"] == 0
    assert lk.at["ab_rail", "flow_t_general_cargo"] == pytest.approx(2e5)  # rail is cheaper per tonne-km
    # road capacity in t/yr per direction from the stated conversion
    road = res.links[res.links["link_id"] == "ab_road"]
    assert (road["capacity_t"] == 12000.0 * bundled_assumptions().capacity_units["veh/day"].value).all()


def test_unreachable_demand_is_listed_not_assigned():
    net = _two_routes()
    links = net.links.assign(status="planned")  # nothing open
    res = assign_corridor(net.replace_links(links), None, _demand(("a", "b", "container", "", 1e5, "test")))
    assert res.summary["assigned_t"] == 0 and res.summary["unserved_t"] == 1e5
    assert list(res.freight.unserved["origin"]) == ["a"]
    assert res.links["flow_t"].sum() == 0


def test_unknown_capacity_unit_names_the_link():
    net = _two_routes()
    links = net.links.copy()
    links.loc[0, "capacity_unit"] = "trains/week"
    with pytest.raises(ValidationError) as e:
        freight_problem(net.replace_links(links), _demand(("a", "b", "container", "", 1e5, "test")))
    assert "short" in str(e.value) and "capacity_unit" in str(e.value) and "trains/week" in str(e.value)


def test_demand_errors_name_file_line_and_field(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("origin,destination,cargo,modes,tonnes_per_yr,source\n"
                 "baku,nakhchivan,container,,1000,facts[1]\n"
                 "baku,baku,container,,1000,facts[1]\n"
                 "baku,kars,spaceship,,1000,x y\n"
                 "baku,kars,container,pipeline_oil,-5,\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_demand(f)
    msg = str(e.value)
    for needle in ("d.csv", "line 3", "must differ", "line 4", "spaceship", "line 5", "tonnes_per_yr",
                   "pipeline_oil", "source"):
        assert needle in msg, needle
    f.write_text("origin,destination,cargo,tonnes_per_yr,source\nbaku,nowhere,container,1000,facts[1]\n",
                 encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        freight_problem(load_network(), read_demand(f))
    assert "nowhere" in str(e.value) and "line 2" in str(e.value) and "field 'destination'" in str(e.value)
    with pytest.raises(NotFoundError):
        read_demand(tmp_path / "missing.csv")


def test_bundled_demand_rows_carry_sources():
    for year in (2024, 2030):
        d = bundled_demand(year)
        assert (d["tonnes_per_yr"] > 0).all()
        assert d["source"].str.contains(r"facts\[\d+\]|assumption:").all()
    d24, d30 = bundled_demand(2024), bundled_demand(2030)
    mc24 = d24[d24["source"].str.startswith("facts[129]: Middle Corridor")]["tonnes_per_yr"].sum()
    mc30 = d30[d30["source"].str.startswith("2024: facts[129]: Middle Corridor")]["tonnes_per_yr"].sum()
    assert mc24 == pytest.approx(4.5e6)  # Middle Corridor 2024, facts[129]
    assert mc30 == pytest.approx(8.1e6, rel=1e-3)  # 2030 central: midway to the World Bank's reform case


# ---- the bundled region ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def region():
    return load_network()


@pytest.fixture(scope="module")
def cmp2030(region):
    return compare_corridor(region, "do-minimum", "tripp", bundled_demand(2030), gap=1e-8, families=RULES,
                            route_choice="ue")


def _balance(res):
    """Per node: outflow − inflow of each class, on every arc of the problem (connectors included)."""
    p = res.freight.problem
    n = p.n_nodes
    out = np.zeros((len(p.classes), n))
    for k in range(len(p.classes)):
        np.add.at(out[k], p.tail, res.result.class_flow[k])
        np.add.at(out[k], p.head, -res.result.class_flow[k])
    return out


@pytest.mark.parametrize("side", ["before", "after"])
def test_bundled_flow_conservation_and_full_assignment(cmp2030, side):
    res = getattr(cmp2030, side)
    p = res.freight.problem
    assert res.result.converged and res.result.relative_gap <= 1e-8
    assert res.freight.unserved.empty and res.summary["assigned_t"] == res.summary["demand_t"]
    bal = _balance(res)
    real = np.ones(p.n_nodes, dtype=bool)
    real[p.zone_nodes] = False
    assert np.abs(bal[:, real]).max() < 1e-6 * res.summary["demand_t"]  # what enters a node leaves it
    for k, c in enumerate(p.classes):  # centroids emit their demand and absorb what is sent to them
        expected = c.demand.sum(axis=1) - c.demand.sum(axis=0)
        np.testing.assert_allclose(bal[k, p.zone_nodes], expected, atol=1e-6 * res.summary["demand_t"])
    # path flows add up to each O–D pair's demand, and rebuild the link flows
    d = res.freight.demand
    per_od = res.paths.groupby(["origin", "destination", "class"])["tonnes"].sum()
    want = d.assign(cls=[class_name(c, m) for c, m in zip(d["cargo"], d["modes"], strict=True)])
    want = want.groupby(["origin", "destination", "cls"])["tonnes_per_yr"].sum()
    np.testing.assert_allclose(per_od.sort_index().to_numpy(), want.sort_index().to_numpy(), rtol=1e-9)
    rebuilt = pd.Series(0.0, index=pd.Index(res.links["link_id"].unique()))
    for r in res.paths.itertuples():
        ids = r.links.split(";")
        assert len(ids) == len(set(ids))  # simple paths
        rebuilt.loc[ids] += r.tonnes
    per_link = res.links.groupby("link_id")["flow_t"].sum()  # both directions
    np.testing.assert_allclose(rebuilt.loc[per_link.index].to_numpy(), per_link.to_numpy(),
                               atol=1e-6 * res.summary["demand_t"])


def test_bundled_equilibrium_paths_cost_the_same(cmp2030):
    """The deterministic equilibrium (``route_choice="ue"``; the bundled default is the logit SUE, whose paths
    of a pair need not cost the same)."""
    for res in (assign_corridor(side.freight.network, None, bundled_demand(2030), gap=1e-8, route_choice="ue")
                for side in (cmp2030.before, cmp2030.after)):
        g = res.paths.groupby(["origin", "destination", "class"])["cost_usd_per_t"]
        spread = (g.max() - g.min()) / g.min()
        assert spread.max() < 1e-6  # every used path of a pair is (within the gap) the cheapest
    # the bundled 2030 pairs each keep one path (their alternatives cost far more even at the ferries' v/c
    # 1.9); a split by congestion is tested on the two-route network above. Scaled up, the pairs split:
    heavy = bundled_demand(2030).assign(tonnes_per_yr=lambda d: d["tonnes_per_yr"] * 4,
                                        low=lambda d: d["low"] * 4, high=lambda d: d["high"] * 4)
    res = assign_corridor(cmp2030.after.freight.network, None, heavy, gap=1e-8, route_choice="ue")
    g = res.paths.groupby(["origin", "destination", "class"])["cost_usd_per_t"]
    assert (g.size() > 1).any() and ((g.max() - g.min()) / g.min()).max() < 1e-6


def test_bundled_families_add_up(cmp2030):
    for res in (cmp2030.before, cmp2030.after):
        assert res.routes["tonnes"].sum() == pytest.approx(res.summary["assigned_t"])
        fam = res.families.set_index("family")["tonnes"]
        assert list(fam.index) == list(FAMILIES)
        for f in FAMILIES:
            uses = res.paths["family"].map(lambda s, f=f: f in s.split(" + "))
            assert fam[f] == pytest.approx(res.paths.loc[uses, "tonnes"].sum())
        # no path crosses the Caspian twice: the ferry family equals the flow on ferry links
        ferry = res.links.loc[res.links["mode"] == "ferry", "flow_t"].sum()
        assert fam["Caspian ferry"] == pytest.approx(ferry)
    c = cmp2030.families().set_index("family")
    np.testing.assert_allclose(c["change_t"], c["after_t"] - c["before_t"])


def test_bundled_tripp_only_in_tripp_scenario(cmp2030, region):
    b, a = cmp2030.before, cmp2030.after
    assert b.project_t == {"pipeline_oil": 0.0, "rail": 0.0, "road": 0.0}  # oil may use the TRIPP pipeline
    assert b.families.set_index("family").at["TRIPP", "tonnes"] == 0
    # with CPMM border times (facts[124]) at both TRIPP crossings, 2030 TRIPP traffic goes by road, not rail
    assert a.project_t["road"] > 0 and a.project_t["rail"] >= 0
    tripp_links = a.links[a.links["link_id"].str.startswith("tripp_")]
    assert b.links[b.links["link_id"].str.startswith("tripp_")]["flow_t"].sum() == 0
    rail = tripp_links[tripp_links["mode"] == "rail"].groupby("link_id")["flow_t"].sum()
    assert rail.max() <= a.project_t["rail"] * (1 + 1e-9)  # no section carries more than the tonnes using TRIPP
    # TRIPP's road takes traffic off the other road to Nakhchivan (the Araz corridor through Iran)
    fam = cmp2030.families().set_index("family")
    assert fam.at["TRIPP", "change_t"] > 0 and fam.at["via Iran", "change_t"] < 0
    assert "TRIPP carries" in cmp2030.headline()


def test_bundled_over_capacity_links_are_listed(cmp2030):
    for res in (cmp2030.before, cmp2030.after):
        over = res.over_capacity
        assert not over.empty  # 8 Mt/yr across the Caspian against ferry routes of ~1.5 Mt/yr each (facts[131])
        assert (over["flow_t"] > over["capacity_t"]).all()
        lk = res.links
        assert set(over["link_id"]) == set(lk.loc[lk["flow_t"] > lk["capacity_t"], "link_id"])
        assert res.summary["over_capacity"] == sorted(set(over["link_id"]))
    table = cmp2030.over_capacity()
    assert set(table["link_id"]) == set(cmp2030.before.over_capacity["link_id"]) | set(
        cmp2030.after.over_capacity["link_id"])


def test_link_based_algorithm_gives_links_without_families(region):
    res = assign_corridor(region, "tripp", bundled_demand(2024), algorithm="bfw", gap=1e-4, families=RULES)
    ref = assign_corridor(region, "tripp", bundled_demand(2024), gap=1e-8, route_choice="ue")
    assert res.families is None and res.paths is None
    assert res.result.converged
    tripp_rail = ref.links[ref.links["link_id"].str.startswith("tripp_") & (ref.links["mode"] == "rail")]
    assert res.project_t["rail"] == pytest.approx(tripp_rail.groupby("link_id")["flow_t"].sum().max(), rel=1e-3)

"""Routing on the toy corridor, hand-checked; and against networkx on random multigraphs."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor import NoRouteError, NotFoundError
from corridor.network import Network
from corridor.routing import RouteOptions, alternatives, arc_costs, resolve_place, shortest_path, skim
from factories import toy_network

# container class: VOT 1.7 USD/t/h, rail 0.045, road 0.09 USD/tkm, handling 8 USD/t per transfer
IRAN = dict(time=800 / 70 + 12, money=0.09 * 800 + 20)
GEORGIA = dict(time=550 / 50 + 3 + 8 + 300 / 50 + 3 + 2 + 300 / 60 + 3, money=0.045 * 850 + 16 + 0.09 * 300)
TRIPP = dict(time=540 / 60 + 2, money=0.045 * 540)


def _cost(r):
    return r["money"] + 1.7 * r["time"]


@pytest.fixture(scope="module")
def net():
    return toy_network()


def test_existing_links_only_goes_through_iran(net):
    r = shortest_path(net, "Baku", "Nakhchivan")
    assert r.link_ids == ["baku_tabriz", "tabriz_nakh"]
    assert r.distance_km == pytest.approx(800)
    assert r.time_h == pytest.approx(IRAN["time"])
    assert r.money_usd == pytest.approx(IRAN["money"])
    assert r.cost_usd == pytest.approx(_cost(IRAN))
    assert r.countries == ["AZ", "IR", "AZ"]
    assert len(r.border_crossings) == 2


def test_avoiding_iran_goes_round_by_georgia(net):
    r = shortest_path(net, "baku", "nakhchivan", avoid_countries=["ir"])
    assert r.countries == ["AZ", "GE", "TR", "AZ"]
    assert r.cost_usd == pytest.approx(_cost(GEORGIA))
    assert r.transfers == ["tbilisi_gauge", "kars_t"] or len(r.transfers) == 2
    assert r.modes == ["rail", "road"]
    assert "IR" not in r.countries


def test_planned_links_when_built(net):
    r = shortest_path(net, "Baku", "Nakhchivan", built_statuses=("existing", "planned"))
    assert r.passes("meghri")
    assert r.cost_usd == pytest.approx(_cost(TRIPP))
    assert r.distance_km == pytest.approx(540)


def test_avoid_mode_and_no_route(net):
    r = shortest_path(net, "Baku", "Nakhchivan", avoid_modes=["road"], built_statuses=("existing", "planned"))
    assert "road" not in r.modes
    with pytest.raises(NoRouteError, match="avoiding GE, IR"):
        shortest_path(net, "Baku", "Nakhchivan", avoid_countries=["IR", "GE"])


def test_passengers_skip_handling_and_use_their_vot(net):
    r = shortest_path(net, "Baku", "Nakhchivan", cargo="passengers", avoid_countries=["IR"])
    assert r.money_usd == pytest.approx(0.03 * 850 + 0.05 * 300)


def test_alternatives_are_distinct_and_sorted(net):
    routes = alternatives(net, "Baku", "Nakhchivan", k=3, built_statuses=("existing", "planned"))
    assert [r.cost_usd for r in routes] == sorted(r.cost_usd for r in routes)
    assert routes[0].passes("meghri")
    families = {tuple(r.countries) for r in routes}
    assert len(families) == 3
    assert {("AZ", "IR", "AZ"), ("AZ", "GE", "TR", "AZ")} <= families


def test_skim_matches_single_routes(net):
    s = skim(net, ["Baku", "Nakhchivan", "Kars"], avoid_countries=["IR"])
    r = shortest_path(net, "Baku", "Nakhchivan", avoid_countries=["IR"])
    assert s["cost_usd"].loc["baku", "nakhchivan"] == pytest.approx(r.cost_usd)
    assert s["distance_km"].loc["baku", "nakhchivan"] == pytest.approx(r.distance_km)
    assert s["time_h"].loc["baku", "baku"] == 0


@pytest.mark.parametrize("query", ["Naxçıvan", "NAKHCHIVAN", "nakhichevan", "  naxcivan ", "nakh_rail"])
def test_loose_place_names(net, query):
    assert resolve_place(net, query) == "nakhchivan"


def test_unknown_place_suggests(net):
    with pytest.raises(NotFoundError, match="did you mean: Nakhchivan"):
        resolve_place(net, "Nakhchivn")


def test_unknown_cargo_class(net):
    with pytest.raises(NotFoundError, match="unknown cargo class 'spices'"):
        shortest_path(net, "Baku", "Kars", cargo="spices")


# ---- against networkx on random multigraphs -----------------------------------------------------------------
@st.composite
def random_network(draw):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 40))
    edges = [(draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))) for _ in range(m)]
    edges = [(a, b) for a, b in edges if a != b] or [(0, 1)]
    lengths = [draw(st.floats(0.5, 500)) for _ in edges]
    directed = [draw(st.booleans()) for _ in edges]
    return n, edges, lengths, directed


def _net(n, edges, lengths, directed):
    nodes = pd.DataFrame({"node_id": [f"n{i}" for i in range(n)], "name": [f"N{i}" for i in range(n)],
                          "kind": "city", "country": "AZ", "x_coord": 0.0, "y_coord": 0.0})
    links = pd.DataFrame({"link_id": [f"l{j}" for j in range(len(edges))],
                          "from_node_id": [f"n{a}" for a, _ in edges], "to_node_id": [f"n{b}" for _, b in edges],
                          "directed": directed, "mode": "road", "length_km": lengths, "free_speed_kmh": 60.0,
                          "country": "AZ", "status": "existing"})
    return Network.from_tables(nodes, links, validate=False)


@settings(max_examples=60, deadline=None)
@given(random_network())
def test_matches_networkx(g):
    n = g[0]
    net = _net(*g)
    costs = arc_costs(net, RouteOptions())
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for a in range(net.n_arcs):
        G.add_edge(int(net.arc_tail[a]), int(net.arc_head[a]), weight=float(costs.cost[a]))
    expected = nx.single_source_dijkstra_path_length(G, 0, weight="weight")
    for t in range(1, n):
        if t in expected:
            r = shortest_path(net, "n0", f"n{t}")
            assert r.cost_usd == pytest.approx(expected[t], rel=1e-9)
            assert r.node_ids[0] == "n0" and r.node_ids[-1] == f"n{t}"
        else:
            with pytest.raises(NoRouteError):
                shortest_path(net, "n0", f"n{t}")
    assert np.all(costs.cost > 0)

"""The assignment ↔ simulation loop on a toy corridor: a border post on the short route and a longer
alternative. The post's "simulation" is the M/M/1 queue (corridor.queueing) at the assigned trucks, so the
loop's fixed point is known independently: the post's wait equals the alternative's extra time."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from corridor import queueing
from corridor.assignment.corridor import assign_corridor
from corridor.assignment.freight import check_demand
from corridor.network import Network
from corridor.simulation.delays import iterate_delays, with_delays

NODE_COLS = ["node_id", "name", "place", "kind", "country", "x_coord", "y_coord"]
LINK_COLS = ["link_id", "from_node_id", "to_node_id", "mode", "length_km", "free_speed_kmh", "capacity",
             "capacity_unit", "fixed_time_h", "toll_usd", "status"]
DEMAND_T = 1.0e6  # tonnes a year a → b
TRUCK_T = 25.0
SERVICE_H = 0.25  # one booth, 15 min a truck: serves 35,040 trucks = 0.876 Mt a year, less than the demand
ALT_MT = 0.6  # the alternative's capacity (BPR): the longer the post's wait, the more it takes
SATURATED_H = 200.0  # what the "simulation" reports when arrivals exceed service (a long run's wait)


def _net() -> Network:
    n = pd.DataFrame([("a_road", "A", "a", "city", "AZ", 47.0, 40.0), ("b_road", "B", "b", "city", "AZ", 48.0, 40.0),
                      ("m_road", "M", "m", "city", "AZ", 47.5, 40.5)], columns=NODE_COLS).assign(source="test")
    lk = pd.DataFrame([
        ("post", "a_road", "b_road", "road", 100.0, 50.0, np.nan, "", 0.0, 0.0, "existing"),
        ("alt1", "a_road", "m_road", "road", 50.0, 50.0, ALT_MT, "Mt/yr", 0.0, 0.0, "existing"),
        ("alt2", "m_road", "b_road", "road", 50.0, 50.0, ALT_MT, "Mt/yr", 0.0, 0.0, "existing")],
        columns=LINK_COLS).assign(directed=True, country="AZ", border=False)
    return Network.from_tables(n, lk, name="toy post")


def _demand() -> pd.DataFrame:
    return check_demand(pd.DataFrame([("a", "b", "general_cargo", "road", DEMAND_T, "test")],
                                     columns=["origin", "destination", "cargo", "modes", "tonnes_per_yr",
                                              "source"]).astype(str))


def _post_wait_h(flow_t: float) -> float:
    lam = flow_t / TRUCK_T / 8760.0
    if lam <= 0:
        return math.nan  # no traffic: nothing observed
    try:
        return queueing.mean_wait(lam, SERVICE_H, 1) + SERVICE_H
    except ValueError:  # unstable
        return SATURATED_H


def _loop(damping: str, max_rounds: int):
    net, demand = _net(), _demand()
    seen = []

    def assign(delays: pd.Series):
        ca = assign_corridor(with_delays(net, delays.rename("delay_h").rename_axis("link_id").reset_index()),
                             None, demand, gap=1e-8, route_choice="ue")  # the fixed point below is Wardrop's
        seen.append(ca)
        return ca

    def simulate_at(flows: pd.DataFrame):
        f = float(flows.loc[flows["link_id"] == "post", "flow_t"].sum())
        w = _post_wait_h(f)
        return pd.DataFrame({"link_id": ["post"], "delay_h": [w], "facility": ["toy post"],
                             "saturated": [w == SATURATED_H]}), None

    initial = net.links.set_index("link_id").loc[["post"], "fixed_time_h"]
    fb = iterate_delays(assign, simulate_at, initial, tol_h=0.05, tol_share=0.02, max_rounds=max_rounds,
                        damping=damping)
    return fb, seen


def _post_flow(ca) -> float:
    return float(ca.links.loc[ca.links["link_id"] == "post", "flow_t"].sum())


def test_overloaded_post_raises_its_delay_and_moves_flow_to_the_alternative():
    fb, seen = _loop("msa", 25)
    first, last = seen[0], fb.assignment
    assert _post_flow(first) > TRUCK_T * 8760 / SERVICE_H  # round 1 overloads the post (no wait assumed)
    d = fb.converged_delays().set_index("link_id")
    assert fb.converged and d.at["post", "settled"]
    assert d.at["post", "assumed_h"] > SERVICE_H  # the simulated wait replaced the assumption (none)
    assert _post_flow(last) < _post_flow(first)
    alt = float(last.links.loc[last.links["link_id"] == "alt1", "flow_t"].sum())
    assert alt == pytest.approx(DEMAND_T - _post_flow(last), rel=1e-6) and alt > 0
    # the independent fixed point: the post's queue wait equals the extra time of the alternative (BPR there)
    t_post = last.links.loc[last.links["link_id"] == "post", "free_flow_time_h"].iloc[0] - d.at["post", "assumed_h"]
    times = last.links.set_index("link_id")
    alt_time = times.loc[["alt1", "alt2"], "time_h"].sum()
    assert t_post + d.at["post", "assumed_h"] == pytest.approx(alt_time, abs=0.1)
    x = brentq(lambda f: t_post + _post_wait_h(f) - _alt_time(f), 1.0, TRUCK_T * 8760 / SERVICE_H * 0.999999)
    assert _post_flow(last) == pytest.approx(x, rel=0.03)


def _alt_time(post_flow_t: float) -> float:
    """BPR time of the two alternative links (bundled road parameters) carrying the rest of the demand."""
    from corridor.assignment.freight import bundled_assumptions

    bpr = bundled_assumptions().bpr["road"].value
    v_c = (DEMAND_T - post_flow_t) / (ALT_MT * 1e6)
    return 2 * (50.0 / 50.0) * (1 + bpr.alpha * v_c**bpr.beta)


@pytest.mark.parametrize("service_h", [0.25, 0.5, 0.8])
def test_damping_converges_within_rounds_and_undamped_swings_are_reported(monkeypatch, service_h):
    monkeypatch.setattr(__import__(__name__), "SERVICE_H", service_h)
    fb, seen = _loop("msa", 25)
    assert fb.converged and fb.n_rounds <= 25
    last = fb.history[-1]
    assert last["flow_gap"] <= fb.tolerance_flow and not last["unsettled"]
    none, seen = _loop("none", 8)
    flows = [_post_flow(ca) for ca in seen]
    if service_h >= 0.5:  # near the post's capacity the undamped loop swings between two states for ever
        assert flows[0::2] == pytest.approx([flows[0]] * 4) and flows[1::2] == pytest.approx([flows[1]] * 4)
        assert abs(flows[0] - flows[1]) > 0.1 * DEMAND_T
        assert not none.converged and none.n_rounds == 8
        assert none.history[-1]["unsettled"] == ["post"] and none.to_dict()["converged"] is False
        assert not none.converged_delays()["settled"].all()


def test_running_out_of_rounds_is_reported_not_hidden():
    fb, _ = _loop("msa", 1)
    assert fb.n_rounds == 1 and not fb.converged  # round 1 overloads the post: its delay cannot have settled
    d = fb.to_dict()
    assert d["converged"] is False and d["max_rounds"] == 1 and d["history"][0]["unsettled"] == ["post"]


def test_loop_arguments_are_checked():
    with pytest.raises(ValueError, match="damping"):
        iterate_delays(lambda d: None, lambda f: None, pd.Series({"post": 1.0}), damping="sometimes")
    with pytest.raises(ValueError, match="max_rounds"):
        iterate_delays(lambda d: None, lambda f: None, pd.Series({"post": 1.0}), max_rounds=0)


def test_averaging_starts_from_round_two_and_the_last_rounds_agree_within_tolerance():
    net, demand = _net(), _demand()
    assigned, simulated_at = [], []

    def assign(delays: pd.Series):
        ca = assign_corridor(with_delays(net, delays.rename("delay_h").rename_axis("link_id").reset_index()),
                             None, demand, gap=1e-8, route_choice="ue")
        assigned.append(_post_flow(ca))
        return ca

    def simulate_at(flows: pd.DataFrame):
        f = float(flows.loc[flows["link_id"] == "post", "flow_t"].sum())
        simulated_at.append(f)
        return pd.DataFrame({"link_id": ["post"], "delay_h": [_post_wait_h(f)], "facility": ["toy post"],
                             "saturated": [False]}), None

    initial = net.links.set_index("link_id").loc[["post"], "fixed_time_h"]
    fb = iterate_delays(assign, simulate_at, initial, tol_h=0.05, tol_share=0.02, max_rounds=25)
    assert fb.converged and fb.n_rounds >= 3
    # round 1 (the network's assumption) is not in the average: round 2 simulates at its own flows, round k at
    # the mean of rounds 2..k
    assert simulated_at[0] == pytest.approx(assigned[0]) and simulated_at[1] == pytest.approx(assigned[1])
    for k in range(2, fb.n_rounds):
        assert simulated_at[k] == pytest.approx(np.mean(assigned[1:k + 1]), rel=1e-9)
    assert fb.history[1]["flow_gap"] == 0.0
    # converged: the delay the last round assigned with and the one simulated at its flows agree within the
    # tolerance, and the last round's flows are within tol_flow of the average they were simulated at
    last = fb.converged_delays().set_index("link_id").loc["post"]
    assert abs(last["simulated_h"] - last["assumed_h"]) <= max(fb.tolerance_h, fb.tolerance_share * last["assumed_h"])
    assert abs(assigned[-1] - simulated_at[-1]) <= fb.tolerance_flow * simulated_at[-1]

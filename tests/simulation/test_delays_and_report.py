"""Simulated delays as link times, the assignment–simulation loop, and the report section."""

from __future__ import annotations

import numpy as np
import pytest

from corridor.network import load_network
from corridor.simulation.delays import feedback, simulated_delays, with_delays
from corridor.simulation.experiment import simulate
from corridor.simulation.traffic import corridor_traffic


@pytest.fixture(scope="module")
def short_run():
    return simulate(corridor_traffic("tripp", year=2030), days=15, replications=2, seed=3)


def test_delays_per_link_from_facilities(short_run):
    d = simulated_delays(short_run).set_index("link_id")
    fac = short_run.facilities.set_index("facility")
    # the Agarak road link: entry of eastbound trucks and exit of westbound ones, weighted by movements
    e, x = fac.loc["agarak_road:entry"], fac.loc["agarak_road:exit"]
    used = [r for r in (e, x) if r["served"] > 0]  # a direction with no movement has no sojourn time
    expect = sum(r["mean_sojourn_h"] * r["served"] for r in used) / sum(r["served"] for r in used)
    assert d.at["tripp_agarak_ordubad_road", "delay_h"] == pytest.approx(expect)
    if fac.at["gauge:sadarak", "served"] > 0:
        assert d.at["sadarak_1435_1520", "delay_h"] == pytest.approx(fac.loc["gauge:sadarak", "mean_sojourn_h"])
    else:  # no wagon changed gauge (rail routes unattractive at the measured border times): no simulated delay
        assert "sadarak_1435_1520" not in d.index
    assert d.at["alat_turkmenbashi_ferry", "delay_h"] == pytest.approx(fac.loc["ferry:alat_turkmenbashi", "mean_wait_h"])
    # the single track's waits are spread over its four links in proportion to running time
    track_links = ["tripp_aghband_nrnadzor_rail", "tripp_nrnadzor_meghri_rail", "tripp_meghri_agarak_rail",
                   "tripp_agarak_sallammelik_rail"]
    inner = d.loc[["tripp_nrnadzor_meghri_rail", "tripp_meghri_agarak_rail"], "delay_h"]
    if fac.at["single_track", "served"] > 0:
        assert 0 < inner.sum() < fac.loc["single_track", "mean_wait_h"]
    else:  # no train ran: the track has no wait to spread
        assert inner.isna().all()
    assert set(track_links) <= set(d.index) and "single track" in d.at["tripp_nrnadzor_meghri_rail", "facility"]


def test_with_delays_replaces_fixed_times_only_there():
    net = load_network()
    import pandas as pd

    out = with_delays(net, pd.DataFrame({"link_id": ["sadarak_1435_1520"], "delay_h": [4.5]}))
    a = net.links.set_index("link_id")["fixed_time_h"]
    b = out.links.set_index("link_id")["fixed_time_h"]
    assert b["sadarak_1435_1520"] == 4.5 and a["sadarak_1435_1520"] == 8
    others = a.index != "sadarak_1435_1520"
    assert np.array_equal(a[others].fillna(-1).to_numpy(), b[others].fillna(-1).to_numpy())


def test_feedback_rounds_and_result():
    fb = feedback("tripp", year=2030, days=10, replications=1, max_rounds=2, tol_h=0.25)
    assert 1 <= fb.n_rounds <= 2 and len(fb.history) == fb.n_rounds
    first = fb.rounds[fb.rounds["round"] == 1].set_index("link_id")
    # round 1 starts from the network's own fixed times (the sourced border times in the data)
    fixed = load_network().links.set_index("link_id")["fixed_time_h"]
    for link in ("tripp_aghband_nrnadzor_road", "alat_aktau_ferry"):
        assert first.at[link, "assumed_h"] == pytest.approx(fixed[link])
    if fb.n_rounds == 2:  # round 2 assigned with round 1's simulated delays (first MSA step is the whole way)
        second = fb.rounds[fb.rounds["round"] == 2].set_index("link_id")
        link = "tripp_aghband_nrnadzor_road"
        assert first.at[link, "observed"]
        assert second.at[link, "assumed_h"] == pytest.approx(first.at[link, "simulated_h"])
    d = fb.to_dict()
    assert d["rounds"] == fb.n_rounds and d["tolerance_h"] == 0.25
    last = fb.rounds[fb.rounds["round"] == fb.n_rounds]
    assert {x["link_id"] for x in d["delays"]} == set(last["link_id"]) and len(d["delays"]) >= 5
    with pytest.raises(ValueError):
        feedback("tripp", tol_h=0)


def test_calibrated_facilities_carry_the_simulated_delay_once():
    """At the flows the simulation ran at, a calibrated facility's assigned time is the simulated delay: its
    service as fixed time, its analytic wait scaled to the simulated wait (not added on top of it)."""
    import pandas as pd

    from corridor.assignment.corridor import assign_corridor
    from corridor.simulation.delays import calibrate_links

    ca = assign_corridor(load_network(), None, None)
    queues = {q.link_id: q for q in ca.freight.queues}
    flows = ca.links[["link_id", "from_node_id", "to_node_id", "flow_t"]]
    ferry = "alat_aktau_ferry"

    def wait(link):
        x = flows.loc[flows["link_id"] == link, "flow_t"].to_numpy()
        return float(np.dot(x, queues[link].assigned_wait_h(x)) / max(x.sum(), 1e-9))

    post = max((link for link, q in queues.items() if q.facility != "ferry"), key=wait)  # the busiest other
    assert wait(post) > 1e-3
    road = next(link for link in flows["link_id"] if link not in queues)  # a road off the border: no queue
    assert ferry in queues and post in queues
    delays = pd.Series({ferry: 12.0, post: 3.0, road: 0.5})
    waits = pd.Series({ferry: 12.0, post: 2.0, road: np.nan})
    # the queues were built with the base overrides already (as the loop's round 1 builds them)
    fixed, over = calibrate_links(queues, flows, delays, waits, {post: {"source": "ops"}})
    assert fixed[ferry] == 0.0 and fixed[post] == pytest.approx(1.0) and fixed[road] == 0.5
    assert over[post]["source"].startswith("ops; ") and road not in over
    for link in (ferry, post):
        q = queues[link].with_values(**{k: v for k, v in over[link].items() if k != "source"})
        x = flows.loc[flows["link_id"] == link, "flow_t"].to_numpy()
        assigned = float(np.dot(x, q.assigned_wait_h(x)) / x.sum())
        assert fixed[link] + assigned == pytest.approx(delays[link])  # the delay, counted once
    # the uncalibrated ferry wait at these flows is far above the simulated one: adding both double counts it
    assert wait(ferry) > 24.0
    assert over[ferry]["wait_factor"] < 0.5


def test_the_loop_assigns_with_the_calibration():
    fb = feedback("tripp", year=2030, days=10, replications=1, max_rounds=2)
    assert fb.fixed_h is not None and fb.queue_overrides is not None
    if fb.n_rounds == 2:  # round 2 assigned calibrated to round 1's simulation
        assert "wait_factor" in fb.queue_overrides["alat_aktau_ferry"]
        assert fb.fixed_h["alat_aktau_ferry"] == 0.0  # a ferry's delay is all waiting for a sailing
        load = fb.assignment.facility_load()
        row = load[load["link_id"] == "alat_aktau_ferry"]
        assert (row["wait_h"] < 24.0 * 40).all()


def test_corridor_run_report_has_the_simulation(tmp_path):
    import json

    from corridor.run import write_outputs
    from corridor.study import load_spec, run_study

    write_outputs(run_study(load_spec("tripp")), tmp_path)
    sim = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["simulation"]
    assert sim["year"] == 2030 and sim["replications"] >= 2 and sim["track"]["capacity"]["trains_per_day"] > 0
    assert any(f["facility"] == "agarak_road:entry" for f in sim["facilities"])
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Operations simulation" in html and "Waiting-time distribution" in html
    assert "Simulated delays against the assignment" in html

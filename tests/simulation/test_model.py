"""The corridor model: traffic from flows, channels from the transit rules, seeds, profiles, ferries, errors."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pandas as pd
import pytest
import simpy

from corridor._errors import ValidationError
from corridor.simulation.arrivals import arrival_times, daily_intensity
from corridor.simulation.channels import ChannelDraw, with_red_rate
from corridor.simulation.config import bundled_operations, load_operations
from corridor.simulation.experiment import simulate
from corridor.simulation.facilities import FerryRoute
from corridor.simulation.traffic import Traffic, traffic_from_link_flows, unit_tonnes
from corridor.transit import traffic as tt
from corridor.transit.risk import DEFAULT_RULES


@pytest.fixture(scope="module")
def ops():
    return bundled_operations()


def _links(ops, flows: dict[tuple[str, str], float]) -> pd.DataFrame:
    rows = [{"link_id": link, "from_node_id": frm, "flow_t": t} for (link, frm), t in flows.items()]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def small(ops):
    """A modest flow on every facility of the bundled operations."""
    flows = {("tripp_aghband_nrnadzor_rail", "aghband_rail"): 1.1e6, ("tripp_aghband_nrnadzor_rail", "nrnadzor_rail"): 0.0,
             ("tripp_aghband_nrnadzor_road", "aghband_road"): 2e5, ("tripp_aghband_nrnadzor_road", "nrnadzor_road"): 4e5,
             ("sadarak_1435_1520", "sadarak_1520"): 5e5}
    for f in ops.ferries.values():
        flows[(f.link, "alat_port")] = 1e6
    return traffic_from_link_flows(_links(ops, flows), ops, year=2030, source="test")


def test_traffic_from_flows_counts_trains_trucks_and_empty_returns(ops, small):
    per = unit_tonnes()
    assert small.loaded[("rail", "westbound")] == pytest.approx(1.1e6 / per["rail"])
    assert small.loaded[("rail", "eastbound")] == 0.0
    # empties come back: as many trains each way
    assert small.segments[("rail", "eastbound")] == pytest.approx(small.segments[("rail", "westbound")])
    assert small.segments[("road", "eastbound")] == pytest.approx(4e5 / per["road"])
    assert small.gauge["sadarak"] == pytest.approx(5e5 / per["rail"])
    t_per_wagon = ops.ferries["alat_aktau"].t_per_wagon.value
    assert small.ferries["alat_aktau"]["alat_port"] == pytest.approx(1e6 / t_per_wagon)


def test_missing_link_is_named(ops):
    with pytest.raises(LookupError, match="tripp_aghband_nrnadzor_rail"):
        traffic_from_link_flows(pd.DataFrame(columns=["link_id", "from_node_id", "flow_t"]), ops, year=2030)


def test_same_seed_same_result_and_workers_do_not_matter(ops, small):
    a = simulate(small, ops=ops, days=8, replications=2, seed=4)
    b = simulate(small, ops=ops, days=8, replications=2, seed=4, workers=2)
    c = simulate(small, ops=ops, days=8, replications=2, seed=5)
    pd.testing.assert_frame_equal(a.facilities, b.facilities)
    assert not a.facilities["mean_wait_h"].equals(c.facilities["mean_wait_h"])
    assert a.events > 0 and a.to_dict()["events"] == a.events


def test_common_random_numbers_across_flows(ops, small):
    """Each arrival stream and the weather draw from their own sub-stream of the seed: more trucks leave the
    ferries' arrivals and closures (and so their waits) exactly as they were; the posts see the extra trucks."""
    more = dataclasses.replace(small, segments={k: v * (1.5 if k[0] == "road" else 1.0)
                                                for k, v in small.segments.items()})
    a = simulate(small, ops=ops, days=30, replications=2, seed=3).facilities.set_index("facility")
    b = simulate(more, ops=ops, days=30, replications=2, seed=3).facilities.set_index("facility")
    ferries = [k for k in a.index if k.startswith("ferry:")]
    assert ferries
    pd.testing.assert_frame_equal(a.loc[ferries], b.loc[ferries])
    assert b.at["nrnadzor_road:entry", "served"] > 1.3 * a.at["nrnadzor_road:entry", "served"]


def test_outputs_per_facility(ops, small):
    r = simulate(small, ops=ops, days=20, replications=3, seed=2)
    fac = r.facilities.set_index("facility")
    assert {"nrnadzor_road:entry", "agarak_road:exit", "single_track", "gauge:sadarak", "ferry:alat_aktau"} <= set(fac.index)
    for col in ("mean_wait_h", "p50_wait_h", "p95_wait_h", "mean_sojourn_h", "utilisation", "units_per_day",
                "mean_queue", "ci95_mean_wait_h"):
        assert fac[col].notna().all(), col
    assert (fac["p95_wait_h"] >= fac["p50_wait_h"]).all()
    assert (fac["mean_sojourn_h"] >= fac["mean_wait_h"]).all()
    assert ((fac["utilisation"] >= 0) & (fac["utilisation"] <= 1)).all()
    # what arrives gets through: trucks per day westbound ≈ the flow / payload / 365
    p = ops.profiles
    per_day = daily_intensity(small.segments[("road", "westbound")], 20, day_of_week=p.road_day_of_week.value,
                              month=p.month.value).mean()
    assert fac.at["nrnadzor_road:entry", "units_per_day"] == pytest.approx(per_day, rel=0.1)
    tr = r.track
    trains = daily_intensity(small.segments[("rail", "westbound")], 20, month=p.month.value).mean()
    assert tr["trains_per_day_westbound"] == pytest.approx(trains, rel=0.35)
    assert tr["capacity"]["trains_per_day"] > tr["trains_per_day_westbound"]
    # the queue series covers the run hour by hour
    assert r.runs[0].queues["ferry:alat_aktau"].size == 20 * 24
    assert not fac["saturated"].any()


def test_overload_is_flagged_saturated(ops, small):
    r = simulate(small.scaled(8.0), ops=ops, days=30, replications=1, seed=1)
    assert r.facility("ferry:alat_aktau")["saturated"]


def test_channels_come_from_the_transit_rules():
    draw = ChannelDraw(random.Random(1))
    n = 20000
    road = [draw.channel("road", i * 24.0 / 200) for i in range(n)]  # 200 a day: quotas bind
    share = {c: road.count(c) / n for c in ("green", "yellow", "red")}
    cigarettes = 1 / len(tt.CARGO)  # HS 24 → HS-SENSITIVE → yellow
    no_hit = 1 - tt.OVERLOAD_SHARE - cigarettes
    assert share["yellow"] == pytest.approx(cigarettes + DEFAULT_RULES.random_rate["yellow"] * no_hit, abs=0.02)
    assert share["red"] == pytest.approx(tt.OVERLOAD_SHARE + DEFAULT_RULES.random_rate["red"] * no_hit, abs=0.01)
    rail = [draw.channel("rail", i * 24.0 / 10) for i in range(4000)]
    assert rail.count("red") / 4000 == pytest.approx(DEFAULT_RULES.random_rate["red"], abs=0.01)
    hot = ChannelDraw(random.Random(1), with_red_rate(DEFAULT_RULES, 0.3))
    red = sum(hot.channel("road", i * 24.0 / 200) == "red" for i in range(5000)) / 5000
    # criteria first (overload → red, cigarettes → yellow), the 30 % random red among the rest
    assert red == pytest.approx(tt.OVERLOAD_SHARE + 0.3 * (1 - tt.OVERLOAD_SHARE - cigarettes), abs=0.02)


def test_inspection_times_are_the_demos():
    draw = ChannelDraw(random.Random(2))
    lo, hi = tt.DOCUMENT_CHECK_MIN
    checks = [draw.entry_service_h("green") for _ in range(500)]
    assert all(lo / 60 <= c <= hi / 60 and i == 0 for c, i in checks)
    reds = [draw.entry_service_h("red")[1] * 60 for _ in range(500)]
    assert min(reds) >= tt.INSPECTION_MIN[0] and max(reds) <= tt.INSPECTION_MIN[1]
    held = sum(draw.entry_service_h("yellow")[1] > 0 for _ in range(4000)) / 4000
    assert held == pytest.approx(tt.YELLOW_INSPECTED_SHARE, abs=0.03)


def test_profiles_shape_the_arrivals(ops):
    p = ops.profiles
    lam = daily_intensity(36500, 365, year=2030, day_of_week=p.road_day_of_week.value, month=p.month.value)
    assert lam.sum() == pytest.approx(36500)
    # 1 January 2030 is a Tuesday; 6 January a Sunday: the weekend is lighter, September heavier than January
    assert lam[5] < lam[0]
    assert lam[243 + 1] > lam[1]
    times = arrival_times(36500, 365, np.random.default_rng(1), year=2030, day_of_week=p.road_day_of_week.value,
                          month=p.month.value, hour_of_day=p.road_hour_of_day.value)
    assert times.size == pytest.approx(36500, rel=0.03)
    hour = np.floor(times % 24).astype(int)
    assert np.sum(hour == 10) > 3 * np.sum(hour == 2)  # trucks drive by day


def test_ferry_weather_closure_stops_sailings(ops):
    spec = ops.ferries["alat_kuryk"]
    env = simpy.Environment()
    route = FerryRoute(env, "k", spec, ("alat_port", "kuryk_port"), 18.0, [(0.0, 500.0)], 0.0)

    def cargo():
        for _ in range(20):
            route.arrive("alat_port", 30)
            yield env.timeout(5)

    env.process(cargo())
    env.run(until=400)
    assert route.sailings == 0 and route.rec.waits == []
    env.run(until=600)
    assert route.sailings > 0 and min(route.rec.waits) >= 500 - 100


def test_bad_operations_file_names_field(tmp_path):
    from corridor.simulation.config import _bundled_path

    bad = tmp_path / "ops.yaml"
    src = _bundled_path().read_text(encoding="utf-8").replace(
        "inspection_bays: {value: 2, source: \"assumption: two bays", "inspection_bays: {value: 0, source: \"assumption: two bays")
    bad.write_text(src, encoding="utf-8")
    with pytest.raises(ValidationError, match=r"border_posts\.nrnadzor_road\.inspection_bays") as e:
        load_operations(bad)
    assert str(bad) in str(e.value)


def test_bundled_figures_all_have_sources(ops):
    sources = ops.sources()
    assert len(sources) > 40
    assert all(s.startswith(("assumption", "facts[", "transit", "lines", "network")) for s in sources.values())


def test_traffic_scaled():
    t = Traffic(2030, {("road", "westbound"): 10.0}, {("road", "westbound"): 10.0}, {"g": 2.0}, {"f": {"p": 3.0}})
    s = t.scaled(2)
    assert s.segments[("road", "westbound")] == 20 and s.gauge["g"] == 4 and s.ferries["f"]["p"] == 6

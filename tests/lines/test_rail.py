"""Rail capacity: the anchors' CIS worked example, automatic block, UIC 406 compression by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from corridor._errors import ValidationError
from corridor.lines.rail import (
    automatic_block_headway_min,
    blocking_stairway,
    double_track_capacity,
    freight_trains_per_day,
    parallel_graph_trains_per_day,
    rail_link_capacity,
    single_track_capacity,
    tonnes_per_year,
    uic406_consumption,
)


def test_anchor_parallel_graph_example():
    # anchors §3: running 12+12 min, intervals 3+3, t_tech 90, alpha 0.9 -> T 30 min -> 40.5 pairs/day
    cap = single_track_capacity([{"name": "A-B", "run_up_min": 12, "run_down_min": 12,
                                  "interval_a_min": 3, "interval_b_min": 3}], tech_window_min=90, alpha=0.9)
    assert cap.critical_period_min == 30
    assert cap.trains_per_day == pytest.approx(40.5)


def test_anchor_automatic_block_example():
    # anchors §3: I 9 min -> N_max 160 pairs/day (no window, alpha 1)
    assert parallel_graph_trains_per_day(9, tech_window_min=0, alpha=1) == pytest.approx(160)
    cap = double_track_capacity(headway_min=9, tech_window_min=0, alpha=1)
    assert cap.trains_per_day == pytest.approx(160)
    assert cap.sources["headway_min"] == "given"


def test_critical_section_is_the_slowest():
    secs = [{"name": "A-B", "run_up_min": 10, "run_down_min": 11},
            {"name": "B-C", "run_up_min": 18, "run_down_min": 15, "interval_a_min": 4},
            {"name": "C-D", "run_up_min": 14, "run_down_min": 14}]
    cap = single_track_capacity(secs, interval_min=3, tech_window_min=120, alpha=0.9)
    assert cap.critical_section == "B-C"
    assert cap.critical_period_min == 18 + 15 + 4 + 3
    assert cap.trains_per_day == pytest.approx((1440 - 120) * 0.9 / 40)
    assert list(cap.sections["period_min"]) == [27, 40, 34]


def test_double_track_beats_single_track_and_passenger_removal():
    single = rail_link_capacity(43, tracks=1)
    double = rail_link_capacity(43, tracks=2)
    assert double.trains_per_day > 3 * single.trains_per_day
    with_pax = rail_link_capacity(43, tracks=1, passenger_trains_per_day=4)
    assert with_pax.freight_trains_per_day == pytest.approx(single.trains_per_day - 1.3 * 4)
    assert with_pax.tonnes_per_year < single.tonnes_per_year
    assert freight_trains_per_day(10, 20, passenger_removal=1.5) == 0.0


def test_link_capacity_defaults_are_reported_as_assumptions():
    cap = rail_link_capacity(43, tracks=1)
    assert {"speed_kmh", "loop_spacing_km", "net_t_per_train"} <= set(cap.assumptions)
    assert "alpha" not in cap.assumptions and cap.sources["alpha"].startswith("anchors")
    # 43 km with loops every 10 km -> 5 sections of 8.6 km at 60 km/h + 2 min start/stop -> T = 2*10.6 + 6
    assert cap.critical_period_min == pytest.approx(2 * (8.6 + 2) + 6)
    assert cap.tonnes_per_year == pytest.approx(cap.freight_trains_per_day * 2200 * 365)


def test_tonnes_conversion_matches_anchor_rule():
    # anchors §3: 15 Mt/yr = 41 kt/day = 17-20 loaded trains/day
    trains = 15e6 / 365 / 2200
    assert 17 <= trains <= 20
    assert tonnes_per_year(trains, 2200) == pytest.approx(15e6)


def test_headway_formula():
    assert automatic_block_headway_min(block_length_km=2, train_length_m=850, speed_kmh=60) == pytest.approx(6.85)


def test_uic406_compression_by_hand():
    # identical trains 10 min apart over 4 blocks of 2 km at 60 km/h, 850 m long, setup/release 0.1 min:
    # critical block headway 2*2 + 0.85 + 0.2 = 5.05 min; one stairway spans 9.05 min -> 4*5.05 + 9.05
    b = pd.concat([blocking_stairway(f"t{i}", [2, 4, 6, 8], depart_min=10 * i, speed_kmh=60, train_length_m=850)
                   for i in range(5)])
    r = uic406_consumption(b, period_min=60)
    assert r.occupancy_min == pytest.approx(4 * 5.05 + 9.05)
    assert r.consumption == pytest.approx(29.25 / 60)
    assert r.ceiling == 0.75 and r.within_ceiling
    firsts = r.compressed.groupby("train")["start_min"].min().sort_values()
    assert list(firsts.index) == ["t0", "t1", "t2", "t3", "t4"]  # order kept
    assert r.compressed["end_min"].max() - r.compressed["start_min"].min() == pytest.approx(r.occupancy_min)


def test_uic406_slow_train_behind_fast_and_day_ceiling():
    fast = blocking_stairway("fast", [2, 4, 6, 8], depart_min=0, speed_kmh=120, train_length_m=400)
    slow = blocking_stairway("slow", [2, 4, 6, 8], depart_min=30, speed_kmh=40, train_length_m=850)
    r = uic406_consumption(pd.concat([fast, slow]), period_min=1440, supplements_min=5)
    # the slow train can enter each block only when the fast one has released it; block 0 binds
    fast_end = fast["end_min"].to_numpy()
    slow_start = slow["start_min"].to_numpy() - 30
    shift = max(fast_end - slow_start)
    assert r.occupancy_min == pytest.approx(shift + slow["end_min"].max() - 30 - fast["start_min"].min())
    assert r.ceiling == 0.60
    assert r.consumption == pytest.approx((r.occupancy_min + 5) / 1440)


def test_errors():
    with pytest.raises(ValidationError, match="run_down_min"):
        single_track_capacity([{"name": "x", "run_up_min": 3}])
    with pytest.raises(ValidationError, match=r"line 2, field 'run_up_min'"):
        single_track_capacity([{"name": "x", "run_up_min": 3, "run_down_min": 3},
                               {"name": "y", "run_up_min": -3, "run_down_min": 3}])
    with pytest.raises(ValidationError, match="tracks must be 1 or 2"):
        rail_link_capacity(10, tracks=3)
    with pytest.raises(ValidationError, match="end_min > start_min"):
        uic406_consumption(pd.DataFrame({"train": ["a"], "block": [0], "start_min": [5], "end_min": [4]}),
                           period_min=60)


def test_link_capacities_of_a_link_table():
    from corridor.lines.rail import rail_link_capacities

    links = pd.DataFrame({"link_id": ["a", "b", "c"], "mode": ["rail", "rail", "road"],
                          "length_km": [43.0, 20.0, 5.0], "free_speed_kmh": [60.0, float("nan"), 90.0],
                          "tracks": [1, 2, 1]})
    df = rail_link_capacities(links).set_index("link_id")
    assert list(df.index) == ["a", "b"]  # rail only
    assert df.at["a", "trains_per_day"] == pytest.approx(rail_link_capacity(43, tracks=1).trains_per_day)
    assert df.at["b", "tracks"] == 2
    assert df.at["b", "tonnes_per_year"] == pytest.approx(rail_link_capacity(20, tracks=2).tonnes_per_year)
    slow = rail_link_capacities(links.assign(free_speed_kmh=30.0)).set_index("link_id")
    assert slow.at["a", "trains_per_day"] < df.at["a", "trains_per_day"]


def test_sources_list_only_inputs_used():
    full = single_track_capacity([{"name": "A-B", "run_up_min": 12, "run_down_min": 12,
                                   "interval_a_min": 3, "interval_b_min": 3}])
    assert "station_interval_min" not in full.sources
    part = single_track_capacity([{"name": "A-B", "run_up_min": 12, "run_down_min": 12, "interval_a_min": 3}])
    assert part.critical_period_min == 12 + 12 + 3 + 3  # the missing interval from the sourced default
    assert part.sources["station_interval_min"].startswith("anchors §3")

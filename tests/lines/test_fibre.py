"""Fibre latency, floor and capacity against the anchors (§5) and hand calculation."""

from __future__ import annotations

import numpy as np
import pytest

from corridor._errors import ValidationError
from corridor.lines.fibre import (
    capacity,
    compare_routes,
    floor_rtt_ms,
    great_circle_km,
    latency,
    path_km,
    us_per_km,
)

FRANKFURT, LONDON, HONG_KONG = (8.682, 50.110), (-0.1276, 51.5072), (114.169, 22.319)


def test_delay_per_km_and_tripp_segment():
    # anchors §5: 4.90 us/km; 43.5 km one way = 213 us, RTT 0.43 ms
    assert us_per_km() == pytest.approx(1.468 / 299792.458 * 1e6)
    assert us_per_km() == pytest.approx(4.90, abs=0.01)
    lat = latency(43.5)
    assert lat.one_way_ms * 1e3 == pytest.approx(213, abs=0.5)
    assert lat.round_trip_ms == pytest.approx(0.426, abs=0.001)
    assert "equipment_us" in lat.sources and lat.sources["equipment_us"].startswith("assumption")


def test_rule_of_thumb_1ms_rtt_per_100km():
    assert latency(100).round_trip_ms == pytest.approx(0.98, abs=0.01)


def test_route_of_links_and_equipment():
    lat = latency([10, 20, 30], equipment_us=50, group_index=1.5)
    assert lat.length_km == 60
    assert lat.one_way_ms == pytest.approx((60 * 1.5 / 299792.458 * 1e6 + 50) / 1e3)
    assert lat.round_trip_ms == pytest.approx(2 * lat.one_way_ms)
    assert lat.sources["group_index"] == "given"


def test_great_circle_and_floor_anchors():
    # anchors §5: Frankfurt-HK 9158 km -> RTT floor 89.7 ms; London-HK 9623 km -> 94.3 ms
    assert great_circle_km(*FRANKFURT, *HONG_KONG) == pytest.approx(9158, abs=5)
    assert great_circle_km(*LONDON, *HONG_KONG) == pytest.approx(9623, abs=5)
    assert floor_rtt_ms(FRANKFURT, HONG_KONG) == pytest.approx(89.7, abs=0.1)
    assert floor_rtt_ms(LONDON, HONG_KONG) == pytest.approx(94.3, abs=0.1)
    # vectorised; quarter meridian
    d = great_circle_km([0, 0], [0, 0], [0, 90], [90, 0])
    assert d == pytest.approx(np.pi / 2 * 6371.0088 * np.ones(2))


def test_compare_routes_stretch_and_gain():
    direct = [FRANKFURT, HONG_KONG]
    detour = [FRANKFURT, (37.6, 55.75), HONG_KONG]  # via Moscow
    df = compare_routes({"direct": direct, "via moscow": detour, "quoted length": 9700.0},
                        LONDON, HONG_KONG, baseline="via moscow", route_factor=1.0)
    row = df.set_index("route")
    assert row.at["direct", "length_km"] == pytest.approx(path_km(direct))
    assert row.at["via moscow", "length_km"] > row.at["direct", "length_km"]
    assert row.at["via moscow", "gain_rtt_ms"] == 0
    assert row.at["direct", "gain_rtt_ms"] > 0
    assert (df["stretch"] > 0).all() and row.at["direct", "floor_rtt_ms"] == pytest.approx(94.3, abs=0.1)
    assert df.attrs["sources"]["route_factor"] == "given"
    # a route factor scales waypoint routes only
    df2 = compare_routes({"direct": direct, "given": 1000.0}, FRANKFURT, HONG_KONG)
    assert df2.set_index("route").at["direct", "length_km"] == pytest.approx(1.25 * path_km(direct))
    assert df2.set_index("route").at["given", "length_km"] == 1000.0


def test_capacity():
    c = capacity(4, band="C+L")
    assert c.total_tbps == 4 * 64 and c.sources["per_pair_tbps"].startswith("anchors §5")
    assert capacity(2).per_pair_tbps == 25.6
    assert capacity(3, per_pair_tbps=40).total_tbps == 120


def test_errors():
    with pytest.raises(ValidationError, match="band"):
        capacity(2, band="S")
    with pytest.raises(ValidationError, match="whole number"):
        capacity(1.5)
    with pytest.raises(ValidationError, match=">= 0 km"):
        latency(-1)
    with pytest.raises(ValidationError, match="lat within"):
        path_km([(0, 0), (10, 95)])
    with pytest.raises(ValidationError, match="baseline"):
        compare_routes({"a": 10.0}, FRANKFURT, HONG_KONG, baseline="b")

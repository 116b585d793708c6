"""Trade impact: the anchors of infra-anchors §7, treatments, monotonicity and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor._errors import ValidationError
from corridor.economics import trade


@pytest.fixture(scope="module")
def params():
    return trade.load_parameters()


def _routes(**over):
    row = {
        "origin_country": "AZ",
        "destination_country": "TR",
        "time_h_before": 96.0,
        "time_h_after": 24.0,
        "cost_usd_per_t_before": 50.0,
        "cost_usd_per_t_after": 50.0,
    }
    row.update(over)
    return pd.DataFrame([row])


def test_dfp_three_days_saved_at_least_three_percent(params):
    assert trade.dfp_change(3.0) >= 0.03
    imp = trade.trade_impact(_routes(), params=params)  # 3 days saved, same cost
    assert imp.pairs.change_pct_low.iloc[0] >= 3.0
    assert imp.pairs.change_pct_low.iloc[0] == pytest.approx(100 * np.expm1(0.03))


def test_hummels_schaur_tariff_equivalent_of_three_days(params):
    lo = trade.tariff_equivalent(3, params.hs_tariff_per_day_low.value)
    hi = trade.tariff_equivalent(3, params.hs_tariff_per_day_high.value)
    assert (lo, hi) == pytest.approx((0.018, 0.063))


def test_zero_change_gives_zero(params):
    imp = trade.trade_impact(_routes(time_h_after=96.0), params=params)
    for case in trade.CASES:
        assert imp.pairs[f"change_usd_{case}"].iloc[0] == 0.0
        assert imp.totals_usd[case] == 0.0


def test_cases_ordered_and_use_sourced_baseline(params):
    imp = trade.trade_impact(_routes(), params=params)
    p = imp.pairs.iloc[0]
    assert p.baseline_trade_usd == 7.5e9 and p.baseline_source.startswith("facts[90]")
    assert 0 < p.change_usd_low < p.change_usd_central < p.change_usd_high
    # central: HS at 1.35 %/day and sigma 5 on 4 -> 1 days; the unchanged cost stays in tau's level
    c = 50.0 / params.value_usd_per_t.value
    expected = ((1 + 0.0135 * 1 + c) / (1 + 0.0135 * 4 + c)) ** -5 - 1
    assert p.change_usd_central == pytest.approx(7.5e9 * expected)


def test_cost_channel_alone(params):
    imp = trade.trade_impact(_routes(time_h_after=96.0, cost_usd_per_t_after=20.0), params=params)
    v = params.value_usd_per_t.value
    expected = ((1 + 20 / v) / (1 + 50 / v)) ** -4.0 - 1
    assert imp.pairs.change_pct_low.iloc[0] == pytest.approx(100 * expected)
    assert imp.pairs.change_pct_low.iloc[0] > 0


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 30, allow_subnormal=False), st.floats(0, 10, allow_subnormal=False),
       st.floats(0, 200, allow_subnormal=False), st.floats(0, 100, allow_subnormal=False))
def test_monotone_in_time_and_cost_saved(days_after, extra_days, cost_after, extra_cost):
    params = trade.load_parameters()
    da = np.array([days_after, days_after])
    db = np.array([days_after + extra_days, days_after + extra_days + 1.0])
    ca = np.array([cost_after, cost_after])
    cb = np.array([cost_after + extra_cost, cost_after + extra_cost + 10.0])
    r = trade.trade_ratios(db, da, cb, ca, params)
    for case in trade.CASES:
        assert r[case][0] >= 1.0 - 1e-12
        assert r[case][1] > r[case][0]
    # a loss mirrors a gain: swapping before/after inverts the ratio
    back = trade.trade_ratios(da, db, ca, cb, params)
    for case in trade.CASES:
        assert np.allclose(back[case] * r[case], 1.0)


def test_newly_possible_pair_capped(params):
    imp = trade.trade_impact(_routes(time_h_before=np.nan, cost_usd_per_t_before=np.nan), params=params)
    p = imp.pairs.iloc[0]
    assert p.newly_possible
    assert p.days_saved == pytest.approx(params.new_route_cap_days.value)
    assert p.cost_saved_usd_per_t == 0
    assert any("extra days" in n for n in imp.notes)


def test_domestic_and_missing_baseline_not_counted(params):
    df = pd.concat([_routes(destination_country="AZ"), _routes(destination_country="GE")])
    imp = trade.trade_impact(df, params=params)
    assert not imp.pairs.counted.any()
    assert imp.totals_usd == {"low": 0.0, "central": 0.0, "high": 0.0}
    assert any("domestic" in n for n in imp.notes) and any("no baseline" in n for n in imp.notes)


def test_routes_of_a_pair_averaged_by_weight_and_direction_ignored(params):
    df = pd.concat([_routes(weight=3.0), _routes(origin_country="TR", destination_country="AZ",
                                                 time_h_after=96.0, weight=1.0)])
    imp = trade.trade_impact(df, params=params)
    assert len(imp.pairs) == 1 and imp.pairs.routes.iloc[0] == 2
    assert imp.pairs.days_saved.iloc[0] == pytest.approx(0.75 * 3.0)


def test_place_pairs_mapped_to_countries(params):
    df = pd.DataFrame([{"origin": "baku", "destination": "kars", "time_h_before": 96, "time_h_after": 72,
                        "cost_usd_per_t_before": 45, "cost_usd_per_t_after": 40}])
    imp = trade.trade_impact(df, params=params, place_country={"baku": "AZ", "kars": "TR"})
    assert imp.pairs.pair.iloc[0] == "AZ–TR"
    with pytest.raises(ValidationError, match="place has no country"):
        trade.trade_impact(df, params=params, place_country={"baku": "AZ"})


def test_bad_rows_collected_with_file_and_line(params):
    df = pd.concat([_routes(time_h_after=-1.0), _routes(corridor_share=1.5, origin_country="Azerbaijan")])
    with pytest.raises(ValidationError) as e:
        trade.trade_impact(df, params=params, file="routes.csv", row_offset=2)
    msg = str(e.value)
    assert len(e.value.problems) == 3
    assert "routes.csv, line 2, field 'time_h_after'" in msg
    assert "routes.csv, line 3, field 'corridor_share'" in msg and "ISO alpha-2" in msg


def test_missing_columns_named(params):
    with pytest.raises(ValidationError, match="missing column"):
        trade.trade_impact(pd.DataFrame([{"origin_country": "AZ"}]), params=params)


def test_bundled_case_sourced_and_plausible():
    case = trade.bundled_trade_case()
    t = case["totals_usd"]
    assert 0 < t["low"] < t["central"] < t["high"]
    pairs = {p["pair"]: p for p in case["pairs"]}
    assert pairs["AZ–KZ"]["change_usd_central"] == 0.0  # TRIPP is not on that route
    assert pairs["AZ–TR"]["baseline_trade_usd"] == 7.5e9
    assert any(a.startswith("Baku–Kars rail.time_h_before: assumption") for a in case["assumptions"])
    assert any(a.startswith("baseline KZ–TR") for a in case["assumptions"])


def test_bundled_yaml_every_number_sourced():
    _, assumptions = trade.load_routes()
    assert assumptions  # the route times and costs are stated assumptions
    params = trade.load_parameters()
    assert params.dfp_semi_elasticity_per_day.source.startswith("Djankov")
    assert not params.hs_tariff_per_day_high.is_assumption


def test_routes_yaml_error_names_line(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("routes:\n  - origin_country: AZ\n    destination_country: TR\n    time_h_before: 3\n")
    with pytest.raises(ValidationError) as e:
        trade.load_routes(p)
    assert "r.yaml, line 4, field 'routes.0.time_h_before'" in str(e.value)


def test_parameter_override_marked_user_input():
    p = trade.load_parameters(value_usd_per_t=3000)
    assert p.value_usd_per_t.value == 3000 and p.value_usd_per_t.source == "user input"
    with pytest.raises(ValidationError, match="unknown trade parameter"):
        trade.load_parameters(bogus=1)

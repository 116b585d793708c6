"""The bundled TRIPP line cases and their plots: internal consistency with the network and the models."""

from __future__ import annotations

import re

import pytest

from corridor.lines.cases import gas_line, read_inputs
from corridor.lines.fibre import latency
from corridor.lines.gas import gas_profile
from corridor.lines.plots import case_plots, latency_svg, pressure_profile_svg
from corridor.network.io import load_network
from corridor.study import load_spec
from corridor.study.lines import spec_case


@pytest.fixture(scope="module")
def summary():
    return {k: spec_case(k) for k in ("gas", "oil", "fibre", "rail")}


def test_gas_case(summary):
    g = summary["gas"]
    net = load_network().links.set_index("link_id")
    assert g["length_km"] == pytest.approx(net.loc[["tripp_aghband_meghri_gas", "tripp_meghri_sallammelik_gas",
                                                    "sallammelik_nakhchivan_gas"], "length_km"].sum())
    prof = g["profile_capacity"]
    assert prof["p_bara"].iloc[-1] == pytest.approx(g["p_out_bara"], abs=1e-6)
    assert prof["p_bara"].min() >= g["p_out_bara"] - 1e-6
    assert g["demand_outlet_bara"] > g["p_out_bara"]
    assert g["capacity_mcm_d"] > g["demand_mcm_d"]
    # 5 % more than capacity must be refused, naming the chainage
    spec = load_spec("tripp")
    line, op, _ = gas_line(load_network(), spec.lines.gas, read_inputs(spec.path(spec.lines.inputs)))
    from corridor._errors import PhysicsError

    with pytest.raises(PhysicsError, match=r"at km \d+\.\d\d of 123"):
        gas_profile(line, g["capacity"]["flow_sm3_s"] * 1.05, op["p_in_bara"])
    sizes = g["by_size"].set_index("size")
    assert sizes["capacity_mcm_d"].is_monotonic_increasing
    assert sizes.at['16"', "capacity_mcm_d"] == pytest.approx(g["capacity_mcm_d"])
    for k in ("diameter_m", "p_in_bara", "profile", "sizes_inner_m"):
        assert k in g["assumptions"]
    assert g["sources"]["demand_mcm_d"].startswith("facts[51]")


def test_oil_case(summary):
    o = summary["oil"]
    net = load_network().links.set_index("link_id")
    assert o["length_km"] == pytest.approx(net.loc[["sangachal_aghband_oil", "tripp_aghband_meghri_oil",
                                                    "tripp_meghri_sallammelik_oil", "sallammelik_nakhchivan_oil"],
                                                   "length_km"].sum())
    prof = o["profile_capacity"]
    assert prof["p_bara"].iloc[-1] == pytest.approx(o["p_out_bara"], abs=1e-6)
    assert prof["p_bara"].min() > 2.0 - 1e-9  # never below the stated minimum
    assert [s["km"] for s in o["stations"]] == [165.0, 329.5]
    for s in o["stations"]:  # head = pressure rise / (rho g); power = rho g Q H / eta (0.8 default)
        assert s["head_m"] == pytest.approx((s["discharge_bara"] - s["suction_bara"]) * 1e5 / (850 * 9.80665))
        assert s["power_kw"] == pytest.approx(850 * 9.80665 * o["capacity_m3_s"] * s["head_m"] / 0.8 / 1e3)
    assert o["capacity_mt_yr"] == pytest.approx(o["capacity_m3_s"] * 850 * 86400 * 365 / 1e9)
    assert {"diameter_m", "pump_km", "profile"} <= set(o["assumptions"])


def test_fibre_case(summary):
    f = summary["fibre"]
    assert f["segment_length_km"] == pytest.approx(43.0)
    assert f["segment_rtt_ms"] == pytest.approx(latency(43.0).round_trip_ms)
    r = f["routes"].set_index(["pair", "route"])
    nb_with = r.loc[("nakhchivan–baku", "best with TRIPP")]
    nb_without = r.loc[("nakhchivan–baku", "without TRIPP")]
    assert "meghri" in nb_with["places"] and "meghri" not in nb_without["places"]
    assert nb_with["gain_rtt_ms"] == pytest.approx(nb_without["rtt_ms"] - nb_with["rtt_ms"])
    assert nb_with["gain_rtt_ms"] > 0
    # the best route never beats the floor, and "best" is never worse than "without"
    assert (f["routes"]["stretch"] >= 1).all()
    best = f["routes"][f["routes"]["route"] == "best with TRIPP"].set_index("pair")["rtt_ms"]
    without = f["routes"][f["routes"]["route"] == "without TRIPP"].set_index("pair")["rtt_ms"]
    assert (best <= without + 1e-9).all()
    assert f["capacity_tbps"] == f["pairs"] * f["per_pair_tbps"]
    assert {"pairs", "band"} <= set(f["assumptions"])


def test_rail_case(summary):
    r = summary["rail"]
    sec = r["sections"]
    assert r["single"]["critical_section"] == sec.loc[sec["length_km"].idxmax(), "name"]
    assert r["single_mt_yr"] == pytest.approx(r["single"]["freight_trains_per_day_per_direction"] * 2200 * 365 / 1e6)
    assert r["double_mt_yr"] > r["single_mt_yr"]
    assert r["claimed_mt_yr"] == 15.0
    assert "net_t_per_train" in r["assumptions"]


def test_plots_are_inline_svg(summary):
    plots = case_plots(summary)
    assert set(plots) == {"gas_pressure_profile", "oil_pressure_profile", "fibre_latency", "rail_sections"}
    for svg in plots.values():
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "<text" in svg  # svg.fonttype none: text kept as text
        assert not re.search(r'href="(?!#)', svg)  # only internal references
        assert "<image" not in svg
    assert "mcm/d" in plots["gas_pressure_profile"]
    assert "nakhchivan–baku" in plots["fibre_latency"]


def test_plot_functions_on_own_data():
    import pandas as pd

    t = pd.DataFrame({"km": [0, 10], "p_bara": [70, 60], "elevation_m": [0, 100]})
    svg = pressure_profile_svg({"case A": t}, min_pressure_bara=30)
    assert "case A" in svg and "minimum 30 bar(a)" in svg
    routes = pd.DataFrame({"pair": ["a–b"], "route": ["r1"], "rtt_ms": [5.0], "floor_rtt_ms": [4.0]})
    assert "a–b: r1" in latency_svg(routes)

"""Pipelines against the worked examples of ../shared/anchors/infra-anchors.md (T1-T5, PP-G1, PP-O1) and fluids."""

from __future__ import annotations

import math

import fluids
import numpy as np
import pytest

from corridor._errors import PhysicsError, ValidationError
from corridor.lines.pipelines import (
    GasLine,
    LiquidLine,
    colebrook,
    gas_capacity,
    gas_profile,
    line_from_dict,
    liquid_capacity,
    liquid_profile,
    pump_duty,
    swamee_jain,
    z_cnga,
    z_papay,
)

MI, PSI, FT, BBL = 1609.344, 6894.757293168, 0.3048, 0.158987294928
MMSCFD = 1e6 * FT**3 / 86400  # Sm3/s per MMscfd


# T5: friction factors
@pytest.mark.parametrize(("re", "cb", "sj"), [(1e5, 0.018514, 0.018452), (1e6, 0.013441, 0.013508)])
def test_t5_friction(re, cb, sj):
    assert colebrook(re, 1e-4) == pytest.approx(cb, abs=6e-7)
    assert swamee_jain(re, 1e-4) == pytest.approx(sj, abs=6e-7)


def test_friction_vectorised_and_laminar():
    f = colebrook(np.array([1e3, 1e5, 1e6]), 1e-4)
    assert f.shape == (3,)
    assert f[0] == pytest.approx(64 / 1e3)
    assert f[1] > f[2]


# T1: Crane TP-410 Ex. 7-18 (Weymouth E 1, Panhandle A E 0.92, isothermal); fluids' 60 F base temperature
@pytest.mark.parametrize(("eq", "e", "crane", "tol"), [
    ("weymouth", 1.0, 105.1, 0.002), ("panhandle_a", 0.92, 128.2, 0.002), ("isothermal", 1.0, 107.8, 0.005)])
def test_t1_crane_7_18(eq, e, crane, tol):
    line = GasLine(diameter_m=0.33976, length_km=100 * MI / 1e3, equation=eq, specific_gravity=0.6943,
                   temperature_k=(40 - 32) / 1.8 + 273.15, z=1.0, efficiency=e, base_temperature_k=288.7,
                   roughness_mm=0.0018 * 25.4, viscosity_pa_s=1.0e-5)
    q = gas_capacity(line, 1300 * PSI / 1e5, 300 * PSI / 1e5).flow_sm3_s / MMSCFD
    assert q == pytest.approx(crane, rel=tol)


# T2: fluids docstrings (Menon), base temperature 288.7 K
@pytest.mark.parametrize(("eq", "expected"), [("weymouth", 32.077), ("panhandle_a", 42.561),
                                              ("panhandle_b", 42.354)])
def test_t2_menon(eq, expected):
    line = GasLine(diameter_m=0.340, length_km=160, equation=eq, specific_gravity=0.693, temperature_k=277.15,
                   z=1.0, efficiency=0.92, base_temperature_k=288.7)
    assert gas_capacity(line, 90, 20).flow_sm3_s == pytest.approx(expected, rel=1e-4)


# T3: own SI case; the anchors' figures use the 60 F (288.7 K) base temperature of fluids
@pytest.mark.parametrize(("eq", "expected", "tol"), [
    ("weymouth", 118.87, 1e-4), ("panhandle_a", 148.93, 1e-4), ("panhandle_b", 144.42, 1e-4),
    ("aga", 126.71, 5e-4)])  # AGA: Menon's 38.77 constant vs our exact SI constant differ by 0.03 %
def test_t3_si_case(eq, expected, tol):
    line = GasLine(diameter_m=0.5898, length_km=100, equation=eq, specific_gravity=0.6, temperature_k=288.15,
                   z=0.9, efficiency=1.0, roughness_mm=0.02, base_temperature_k=288.7)
    assert gas_capacity(line, 70, 50).flow_sm3_s == pytest.approx(expected, rel=tol)


def test_aga_transmission_factor_t3():
    line = GasLine(diameter_m=0.5898, length_km=100, equation="aga", roughness_mm=0.02, z=0.9)
    f = gas_capacity(line, 70, 50).friction_factor
    assert 2 / math.sqrt(f) == pytest.approx(20.152, abs=1e-3)


def test_pp_g1_outlet_pressure_close_to_pandapipes():
    # anchors §1 PP-G1: pandapipes (Z linear in p) 57.733 barg, hand isothermal with Z 0.87: 57.76 barg
    line = GasLine(diameter_m=0.59, length_km=100, specific_gravity=0.6, temperature_k=288.15, roughness_mm=0.02)
    r = gas_profile(line, 40.93, 61.01325)
    assert r.p_out_bara - 1.01325 == pytest.approx(57.76, abs=0.15)
    assert r.friction_factor == pytest.approx(0.01051, abs=2e-5)
    assert r.table["p_bara"].is_monotonic_decreasing
    assert r.assumptions == ["viscosity_pa_s"]  # the only property not given here


def test_gas_capacity_inverts_profile_and_is_monotone():
    line = GasLine(diameter_m=0.4, length_km=80)
    cap = gas_capacity(line, 70, 40)
    assert cap.p_out_bara == pytest.approx(40, abs=1e-6)
    assert cap.note == "limited by the outlet pressure 40 bar(a)"
    assert gas_profile(line, cap.flow_sm3_s * 0.9, 70).p_out_bara > 40
    assert gas_capacity(line, 70, 30).flow_sm3_s > cap.flow_sm3_s


def test_uphill_reduces_capacity_and_elevation_lowers_pressure():
    flat = GasLine(diameter_m=0.4, length_km=50, z=0.9)
    hill = GasLine(diameter_m=0.4, profile=[{"km": 0, "elevation_m": 0}, {"km": 50, "elevation_m": 1500}], z=0.9)
    assert gas_capacity(hill, 70, 40).flow_sm3_s < gas_capacity(flat, 70, 40).flow_sm3_s
    # static head of a column of gas: p2 = p1 exp(-g M h / Z R T) at (almost) zero flow
    r = gas_profile(hill, 1e-6, 70)
    s = 9.80665 * 0.6 * 1500 / (287.05 * 288.15 * 0.9)
    assert r.p_out_bara == pytest.approx(70 * math.exp(-s), rel=1e-6)


def test_gas_too_much_flow_names_the_point():
    line = GasLine(diameter_m=0.3, length_km=100, min_pressure_bara=30)
    cap = gas_capacity(line, 70, 30)
    with pytest.raises(PhysicsError, match=r"minimum 30 bar\(a\) at km 9\d\.\d\d of 100"):
        gas_profile(line, cap.flow_sm3_s * 1.02, 70)
    with pytest.raises(PhysicsError, match=r"zero absolute pressure at km"):
        gas_profile(GasLine(diameter_m=0.3, length_km=100), cap.flow_sm3_s * 3, 70)


def test_compressor_station_restores_pressure_and_uses_power():
    plain = GasLine(diameter_m=0.4, length_km=200, z=0.9)
    boosted = GasLine(diameter_m=0.4, length_km=200, z=0.9, compressors=[{"km": 100, "discharge_bara": 70}])
    q = gas_capacity(plain, 70, 30).flow_sm3_s
    r = gas_profile(boosted, q, 70)
    st = r.stations[0]
    assert st["discharge_bara"] == pytest.approx(70)
    assert 30 < st["suction_bara"] < 70
    assert r.p_out_bara == pytest.approx(st["suction_bara"], rel=1e-9)  # two identical halves
    # power: ṁ k/(k-1) Z R T (r^((k-1)/k) - 1)/η with k 1.3, η 0.8 (defaults)
    m = q * 101325 * 0.6 / (287.05 * 288.15)
    ratio = 70 / st["suction_bara"]
    expect = m * 1.3 / 0.3 * 0.9 * (287.05 / 0.6) * 288.15 * (ratio ** (0.3 / 1.3) - 1) / 0.8 / 1e3
    assert st["power_kw"] == pytest.approx(expect, rel=1e-9)
    assert gas_capacity(boosted, 70, 30).flow_sm3_s > q


def test_z_correlations():
    # at 70 bar, 15 °C, SG 0.6 both give Z about 0.86-0.90; Z -> 1 at low pressure
    zp = z_papay(70e5, 288.15, 0.6)
    zc = z_cnga(70e5, 288.15, 0.6)
    assert 0.84 < zp.z < 0.90 and zp.in_range
    assert abs(zp.z - zc.z) < 0.03
    assert z_papay(1.01325e5, 288.15, 0.6).z == pytest.approx(1.0, abs=0.01)
    assert not z_papay(500e5, 200, 0.6).in_range


@pytest.mark.parametrize("seed", range(5))
def test_gas_against_fluids_random(seed):
    rng = np.random.default_rng(seed)
    d, length, p1 = rng.uniform(0.2, 1.2), rng.uniform(10, 300), rng.uniform(40, 100)
    p2 = p1 * rng.uniform(0.3, 0.9)
    sg, t = rng.uniform(0.55, 0.75), rng.uniform(275, 310)
    for eq, fn in (("weymouth", fluids.Weymouth), ("panhandle_a", fluids.Panhandle_A),
                   ("panhandle_b", fluids.Panhandle_B)):
        line = GasLine(diameter_m=d, length_km=length, equation=eq, specific_gravity=sg, temperature_k=t,
                       z=0.9, efficiency=0.92, base_temperature_k=288.7)
        ours = gas_capacity(line, p1, p2).flow_sm3_s
        ref = fn(SG=sg, Tavg=t, L=length * 1e3, D=d, P1=p1 * 1e5, P2=p2 * 1e5, Zavg=0.9, E=0.92)
        assert ours == pytest.approx(ref, rel=2e-4), eq
    # general isothermal: fluids.isothermal_gas is exact with the INLET density (anchors trap)
    line = GasLine(diameter_m=d, length_km=length, specific_gravity=sg, temperature_k=t, z=0.9,
                   roughness_mm=0.02, viscosity_pa_s=1.1e-5)
    r = gas_capacity(line, p1, p2)
    m = r.flow_sm3_s * 101325 * sg / (287.05 * 288.15)
    rho1 = p1 * 1e5 * sg / (0.9 * 287.05 * t)
    assert fluids.isothermal_gas(rho=rho1, fd=r.friction_factor, P1=p1 * 1e5, P2=p2 * 1e5, L=length * 1e3,
                                 D=d) == pytest.approx(m, rel=1e-6)
    assert r.friction_factor == pytest.approx(fluids.friction.Colebrook(r.reynolds, 2e-5 / d), rel=1e-9)


# T4: Crane TP-410 Ex. 7-17
def test_t4_crane_7_17_pump():
    line = LiquidLine(diameter_m=0.30704, profile=[{"km": 0, "elevation_m": 0},
                                                   {"km": 50 * MI / 1e3, "elevation_m": 2000 * FT}],
                      roughness_mm=0.0022 * 25.4, density_kg_m3=875.25, viscosity_pa_s=0.0125)
    d = pump_duty(line, 1900 * BBL / 3600, efficiency=0.67)
    assert d.reynolds == pytest.approx(24364, rel=1e-4)
    assert d.friction_factor == pytest.approx(0.02511, abs=1e-5)
    assert d.head_m / FT == pytest.approx(3413.8, abs=0.5)
    assert d.power_kw == pytest.approx(1118.5, abs=0.5)
    assert d.head_m / FT == pytest.approx(3406.5, rel=0.005)  # Crane's own chart-read answer


def test_pp_o1_crude_pressure_drop():
    line = LiquidLine(diameter_m=0.5, length_km=100, density_kg_m3=850, viscosity_pa_s=0.01, roughness_mm=0.045)
    r = liquid_profile(line, 0.5, 120)
    assert r.reynolds == pytest.approx(108225, rel=1e-4)
    assert r.friction_factor == pytest.approx(0.01819, abs=1e-5)
    assert 120 - r.p_out_bara == pytest.approx(100.27, abs=0.01)


@pytest.mark.parametrize("seed", range(5))
def test_liquid_against_fluids_random(seed):
    rng = np.random.default_rng(100 + seed)
    d, q, mu, rho = rng.uniform(0.1, 1.0), rng.uniform(0.01, 1.5), rng.uniform(1e-3, 0.05), rng.uniform(700, 1000)
    eps = rng.uniform(0.005, 0.1)
    for method, fn in (("colebrook", fluids.friction.Colebrook), ("swamee_jain", fluids.friction.Swamee_Jain_1976)):
        line = LiquidLine(diameter_m=d, length_km=10, friction=method, density_kg_m3=rho, viscosity_pa_s=mu,
                          roughness_mm=eps, min_pressure_bara=1e-6, max_step_km=10)
        v = q / (math.pi * d * d / 4)
        re = rho * v * d / mu
        if re < 2300:
            continue
        dp_ref = fluids.dP_from_K(fluids.K_from_f(fd=fn(re, eps / 1e3 / d), L=1e4, D=d), rho=rho, V=v)
        try:
            r = liquid_profile(line, q, 1e4)
        except PhysicsError:
            continue
        assert (1e4 - r.p_out_bara) * 1e5 == pytest.approx(dp_ref, rel=1e-5)


def test_liquid_below_vapour_pressure_names_point_and_pumps_fix_it():
    line = LiquidLine(diameter_m=0.5, length_km=100)
    with pytest.raises(PhysicsError, match=r"minimum 0.5 bar\(a\).*at km 89\.\d\d of 100"):
        liquid_profile(line, 0.5, 90)
    pumped = LiquidLine(diameter_m=0.5, length_km=100, pumps=[{"km": 50, "head_m": 600}])
    r = liquid_profile(pumped, 0.5, 90)
    assert r.p_out_bara > 0.5
    st = r.stations[0]
    assert st["discharge_bara"] - st["suction_bara"] == pytest.approx(850 * 9.80665 * 600 / 1e5)
    assert st["power_kw"] == pytest.approx(850 * 9.80665 * 0.5 * 600 / 0.8 / 1e3)
    cap = liquid_capacity(line, 120, 20)
    assert cap.p_out_bara == pytest.approx(20, abs=1e-6)


def test_downhill_liquid_gains_pressure():
    line = LiquidLine(diameter_m=0.5, profile=[{"km": 0, "elevation_m": 1000}, {"km": 10, "elevation_m": 0}])
    r = liquid_profile(line, 0.01, 5)
    assert r.p_out_bara == pytest.approx(5 + 850 * 9.80665 * 1000 / 1e5, rel=1e-3)


def test_line_from_dict_errors_name_fields():
    with pytest.raises(ValidationError, match="field 'kind'"):
        line_from_dict({"kind": "steam"}, file="x.yaml")
    with pytest.raises(ValidationError, match=r"x.yaml, field 'diameter_m'"):
        line_from_dict({"kind": "gas", "diameter_m": -1, "length_km": 10}, file="x.yaml")
    with pytest.raises(ValidationError, match="exactly one of discharge_bara or ratio"):
        line_from_dict({"kind": "gas", "diameter_m": 0.5, "length_km": 10, "compressors": [{"km": 5}]})
    with pytest.raises(ValidationError, match="not inside the line"):
        line_from_dict({"kind": "gas", "diameter_m": 0.5, "length_km": 10,
                        "compressors": [{"km": 15, "ratio": 1.3}]})
    with pytest.raises(ValidationError, match=r"pump at km 5\.0: give exactly one of discharge_bara or head_m"):
        line_from_dict({"kind": "liquid", "diameter_m": 0.5, "length_km": 10,
                        "pumps": [{"km": 5, "head_m": 100, "discharge_bara": 50}]})


@pytest.mark.parametrize("kind", ["gas", "liquid"])
def test_capacity_uphill_beyond_reach_names_the_line_and_pressures(kind):
    # 3 km of climb: no flow at all gets from 20 to 15 bar(a) (liquid head alone is ~250 bar; gas ~0.4 bar)
    line = line_from_dict({"kind": kind, "name": "ridge", "diameter_m": 0.5,
                           "profile": [{"km": 0, "elevation_m": 0}, {"km": 50, "elevation_m": 3000}]})
    p_out = 19.9 if kind == "gas" else 15
    capacity = gas_capacity if kind == "gas" else liquid_capacity
    with pytest.raises(PhysicsError, match=rf"ridge: even at zero flow the outlet pressure does not reach {p_out:g} "
                                           r"bar\(a\) from 20 bar\(a\)"):
        capacity(line, 20, p_out)

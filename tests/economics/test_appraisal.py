"""Economic appraisal: rule of a half, measures, year-by-year cash flow, published worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from corridor._errors import ValidationError
from corridor.economics import cashflow as cf
from corridor.economics.appraisal import (
    AppraisalFlows,
    ClassFlows,
    appraise,
    load_inputs,
    measures,
    rule_of_a_half,
)


def test_rule_of_a_half_published_example():
    """Harvard Kennedy School API-105b, 2007 exam, "Shannon's Taxis" part e (answer as published at
    api105b.blogspot.com/2007/12/shannons-taxis.html): a fare rise of $1 on 1,000 rides a day, and 20 rides lost,
    costs riders $1 x 1000 + 1/2 x $1 x 20 = $1,010 of consumer surplus."""
    loss = -float(rule_of_a_half(1020, 1000, 5.0, 6.0))  # 1,020 rides at $5, 1,000 at $6
    assert loss == pytest.approx(1010.0, abs=0.005)


def test_measures_published_example():
    """Rogers, M. (2003) Highway Engineering, Blackwell, §3.3.6 "Highway CBA worked example", p. 56 (read at
    issuhub.com/view/index/4685?pageIndex=72): discounted benefits £65,188,612 and discounted costs £26,326,133 at
    the agreed 6 % give NPV £38,862,479 and B/C 2.476 (its IRR, 28.1 %, needs the yearly table of pp. 54-55, which
    could not be retrieved, so it is not tested here)."""
    benefits = np.array([0.0, 65_188_612.0])
    costs = np.array([0.0, 26_326_133.0])
    enpv, _eirr, _status, bcr = measures(0.0, benefits, costs)
    assert enpv == pytest.approx(38_862_479.0, abs=0.5)
    assert round(bcr, 3) == 2.476


def test_eirr_published_example():
    """Gitman, L. J. (2003) Principles of Managerial Finance, Brief, 3rd ed., Addison-Wesley, p. 348, as quoted in
    the numpy(-financial) ``irr`` documentation: invest 100, receive 39, 59, 55, 20 -> IRR 0.28095 (5 decimals)."""
    benefits = np.array([0.0, 39.0, 59.0, 55.0, 20.0])
    costs = np.array([100.0, 0.0, 0.0, 0.0, 0.0])
    enpv, eirr, status, bcr = measures(0.281, benefits, costs)
    assert status == "unique" and round(eirr, 5) == 0.28095
    assert round(enpv, 6) == -0.008479  # NPV at 28.1 % (numpy-financial docs, infra-anchors §6)
    assert bcr == pytest.approx(cf.npv(0.281, benefits) / 100.0)


def test_measures_npv_irr_bcr_consistent():
    benefits = np.array([0, 0, 50, 60, 60, 60, 60, 60, 60, 60.0])
    costs = np.array([100, 100, 5, 5, 5, 5, 5, 5, 5, 5.0])
    enpv, eirr, status, bcr = measures(0.05, benefits, costs)
    assert enpv == pytest.approx(cf.npv(0.05, benefits - costs))
    assert status == "unique" and cf.npv(eirr, benefits - costs) == pytest.approx(0.0, abs=1e-6)
    assert bcr == pytest.approx(cf.npv(0.05, benefits) / cf.npv(0.05, costs))
    assert (enpv > 0) == (bcr > 1) == (eirr > 0.05)


def _flows(dt_h: float = 1.0, tonnes: float = 1e6) -> AppraisalFlows:
    """One class, one year: every tonne saves ``dt_h`` hours and 2 USD, and moves 100 km from road to rail."""
    c = ClassFlows(2030, "container", tonnes, tonnes, 10.0 * tonnes, (10.0 - dt_h) * tonnes, 50.0 * tonnes,
                   48.0 * tonnes, 2.0)
    return AppraisalFlows((c,), {2030: {"road": 100.0 * tonnes}}, {2030: {"rail": 100.0 * tonnes}},
                          {2030: tonnes})


def test_appraise_by_hand():
    inp = load_inputs()
    a = appraise(_flows(), inp)
    t = a.table
    full = t.iloc[-1]
    # time: 1e6 t x 1 h x 2 USD/t-h; money: 1e6 x 2 USD; CO2: 1e8 tkm x (18 - 112) g/tkm at 75 USD/t
    assert full["time_savings_usd"] == pytest.approx(2e6)
    assert full["money_savings_usd"] == pytest.approx(2e6)
    assert full["co2_t"] == pytest.approx(1e8 * (18.0 - 112.0) / 1e6)
    assert full["co2_usd"] == pytest.approx(-full["co2_t"] * 75.0)
    assert t["capex_usd"].sum() == pytest.approx(226e6 * 0.9)
    assert t.loc[t["year"] < 2029, "time_savings_usd"].eq(0).all()
    assert t.loc[t["year"] == 2029, "ramp_up"].item() == 0.5  # ramp-up applied once, to the opening years
    # residual value: 27 operating years of a 50-year life remain 23/50 of the economic capex
    assert t["residual_value_usd"].iloc[-1] == pytest.approx(226e6 * 0.9 * 23 / 50)
    assert a.enpv_usd == pytest.approx(cf.npv(0.05, t["benefits_usd"] - t["costs_usd"]))
    assert a.bcr == pytest.approx(cf.npv(0.05, t["benefits_usd"]) / cf.npv(0.05, t["costs_usd"]))


def test_discount_rate_and_generated_traffic():
    inp = load_inputs()
    a5 = appraise(_flows(dt_h=20), inp)
    a3 = appraise(_flows(dt_h=20), inp.with_values({"discount_rate": 0.03}))
    assert a3.enpv_usd > a5.enpv_usd > 0
    assert a3.eirr == pytest.approx(a5.eirr)  # the EIRR does not depend on the discount rate
    gen = appraise(_flows(dt_h=20), inp.with_values({"generated_traffic_elasticity": 1.0}))
    assert gen.table["time_savings_usd"].iloc[-1] > a5.table["time_savings_usd"].iloc[-1]


def test_tolls_are_transfers():
    c = ClassFlows(2030, "container", 1e6, 1e6, 1e7, 1e7, 60e6, 50e6, 2.0, toll_usd_0=10e6, toll_usd_1=0.0)
    a = appraise(AppraisalFlows((c,), {}, {}, {}), load_inputs())
    assert a.table["money_savings_usd"].iloc[-1] == pytest.approx(0.0, abs=1e-6)


def test_with_values_rejects_unknown_and_ranged_listed():
    inp = load_inputs()
    assert "co2_g_per_tkm.road" in inp.ranged() and "capex_usd" in inp.ranged()
    with pytest.raises(ValidationError, match="unknown appraisal input"):
        inp.with_values({"nonsense": 1.0})


def test_bad_inputs_file_names_field(tmp_path):
    p = tmp_path / "a.yaml"
    text = (load_inputs.__globals__["bundled_inputs_path"]().read_text()
            .replace("value: 0.05\n  low: 0.03", "value: 0.01\n  low: 0.03"))
    p.write_text(text)
    with pytest.raises(ValidationError) as e:
        load_inputs(p)
    assert "discount_rate" in str(e.value) and "a.yaml" in str(e.value)


@pytest.mark.parametrize("kind", ["triangular", "uniform", "pert", "lognormal"])
def test_figure_quantiles(kind):
    from corridor.economics.appraisal import Figure

    f = Figure(value=2.0, low=1.0, high=4.0, distribution=kind, source="assumption: test")
    q = f.ppf(np.array([0.0, 0.05, 0.5, 0.95, 1.0]))
    assert np.all(np.diff(q) >= 0)
    if kind == "lognormal":
        assert q[2] == pytest.approx(2.0) and q[1] == pytest.approx(1.0) and q[3] == pytest.approx(4.0)
    else:
        assert q[0] == pytest.approx(1.0) and q[-1] == pytest.approx(4.0)
    if kind == "triangular":  # mode 2 on [1, 4]: P(X <= 2) = 1/3
        assert float(f.ppf(np.array([1 / 3]))[0]) == pytest.approx(2.0)

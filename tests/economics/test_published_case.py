"""Published infrastructure CBA worked examples with year-by-year flows, fed through ``appraise`` itself.

Each example's stated yearly costs and benefits go in as the appraisal's own inputs (capex and its phasing, opex,
opening year, horizon, asset life) and modelled flows; the appraisal builds the yearly table, discounts it and
computes the measures, and the test compares them with the figures the source publishes, to its precision.
Neither source states traffic volumes with unit values, conversion factors other than 1, a residual value or an
IRR, so those parts of the chain are not checked here (see docs/economics.md, "Tests").
"""

from __future__ import annotations

import numpy as np
import pytest

from corridor.economics.appraisal import (
    AppraisalFlows,
    AppraisalInputs,
    ClassFlows,
    appraise,
    load_inputs,
    measures,
)

# "A large city is located close to a major seaport ... a new superhighway", worked solution as published at
# holooly.com/solutions-v2-1/a-large-city-is-located-close-to-a-major-seaport-it-has-been-proposed-that-a-new-
# superhighway-be-built-between-the-city-and-the-seaport-running-parallel-to-the-present-congested-two-lane-
# highway-a (the stored page names no textbook).
SUPERHIGHWAY = "holooly.com worked solution 'A large city is located close to a major seaport' (superhighway)"
# Wikibooks, "Fundamentals of Transportation/Evaluation/Solution" (the guide-wire problem),
# en.wikibooks.org/wiki/Fundamentals_of_Transportation/Evaluation/Solution
GUIDE_WIRE = "Wikibooks, Fundamentals of Transportation/Evaluation/Solution (guide-wire problem)"
Y0 = 2000  # the examples name no calendar year: year 0 of each is labelled 2000


def _inputs(**figures: tuple[object, str]) -> AppraisalInputs:
    """The bundled inputs with the named figures replaced by (value, source)."""
    data = load_inputs().model_dump()
    for name, (value, source) in figures.items():
        data[name] = {"value": value, "source": source}
    return AppraisalInputs.model_validate(data)


def _net_saving(year: int, usd: float) -> ClassFlows:
    """A year's net user benefit as the fall in money cost of one unit of traffic (no time, no generated traffic)."""
    return ClassFlows(year, "example", 1.0, 1.0, 0.0, 0.0, usd, 0.0, 0.0)


def test_superhighway_bcr_published():
    """Superhighway between a city and its seaport, 30-year life, 7 %: construction 280 M USD (year 0), maintenance
    1.5 M USD a year; yearly benefits: commerce 50 M, growth 5 M a year more each year from the second year over a
    10-year period (the solution's (A/G, 7 %, 10)(P/A, 7 %, 10) term: 0, 5, ..., 45 M in years 1-10), accidents
    0.8 M; disbenefits: farmland 1.3 M and lost trade on the old highway 0.7 M a year. Published: B - D = 60.0 M USD
    a year, C = 24.1 M USD a year (equivalent uniform annual amounts), BCR = 2.49."""
    t = np.arange(1, 31)
    net = (50.0 + 0.8 - 1.3 - 0.7 + np.where(t <= 10, 5.0 * (t - 1), 0.0)) * 1e6  # B - D by year, USD
    inp = _inputs(
        discount_rate=(0.07, f"{SUPERHIGHWAY}: interest rate 7 %"),
        first_year=(Y0, f"{SUPERHIGHWAY}: year 0, construction"),
        opening_year=(Y0 + 1, f"{SUPERHIGHWAY}: benefits and maintenance at the end of years 1-30"),
        horizon_years=(31, f"{SUPERHIGHWAY}: years 0-30 (30-year lifetime)"),
        capex_usd=(280e6, f"{SUPERHIGHWAY}: construction cost 280 M USD"),
        capex_phasing=([1.0], f"{SUPERHIGHWAY}: all in year 0"),
        opex_share_of_capex_per_yr=(1.5 / 280.0, f"{SUPERHIGHWAY}: yearly maintenance 1.5 M USD"),
        conversion_factor_capex=(1.0, f"{SUPERHIGHWAY}: market prices"),
        conversion_factor_opex=(1.0, f"{SUPERHIGHWAY}: market prices"),
        asset_life_years=(30, f"{SUPERHIGHWAY}: 30-year lifetime, no salvage value"),
        value_of_time_factor=(1.0, "assumption: no time valued separately"),
        reliability_ratio=(0.0, "assumption: not in the example"),
        generated_traffic_elasticity=(0.0, "assumption: the example states its benefits directly"),
        ramp_up=([1.0], f"{SUPERHIGHWAY}: full benefits from year 1"),
    )
    # modelled years 1, 10 and 11: linear in between (the 5 M gradient), held flat after year 11
    flows = AppraisalFlows(tuple(_net_saving(Y0 + k, net[k - 1]) for k in (1, 10, 11)), {}, {}, {})
    a = appraise(flows, inp)
    tab = a.table
    np.testing.assert_allclose(tab["benefits_usd"], np.concatenate([[0.0], net]), rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(tab["costs_usd"], np.concatenate([[280e6], np.full(30, 1.5e6)]), rtol=1e-12)
    assert tab["residual_value_usd"].eq(0).all() and tab["co2_usd"].eq(0).all()

    assert round(a.bcr, 2) == 2.49
    s = a.summary()
    crf = 0.07 / (1.0 - 1.07**-30)  # (A/P, 7 %, 30): the published figures are equivalent uniform annual amounts
    assert round(s["pv_benefits_usd"] * crf / 1e6, 1) == 60.0
    assert round(s["pv_costs_usd"] * crf / 1e6, 1) == 24.1
    assert a.enpv_usd == pytest.approx(s["pv_benefits_usd"] - s["pv_costs_usd"])
    assert a.enpv_usd > 0 and a.eirr_status == "unique" and a.eirr > 0.07
    # the measures the appraisal uses, on the example's own yearly series
    enpv, _eirr, _status, bcr = measures(0.07, tab["benefits_usd"].to_numpy(), tab["costs_usd"].to_numpy())
    assert enpv == pytest.approx(a.enpv_usd) and round(bcr, 2) == 2.49


def test_guide_wire_present_values_published():
    """Guide-wire transport system: built over 10 years at 470,000 USD a year (end of years 1-10), it saves 5 M USD
    of gas in its completion year (year 10); at 3 %. Published: PV of benefits 3,720,469.57 USD, PV of costs
    4,009,195.33 USD, "costs exceed benefits" (so ENPV < 0 and BCR < 1)."""
    inp = _inputs(
        discount_rate=(0.03, f"{GUIDE_WIRE}: 3 %"),
        first_year=(Y0, f"{GUIDE_WIRE}: year 0, no flow"),
        opening_year=(Y0 + 10, f"{GUIDE_WIRE}: benefit in the completion year, year 10"),
        horizon_years=(11, f"{GUIDE_WIRE}: years 0-10"),
        capex_usd=(4.7e6, f"{GUIDE_WIRE}: 10 x 470,000 USD"),
        capex_phasing=([0.0] + [0.1] * 10, f"{GUIDE_WIRE}: 470,000 USD in each of years 1-10"),
        opex_share_of_capex_per_yr=(0.0, f"{GUIDE_WIRE}: no other cost"),
        conversion_factor_capex=(1.0, f"{GUIDE_WIRE}: market prices"),
        conversion_factor_opex=(1.0, f"{GUIDE_WIRE}: market prices"),
        asset_life_years=(1, f"{GUIDE_WIRE}: only year 10 is counted, no residual value"),
        value_of_time_factor=(1.0, "assumption: no time valued"),
        reliability_ratio=(0.0, "assumption: not in the example"),
        generated_traffic_elasticity=(0.0, "assumption: the example states its benefit directly"),
        ramp_up=([1.0], f"{GUIDE_WIRE}: the whole benefit in year 10"),
    )
    a = appraise(AppraisalFlows((_net_saving(Y0 + 10, 5e6),), {}, {}, {}), inp)
    s = a.summary()
    assert s["pv_benefits_usd"] == pytest.approx(3_720_469.57, abs=0.005)
    assert s["pv_costs_usd"] == pytest.approx(4_009_195.33, abs=0.005)
    assert a.enpv_usd == pytest.approx(3_720_469.57 - 4_009_195.33, abs=0.01)
    assert a.bcr < 1.0

"""NPV, IRR, payback and debt sizing against the anchors of infra-anchors §6 (numpy-financial as oracle)."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor._errors import ValidationError
from corridor.economics import cashflow as cf
from corridor.economics.debt import llcr, sculpted_debt


def test_irr_anchor_five_year_project():
    assert cf.irr([-250000, 100000, 150000, 200000, 250000, 300000]) == pytest.approx(0.567230, abs=5e-7)


def test_npv_and_irr_anchor_near_zero_npv():
    flows = [-100, 39, 59, 55, 20]
    assert cf.npv(0.281, flows) == pytest.approx(-0.008479, abs=5e-7)
    assert cf.irr(flows) == pytest.approx(0.280948, abs=5e-7)


def test_payback_anchor():
    flows = [-1000] + [150] * 15
    assert cf.payback_years(flows) == pytest.approx(6.6667, abs=1e-4)
    assert cf.discounted_payback_year(0.08, flows) == 10


def test_payback_never_and_immediate():
    assert cf.payback_years([-100, 10, 10]) is None
    assert cf.discounted_payback_year(0.1, [-100, 10, 10]) is None
    assert cf.payback_years([0, 5]) == 0.0


def test_multiple_irr_detected_and_reported():
    # (1+r) roots at 10 % and 20 %: -100 + 230/(1+r) - 132/(1+r)^2 = 0
    res = cf.irr_roots([-100, 230, -132])
    assert res.status == "multiple"
    assert res.irr is None
    assert sorted(res.roots) == pytest.approx([0.10, 0.20], abs=1e-10)
    assert res.sign_changes == 2


def test_no_irr_when_all_flows_positive():
    res = cf.irr_roots([10, 20, 30])
    assert res.status == "none" and res.irr is None


def test_mirr_matches_numpy_financial():
    flows = [-120, 39, 59, 55, 20, -10, 40]
    assert cf.mirr(flows, 0.08, 0.1) == pytest.approx(npf.mirr(flows, 0.08, 0.1), rel=1e-12)


def test_bad_rate_and_empty_series_refused():
    with pytest.raises(ValidationError, match="rate must be > -1"):
        cf.npv(-1.0, [1, 2])
    with pytest.raises(ValidationError, match="non-empty"):
        cf.irr_roots([])


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=10**6),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(lambda x: sum(x) > 0),
    st.floats(min_value=-0.5, max_value=0.8, allow_subnormal=False),
)
def test_npv_and_conventional_irr_agree_with_numpy_financial(outlay, inflows, rate):
    flows = np.array([-outlay, *inflows])
    assert cf.npv(rate, flows) == pytest.approx(npf.npv(rate, flows), rel=1e-9, abs=1e-6)
    ours = cf.irr(flows)  # one sign change: exactly one root (if in range)
    ref = npf.irr(flows)
    if ours is not None and np.isfinite(ref):
        assert ours == pytest.approx(ref, abs=1e-7)
        assert cf.npv(ours, flows) == pytest.approx(0.0, abs=1e-6 * outlay)


@pytest.mark.parametrize(("dscr", "expected"), [(1.30, 9833.35), (1.15, 11115.96)])
def test_fhwa_debt_sizing_anchor(dscr, expected):
    d = sculpted_debt([1000.0] * 25, rate=0.06, dscr=dscr)
    assert d.amount_usd == pytest.approx(expected, abs=0.01)
    assert d.closing_usd[-1] == pytest.approx(0.0, abs=1e-6)
    assert np.allclose(1000.0 / d.service_usd, dscr)
    assert np.allclose(d.principal_usd + d.interest_usd, d.service_usd)
    assert d.binding == "dscr"
    assert llcr([1000.0] * 25, rate=0.06, debt_usd=d.amount_usd) == pytest.approx(dscr)


def test_pmt_anchor_via_level_sculpting():
    # level CFADS at DSCR 1 is an annuity: 1e6 over 20 years at 5 % costs 80 242.59 a year (npf.pmt anchor)
    cfads = 80242.59
    d = sculpted_debt([cfads] * 20, rate=0.05, dscr=1.0)
    assert d.amount_usd == pytest.approx(1e6, abs=0.1)
    assert -npf.pmt(0.05, 20, 1e6) == pytest.approx(cfads, abs=0.005)


def test_gearing_cap_raises_effective_dscr_and_still_repays():
    cfads = np.linspace(500, 1500, 15)
    free = sculpted_debt(cfads, rate=0.07, dscr=1.3)
    capped = sculpted_debt(cfads, rate=0.07, dscr=1.3, max_amount_usd=0.5 * free.amount_usd)
    assert capped.binding == "gearing"
    assert capped.amount_usd == pytest.approx(0.5 * free.amount_usd)
    assert capped.dscr_effective == pytest.approx(2.6)
    assert capped.closing_usd[-1] == pytest.approx(0.0, abs=1e-6)


def test_non_positive_cfads_years_get_no_service_and_flag_negative_amortisation():
    d = sculpted_debt([-50.0, 0.0, 800.0, 900.0, 1000.0], rate=0.05, dscr=1.4)
    assert d.service_usd[0] == 0 and d.service_usd[1] == 0
    assert d.negative_amortisation
    assert d.closing_usd[-1] == pytest.approx(0.0, abs=1e-6)


def test_bad_dscr_refused():
    with pytest.raises(ValidationError, match="DSCR target must be >= 1"):
        sculpted_debt([100.0], rate=0.05, dscr=0.9)

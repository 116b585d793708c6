"""The queue volume-delay kind: corridor.queueing's Allen–Cunneen / Kingman / Erlang C waits, its derivative and
integral, and the tangent continuation above the utilisation limit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from corridor import queueing
from corridor.assignment._native import _vdf

HOURS = 8760.0


def arrays(servers, service_h, ca, cs, lot_t, t0=3.0):
    """Kernel arrays of one queue arc: capacity c·lot/E[S] t/h per year, α = E[S](ca² + cs²)/(2c), β = c."""
    cap = servers * lot_t / service_h * HOURS
    return (np.array([_vdf.QUEUE], np.int8), np.array([t0]), np.array([cap]),
            np.array([service_h * (ca**2 + cs**2) / (2 * servers)]), np.array([float(servers)])), cap


def time_at(args, x):
    out = np.empty(1)
    _vdf.times(*args, np.array([x]), out)
    return out[0]


def deriv_at(args, x):
    out = np.empty(1)
    _vdf.derivs(*args, np.array([x]), out)
    return out[0]


CASES = [(1, 2.0, 1.0, 1.0, 2000.0), (1, 1.5, 0.7, 0.3, 2000.0), (3, 10.0, 1.0, 1.0, 1991.0),
         (3, 10.0, 0.8, 0.5, 1991.0), (6, 0.5, 1.2, 0.7, 20.0)]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("rho", [0.05, 0.3, 0.6, 0.85, 0.94])
def test_wait_is_the_queueing_formula(case, rho):
    servers, s_h, ca, cs, lot = case
    args, cap = arrays(*case)
    lam = rho * cap / HOURS / lot  # arrivals per hour
    expected = queueing.allen_cunneen_wait(lam, s_h, servers, ca, cs)
    assert time_at(args, rho * cap) - 3.0 == pytest.approx(expected, rel=1e-12)
    if ca == cs == 1.0:
        assert expected == pytest.approx(queueing.mmc_wait(lam, 1 / s_h, servers), rel=1e-12)
    if servers == 1:
        assert expected == pytest.approx(queueing.kingman_wait(lam, s_h, ca, cs), rel=1e-12)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("rho", [0.0, 0.2, 0.7, 0.93, 0.97, 1.5, 3.0])
def test_derivative_and_integral_by_finite_differences(case, rho):
    args, cap = arrays(*case)
    x, h = rho * cap, 1e-6 * cap
    numeric = (time_at(args, x + h) - time_at(args, max(x - h, 0.0))) / (x + h - max(x - h, 0.0))
    assert deriv_at(args, x) == pytest.approx(numeric, rel=1e-5, abs=1e-14)
    exact = quad(lambda v: time_at(args, v), 0.0, x, limit=200, epsabs=0, epsrel=1e-12)[0] if x > 0 else 0.0
    assert _vdf.integral_sum(*args, np.array([x])) == pytest.approx(exact, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_finite_increasing_and_convex_beyond_the_limit(case):
    args, cap = arrays(*case)
    rho = np.linspace(0.0, 3.0, 601)
    t = np.array([time_at(args, r * cap) for r in rho])
    assert np.all(np.isfinite(t)) and np.all(np.diff(t) > 0)
    assert np.all(np.diff(t, 2) >= -1e-9 * t[1:-1])
    m = _vdf.QUEUE_MAX_UTILISATION
    w_m, slope = time_at(args, m * cap) - 3.0, deriv_at(args, m * cap) * cap
    assert time_at(args, 2.0 * cap) - 3.0 == pytest.approx(w_m + slope * (2.0 - m), rel=1e-12)

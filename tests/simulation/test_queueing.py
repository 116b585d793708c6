"""The analytic formulas of corridor.queueing against hand values and each other."""

from __future__ import annotations

import math

import pytest

from corridor import queueing as q


def _erlang_c_factorial(c: int, a: float) -> float:
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_hand_values_and_factorial_form():
    assert q.erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert q.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    for c, a in [(3, 2.4), (10, 8.5), (40, 37.0)]:
        assert q.erlang_c(c, a) == pytest.approx(_erlang_c_factorial(c, a), rel=1e-10)
    assert 0 < q.erlang_c(500, 480.0) < 1  # the recursion does not overflow


def test_mmc_mean_and_quantile():
    lam, mu = 0.8, 1.0
    assert q.mmc_wait(lam, mu, 1) == pytest.approx(lam / (mu * (mu - lam)))  # rho / (mu - lambda)
    t95 = q.mmc_wait_quantile(lam, mu, 1, 0.95)
    assert lam * math.exp(-(mu - lam) * t95) == pytest.approx(0.05)  # P(W > t) = rho e^{-(mu-lambda) t}
    assert q.mmc_wait_quantile(0.1, 1.0, 3, 0.5) == 0.0  # most arrivals do not wait at all


def test_pk_reduces_to_mm1_and_md1_is_half():
    lam, s = 0.75, 1.0
    mm1 = q.mmc_wait(lam, 1 / s, 1)
    assert q.pk_wait(lam, s, 1.0) == pytest.approx(mm1)
    assert q.pk_wait(lam, s, 0.0) == pytest.approx(mm1 / 2)


def test_approximations_are_exact_where_they_should_be():
    assert q.kingman_wait(0.5, 1.2, 1.0, 0.3) == pytest.approx(q.pk_wait(0.5, 1.2, 0.3))
    assert q.allen_cunneen_wait(2.0, 1.0, 3, 1.0, 1.0) == pytest.approx(q.mmc_wait(2.0, 1.0, 3))
    assert q.allen_cunneen_wait(2.0, 1.0, 3, 1.0, 0.0) == pytest.approx(q.mmc_wait(2.0, 1.0, 3) / 2)
    assert q.mean_wait(2.0, 1.0, 3) == pytest.approx(q.mmc_wait(2.0, 1.0, 3))
    assert q.mean_wait(0.5, 1.0, 1, service_cv=0.0) == pytest.approx(q.pk_wait(0.5, 1.0, 0.0))


@pytest.mark.parametrize("call", [
    lambda: q.mmc_wait(3.0, 1.0, 3), lambda: q.pk_wait(1.0, 1.0, 0.5), lambda: q.erlang_c(2, 2.0),
    lambda: q.mmc_wait(1.0, 1.0, 0), lambda: q.pk_wait(0.5, 1.0, -1.0), lambda: q.mmc_wait_quantile(0.5, 1, 1, 1.0),
])
def test_unstable_or_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()

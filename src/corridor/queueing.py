"""Steady-state queueing formulas: Erlang C (M/M/c), Pollaczek–Khinchine (M/G/1), Kingman (G/G/1) and
Allen–Cunneen (G/G/c).

Plain functions of rates and moments, in any consistent time unit (λ arrivals and μ services per unit time;
waits in the same unit). They validate the discrete-event model (:mod:`corridor.simulation`) and can serve as
queue-based delay functions in assignment. Every function raises ``ValueError`` for an unstable queue
(utilisation ρ = λ / (c μ) ≥ 1): the steady-state wait is then unbounded.

References: Kleinrock, *Queueing Systems* vol. 1 (1975), §3.5 (M/M/c), §5.5 (P–K mean value formula); Kingman
(1961), "The single server queue in heavy traffic"; Allen (1990), *Probability, Statistics and Queueing
Theory*, §6 (the Allen–Cunneen approximation).
"""

from __future__ import annotations

import math


def _check(arrival_rate: float, service_rate: float, servers: int = 1) -> float:
    if not arrival_rate > 0 or not service_rate > 0:
        raise ValueError(f"rates must be > 0 (arrival {arrival_rate}, service {service_rate})")
    if servers < 1 or int(servers) != servers:
        raise ValueError(f"servers must be a whole number >= 1 (got {servers})")
    rho = arrival_rate / (servers * service_rate)
    if rho >= 1:
        raise ValueError(f"unstable queue: utilisation {rho:.3f} >= 1 (arrival rate >= servers × service rate)")
    return rho


def utilisation(arrival_rate: float, service_rate: float, servers: int = 1) -> float:
    """ρ = λ / (c μ)."""
    return arrival_rate / (servers * service_rate)


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c, with offered load a = λ/μ (Erlangs) < c.

    Computed from the Erlang B recursion B(0) = 1, B(k) = a B(k−1) / (k + a B(k−1)), then
    C = c B / (c − a (1 − B)): stable for hundreds of servers, unlike the factorial form.
    """
    c = int(servers)
    if c < 1 or c != servers:
        raise ValueError(f"servers must be a whole number >= 1 (got {servers})")
    if not 0 < offered_load < c:
        raise ValueError(f"offered load must be in (0, servers) (got {offered_load} Erlangs, {c} servers)")
    b = 1.0
    for k in range(1, c + 1):
        b = offered_load * b / (k + offered_load * b)
    return c * b / (c - offered_load * (1 - b))


def mmc_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of M/M/c: Wq = C(c, a) / (c μ − λ)."""
    _check(arrival_rate, service_rate, servers)
    return erlang_c(servers, arrival_rate / service_rate) / (servers * service_rate - arrival_rate)


def mmc_wait_quantile(arrival_rate: float, service_rate: float, servers: int, q: float) -> float:
    """q-quantile of the wait in queue of M/M/c (FIFO): P(W > t) = C e^{−(cμ−λ) t}; 0 when q ≤ 1 − C."""
    _check(arrival_rate, service_rate, servers)
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1) (got {q})")
    pw = erlang_c(servers, arrival_rate / service_rate)
    if q <= 1 - pw:
        return 0.0
    return math.log(pw / (1 - q)) / (servers * service_rate - arrival_rate)


def pk_wait(arrival_rate: float, mean_service: float, service_cv: float) -> float:
    """Mean wait in queue of M/G/1 (Pollaczek–Khinchine): Wq = ρ (1 + cv²) E[S] / (2 (1 − ρ)).

    ``service_cv`` is the coefficient of variation of the service time (0: M/D/1, 1: M/M/1)."""
    if service_cv < 0:
        raise ValueError(f"service_cv must be >= 0 (got {service_cv})")
    rho = _check(arrival_rate, 1.0 / mean_service)
    return rho * (1 + service_cv**2) * mean_service / (2 * (1 - rho))


def kingman_wait(arrival_rate: float, mean_service: float, arrival_cv: float, service_cv: float) -> float:
    """Kingman's G/G/1 approximation: Wq ≈ ρ / (1 − ρ) · (ca² + cs²) / 2 · E[S] (exact for M/G/1)."""
    if arrival_cv < 0 or service_cv < 0:
        raise ValueError(f"coefficients of variation must be >= 0 (got {arrival_cv}, {service_cv})")
    rho = _check(arrival_rate, 1.0 / mean_service)
    return rho / (1 - rho) * (arrival_cv**2 + service_cv**2) / 2 * mean_service


def allen_cunneen_wait(arrival_rate: float, mean_service: float, servers: int, arrival_cv: float,
                       service_cv: float) -> float:
    """Allen–Cunneen G/G/c approximation: Wq ≈ Wq(M/M/c) · (ca² + cs²) / 2 (exact for M/M/c)."""
    if arrival_cv < 0 or service_cv < 0:
        raise ValueError(f"coefficients of variation must be >= 0 (got {arrival_cv}, {service_cv})")
    return mmc_wait(arrival_rate, 1.0 / mean_service, servers) * (arrival_cv**2 + service_cv**2) / 2


def mean_wait(arrival_rate: float, mean_service: float, servers: int = 1, *, arrival_cv: float = 1.0,
              service_cv: float = 1.0) -> float:
    """The best formula for the case: exact M/M/c (Erlang C) or M/G/1 (P–K) when they apply, else Allen–Cunneen."""
    if arrival_cv == 1.0 and service_cv == 1.0:
        return mmc_wait(arrival_rate, 1.0 / mean_service, servers)
    if arrival_cv == 1.0 and servers == 1:
        return pk_wait(arrival_rate, mean_service, service_cv)
    return allen_cunneen_wait(arrival_rate, mean_service, servers, arrival_cv, service_cv)

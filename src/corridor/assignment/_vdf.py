"""Compiled volume-delay functions: time, derivative and integral per arc (plain arrays in, arrays out).

Kinds: ``BPR`` t0·(1 + α (x/c)^β) with per-arc α, β (TNTP ``b``, ``power``); ``CONICAL`` (Spiess 1990)
t0·(2 + √(α²(1−x/c)² + β²) − α(1−x/c) − β), β = (2α−1)/(2α−2), α > 1.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

BPR = 0
CONICAL = 1


@njit(cache=True, inline="always")
def vdf_time(kind, t0, cap, a, b, x):
    if kind == 0:
        if a == 0.0 or t0 == 0.0:
            return t0
        r = x / cap
        if r <= 0.0:
            return t0
        return t0 * (1.0 + a * r**b)
    u = 1.0 - x / cap
    beta = (2.0 * a - 1.0) / (2.0 * a - 2.0)
    return t0 * (2.0 + math.sqrt(a * a * u * u + beta * beta) - a * u - beta)


@njit(cache=True, inline="always")
def vdf_deriv(kind, t0, cap, a, b, x):
    """d t / d x (at x = 0 the BPR derivative is 0 for β > 1, the exact limit)."""
    if kind == 0:
        if a == 0.0 or t0 == 0.0 or b == 0.0:
            return 0.0
        r = x / cap
        if r <= 0.0:
            return t0 * a / cap if b == 1.0 else 0.0
        return t0 * a * b / cap * r ** (b - 1.0)
    u = 1.0 - x / cap
    beta = (2.0 * a - 1.0) / (2.0 * a - 2.0)
    return t0 / cap * (a - a * a * u / math.sqrt(a * a * u * u + beta * beta))


@njit(cache=True, inline="always")
def vdf_time_deriv(kind, t0, cap, a, b, x):
    """(t(x), t'(x)) with one power evaluation (the path-based inner loops update both per arc)."""
    if kind == 0:
        if a == 0.0 or t0 == 0.0:
            return t0, 0.0
        r = x / cap
        if r <= 0.0:
            return t0, (t0 * a / cap if b == 1.0 else 0.0)
        if b == 4.0:
            rb1 = r * r * r
        elif b == 1.0:
            rb1 = 1.0
        else:
            rb1 = r ** (b - 1.0)
        return t0 * (1.0 + a * rb1 * r), t0 * a * b / cap * rb1
    return vdf_time(kind, t0, cap, a, b, x), vdf_deriv(kind, t0, cap, a, b, x)


@njit(cache=True, inline="always")
def _conical_primitive(a, beta, u):
    s = math.sqrt(a * a * u * u + beta * beta)
    return (2.0 - beta) * u - 0.5 * a * u * u + 0.5 * u * s + beta * beta / (2.0 * a) * math.asinh(a * u / beta)


@njit(cache=True, inline="always")
def vdf_integral(kind, t0, cap, a, b, x):
    """∫₀ˣ t(s) ds (the arc's term of the Beckmann objective)."""
    if kind == 0:
        if a == 0.0 or t0 == 0.0 or x <= 0.0:
            return t0 * x
        r = x / cap
        return t0 * (x + a * cap / (b + 1.0) * r ** (b + 1.0))
    beta = (2.0 * a - 1.0) / (2.0 * a - 2.0)
    return t0 * cap * (_conical_primitive(a, beta, 1.0) - _conical_primitive(a, beta, 1.0 - x / cap))


@njit(cache=True)
def times_jit(kind, t0, cap, a, b, x, out):
    for i in range(x.shape[0]):
        out[i] = vdf_time(kind[i], t0[i], cap[i], a[i], b[i], x[i])


@njit(cache=True)
def derivs_jit(kind, t0, cap, a, b, x, out):
    for i in range(x.shape[0]):
        out[i] = vdf_deriv(kind[i], t0[i], cap[i], a[i], b[i], x[i])


@njit(cache=True)
def integral_sum_jit(kind, t0, cap, a, b, x):
    s = 0.0
    for i in range(x.shape[0]):
        s += vdf_integral(kind[i], t0[i], cap[i], a[i], b[i], x[i])
    return s


@njit(cache=True)
def line_derivative_jit(kind, t0, cap, a, b, x, d, lam):
    """Σ t(x + λd)·d: the λ-dependent part of the Beckmann objective's derivative along d."""
    s = 0.0
    for i in range(x.shape[0]):
        if d[i] != 0.0:
            s += vdf_time(kind[i], t0[i], cap[i], a[i], b[i], x[i] + lam * d[i]) * d[i]
    return s


def reference_time(kind, t0, cap, a, b, x) -> np.ndarray:
    """Slow numpy reference of :func:`vdf_time` (for tests)."""
    r = x / cap
    bpr = t0 * (1 + a * np.power(np.maximum(r, 0.0), b))
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = (2 * a - 1) / (2 * a - 2)
        u = 1 - r
        con = t0 * (2 + np.sqrt(a**2 * u**2 + beta**2) - a * u - beta)
    return np.where(kind == BPR, bpr, con)

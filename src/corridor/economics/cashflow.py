"""Discounted cash-flow measures: NPV, IRR (every root, uniqueness reported), MIRR and payback.

Conventions (infra-anchors §6): ``values[0]`` falls at t = 0 (financial close) and is not discounted, as in
numpy-financial's ``npv`` (Excel's NPV starts at t = 1). Rates are per period (years here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

from corridor._errors import ValidationError

# Rates scanned for sign changes of NPV(r): dense near the usual range, sparse up to 1000 %/yr.
_RATE_GRID = np.unique(np.concatenate([np.linspace(-0.95, 1.0, 3901), np.geomspace(1.0, 10.0, 401)]))


def _as_flows(values: Sequence[float] | np.ndarray, name: str = "values") -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValidationError(f"{name}: expected a non-empty 1-D series of cash flows")
    if not np.all(np.isfinite(v)):
        raise ValidationError(f"{name}: cash flows must be finite numbers")
    return v


def npv(rate: float, values: Sequence[float] | np.ndarray) -> float:
    """Net present value at ``rate`` with ``values[0]`` at t = 0."""
    v = _as_flows(values)
    if rate <= -1.0:
        raise ValidationError(f"rate must be > -1 (got {rate!r})")
    t = np.arange(v.size)
    return float(np.sum(v / (1.0 + rate) ** t))


@lru_cache(maxsize=16)
def _grid_discounts(n: int) -> np.ndarray:
    """Discount factors of the scan grid for ``n`` periods (rates x periods), computed once per length."""
    t = np.arange(n)
    with np.errstate(over="ignore"):
        disc = (1.0 + _RATE_GRID[:, None]) ** (-t[None, :])
    disc.setflags(write=False)
    return disc


def _npv_grid(v: np.ndarray, rates: np.ndarray) -> np.ndarray:
    if rates is _RATE_GRID:
        with np.errstate(over="ignore", invalid="ignore"):
            return _grid_discounts(v.size) @ v
    t = np.arange(v.size)
    with np.errstate(over="ignore"):
        disc = (1.0 + rates[:, None]) ** (-t[None, :])
    return disc @ v


@dataclass(frozen=True)
class IrrResult:
    """All internal rates of return found in (-95 %, 1000 %) per period.

    ``irr`` is the single root when there is exactly one, else ``None``: a series with several sign changes can
    have several IRRs (or none), and then no single IRR is meaningful (use NPV or MIRR).
    """

    roots: tuple[float, ...]
    sign_changes: int

    @property
    def unique(self) -> bool:
        return len(self.roots) == 1

    @property
    def irr(self) -> float | None:
        return self.roots[0] if self.unique else None

    @property
    def status(self) -> str:
        if not self.roots:
            return "none"
        return "unique" if self.unique else "multiple"


def irr_roots(values: Sequence[float] | np.ndarray) -> IrrResult:
    """Find every IRR by scanning NPV(r) for sign changes and polishing each bracket with Brent's method.

    Descartes' rule bounds the number of roots by the number of sign changes in the cash flows (zeros skipped);
    a conventional series (outflows then inflows) has exactly one.
    """
    v = _as_flows(values)
    nz = np.sign(v[v != 0])
    sign_changes = int(np.sum(nz[1:] != nz[:-1])) if nz.size > 1 else 0
    if sign_changes == 0:
        return IrrResult((), 0)
    f = _npv_grid(v, _RATE_GRID)
    a, b = f[:-1], f[1:]
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.isfinite(a) & np.isfinite(b)
        hits = np.flatnonzero(finite & ((a == 0.0) | (a * b < 0)))  # a grid rate that is a root, or a bracket
    roots: list[float] = []
    for i in hits:
        lo, hi = float(_RATE_GRID[i]), float(_RATE_GRID[i + 1])
        f_lo, f_hi = npv(lo, v), npv(hi, v)
        if a[i] == 0.0 or f_lo == 0.0:
            roots.append(lo)
        elif f_lo * f_hi < 0:
            roots.append(float(brentq(lambda r: npv(r, v), lo, hi, xtol=1e-14)))
        else:  # the grid (vectorised) and the scalar NPV round differently at a root on the grid's end
            roots.append(lo if abs(f_lo) <= abs(f_hi) else hi)
    if f[-1] == 0.0:
        roots.append(float(_RATE_GRID[-1]))
    return IrrResult(tuple(roots), sign_changes)


def irr(values: Sequence[float] | np.ndarray) -> float | None:
    """The internal rate of return when it is unique, else ``None`` (see :func:`irr_roots`)."""
    return irr_roots(values).irr


def mirr(values: Sequence[float] | np.ndarray, finance_rate: float, reinvest_rate: float) -> float | None:
    """Modified IRR: outflows discounted at ``finance_rate``, inflows compounded at ``reinvest_rate``."""
    v = _as_flows(values)
    n = v.size - 1
    t = np.arange(v.size)
    pv_out = -np.sum(np.where(v < 0, v, 0.0) / (1.0 + finance_rate) ** t)
    fv_in = np.sum(np.where(v > 0, v, 0.0) * (1.0 + reinvest_rate) ** (n - t))
    if pv_out <= 0 or fv_in <= 0 or n == 0:
        return None
    return float((fv_in / pv_out) ** (1.0 / n) - 1.0)


def payback_years(values: Sequence[float] | np.ndarray) -> float | None:
    """Simple payback: the time (years, interpolated within the year) when cumulative cash flow turns >= 0
    for good. ``None`` if it never does."""
    v = _as_flows(values)
    cum = np.cumsum(v)
    if cum[-1] < 0:
        return None
    neg = np.nonzero(cum < 0)[0]
    if neg.size == 0:
        return 0.0
    k = int(neg[-1])  # last year still negative; the flow of year k+1 recovers the rest
    return k + float(-cum[k] / v[k + 1])


def discounted_payback_year(rate: float, values: Sequence[float] | np.ndarray) -> int | None:
    """The first year after which the cumulative discounted cash flow stays >= 0 (``None`` if never)."""
    v = _as_flows(values)
    cum = np.cumsum(v / (1.0 + rate) ** np.arange(v.size))
    if cum[-1] < 0:
        return None
    neg = np.nonzero(cum < 0)[0]
    return 0 if neg.size == 0 else int(neg[-1]) + 1


def annuity_factor(rate: float, years: int) -> float:
    """Present value of 1 per year for ``years`` years, first payment at t = 1."""
    return float(years) if rate == 0 else (1.0 - (1.0 + rate) ** -years) / rate


def finite_or_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)

"""Arrival times: a Poisson process whose daily intensity follows day-of-week and month profiles (and, within a
day, an hour-of-day profile), scaled so a year has the given expected count. Times are hours from 00:00 on
1 January of the simulated year, which fixes the weekday of each day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

DAYS_PER_YEAR = 365


def daily_intensity(per_year: float, days: int, *, year: int = 2030, day_of_week: Sequence[float] | None = None,
                    month: Sequence[float] | None = None) -> np.ndarray:
    """Expected arrivals on each of ``days`` days from 1 January of ``year``.

    Weights are day-of-week (Monday first) × month; they are scaled so the first 365 days add up to
    ``per_year`` (a longer run repeats the year's pattern)."""
    if per_year < 0:
        raise ValueError(f"per_year must be >= 0 (got {per_year})")
    start = date(year, 1, 1)
    n = max(days, DAYS_PER_YEAR)
    dates = [start + timedelta(days=i % DAYS_PER_YEAR) for i in range(n)]
    w = np.ones(n)
    if day_of_week is not None:
        dow = np.asarray(day_of_week, float)
        w *= dow[[d.weekday() for d in dates]]
    if month is not None:
        mon = np.asarray(month, float)
        w *= mon[[d.month - 1 for d in dates]]
    total = w[:DAYS_PER_YEAR].sum()
    if total <= 0:
        raise ValueError("profile weights add up to zero")
    return (w * per_year / total)[:days]


def arrival_times(per_year: float, days: int, rng: np.random.Generator, *, year: int = 2030,
                  day_of_week: Sequence[float] | None = None, month: Sequence[float] | None = None,
                  hour_of_day: Sequence[float] | None = None) -> np.ndarray:
    """Sorted arrival times in hours over ``days`` days (see the module docstring)."""
    lam = daily_intensity(per_year, days, year=year, day_of_week=day_of_week, month=month)
    counts = rng.poisson(lam)
    day = np.repeat(np.arange(days), counts)
    if hour_of_day is None:
        hours = rng.random(day.size) * 24.0
    else:
        p = np.asarray(hour_of_day, float)
        hours = rng.choice(24, size=day.size, p=p / p.sum()) + rng.random(day.size)
    return np.sort(day * 24.0 + hours)


def poisson_times(rate_per_h: float, hours: float, rng: np.random.Generator) -> np.ndarray:
    """A homogeneous Poisson process of ``rate_per_h`` over ``hours`` (for single-facility runs)."""
    n = rng.poisson(rate_per_h * hours)
    return np.sort(rng.random(n) * hours)

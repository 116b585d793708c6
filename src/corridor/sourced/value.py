"""A figure with its unit, its source and, where it is uncertain, the range a Monte Carlo can sample.

``source`` is a reference (``facts[124]`` = reference [124] of corridor-facts.md, a named paper, standard or URL) or
``assumption: <why>``. ``low``/``high`` (with ``value`` as the central figure) make it a distribution:
``triangular`` (default; mode = value), ``uniform``, ``pert`` (beta-PERT, lambda 4) or ``lognormal`` (median =
value; low and high are the 5th and 95th percentiles).
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

T = TypeVar("T")

Distribution = Literal["triangular", "uniform", "pert", "lognormal"]
DISTRIBUTIONS: tuple[str, ...] = ("triangular", "uniform", "pert", "lognormal")
_Z95 = 1.6448536269514722  # standard normal 95th percentile


def is_assumption(source: str) -> bool:
    """True when a source string is ``assumption: ...`` rather than a reference."""
    return str(source).strip().lower().startswith("assumption")


class Sourced(BaseModel, Generic[T]):
    """A value with where it comes from, its unit and, if uncertain, its range (frozen: pure data)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: T
    source: str = Field(min_length=1)
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    distribution: Distribution | None = None

    @field_validator("source")
    @classmethod
    def _non_blank(cls, s: str) -> str:
        if not s.strip():
            raise ValueError("source must not be blank: give a reference or 'assumption: <why>'")
        return s.strip()

    @model_validator(mode="after")
    def _range(self) -> Sourced:
        if self.low is None and self.high is None:
            if self.distribution is not None:
                raise ValueError("a distribution needs low and high")
            return self
        if self.low is None or self.high is None:
            raise ValueError("give both low and high, or neither")
        v = self.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError("a range (low/high) needs a single number as value")
        if not self.low <= v <= self.high:
            raise ValueError(f"need low <= value <= high, got {self.low:g} / {v:g} / {self.high:g}")
        if self.distribution == "lognormal" and not self.low > 0:
            raise ValueError("a lognormal range needs low > 0")
        return self

    @property
    def is_assumption(self) -> bool:
        return is_assumption(self.source)

    @property
    def has_range(self) -> bool:
        return self.low is not None

    @property
    def central(self) -> T:
        return self.value

    @property
    def kind(self) -> str | None:
        """The distribution sampled (``triangular`` when a range gives none), or None without a range."""
        return (self.distribution or "triangular") if self.has_range else None

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws from the figure's distribution (all equal to the value when it has no range)."""
        if not self.has_range:
            return np.full(n, float(self.value))  # type: ignore[arg-type]
        lo, mid, hi = float(self.low), float(self.value), float(self.high)  # type: ignore[arg-type]
        if hi == lo:
            return np.full(n, mid)
        kind = self.kind
        if kind == "uniform":
            return rng.uniform(lo, hi, n)
        if kind == "pert":
            a = 1 + 4 * (mid - lo) / (hi - lo)
            b = 1 + 4 * (hi - mid) / (hi - lo)
            return lo + (hi - lo) * rng.beta(a, b, n)
        if kind == "lognormal":
            return rng.lognormal(np.log(mid), np.log(hi / lo) / (2 * _Z95), n)
        return rng.triangular(lo, mid, hi, n)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The figure at quantiles ``u`` (0..1) of its distribution (its value everywhere without a range): the
        inverse of :meth:`sample`'s distribution, for stratified (Latin hypercube) draws."""
        from scipy.stats import beta, norm

        u = np.asarray(u, dtype=float)
        if not self.has_range or self.high == self.low:
            return np.full(u.shape, float(self.value))  # type: ignore[arg-type]
        lo, mid, hi = float(self.low), float(self.value), float(self.high)  # type: ignore[arg-type]
        kind = self.kind
        if kind == "uniform":
            return lo + u * (hi - lo)
        if kind == "pert":
            a, b = 1 + 4 * (mid - lo) / (hi - lo), 1 + 4 * (hi - mid) / (hi - lo)
            return lo + (hi - lo) * beta.ppf(u, a, b)
        if kind == "lognormal":
            return mid * np.exp(np.log(hi / lo) / (2 * _Z95) * norm.ppf(u))
        c = (mid - lo) / (hi - lo)
        return np.where(u < c, lo + np.sqrt(u * (hi - lo) * (mid - lo)), hi - np.sqrt((1 - u) * (hi - lo) * (hi - mid)))

    def describe(self) -> str:
        """``5 Mt/yr (3–8, triangular; facts[127])`` — for tables and reports."""
        unit = f" {self.unit}" if self.unit else ""
        rng = f"{self.low:g}–{self.high:g}, {self.kind}; " if self.has_range else ""
        val = f"{self.value:g}" if isinstance(self.value, int | float) else str(self.value)
        return f"{val}{unit} ({rng}{self.source})"


def sourced(value: Any, source: str, **extra: Any) -> dict[str, Any]:
    """A plain ``{value, source, ...}`` mapping (for building overrides or YAML)."""
    return {"value": value, "source": source, **extra}

"""The uncertain inputs of a study and their draws.

Every input the sourced data gives a range is one :class:`UncertainInput`, named ``dataset:path``. Draws are a Latin
hypercube (``scipy.stats.qmc.LatinHypercube``) over all inputs, made from the seed alone: draw ``i`` is row ``i`` of
the same matrix whatever the number of workers. No correlations are stated in the bundled data; inputs that share a
range (one named figure used in several places) are drawn once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from corridor.economics.appraisal import AppraisalInputs, Figure
from corridor.economics.trade import TradeParameters


@dataclass(frozen=True)
class UncertainInput:
    """One sampled input: its name, unit, central value, range and source."""

    name: str
    figure: Figure

    @property
    def central(self) -> float:
        return float(self.figure.value)  # type: ignore[arg-type]

    def at(self, u: np.ndarray) -> np.ndarray:
        """The input's values at quantiles ``u``."""
        return self.figure.ppf(u)

    def describe(self) -> dict:
        f = self.figure
        return {"name": self.name, "central": self.central, "low": f.low, "high": f.high, "unit": f.unit,
                "distribution": f.distribution or "triangular", "source": f.source}


def appraisal_inputs(inp: AppraisalInputs) -> list[UncertainInput]:
    return [UncertainInput(f"appraisal:{n}", f) for n, f in inp.ranged().items()]


def trade_inputs(p: TradeParameters) -> list[UncertainInput]:
    """The central trade case's two parameters over the low-high range the bundled parameters state."""
    out = []
    for name, lo, hi in (("hs_tariff_per_day_central", p.hs_tariff_per_day_low, p.hs_tariff_per_day_high),
                         ("sigma_central", p.sigma_low, p.sigma_high)):
        mid = getattr(p, name)
        out.append(UncertainInput(f"trade:{name}", Figure(value=mid.value, low=lo.value, high=hi.value,
                                                          source=f"{lo.source} | {mid.source} | {hi.source}")))
    return out


def draw_matrix(n_inputs: int, draws: int, seed: int) -> np.ndarray:
    """Quantiles (draws x inputs) of a Latin hypercube, determined by the seed alone."""
    if n_inputs == 0:
        return np.zeros((draws, 0))
    return qmc.LatinHypercube(d=n_inputs, seed=np.random.default_rng(seed)).random(draws)


def draw_values(inputs: tuple[UncertainInput, ...], u: np.ndarray) -> list[dict[str, float]]:
    """Each draw's input values from its row of quantiles."""
    cols = [i.at(u[:, k]) for k, i in enumerate(inputs)]
    return [{i.name: float(cols[k][j]) for k, i in enumerate(inputs)} for j in range(u.shape[0])]

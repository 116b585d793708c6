"""The uncertainty analysis as data: percentiles of every metric, P(ENPV > 0), and the tornado of ENPV."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from corridor.uncertainty.inputs import UncertainInput, draw_matrix, draw_values
from corridor.uncertainty.model import PreparedStudy
from corridor.uncertainty.sweep import run_draws

#: significant digits kept in the JSON (the draws are exact; this keeps the report readable)
DIGITS = 6
#: quantiles of an input used for its tornado bar (others at their central values)
TORNADO_QUANTILES = (0.1, 0.9)


def _round(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(f"{x:.{DIGITS}g}")


def percentiles(values: np.ndarray) -> dict[str, Any]:
    """P10 / P50 / P90 and the mean of the finite values, and how many draws had none (e.g. no unique EIRR)."""
    v = np.asarray(values, float)
    ok = v[np.isfinite(v)]
    if ok.size == 0:
        return {"p10": None, "p50": None, "p90": None, "mean": None, "undefined_draws": int(v.size)}
    p10, p50, p90 = np.percentile(ok, [10, 50, 90])
    return {"p10": _round(p10), "p50": _round(p50), "p90": _round(p90), "mean": _round(float(ok.mean())),
            "undefined_draws": int(v.size - ok.size)}


@dataclass(frozen=True)
class UncertaintyResult:
    """Draws (inputs and metrics per draw), the central evaluation and the tornado of ENPV."""

    seed: int
    inputs: tuple[UncertainInput, ...]
    draws: pd.DataFrame  # draw, every input, every metric
    central: dict[str, float]
    tornado: pd.DataFrame  # input, low_value, high_value, enpv_low_usd, enpv_high_usd, swing_usd (top 10)
    metric_names: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        d = self.draws
        enpv = d["enpv_usd"].to_numpy(float)
        return {
            "draws": len(d), "seed": self.seed, "sampler": "latin hypercube (scipy.stats.qmc)",
            "correlations": "none stated in the bundled data; inputs sharing a range are drawn once",
            "inputs": [i.describe() for i in self.inputs],
            "central": {k: _round(v) for k, v in self.central.items()},
            "metrics": {m: percentiles(d[m].to_numpy(float)) for m in self.metric_names},
            "p_enpv_positive": _round(float(np.mean(enpv > 0))),
            "tornado_enpv": [{k: (_round(v) if isinstance(v, float) else v) for k, v in r.items()}
                             for r in self.tornado.to_dict(orient="records")],
        }


def tornado_rows(model: PreparedStudy, run: Callable[[Sequence[dict]], list[dict]], top: int = 10) -> pd.DataFrame:
    """ENPV with each input at its 10th and 90th percentile, the others central; the ``top`` widest swings."""
    base = model.central()
    cases = []
    for i in model.inputs:
        lo, hi = (float(i.at(np.array([q]))[0]) for q in TORNADO_QUANTILES)
        cases += [{**base, i.name: lo}, {**base, i.name: hi}]
    res = run(cases)
    rows = []
    for k, i in enumerate(model.inputs):
        lo_v, hi_v = cases[2 * k][i.name], cases[2 * k + 1][i.name]
        e_lo, e_hi = res[2 * k]["enpv_usd"], res[2 * k + 1]["enpv_usd"]
        rows.append({"input": i.name, "low_value": lo_v, "high_value": hi_v, "enpv_low_usd": e_lo,
                     "enpv_high_usd": e_hi, "swing_usd": abs(e_hi - e_lo)})
    t = pd.DataFrame(rows)
    return t.sort_values(["swing_usd", "input"], ascending=[False, True], kind="stable").head(top).reset_index(drop=True)


def analyse(model: PreparedStudy, draws: int, seed: int, *, client: Any = None,
            progress: Callable[[int], None] | None = None) -> UncertaintyResult:
    """Sample every ranged input (Latin hypercube from ``seed``), evaluate ``draws`` studies and the tornado."""
    u = draw_matrix(len(model.inputs), draws, seed)
    values = draw_values(model.inputs, u)

    def run(vals: Sequence[dict]) -> list[dict]:
        return run_draws(model, vals, client=client, progress=progress)

    metrics = run(values)
    frame = pd.concat([pd.DataFrame(values), pd.DataFrame(metrics)], axis=1)
    frame.insert(0, "draw", np.arange(draws))
    central = model.evaluate(model.central())
    return UncertaintyResult(seed, model.inputs, frame, central, tornado_rows(model, run), tuple(metrics[0]))

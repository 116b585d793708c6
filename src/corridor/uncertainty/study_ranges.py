"""The headline ranges of a study: the uncertainty sweep around a :class:`~corridor.study.StudyResult`, as plain
data (:class:`~corridor.study.result.HeadlineRanges`) that ``corridor run``'s terminal summary, JSON and report
show beside the central figures.

:func:`~corridor.study.run_study` stays one pure evaluation; the sweep is a separate step on its result
(:func:`study_ranges`, or :func:`prepare_for` and :func:`headline_ranges` around a sweep run elsewhere, e.g. on
Dask): it prepares the same study (the result's spec, scenarios, cargo and base-year calibration), draws every
ranged input and evaluates the same chain (:mod:`corridor.uncertainty.model`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from corridor.network.model import Network
from corridor.study.result import HeadlineRanges, MetricRange, StudyResult
from corridor.uncertainty.model import PreparedStudy, prepare
from corridor.uncertainty.summary import UncertaintyResult, analyse

#: metrics whose every draw the ranges keep (for the distribution plots): ENPV and the project's tonnes by year
SAMPLED = ("enpv_usd", "corridor_flow_t_")


def prepare_for(res: StudyResult, network: Network | None = None) -> PreparedStudy:
    """The prepared study of ``res``: its spec, project, comparison, cargo and calibration; ``network``: the one
    given to ``run_study`` (None: the spec's, whose ranged link figures are sampled)."""
    return prepare(res.spec, network=network, project=res.project, against=res.against, cargo=res.cargo,
                   calibration=res.calibration)


def headline_ranges(result: UncertaintyResult) -> HeadlineRanges:
    """The sweep's percentiles, P(ENPV > 0), tornado and the plotted metrics' draws as typed data."""
    s = result.summary()
    d = result.draws
    samples = {k: tuple(float(x) for x in d[k].to_numpy(float)) for k in d.columns if k.startswith(SAMPLED)}
    central = float(result.central["enpv_usd"])
    return HeadlineRanges(
        draws=int(s["draws"]), seed=int(s["seed"]),
        metrics={k: MetricRange(**m) for k, m in s["metrics"].items()},
        p_enpv_positive=float(s["p_enpv_positive"]), central_enpv_usd=central if np.isfinite(central) else 0.0,
        tornado_enpv=tuple(s["tornado_enpv"]), samples=samples, inputs=tuple(s["inputs"]))


def study_ranges(res: StudyResult, draws: int, seed: int, *, network: Network | None = None, client: Any = None,
                 progress: Callable[[int], None] | None = None) -> StudyResult:
    """``res`` with its headline ranges: ``draws`` Latin-hypercube draws from ``seed`` (on ``client``'s Dask
    cluster, else in this process) and the tornado of ENPV."""
    model = prepare_for(res, network)
    return replace(res, ranges=headline_ranges(analyse(model, draws, seed, client=client, progress=progress)))

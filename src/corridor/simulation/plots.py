"""Plots of a simulation as inline SVG strings (the line cases' helpers: matplotlib ``Figure``, no pyplot)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from corridor.lines.plots import _RC, _svg
from corridor.simulation.experiment import SimulationResult


def _names(result: SimulationResult, keys: Sequence[str]) -> dict[str, str]:
    fac = result.facilities.set_index("facility")
    return {k: str(fac.at[k, "name"]) for k in keys if k in fac.index}


def queue_over_time_svg(result: SimulationResult, keys: Sequence[str], *, title: str | None = None,
                        daily: bool = True) -> str:
    """Queue length of each facility in ``keys`` over the run (first replication; daily means when ``daily``)."""
    run = result.runs[0]
    names = _names(result, keys)
    with rc_context(_RC):
        fig = Figure(figsize=(7, 3.2))
        ax = fig.subplots()
        for k, label in names.items():
            q = run.queues[k]
            t = run.queue_h / 24.0
            if daily and q.size >= 24:
                n = q.size // 24
                q, t = q[: n * 24].reshape(n, 24).mean(axis=1), np.arange(n) + 0.5
            ax.plot(t, q, lw=1, label=label)
        ax.set_xlabel("day of the year" if daily else "day")
        ax.set_ylabel("queue (units waiting)" + (", daily mean" if daily else ""))
        ax.set_title(title or f"Queues over {result.days} days (replication 1 of {result.replications})")
        ax.legend(frameon=False, fontsize=8)
        return _svg(fig)


def wait_distribution_svg(result: SimulationResult, keys: Sequence[str], *, title: str | None = None) -> str:
    """Cumulative distribution of the wait (hours, log scale) at each facility in ``keys`` (first replication)."""
    run = result.runs[0]
    names = _names(result, keys)
    with rc_context(_RC):
        fig = Figure(figsize=(7, 3.2))
        ax = fig.subplots()
        for k, label in names.items():
            w = np.sort(run.waits.get(k, np.array([])))
            if w.size == 0:
                continue
            minutes = np.maximum(w * 60.0, 0.1)  # a zero wait is drawn at 0.1 min on the log axis
            ax.step(minutes, np.arange(1, w.size + 1) / w.size, where="post", lw=1, label=label)
        ax.set_xscale("log")
        ax.set_xlabel("wait, minutes (log scale; no wait drawn at 0.1)")
        ax.set_ylabel("share of movements waiting at most")
        ax.axhline(0.95, color="0.6", ls=":", lw=1)
        ax.set_title(title or "Waiting-time distribution (replication 1)")
        ax.legend(frameon=False, fontsize=8)
        return _svg(fig)

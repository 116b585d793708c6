"""The result of an assignment (a value: flows, costs, per-iteration table, objective, gap, convergence)."""

from __future__ import annotations

import time as _time
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from corridor.assignment._native import _vdf
from corridor.assignment.problem import AssignmentProblem

if TYPE_CHECKING:
    import pandas as pd

#: Relative gap used everywhere: (TSTT − SPTT) / TSTT, TSTT = Σ_c Σ_a x_ca·(t_a(x) + fixed_ca) and
#: SPTT = Σ_c Σ_od d_c,od · (shortest generalised path cost); intrazonal demand is left out of both.
GAP_DEFINITION = "(TSTT - SPTT) / TSTT with generalised costs"


@dataclass(frozen=True, eq=False)
class ClassCosts:
    """What every algorithm needs of the classes: PCE per class and the fixed generalised cost per class and arc,
    with ``inf`` on arcs a class may not use (``fixed``) or 0 there (``fixed0``, for sums over flows)."""

    pce: np.ndarray
    fixed: np.ndarray
    fixed0: np.ndarray

    @classmethod
    def of(cls, p: AssignmentProblem) -> ClassCosts:
        fixed = p.fixed_costs()
        fixed0 = np.where(np.isfinite(fixed), fixed, 0.0)
        fixed0.setflags(write=False)  # as fixed (the problem's, computed once)
        return cls(np.array([c.pce for c in p.classes]), fixed, fixed0)

    def tstt(self, class_flow: np.ndarray, t: np.ndarray) -> float:
        """Σ_c Σ_a x_ca·(t_a + fixed_ca): the generalised total travel cost of the gap."""
        return float(np.sum(class_flow * (t[None, :] + self.fixed0)))


def arc_times(p: AssignmentProblem, x: np.ndarray) -> np.ndarray:
    out = np.empty(p.n_arcs)
    _vdf.times(*p.vdf_arrays(), x, out)
    return out


def arc_derivs(p: AssignmentProblem, x: np.ndarray) -> np.ndarray:
    out = np.empty(p.n_arcs)
    _vdf.derivs(*p.vdf_arrays(), x, out)
    return out


def beckmann(p: AssignmentProblem, class_flow: np.ndarray, fixed: np.ndarray) -> float:
    """Σ_a ∫₀^{x_a} t_a + Σ_c Σ_a fixed_ca·x_ca (x in PCE for the integral)."""
    pce = np.array([c.pce for c in p.classes])
    x = pce @ class_flow
    fixed_part = float(np.sum(np.where(class_flow > 0, fixed, 0.0) * class_flow))
    return _vdf.integral_sum(*p.vdf_arrays(), x) + fixed_part


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """Equilibrium (or best reached) flows. Arc arrays are in the problem's CSR order; :meth:`link_table` gives
    them per link."""

    problem: AssignmentProblem
    algorithm: str
    class_flow: np.ndarray  # classes × arcs (vehicles of the class)
    flow: np.ndarray  # arcs, PCE
    time: np.ndarray  # arcs, t(x)
    relative_gap: float
    beckmann: float
    tstt: float  # generalised: Σ x·(t + fixed)
    sptt: float
    total_time: float  # Σ_c Σ_a x_ca·t_a (time only)
    converged: bool
    target_gap: float
    iteration_rows: tuple[dict, ...]  # iteration, relative_gap, step, beckmann, tstt, direction, seconds
    seconds: float
    paths: object = None  # pathbased.PathSet for path-based solutions

    @classmethod
    def build(cls, p: AssignmentProblem, algorithm: str, costs: ClassCosts, class_flow: np.ndarray, *,
              relative_gap: float, sptt: float, converged: bool, target_gap: float, rows: list[dict],
              started: float, paths: object = None) -> AssignmentResult:
        """The result at class flows ``class_flow``: total flow, times, objective and TSTT computed here."""
        x = costs.pce @ class_flow
        t = arc_times(p, x)
        return cls(problem=p, algorithm=algorithm, class_flow=class_flow, flow=x, time=t,
                   relative_gap=float(relative_gap), beckmann=beckmann(p, class_flow, costs.fixed),
                   tstt=costs.tstt(class_flow, t), sptt=float(sptt), total_time=float(np.sum(class_flow * t[None, :])),
                   converged=converged, target_gap=target_gap, iteration_rows=tuple(rows),
                   seconds=_time.perf_counter() - started, paths=paths)

    @cached_property
    def iterations(self) -> pd.DataFrame:
        """One row per iteration (iteration, relative_gap, gap_exact, step, beckmann, tstt, ..., seconds)."""
        import pandas as pd

        return pd.DataFrame(list(self.iteration_rows))

    @property
    def n_iterations(self) -> int:
        return len(self.iteration_rows)

    def class_cost(self) -> np.ndarray:
        """Generalised cost per class and arc (classes × arcs)."""
        return self.time[None, :] + self.problem.fixed_costs()

    @cached_property
    def link_columns(self) -> dict[str, np.ndarray]:
        """The columns of :meth:`link_table` as numpy arrays (computed once; the writers and the CLI share them)."""
        p = self.problem
        order = np.argsort(p.arc_link, kind="stable")
        labels = p.node_labels if p.node_labels is not None else np.arange(p.n_nodes).astype(str)
        cols = {
            "link": p.link_labels[p.arc_link[order]] if p.link_labels is not None else p.arc_link[order],
            "from_node": labels[p.tail[order]],
            "to_node": labels[p.head[order]],
            "flow": self.flow[order],
            "capacity": p.capacity[order],
            "voc": self.flow[order] / p.capacity[order],
            "free_flow_time": p.free_flow_time[order],
            "time": self.time[order],
        }
        cost = self.class_cost()
        for k, c in enumerate(p.classes):
            if len(p.classes) > 1:
                cols[f"flow_{c.name}"] = self.class_flow[k, order]
            cols[f"cost_{c.name}" if len(p.classes) > 1 else "cost"] = cost[k, order]
        return cols

    def link_table(self) -> pd.DataFrame:
        """One row per arc in the original link order: ends, flow (total and per class), time, cost, v/c."""
        import pandas as pd

        return pd.DataFrame(self.link_columns)

    def summary(self) -> dict:
        """Plain-data summary (for JSON and tables)."""
        return {
            "network": self.problem.name,
            "algorithm": self.algorithm,
            "iterations": self.n_iterations,
            "relative_gap": self.relative_gap,
            "target_gap": self.target_gap,
            "converged": self.converged,
            "beckmann": self.beckmann,
            "tstt": self.tstt,
            "sptt": self.sptt,
            "total_time": self.total_time,
            "seconds": self.seconds,
            "gap_definition": GAP_DEFINITION,
        }

"""From freight equilibria to the appraisal's flows: per class and year the tonnes, hours and money without and with
the project; tonne-km by mode and by country (third parties); tonnes on the project's links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from corridor.assignment import AssignmentResult
from corridor.assignment.corridor import CorridorAssignment, FreightProblem
from corridor.economics.appraisal import Appraisal, AppraisalFlows, AppraisalInputs, ClassFlows, appraise


def arc_tolls(fp: FreightProblem) -> np.ndarray:
    """Toll (USD/t) of each arc of the problem (0 on connectors)."""
    p = fp.problem
    toll = np.zeros(p.n_arcs)
    real = p.arc_link < fp.n_links
    toll[real] = fp.network.link_array("toll_usd", fill=0.0)[p.arc_link[real]]
    return toll


def class_totals(fp: FreightProblem, r: AssignmentResult,
                 tolls: np.ndarray | None = None) -> dict[str, tuple[float, float, float, float, float]]:
    """Per class name: tonnes assigned, tonne-hours, money and tolls (USD), value of time (USD/t-h)."""
    fixed = fp.problem.fixed_costs()
    fixed = np.where(np.isfinite(fixed), fixed, 0.0)
    toll = arc_tolls(fp) if tolls is None else tolls
    out = {}
    for k, c in enumerate(fp.problem.classes):
        x = r.class_flow[k]
        vot = float(fp.value_of_time[k])
        out[c.name] = (float(c.demand.sum()), float(x @ r.time), float(x @ fixed[k]) * vot, float(x @ toll), vot)
    return out


def _real_arcs(fp: FreightProblem) -> tuple[np.ndarray, np.ndarray]:
    p = fp.problem
    real = np.flatnonzero(p.arc_link < fp.n_links)
    return real, p.arc_link[real]


@dataclass(frozen=True)
class ArcGroups:
    """Real arcs of a problem grouped by a label (their link's mode, or their tail node's country)."""

    arcs: np.ndarray
    codes: np.ndarray
    labels: tuple[str, ...]

    def tkm(self, fp: FreightProblem, r: AssignmentResult) -> dict[str, float]:
        sums = np.bincount(self.codes, weights=r.flow[self.arcs] * fp.problem.length[self.arcs],
                           minlength=len(self.labels))
        return {k: float(v) for k, v in zip(self.labels, sums, strict=True)}


def arc_groups(fp: FreightProblem, column: str) -> ArcGroups:
    """Group the real arcs by a link attribute (``mode``) or, with ``country``, by the country of the arc's tail
    node (a border link counts in the country it leaves)."""
    real, li = _real_arcs(fp)
    if column == "country":
        keys = fp.network.nodes["country"].to_numpy(dtype=object)[fp.problem.tail[real]]
    else:
        keys = fp.network.links[column].to_numpy(dtype=object)[li]
    labels, codes = np.unique(keys.astype(str), return_inverse=True)
    return ArcGroups(real, codes.astype(np.int64), tuple(str(x) for x in labels))


def tkm_by(fp: FreightProblem, r: AssignmentResult, column: str) -> dict[str, float]:
    """Tonne-km of the equilibrium by link mode or by country (see :func:`arc_groups`)."""
    return arc_groups(fp, column).tkm(fp, r)


def appraisal_flows(without: Mapping[int, CorridorAssignment], with_: Mapping[int, CorridorAssignment]
                    ) -> AppraisalFlows:
    """The appraisal's flows from the equilibria of both scenarios in each modelled year (the project's tonnes:
    the assignment's ``project_t``)."""
    classes, tkm0, tkm1, corridor = [], {}, {}, {}
    for y in sorted(with_):
        a0, a1 = without[y], with_[y]
        c0 = class_totals(a0.freight, a0.result)
        c1 = class_totals(a1.freight, a1.result)
        for name in sorted(set(c0) | set(c1)):
            t0, h0, m0, l0, v0 = c0.get(name, (0.0, 0.0, 0.0, 0.0, np.nan))
            t1, h1, m1, l1, v1 = c1.get(name, (0.0, 0.0, 0.0, 0.0, np.nan))
            classes.append(ClassFlows(y, name, t0, t1, h0, h1, m0, m1, float(np.nanmax([v0, v1])), l0, l1))
        tkm0[y] = tkm_by(a0.freight, a0.result, "mode")
        tkm1[y] = tkm_by(a1.freight, a1.result, "mode")
        corridor[y] = sum(a1.project_t.values())
    return AppraisalFlows(tuple(classes), tkm0, tkm1, corridor)


def appraisal_of_runs(without: Mapping[int, CorridorAssignment], with_: Mapping[int, CorridorAssignment],
                      inputs: AppraisalInputs | None = None) -> Appraisal:
    """Appraise the project from the equilibria without and with it in each modelled year."""
    return appraise(appraisal_flows(without, with_), inputs)

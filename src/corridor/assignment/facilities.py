"""Queue facilities of a freight network: which links get a queue delay instead of BPR, and their parameters.

A link is a facility by mode and border flag (:func:`facility_type`): ferries, border crossings by rail or road,
other rail links; roads (and pipelines, transfers) keep BPR. Its queue: ``servers`` c, a lot of ``lot_t`` tonnes
per arrival, the coefficients of variation of inter-arrival and service times, and the service capacity (the
link's capacity in t/yr per direction), so that the mean service time is ``c · lot_t / capacity``. The delay is
the Allen–Cunneen mean wait (:func:`corridor.queueing.allen_cunneen_wait`), computed by the assignment kernels
(queue kind of ``_vdf``) with a tangent continuation above :data:`MAX_UTILISATION`.

:func:`facility_queues` gives the table (one :class:`FacilityQueue` per facility link); per-link overrides (e.g.
from the operations data, or a simulation calibrating a facility) replace defaults field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from corridor import queueing
from corridor._errors import Problem, ValidationError
from corridor.assignment._native import _vdf
from corridor.assignment.freight import FreightAssumptions

HOURS_PER_YEAR = 8760.0
#: utilisation above which the queue delay continues along its tangent (finite, convex, increasing)
MAX_UTILISATION: float = _vdf.QUEUE_MAX_UTILISATION
#: the fields an override may set
OVERRIDABLE = ("servers", "lot_t", "arrival_cv", "service_cv", "mean_service_h", "wait_factor")


def facility_type(mode: str, border: bool) -> str | None:
    """``ferry``, ``rail_border``, ``road_border``, ``rail_line`` or None (not a queue facility: BPR)."""
    if mode == "ferry":
        return "ferry"
    if border and mode in ("rail", "road"):
        return f"{mode}_border"
    return "rail_line" if mode == "rail" else None


@dataclass(frozen=True)
class FacilityQueue:
    """One facility link's queue (per direction)."""

    link_id: str
    facility: str
    servers: int
    lot_t: float
    arrival_cv: float
    service_cv: float
    capacity_t: float  # service capacity, t/yr per direction
    source: str
    #: scales the Allen–Cunneen wait (its variability term): a simulation calibrating the facility sets it so
    #: that the wait at the simulated flow is the simulated wait (:mod:`corridor.simulation.delays`)
    wait_factor: float = 1.0

    @property
    def mean_service_h(self) -> float:
        """E[S] = c · lot / capacity (hours per lot per server)."""
        return self.servers * self.lot_t / (self.capacity_t / HOURS_PER_YEAR)

    @property
    def wait_scale_h(self) -> float:
        """α of the queue kernel: E[S] (ca² + cs²) / (2c), times :attr:`wait_factor`."""
        return self.wait_factor * self.mean_service_h * (self.arrival_cv**2 + self.service_cv**2) / (2 * self.servers)

    def assigned_wait_h(self, flow_t: np.ndarray) -> np.ndarray:
        """The assignment's wait (h) at ``flow_t`` t/yr: the queue kernel's, with its tangent continuation above
        :data:`MAX_UTILISATION` (finite where :meth:`wait_h` is infinite)."""
        x = np.ascontiguousarray(flow_t, dtype=float).reshape(-1)
        n = len(x)
        out = np.zeros(n)
        _vdf.times(np.full(n, _vdf.QUEUE, dtype=np.int8), np.zeros(n), np.full(n, self.capacity_t),
                   np.full(n, self.wait_scale_h), np.full(n, float(self.servers)), x, out)
        return out

    def wait_h(self, flow_t: float) -> float:
        """Mean wait (h) at ``flow_t`` t/yr by :mod:`corridor.queueing` (inf at or above capacity; the
        assignment's delay continues along its tangent above :data:`MAX_UTILISATION` instead)."""
        if flow_t <= 0:
            return 0.0
        lam = flow_t / HOURS_PER_YEAR / self.lot_t
        try:
            return self.wait_factor * queueing.allen_cunneen_wait(lam, self.mean_service_h, self.servers,
                                                                  self.arrival_cv, self.service_cv)
        except ValueError:
            return float("inf")

    def with_values(self, **values: float) -> FacilityQueue:
        """A copy with some of :data:`OVERRIDABLE` replaced (``mean_service_h`` sets the capacity)."""
        bad = sorted(set(values) - set(OVERRIDABLE))
        if bad:
            raise ValidationError([Problem(f"unknown queue field(s) {bad}; expected some of {list(OVERRIDABLE)}",
                                           field=f"queue override {self.link_id}")])
        out = replace(self, **{k: v for k, v in values.items() if k != "mean_service_h"})
        if "servers" in values:
            out = replace(out, servers=int(values["servers"]))
        if "mean_service_h" in values:
            out = replace(out, capacity_t=out.servers * out.lot_t / float(values["mean_service_h"]) * HOURS_PER_YEAR)
        problems = [Problem("must be > 0", field=f"queue override {self.link_id} {k}", value=getattr(out, k))
                    for k in ("lot_t", "arrival_cv", "service_cv", "capacity_t") if not getattr(out, k) > 0]
        if not (np.isfinite(out.wait_factor) and out.wait_factor >= 0):
            problems.append(Problem("must be >= 0 and finite", field=f"queue override {self.link_id} wait_factor",
                                    value=out.wait_factor))
        if out.servers < 1:
            problems.append(Problem("must be >= 1", field=f"queue override {self.link_id} servers",
                                    value=out.servers))
        if problems:
            raise ValidationError(problems)
        return out


def facility_queues(links: pd.DataFrame, capacity_t: np.ndarray, assumptions: FreightAssumptions,
                    overrides: Mapping[str, Mapping[str, float]] | None = None) -> tuple[FacilityQueue, ...]:
    """The queue of every link with a capacity that is a facility type the assumptions give a queue for.
    ``capacity_t`` per link row (t/yr per direction, NaN: none or not usable in this network); ``overrides`` by
    link id (see :meth:`FacilityQueue.with_values`; a ``source`` key names where they come from). An override
    for a link the network lacks, or that is never a queue facility (a road), is an error; one for a link
    without a capacity here (closed in the scenario) or whose type the assumptions give no queue is unused."""
    overrides = dict(overrides or {})
    modes = links["mode"].astype(str).to_numpy()
    border = links["border"].astype(str).str.lower().isin(("true", "1")).to_numpy() if "border" in links else \
        np.zeros(len(links), dtype=bool)
    ids = links["link_id"].astype(str).to_numpy()
    out = []
    for i in np.flatnonzero(np.isfinite(capacity_t)):
        kind = facility_type(modes[i], bool(border[i]))
        q = assumptions.queues.get(kind) if kind else None
        if q is None:
            continue
        fq = FacilityQueue(ids[i], kind, int(q.servers.value), float(q.lot_t.value), float(q.arrival_cv.value),
                           float(q.service_cv.value), float(capacity_t[i]), f"freight assumptions queues.{kind}")
        if ids[i] in overrides:
            values = dict(overrides.pop(ids[i]))
            src = str(values.pop("source", "override"))
            fq = replace(fq.with_values(**values), source=src)
        out.append(fq)
    kinds = {lid: facility_type(m, bool(b)) for lid, m, b in zip(ids, modes, border, strict=True)}
    bad = sorted(k for k in overrides if kinds.get(k) is None)
    if bad:
        raise ValidationError([Problem("not a queue facility of this network (no such link, or a mode that has no "
                                       "queue: roads, pipelines, transfers)", field="queue override", value=k)
                               for k in bad])
    return tuple(out)


def queue_table(queues: tuple[FacilityQueue, ...]) -> pd.DataFrame:
    """The facilities as a table (with mean service time and the kernel's wait scale)."""
    cols = ["link_id", "facility", "servers", "lot_t", "arrival_cv", "service_cv", "capacity_t", "mean_service_h",
            "wait_scale_h", "source"]
    return pd.DataFrame([asdict(q) | {"mean_service_h": q.mean_service_h, "wait_scale_h": q.wait_scale_h}
                         for q in queues], columns=cols)

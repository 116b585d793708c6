"""The assignment problem as plain arrays: CSR arcs, volume-delay parameters, zones and traffic classes.

Generalised cost of arc ``a`` for class ``c``: ``t_a(x) + fixed[c, a]`` in time units, where ``x`` is the total
flow in PCE and ``fixed = toll / value_of_time + distance_factor · length + extra fixed cost``; arcs a class may
not use get ``fixed = inf``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from corridor._errors import Problem, ValidationError
from corridor.assignment._native import _vdf


@dataclass(frozen=True, eq=False)
class TrafficClass:
    """One user class: its own demand (zones × zones), PCE, value of time, fixed costs and allowed arcs."""

    name: str
    demand: np.ndarray
    pce: float = 1.0
    value_of_time: float | None = None  # toll units per time unit; None: tolls are ignored
    distance_factor: float = 0.0  # time units per length unit
    fixed_cost: np.ndarray | None = None  # extra per-arc cost in time units (CSR order)
    allowed: np.ndarray | None = None  # bool per arc (CSR order); None: every arc

    def __post_init__(self):
        object.__setattr__(self, "demand", np.ascontiguousarray(self.demand, dtype=np.float64))


_INDEX = ("indptr", "head", "tail", "arc_link", "zone_nodes")
_ARC_FLOAT = ("free_flow_time", "capacity", "alpha", "beta", "length", "toll")


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """Arcs in CSR order (``indptr``, ``head``, ``tail``) with ``arc_link`` mapping each arc to its link row."""

    indptr: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    arc_link: np.ndarray
    free_flow_time: np.ndarray
    capacity: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    length: np.ndarray
    toll: np.ndarray
    zone_nodes: np.ndarray  # node index of each zone
    no_through: np.ndarray  # bool per node
    classes: tuple[TrafficClass, ...]
    vdf: np.ndarray = field(default=None)  # int8 per arc: _vdf.BPR, _vdf.CONICAL or _vdf.QUEUE (β servers)
    node_labels: np.ndarray | None = None
    link_labels: np.ndarray | None = None
    name: str = "network"
    #: arrays computed from the fields once (fixed_costs, the O–D structure), read-only; a derived or replaced
    #: problem starts its own
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.vdf is None:
            object.__setattr__(self, "vdf", np.full(self.n_arcs, _vdf.BPR, dtype=np.int8))
        # the compiled kernels take contiguous arrays of these exact types (no copy when they already are)
        for name, dtype in (*((n, np.int64) for n in _INDEX), *((n, np.float64) for n in _ARC_FLOAT),
                            ("vdf", np.int8), ("no_through", np.bool_)):
            object.__setattr__(self, name, np.ascontiguousarray(getattr(self, name), dtype=dtype))
        self.validate()

    @property
    def n_nodes(self) -> int:
        return self.indptr.shape[0] - 1

    @property
    def n_arcs(self) -> int:
        return self.head.shape[0]

    @property
    def n_zones(self) -> int:
        return self.zone_nodes.shape[0]

    def derive(self, **changes) -> AssignmentProblem:
        """This problem with ``changes`` (field values) replaced, as :func:`dataclasses.replace` would give, but
        checking only what changed (the graph and the classes kept are this problem's, already checked): for
        the many problems a sweep derives from one built problem (its demand, link figures)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown fields {sorted(unknown)}")
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        object.__setattr__(out, "_cache", {})
        for name, value in changes.items():
            dtype = (np.int64 if name in _INDEX else np.float64 if name in _ARC_FLOAT else np.int8 if name == "vdf"
                     else np.bool_ if name == "no_through" else None)
            object.__setattr__(out, name, value if dtype is None else np.ascontiguousarray(value, dtype=dtype))
        kept = {id(c) for c in self.classes}
        out.validate(changed=set(changes), classes=[c for c in out.classes if id(c) not in kept])
        return out

    def validate(self, *, changed: set[str] | None = None, classes: list[TrafficClass] | None = None) -> None:
        """Check shapes and values; raise one ValidationError listing every problem. With ``changed`` (the names of
        the fields replaced in a problem derived from a checked one, :meth:`derive`): only the checks they can
        fail, the classes among them only those in ``classes``."""
        problems: list[Problem] = []
        m = self.n_arcs
        for name in ("tail", "arc_link", "free_flow_time", "capacity", "alpha", "beta", "length", "toll", "vdf"):
            if (changed is None or name in changed) and getattr(self, name).shape != (m,):
                problems.append(Problem(f"must have one value per arc ({m})", field=name))
        if problems:
            raise ValidationError(problems)
        graph = {"indptr", "head", "tail", "zone_nodes", "no_through"}
        if changed is None or changed & graph:
            self._validate_graph()
        if changed is not None and "classes" not in changed:
            classes = []
        elif changed is None or classes is None:
            classes = list(self.classes)
        arc_fields = {"capacity", "free_flow_time", "alpha", "beta", "vdf"}
        checks = () if changed is not None and not changed & arc_fields else (
            ("capacity", self.capacity <= 0, "must be > 0"),
            ("free_flow_time", ~(self.free_flow_time >= 0), "must be >= 0"),
            ("alpha", ~(self.alpha >= 0), "must be >= 0"),
            ("beta", ~(self.beta >= 0), "must be >= 0"),
            ("alpha", (self.vdf == _vdf.CONICAL) & ~(self.alpha > 1), "conical alpha must be > 1"),
            ("beta", (self.vdf == _vdf.QUEUE) & ~((self.beta >= 1) & (self.beta == np.round(self.beta))),
             "queue beta (servers) must be a whole number >= 1"),
            ("capacity", (self.vdf == _vdf.QUEUE) & ~np.isfinite(self.capacity), "queue capacity must be finite"),
            ("vdf", ~np.isin(self.vdf, (_vdf.BPR, _vdf.CONICAL, _vdf.QUEUE)), "must be a known kind (0, 1, 2)"),
        )
        for name, bad, what in checks:
            idx = np.flatnonzero(bad)
            if idx.size:
                a = int(idx[0])
                label = self.link_labels[self.arc_link[a]] if self.link_labels is not None else a
                problems.append(Problem(f"{what} ({idx.size} arcs, first: link {label})", field=name,
                                        value=float(getattr(self, name)[a])))
        z = self.n_zones
        if not self.classes:
            problems.append(Problem("at least one traffic class is needed", field="classes"))
        for c in classes:
            if c.demand.shape != (z, z):
                problems.append(Problem(f"demand must be {z} × {z}", field=f"class {c.name!r} demand",
                                        value=c.demand.shape))
            elif not np.all(np.isfinite(c.demand)) or (c.demand < 0).any():
                problems.append(Problem("demand must be finite and >= 0", field=f"class {c.name!r} demand"))
            if not c.pce > 0:
                problems.append(Problem("must be > 0", field=f"class {c.name!r} pce", value=c.pce))
            if c.value_of_time is not None and not c.value_of_time > 0:
                problems.append(Problem("must be > 0", field=f"class {c.name!r} value_of_time", value=c.value_of_time))
            for attr in ("fixed_cost", "allowed"):
                v = getattr(c, attr)
                if v is not None and v.shape != (m,):
                    problems.append(Problem(f"must have one value per arc ({m})", field=f"class {c.name!r} {attr}"))
        if problems:
            raise ValidationError(problems)

    @property
    def no_through_u8(self) -> np.ndarray:
        """``no_through`` as bytes (the compiled kernels' view of it)."""
        return self.no_through.view(np.uint8)

    def vdf_arrays(self) -> tuple[np.ndarray, ...]:
        """The volume-delay arrays in the order the compiled kernels take them: kind, t0, capacity, α, β."""
        return self.vdf, self.free_flow_time, self.capacity, self.alpha, self.beta

    def _validate_graph(self) -> None:
        """The CSR arrays the compiled kernels index without bounds checks: a bad one is an error here, not a
        crash there."""
        n, m = self.n_nodes, self.n_arcs
        ip = self.indptr
        problems = []
        if n < 0 or ip[0] != 0 or ip[-1] != m or (np.diff(ip) < 0).any():
            problems.append(Problem(f"must start at 0, never decrease and end at the number of arcs ({m})",
                                    field="indptr"))
        elif not np.array_equal(self.tail, np.repeat(np.arange(n), np.diff(ip))):
            problems.append(Problem("arcs must be sorted by tail node as indptr says (use csr_from_links)",
                                    field="tail"))
        for name, values, size in (("head", self.head, n), ("zone_nodes", self.zone_nodes, n)):
            bad = np.flatnonzero((values < 0) | (values >= size))
            if bad.size:
                problems.append(Problem(f"must be node indices in [0, {size}) ({bad.size} are not, first at "
                                        f"position {bad[0]})", field=name, value=int(values[bad[0]])))
        if self.no_through.shape != (n,):
            problems.append(Problem(f"must have one value per node ({n})", field="no_through"))
        if m >= 2**31:
            problems.append(Problem("at most 2**31 - 1 arcs (arc indices are int32)", field="head", value=m))
        if problems:
            raise ValidationError(problems)

    def cached(self, key: str, make):
        """``make(self)`` computed once per problem (its arrays made read-only): the fields are not changed after
        construction (derive or replace make a new problem)."""
        out = self._cache.get(key)
        if out is None:
            out = make(self)
            for a in out if isinstance(out, tuple) else (out,):
                if isinstance(a, np.ndarray):
                    a.setflags(write=False)
            self._cache[key] = out
        return out

    def fixed_costs(self) -> np.ndarray:
        """Per-class fixed generalised cost per arc (classes × arcs), ``inf`` where an arc is not allowed
        (read-only: computed once)."""
        return self.cached("fixed_costs", AssignmentProblem._fixed_costs)

    def _fixed_costs(self) -> np.ndarray:
        out = np.zeros((len(self.classes), self.n_arcs))
        for k, c in enumerate(self.classes):
            if c.value_of_time is not None:
                out[k] += self.toll / c.value_of_time
            out[k] += c.distance_factor * self.length
            if c.fixed_cost is not None:
                out[k] += c.fixed_cost
            if c.allowed is not None:
                out[k, ~c.allowed] = np.inf
        return out


def csr_from_links(n_nodes: int, tail: np.ndarray, head: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, order): ``order`` sorts the links by tail node (stable), giving the CSR arc order."""
    order = np.argsort(tail, kind="stable")
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.add.at(indptr, tail + 1, 1)
    np.cumsum(indptr, out=indptr)
    return indptr, order


def problem_from_tntp(
    data,
    *,
    toll_factor: float | None = None,
    distance_factor: float | None = None,
    demand: np.ndarray | None = None,
) -> AssignmentProblem:
    """An assignment problem from :class:`corridor.network.tntp.TntpData` (one class; BPR with TNTP b, power).

    ``toll_factor`` and ``distance_factor`` default to the values in the network's README (see
    :data:`corridor.network.tntp.COST_FACTORS`)."""
    net = data.net
    lk = net.columns
    tf, df = data.cost_factors
    tf = tf if toll_factor is None else toll_factor
    df = df if distance_factor is None else distance_factor
    tail = np.asarray(lk["init_node"], dtype=np.int64) - 1
    head = np.asarray(lk["term_node"], dtype=np.int64) - 1
    indptr, order = csr_from_links(net.n_nodes, tail, head)
    od = data.trips if demand is None else demand
    if od is None:
        raise ValidationError([Problem("no trips: give a trips file", file=net.file)])
    no_through = np.zeros(net.n_nodes, dtype=bool)
    no_through[: max(net.first_thru_node - 1, 0)] = True
    col = {c: np.asarray(lk[c], dtype=float)[order] for c in ("free_flow_time", "capacity", "b", "power", "length", "toll")}
    cls = TrafficClass(
        name="all",
        demand=np.asarray(od, dtype=float),
        value_of_time=(1.0 / tf) if tf else None,
        distance_factor=df,
    )
    return AssignmentProblem(
        indptr=indptr,
        head=head[order],
        tail=tail[order],
        arc_link=order.astype(np.int64),
        free_flow_time=col["free_flow_time"],
        capacity=col["capacity"],
        alpha=col["b"],
        beta=col["power"],
        length=col["length"],
        toll=col["toll"],
        zone_nodes=np.arange(net.n_zones, dtype=np.int64),
        no_through=no_through,
        classes=(cls,),
        node_labels=np.arange(1, net.n_nodes + 1).astype(str),
        link_labels=np.char.add(np.char.add((tail + 1).astype(str), "-"), (head + 1).astype(str)),
        name=data.name,
    )

"""Freight equilibrium on a corridor network: places as zones, cargo classes as traffic classes, tonnes per year.

:func:`freight_problem` turns a :class:`~corridor.network.model.Network` (a scenario applied, or its existing
links) and a demand table into an :class:`~corridor.assignment.AssignmentProblem`:

* zones are places; each place gets a centroid node joined to every node of the place by zero-cost connector arcs,
  and centroids are never passed through (the first-thru-node rule), so a change of mode inside a place still
  pays its transfer link;
* one traffic class per (cargo class, allowed modes) of the demand; an arc is usable by a class when its link is
  open and of an allowed mode (:func:`corridor.routing.arc_costs`);
* time unit: the hour. Free-flow time ``length_km / free_speed_kmh + fixed_time_h``; each class's fixed cost is
  its money (rate per km, tolls, handling per transfer) divided by its value of time;
* delay on links with a capacity, converted to tonnes per year per direction (``data/freight_assumptions.yaml``):
  a queue (Allen–Cunneen G/G/c, :mod:`corridor.assignment.facilities`) on ferries, border crossings and rail
  links, BPR on roads and the rest; links without a capacity keep their free-flow time;
* route choice: the assumptions' (the bundled ones: logit stochastic user equilibrium, θ per O–D pair relative to
  its free-flow cheapest cost) or the deterministic user equilibrium (``route_choice="ue"``).

:func:`assign_corridor` solves it and returns plain tables: flows per link, per path and per route family (the
rules of a :class:`~corridor.scenario.RouteFamilies`: the project's links, countries passed, modes used), the
project's tonnes by mode, links over capacity and the convergence summary; :func:`compare_corridor` sets two
scenarios side by side. :meth:`CorridorAssignment.who_uses` answers "who uses link set X" (select-link: O–D
places and cargo classes with their tonnes through X), e.g. ``ca.who_uses(ca.project_link_ids())``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.assignment import AssignmentProblem, AssignmentResult, TrafficClass, assign
from corridor.assignment._native import _vdf
from corridor.assignment.facilities import FacilityQueue, facility_queues
from corridor.assignment.freight import FreightAssumptions, bundled_assumptions, bundled_demand, check_demand
from corridor.assignment.problem import csr_from_links
from corridor.assignment.select_link import SelectLinkResult, select_link
from corridor.network.model import Network
from corridor.routing import RouteOptions, arc_costs, get_class, resolve_place
from corridor.scenario.apply import apply_scenario
from corridor.scenario.families import RouteFamilies
from corridor.scenario.model import Scenario, load_scenario


@dataclass(frozen=True, eq=False)
class FreightProblem:
    """An assignment problem built from a network and a demand table, with what is needed to read it back."""

    problem: AssignmentProblem
    network: Network
    zones: np.ndarray  # place id of each zone
    class_keys: tuple[tuple[str, tuple[str, ...]], ...]  # (cargo class, allowed modes; () = the class's)
    value_of_time: np.ndarray  # USD per tonne-hour, per class
    capacity_t: np.ndarray  # per link, t/yr per direction (NaN: no capacity)
    demand: pd.DataFrame  # demand rows with zone and class indices and a ``served`` flag
    assumptions: FreightAssumptions
    queues: tuple[FacilityQueue, ...] = ()  # the queue facilities (their links get the queue delay)

    @property
    def n_links(self) -> int:
        return self.network.n_links

    @cached_property
    def demand_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The demand rows' class, origin zone and destination zone indices and served flags as arrays (the same
        for every problem :func:`with_demand` derives)."""
        d = self.demand
        return (d["class_index"].to_numpy(np.int64), d["origin_zone"].to_numpy(np.int64),
                d["destination_zone"].to_numpy(np.int64), d["served"].to_numpy(bool))

    @property
    def unserved(self) -> pd.DataFrame:
        """Demand rows with no usable route in this network (left out of the assignment)."""
        return self.demand[~self.demand["served"]]


def class_name(cargo: str, modes: tuple[str, ...]) -> str:
    """``container`` or, with allowed modes given, ``general_cargo_by_road`` (an identifier: OMX names)."""
    return f"{cargo}_by_{'_'.join(modes)}" if modes else cargo


def _resolve(net: Network, demand: pd.DataFrame, zidx: dict[str, int], file: str) -> tuple[np.ndarray, np.ndarray]:
    problems, o_z, d_z = [], [], []
    for rec in demand.itertuples():
        for col, out in (("origin", o_z), ("destination", d_z)):
            value = getattr(rec, col)
            try:
                out.append(zidx[resolve_place(net, value)])
            except (NotFoundError, KeyError) as e:
                problems.append(Problem(str(e), file=file, row=int(rec.line), field=col, value=value))
                out.append(-1)
    o, d = np.asarray(o_z, dtype=np.int64), np.asarray(d_z, dtype=np.int64)
    same = np.flatnonzero((o == d) & (o >= 0))
    for i in same:
        problems.append(Problem("origin and destination are the same place", file=file,
                                row=int(demand["line"].iat[i]), field="destination",
                                value=demand["destination"].iat[i]))
    if problems:
        raise ValidationError(problems)
    return o, d


def _link_capacity(net: Network, used: np.ndarray, a: FreightAssumptions) -> tuple[np.ndarray, np.ndarray,
                                                                                 np.ndarray]:
    """Per link: capacity in t/yr per direction (NaN: none), BPR alpha and beta. Only links some class may use
    are checked; a unit or mode the assumptions do not cover is an error naming the link."""
    links = net.links
    raw = net.link_array("capacity")
    units = links["capacity_unit"].astype(str).str.strip().to_numpy(dtype=object)
    modes = links["mode"].to_numpy(dtype=object)
    cap = np.full(net.n_links, np.nan)
    alpha = np.zeros(net.n_links)
    beta = np.zeros(net.n_links)
    problems = []
    for i in np.flatnonzero(used & np.isfinite(raw)):
        lid = links["link_id"].iat[i]
        unit = a.capacity_units.get(units[i])
        bpr = a.bpr.get(modes[i])
        if unit is None:
            problems.append(Problem(f"link {lid}: capacity unit not convertible to t/yr (known: "
                                    f"{', '.join(a.capacity_units)})", file="link table", row=int(i) + 2,
                                    field="capacity_unit", value=units[i]))
        elif not raw[i] > 0:
            problems.append(Problem(f"link {lid}: capacity must be > 0", file="link table", row=int(i) + 2,
                                    field="capacity", value=float(raw[i])))
        elif bpr is None:
            problems.append(Problem(f"link {lid}: no BPR parameters for mode {modes[i]!r} (known: "
                                    f"{', '.join(a.bpr)})", file="link table", row=int(i) + 2, field="mode",
                                    value=modes[i]))
        else:
            cap[i] = raw[i] * unit.value
            alpha[i], beta[i] = bpr.value.alpha, bpr.value.beta
    if problems:
        raise ValidationError(problems)
    return cap, alpha, beta


def class_matrices(o_z: np.ndarray, d_z: np.ndarray, d_class: np.ndarray, served: np.ndarray, tonnes: np.ndarray,
                   n_classes: int, n_zones: int) -> list[np.ndarray]:
    """Each class's O-D matrix (zones x zones, t/yr) of the served demand rows (rows of one cell summed in row
    order)."""
    cell = (np.asarray(d_class, np.int64) * n_zones + o_z) * n_zones + d_z
    mats = np.bincount(cell[served], weights=np.asarray(tonnes, float)[served],
                       minlength=n_classes * n_zones * n_zones).astype(float, copy=False)  # float when empty too
    return list(mats.reshape(n_classes, n_zones, n_zones))


def with_demand(fp: FreightProblem, tonnes: np.ndarray) -> FreightProblem:
    """``fp`` with its demand rows carrying ``tonnes`` (same rows, zones and classes; the network unchanged): what
    :func:`freight_problem` builds from those tonnes, without rebuilding the graph (nor checking it again)."""
    rows = fp.demand_rows
    tonnes = np.asarray(tonnes, float)
    mats = class_matrices(rows[1], rows[2], rows[0], rows[3], tonnes, len(fp.class_keys), len(fp.zones))
    p = fp.problem
    classes = tuple(replace(c, demand=m) for c, m in zip(p.classes, mats, strict=True))
    demand = fp.demand.copy(deep=False)
    demand["tonnes_per_yr"] = tonnes
    out = replace(fp, problem=p.derive(classes=classes), demand=demand)
    out.__dict__["demand_rows"] = rows  # the same rows (cached_property's slot)
    return out


def freight_problem(net: Network, demand: pd.DataFrame | None = None, *,
                    assumptions: FreightAssumptions | None = None,
                    queue_overrides: Mapping[str, Mapping[str, float]] | None = None) -> FreightProblem:
    """Build the freight assignment problem (see the module docstring). ``demand`` as from
    :func:`~corridor.assignment.freight.read_demand` (default: the bundled demand). Demand without any usable
    route is kept out of the problem and listed in :attr:`FreightProblem.unserved`. ``queue_overrides``: per
    facility link id, queue fields to replace (:func:`~corridor.assignment.facilities.facility_queues`)."""
    a = assumptions or bundled_assumptions()
    if demand is None:
        demand = bundled_demand()
    elif "line" not in demand.columns or "modes" not in demand.columns:
        demand = check_demand(demand)
    file = demand.attrs.get("file", "demand")
    zones = net.places["place"].to_numpy(dtype=object)
    zidx = {p: i for i, p in enumerate(zones)}
    o_z, d_z = _resolve(net, demand, zidx, file)
    n, n_links, n_zones = net.n_nodes, net.n_links, len(zones)

    # connectors: centroid n+z <-> every node of place z
    members = [net.place_nodes(p) for p in zones]
    cz = np.repeat(np.arange(n_zones), [len(m) for m in members])
    cv = np.concatenate(members)
    conn_tail = np.concatenate([n + cz, cv])
    conn_head = np.concatenate([cv, n + cz])
    n_conn = len(conn_tail)
    tail = np.concatenate([net.arc_tail, conn_tail])
    head = np.concatenate([net.arc_head, conn_head])
    arc_link = np.concatenate([net.arc_link, n_links + np.arange(n_conn)])
    indptr, order = csr_from_links(n + n_zones, tail, head)
    node_ids = net.nodes["node_id"].to_numpy(dtype=object)
    conn_labels = np.array([f"connector {zones[z]}→{node_ids[v]}" for z, v in zip(cz, cv, strict=True)]
                           + [f"connector {node_ids[v]}→{zones[z]}" for z, v in zip(cz, cv, strict=True)],
                           dtype=object)

    # classes: one per (cargo, modes) in order of appearance
    keys = tuple(dict.fromkeys(zip(demand["cargo"], demand["modes"], strict=True)))
    kidx = {k: i for i, k in enumerate(keys)}
    costs = []
    for cargo, modes in keys:
        cls = get_class(cargo)
        avoid = set(cls.modes) - set(modes) if modes else set()
        costs.append(arc_costs(net, RouteOptions.make(cargo=cargo, avoid_modes=avoid)))
    usable_arc = np.logical_or.reduce([c.usable for c in costs])
    used_link = np.zeros(n_links, dtype=bool)
    used_link[net.arc_link[usable_arc]] = True
    cap_link, alpha_link, beta_link = _link_capacity(net, used_link, a)
    queues = facility_queues(net.links, cap_link, a, queue_overrides)
    kind_link = np.full(n_links, _vdf.BPR, dtype=np.int8)
    qi = np.array([net.link_index[q.link_id] for q in queues], dtype=np.int64)
    kind_link[qi] = _vdf.QUEUE
    cap_link[qi] = [q.capacity_t for q in queues]
    alpha_link[qi] = [q.wait_scale_h for q in queues]
    beta_link[qi] = [float(q.servers) for q in queues]

    # demand: served where some node of the destination place is reachable from the origin place
    d_class = np.array([kidx[k] for k in zip(demand["cargo"], demand["modes"], strict=True)], dtype=np.int64)
    served = np.ones(len(demand), dtype=bool)
    for k, c in enumerate(costs):
        sel = np.flatnonzero(c.usable)
        g = csr_matrix((np.ones(len(sel)), (net.arc_tail[sel], net.arc_head[sel])), shape=(n, n))
        for z in np.unique(o_z[d_class == k]):
            dist = dijkstra(g, directed=True, indices=members[z], min_only=True, unweighted=True)
            for r in np.flatnonzero((d_class == k) & (o_z == z)):
                served[r] = bool(np.isfinite(dist[members[d_z[r]]]).any())
    tonnes = demand["tonnes_per_yr"].to_numpy(dtype=float)
    classes = []
    vot = np.array([get_class(cargo).vot for cargo, _ in keys])
    zero_conn = np.zeros(n_conn)
    mats = class_matrices(o_z, d_z, d_class, served, tonnes, len(keys), n_zones)
    for k, ((cargo, modes), c) in enumerate(zip(keys, costs, strict=True)):
        mat = mats[k]
        fixed = np.concatenate([c.money_usd / vot[k], zero_conn])[order]
        allowed = np.concatenate([c.usable, np.ones(n_conn, dtype=bool)])[order]
        classes.append(TrafficClass(name=class_name(cargo, modes), demand=mat, pce=1.0, fixed_cost=fixed,
                                    allowed=allowed))

    capped = np.isfinite(cap_link)
    link_cap = np.concatenate([np.where(capped, cap_link, np.inf), np.full(n_conn, np.inf)])
    link_alpha = np.concatenate([np.where(capped, alpha_link, 0.0), np.zeros(n_conn)])
    link_beta = np.concatenate([np.where(capped, beta_link, 0.0), np.zeros(n_conn)])
    link_kind = np.concatenate([kind_link, np.full(n_conn, _vdf.BPR, dtype=np.int8)])
    t0 = np.concatenate([costs[0].time_h, zero_conn])[order]
    length = np.concatenate([net.link_array("length_km", fill=0.0)[net.arc_link], zero_conn])[order]
    al = arc_link[order]
    no_through = np.zeros(n + n_zones, dtype=bool)
    no_through[n:] = True
    problem = AssignmentProblem(
        indptr=indptr, head=head[order], tail=tail[order], arc_link=al, free_flow_time=t0,
        capacity=link_cap[al], alpha=link_alpha[al], beta=link_beta[al], vdf=link_kind[al], length=length,
        toll=np.zeros(len(al)), zone_nodes=n + np.arange(n_zones, dtype=np.int64), no_through=no_through,
        classes=tuple(classes),
        node_labels=np.concatenate([node_ids, np.array([f"zone {z}" for z in zones], dtype=object)]),
        link_labels=np.concatenate([net.links["link_id"].to_numpy(dtype=object), conn_labels]),
        name=f"{net.name} ({net.meta.get('scenario', 'existing links')})",
    )
    dem = demand.assign(origin_zone=o_z, destination_zone=d_z, class_index=d_class, served=served)
    return FreightProblem(problem, net, zones, keys, vot, cap_link, dem, a, queues)


# ---- results ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class CorridorAssignment:
    """Equilibrium freight flows on one scenario, as plain tables (tonnes per year)."""

    scenario: str
    freight: FreightProblem
    result: AssignmentResult
    links: pd.DataFrame  # one row per network arc (direction) with flow, capacity, v/c, times
    paths: pd.DataFrame | None  # one row per used path (path-based algorithms only)
    families: pd.DataFrame | None  # family, tonnes (a path may count in several), share of the assigned tonnes
    routes: pd.DataFrame | None  # exclusive route label (e.g. "<project> + <ferry label>"), tonnes
    project_t: dict[str, float]  # tonnes per year using a project link, by mode of that link
    rules: RouteFamilies = field(default_factory=RouteFamilies)
    summary: dict = field(default_factory=dict)

    @property
    def over_capacity(self) -> pd.DataFrame:
        """Directions of links whose flow exceeds their capacity, highest v/c first."""
        lk = self.links
        return lk[lk["voc"] > 1.0].sort_values("voc", ascending=False).reset_index(drop=True)

    def project_link_ids(self) -> list[str]:
        """Ids of the project's links (the route-family rules') in this scenario's network."""
        net = self.freight.network
        return net.links.loc[_project_mask(net, self.rules), "link_id"].astype(str).tolist()

    def facility_load(self) -> pd.DataFrame:
        """Per queue facility and direction: its queue (servers, mean service time, capacity), the assigned flow,
        utilisation and the modelled wait (time minus free-flow time), busiest first."""
        queues = {q.link_id: q for q in self.freight.queues}
        lk = self.links[self.links["link_id"].isin(list(queues))]
        rows = [{"link_id": r.link_id, "direction": f"{r.from_node_id} → {r.to_node_id}",
                 "facility": queues[r.link_id].facility, "servers": queues[r.link_id].servers,
                 "mean_service_h": queues[r.link_id].mean_service_h, "capacity_t": r.capacity_t, "flow_t": r.flow_t,
                 "utilisation": r.flow_t / r.capacity_t, "wait_h": r.time_h - r.free_flow_time_h}
                for r in lk.itertuples()]
        cols = ["link_id", "direction", "facility", "servers", "mean_service_h", "capacity_t", "flow_t",
                "utilisation", "wait_h"]
        out = pd.DataFrame(rows, columns=cols)
        return out.sort_values("utilisation", ascending=False, kind="stable").reset_index(drop=True)

    def select_link(self, links: Sequence[str] | str, *, name: str | None = None) -> SelectLinkResult:
        """Select-link tracing of the freight using any of ``links`` (link ids; both directions of a two-way link):
        exact with ``gp``, all-or-nothing at the final costs with a link-based algorithm
        (:mod:`corridor.assignment.select_link`). Flows in tonnes per year."""
        return select_link(self.result, links, name=name)

    def who_uses(self, links: Sequence[str] | str) -> pd.DataFrame:
        """Who uses link set ``links``: one row per (origin place, destination place, cargo, modes) with the
        tonnes per year through the set, their share of the set's tonnes and of the pair's demand, largest first."""
        sel = self.select_link(links)
        c, o, d = np.nonzero(sel.od > 0)
        tonnes = sel.od[c, o, d]
        demand = np.array([self.result.problem.classes[k].demand[i, j] for k, i, j in zip(c, o, d, strict=True)])
        keys = [self.freight.class_keys[k] for k in c]
        df = pd.DataFrame({
            "origin": self.freight.zones[o], "destination": self.freight.zones[d],
            "cargo": [k[0] for k in keys], "modes": [",".join(k[1]) for k in keys], "tonnes": tonnes,
            "share": tonnes / tonnes.sum() if tonnes.size else tonnes, "share_of_pair": tonnes / demand,
        })
        return df.sort_values("tonnes", ascending=False, kind="stable").reset_index(drop=True)

    def to_dict(self, *, paths: bool = True) -> dict:
        def records(df):
            return None if df is None else df.replace({np.nan: None}).to_dict(orient="records")

        return {
            **self.summary,
            "families": records(self.families), "routes": records(self.routes),
            "over_capacity": records(self.over_capacity),
            "unserved": records(self.freight.unserved[["origin", "destination", "cargo", "tonnes_per_yr"]]),
            **({"paths": records(self.paths)} if paths else {}),
        }


def _link_table(fp: FreightProblem, r: AssignmentResult) -> pd.DataFrame:
    p, net = fp.problem, fp.network
    real = np.flatnonzero(p.arc_link < fp.n_links)
    li = p.arc_link[real]
    links, node_ids = net.links, net.nodes["node_id"].to_numpy(dtype=object)
    cap = fp.capacity_t[li]
    df = pd.DataFrame({
        "link_id": links["link_id"].to_numpy(dtype=object)[li],
        "from_node_id": node_ids[p.tail[real]],
        "to_node_id": node_ids[p.head[real]],
        "mode": links["mode"].to_numpy(dtype=object)[li],
        "status": links["status"].to_numpy(dtype=object)[li],
        "flow_t": r.flow[real],
        "capacity_t": cap,
        "voc": r.flow[real] / cap,
        "free_flow_time_h": p.free_flow_time[real],
        "time_h": r.time[real],
    })
    for k, c in enumerate(p.classes):
        df[f"flow_t_{c.name}"] = r.class_flow[k, real]
    return df.sort_values(["link_id", "from_node_id"], kind="stable").reset_index(drop=True)


def _project_mask(net: Network, rules: RouteFamilies) -> np.ndarray:
    return net.links["link_id"].isin(rules.project_links).to_numpy(dtype=bool)


def _project_modes(fp: FreightProblem, rules: RouteFamilies) -> list[str]:
    """Modes of the project's links that some demand class may use (transfers excluded)."""
    from corridor.routing import get_class

    usable = {m for cargo, _ in fp.class_keys for m in get_class(cargo).modes} - {"transfer"}
    modes = fp.network.links.loc[_project_mask(fp.network, rules), "mode"]
    return sorted(set(modes) & usable)


def project_selection(fp: FreightProblem, rules: RouteFamilies) -> tuple[np.ndarray, list[str]]:
    """The project's links (mask over the network's links) and the modes of them some class may use."""
    return _project_mask(fp.network, rules), _project_modes(fp, rules)


def project_link_modes(fp: FreightProblem, project: np.ndarray, modes: Sequence[str]) -> np.ndarray:
    """Per network link: the index in ``modes`` of its mode where it is a project link (``project``) of one of
    them, else -1 (what :func:`path_project_tonnes` counts; computed once for many evaluations)."""
    code = {m: i for i, m in enumerate(dict.fromkeys(modes))}
    out = np.array([code.get(m, -1) for m in fp.network.links["mode"].to_numpy(dtype=object)], dtype=np.int64)
    out[~np.asarray(project, dtype=bool)] = -1
    return out


def path_project_tonnes(fp: FreightProblem, r: AssignmentResult, project: np.ndarray,
                        modes: Sequence[str], link_mode: np.ndarray | None = None) -> dict[str, float]:
    """Tonnes per year of the paths that use a project link, by mode of that link (``project``, ``modes``: from
    :func:`project_selection`; ``link_mode``: their :func:`project_link_modes`, computed here if not given):
    ``project_t`` of :func:`corridor_result` without its tables, for many evaluations. Needs a path-based
    result."""
    if r.paths is None:
        raise ValidationError([Problem("needs a path-based result (algorithm 'gp')", field="algorithm")])
    p, ps = fp.problem, r.paths
    out = dict.fromkeys(modes, 0.0)
    if not out or len(ps) == 0:
        return out
    if link_mode is None:
        link_mode = project_link_modes(fp, project, modes)
    rows, _, pos, owner = ps.flat()
    li = p.arc_link[ps.pool[pos]]
    real = li < fp.n_links
    m = np.full(li.size, -1, dtype=np.int64)
    m[real] = link_mode[li[real]]
    hit = m >= 0
    # each (path, mode) once, in the paths' order: a path counts once per mode of the project links it uses
    pairs = np.unique(owner[hit] * len(out) + m[hit])
    flow = ps.p_flow[rows]
    path, mode = pairs // len(out), pairs % len(out)
    keep = flow[path] > 0
    sums = np.bincount(mode[keep], weights=flow[path[keep]], minlength=len(out)).astype(float, copy=False)
    return {k: float(v) for k, v in zip(out, sums, strict=True)}


def _path_table(fp: FreightProblem, r: AssignmentResult, rules: RouteFamilies) -> pd.DataFrame:
    p, net = fp.problem, fp.network
    ps = r.paths
    links = net.links
    project = _project_mask(net, rules)
    mode = links["mode"].to_numpy(dtype=object)
    link_ids = links["link_id"].to_numpy(dtype=object)
    country = net.nodes["country"].to_numpy(dtype=object)
    fixed = p.fixed_costs()
    rows = []
    for k in range(len(ps)):
        c = int(ps.od_class[k])
        for arcs, flow in ps.paths(k):
            if flow <= 0:
                continue
            arcs = arcs[::-1]  # the path set stores arcs from the destination back
            li = p.arc_link[arcs]
            real = li < fp.n_links
            ra, rl = arcs[real], li[real]
            nodes = np.concatenate([p.tail[ra][:1], p.head[ra]])
            cost_h = float(np.sum(r.time[arcs] + fixed[c, arcs]))
            rows.append({
                "origin": fp.zones[ps.od_origin[k]], "destination": fp.zones[ps.od_dest[k]],
                "class": p.classes[c].name, "tonnes": flow,
                "family": rules.label(set(country[nodes]), link_ids[rl], set(mode[rl])),
                "project_modes": ";".join(sorted(set(mode[rl[project[rl]]]))),
                "time_h": float(np.sum(r.time[arcs])), "cost_usd_per_t": cost_h * fp.value_of_time[c],
                "links": ";".join(link_ids[rl]),
            })
    cols = ["origin", "destination", "class", "tonnes", "family", "project_modes", "time_h", "cost_usd_per_t",
            "links"]
    return pd.DataFrame(rows, columns=cols)


def _families(paths: pd.DataFrame, total: float, rules: RouteFamilies) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = list(rules.names)
    fam = pd.DataFrame({"family": names,
                        "tonnes": [float(paths.loc[paths["family"].str.split(" + ", regex=False).map(
                            lambda parts, f=f: f in parts), "tonnes"].sum()) for f in names]})
    fam["share"] = fam["tonnes"] / total if total > 0 else 0.0
    routes = (paths.groupby("family", sort=False)["tonnes"].sum().sort_values(ascending=False)
              .rename_axis("route").reset_index())
    return fam, routes


def _project_from_links(fp: FreightProblem, links: pd.DataFrame, rules: RouteFamilies) -> dict[str, float]:
    """Busiest project section per mode (both directions) when no path set is available."""
    lk = links[links["link_id"].isin(rules.project_links)]
    out = {}
    for m in _project_modes(fp, rules):
        per_link = lk[lk["mode"] == m].groupby("link_id")["flow_t"].sum()
        out[m] = float(per_link.max()) if len(per_link) else 0.0
    return out


def _generalised_cost_usd(fp: FreightProblem, r: AssignmentResult) -> float:
    fixed = fp.problem.fixed_costs()
    fixed = np.where(np.isfinite(fixed), fixed, 0.0)
    per_class = np.sum(r.class_flow * (r.time[None, :] + fixed), axis=1)
    return float(per_class @ fp.value_of_time)


def corridor_result(fp: FreightProblem, r: AssignmentResult, *, scenario: str,
                    rules: RouteFamilies | None = None) -> CorridorAssignment:
    """Read an assignment result of a :class:`FreightProblem` back into tables (route families by ``rules``;
    default: none but "direct")."""
    rules = rules or RouteFamilies()
    links = _link_table(fp, r)
    served = fp.demand[fp.demand["served"]]
    demand_t = float(fp.demand["tonnes_per_yr"].sum())
    assigned_t = float(served["tonnes_per_yr"].sum())
    paths = families = routes = None
    if r.paths is not None:
        paths = _path_table(fp, r, rules)
        families, routes = _families(paths, assigned_t, rules)
        used = paths["project_modes"].str.split(";")
        project_t = {m: float(paths.loc[used.map(lambda ms, m=m: m in ms), "tonnes"].sum())
                     for m in _project_modes(fp, rules)}
    else:
        project_t = _project_from_links(fp, links, rules)
    over = links[links["voc"] > 1.0]
    summary = {
        "scenario": scenario, **{k: v for k, v in r.summary().items() if k != "network"},
        "network": fp.network.name, "demand_t": demand_t, "assigned_t": assigned_t,
        "unserved_t": demand_t - assigned_t,
        "families_t": None if families is None else dict(zip(families["family"], families["tonnes"], strict=True)),
        "project": rules.project_label, "project_t": project_t,
        "over_capacity": sorted(set(over["link_id"])),
        "generalised_cost_usd": _generalised_cost_usd(fp, r),
        "tonne_hours": float(np.sum(r.class_flow * r.time[None, :])),
    }
    return CorridorAssignment(scenario, fp, r, links, paths, families, routes, project_t, rules, summary)


def assign_corridor(
    net: Network,
    scenario: str | Scenario | None = None,
    demand: pd.DataFrame | None = None,
    *,
    algorithm: str = "gp",
    gap: float = 1e-6,
    max_iter: int = 1000,
    assumptions: FreightAssumptions | None = None,
    families: RouteFamilies | None = None,
    callback: Callable[[dict], None] | None = None,
    route_choice: str | None = None,
    theta_relative: float | None = None,
    queue_overrides: Mapping[str, Mapping[str, float]] | None = None,
) -> CorridorAssignment:
    """Assign freight demand (default: bundled) on ``net`` with ``scenario`` applied (a bundled name, a YAML
    path or a :class:`Scenario`; None: the network as it is — its ``open`` column, else its existing links).

    ``route_choice`` ``ue`` or ``logit`` (default: the assumptions' ``route_choice`` with ``gp``, else ``ue``: the
    logit SUE is path-based; the summary says which was solved); with logit, θ
    of each O–D pair is ``theta_relative`` (default: the assumptions') over the pair's free-flow cheapest
    generalised cost (:func:`relative_theta`), and ``gap`` is the SUE gap.

    Route families (by the ``families`` rules) and the project's tonnes by mode come from the path sets of the
    path-based algorithm (``gp``); with a link-based algorithm the ``families`` table is None and the project's
    tonnes are its busiest section's flow."""
    if scenario is not None:
        sc = load_scenario(scenario)
        net = apply_scenario(net, sc)
        name = sc.name
    else:
        name = net.meta.get("scenario") or ("open links" if "open" in net.links.columns else "existing links")
    fp = freight_problem(net, demand, assumptions=assumptions, queue_overrides=queue_overrides)
    r, model, theta_relative = solve_freight(fp, algorithm=algorithm, gap=gap, max_iter=max_iter, callback=callback,
                                             route_choice=route_choice, theta_relative=theta_relative)
    out = corridor_result(fp, r, scenario=name, rules=families)
    out.summary.update(route_choice=model, theta_relative=theta_relative)
    return out


def solve_freight(fp: FreightProblem, *, algorithm: str = "gp", gap: float = 1e-6, max_iter: int = 1000,
                  callback: Callable[[dict], None] | None = None, route_choice: str | None = None,
                  theta_relative: float | None = None, start=None, theta: np.ndarray | None = None):
    """Solve a built freight problem with its assumptions' route choice (see :func:`assign_corridor`):
    ``(result, model solved, theta_relative or None)``. The uncertainty sweep re-solves drawn problems with it,
    each from the central solution's paths (``start``, a logit warm start; ignored for the UE). ``theta``: the
    logit's θ per class and O–D pair when already computed (:func:`relative_theta` of these costs and
    ``theta_relative``, e.g. for another demand on the same network; the pairs with demand must be covered)."""
    rc = fp.assumptions.route_choice
    model = route_choice or (rc.model.value if rc is not None and algorithm == "gp" else "ue")
    if model != "logit":
        theta = None
    else:
        if theta_relative is None:
            if rc is None:
                raise ValidationError("logit route choice needs theta_relative (none in the freight assumptions)")
            theta_relative = rc.theta_relative.value
        if not theta_relative > 0:
            raise ValidationError(f"theta_relative must be > 0 (got {theta_relative})")
        if theta is None:
            theta = relative_theta(fp.problem, theta_relative)
    choice_set = {"alternatives": int(rc.alternatives.value), "penalty": float(rc.penalty.value)} \
        if model == "logit" and rc is not None else {}
    if model == "logit" and start is not None:
        choice_set["start"] = start
    r = assign(fp.problem, algorithm=algorithm, gap=gap, max_iter=max_iter, callback=callback, route_choice=model,
               theta=theta, **choice_set)
    return r, model, (theta_relative if model == "logit" else None)


def relative_theta(p: AssignmentProblem, theta_relative: float) -> np.ndarray:
    """θ per class and O–D pair (classes × zones × zones): ``theta_relative`` over the pair's cheapest
    generalised cost at free flow (1 where the pair carries no demand or has no positive finite cost). The costs
    come from shortest-path trees of the (class, origin) groups with demand only."""
    from corridor._errors import NoRouteError
    from corridor.assignment.logit import pair_costs
    from corridor.assignment.pathbased import _od_structure

    st = _od_structure(p)
    od_class, od_o, od_d = st[3], st[4], st[5]
    sp = pair_costs(p, np.asarray(p.free_flow_time, float), p.fixed_costs(), st)
    if not np.isfinite(sp).all():
        k = int(np.flatnonzero(~np.isfinite(sp))[0])
        lab = p.node_labels if p.node_labels is not None else np.arange(p.n_nodes).astype(str)
        raise NoRouteError(f"class {p.classes[od_class[k]].name!r}: {int((~np.isfinite(sp)).sum())} O-D pairs with "
                           f"demand have no path (first: {lab[p.zone_nodes[od_o[k]]]} -> {lab[p.zone_nodes[od_d[k]]]})")
    out = np.ones((len(p.classes), p.n_zones, p.n_zones))
    ok = sp > 0
    out[od_class[ok], od_o[ok], od_d[ok]] = theta_relative / sp[ok]
    return out


@dataclass(frozen=True, eq=False)
class CorridorComparison:
    """Two scenarios' freight equilibria side by side."""

    before: CorridorAssignment
    after: CorridorAssignment

    def families(self) -> pd.DataFrame:
        """family, before_t, after_t, change_t (None when a side has no path sets)."""
        b, a = self.before.families, self.after.families
        if b is None or a is None:
            return pd.DataFrame(columns=["family", "before_t", "after_t", "change_t"])
        out = pd.DataFrame({"family": b["family"], "before_t": b["tonnes"].to_numpy(),
                            "after_t": a.set_index("family").loc[b["family"], "tonnes"].to_numpy()})
        out["change_t"] = out["after_t"] - out["before_t"]
        return out

    def routes(self) -> pd.DataFrame:
        """Exclusive route labels: tonnes before, after and the change."""
        b = self.before.routes.set_index("route")["tonnes"] if self.before.routes is not None else pd.Series()
        a = self.after.routes.set_index("route")["tonnes"] if self.after.routes is not None else pd.Series()
        out = pd.concat([b.rename("before_t"), a.rename("after_t")], axis=1).fillna(0.0)
        out["change_t"] = out["after_t"] - out["before_t"]
        return out.sort_values("after_t", ascending=False).rename_axis("route").reset_index()

    def over_capacity(self) -> pd.DataFrame:
        """Link directions over capacity in either scenario, with v/c in both."""
        cols = ["link_id", "from_node_id", "to_node_id"]
        b = self.before.links.set_index(cols)
        a = self.after.links.set_index(cols)
        keys = sorted(set(self.before.over_capacity.set_index(cols).index)
                      | set(self.after.over_capacity.set_index(cols).index))
        rows = []
        for key in keys:
            rb = b.loc[key] if key in b.index else None
            ra = a.loc[key] if key in a.index else None
            ref = ra if ra is not None else rb
            rows.append({"link_id": key[0], "direction": f"{key[1]} → {key[2]}", "mode": ref["mode"],
                         "capacity_t": ref["capacity_t"],
                         "before_flow_t": rb["flow_t"] if rb is not None else np.nan,
                         "before_voc": rb["voc"] if rb is not None else np.nan,
                         "after_flow_t": ra["flow_t"] if ra is not None else np.nan,
                         "after_voc": ra["voc"] if ra is not None else np.nan})
        return pd.DataFrame(rows, columns=["link_id", "direction", "mode", "capacity_t", "before_flow_t",
                                           "before_voc", "after_flow_t", "after_voc"])

    def headline(self) -> str:
        b, a = self.before, self.after
        label = a.rules.project_label
        by_mode = ", ".join(f"{m} {t / 1e6:,.2f}" for m, t in a.project_t.items())
        parts = [f"{label} carries {sum(a.project_t.values()) / 1e6:,.2f} Mt/yr in {a.scenario} ({by_mode}; "
                 f"{sum(b.project_t.values()) / 1e6:,.2f} in {b.scenario})"]
        if b.families is not None and a.families is not None:
            fam = self.families().set_index("family")
            parts.append(", ".join(f"{f} {fam.at[f, 'before_t'] / 1e6:,.2f} → {fam.at[f, 'after_t'] / 1e6:,.2f}"
                                   for f in fam.index if f != label) + " Mt/yr")
        parts.append(f"links over capacity {len(b.summary['over_capacity'])} → {len(a.summary['over_capacity'])}")
        g = max(b.result.relative_gap, a.result.relative_gap)
        target = max(b.result.target_gap, a.result.target_gap)
        what = "SUE gap" if a.result.algorithm == "logit" else "relative gap"
        parts.append(f"{what} ≤ {target:.0e}" if b.result.converged and a.result.converged else
                     f"NOT converged ({what} {g:.1e} > {target:.0e})")
        return "; ".join(parts)

    def to_dict(self) -> dict:
        def records(df):
            return df.replace({np.nan: None}).to_dict(orient="records")

        return {
            "before": self.before.summary, "after": self.after.summary,
            "families": records(self.families()), "routes": records(self.routes()),
            "over_capacity": records(self.over_capacity()), "headline": self.headline(),
        }


def compare_corridor(net: Network, before: str | Scenario, after: str | Scenario,
                     demand: pd.DataFrame | None = None, **kwargs) -> CorridorComparison:
    """Assign the same demand on two scenarios of ``net`` (keyword arguments as :func:`assign_corridor`)."""
    return CorridorComparison(assign_corridor(net, before, demand, **kwargs),
                              assign_corridor(net, after, demand, **kwargs))

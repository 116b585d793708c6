"""Generalised-cost shortest paths with constraints, distinct alternatives and OD skims.

The network is a multigraph (rail and road may join the same pair of nodes), so for each query the arcs are
reduced to the cheapest arc per node pair and handed to :func:`scipy.sparse.csgraph.dijkstra`, which also does the
multi-source search from every node of the origin place (``min_only=True``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridor._errors import NoRouteError, NotFoundError, ValidationError
from corridor.network.model import Network
from corridor.network.schema import MODES
from corridor.routing.classes import CargoClass, get_class
from corridor.routing.places import resolve_place

_EPS = 1e-9  # keeps zero-cost arcs as edges in the sparse matrix


@dataclass(frozen=True)
class RouteOptions:
    """What a route may use. ``built_statuses`` applies only when the network has no ``open`` column (a scenario
    sets it)."""

    cargo: str | CargoClass = "container"
    avoid_countries: frozenset[str] = frozenset()
    avoid_modes: frozenset[str] = frozenset()
    built_statuses: tuple[str, ...] = ("existing",)

    @classmethod
    def make(cls, *, cargo="container", avoid_countries: Iterable[str] = (), avoid_modes: Iterable[str] = (),
             built_statuses: Sequence[str] = ("existing",)) -> RouteOptions:
        """Countries as ISO codes or names ('Iran' → 'IR'), modes in any case; unknown ones are refused."""
        from corridor.network.countries import resolve_country

        modes = frozenset(m.casefold() for m in avoid_modes)
        if modes - set(MODES):
            raise ValidationError(f"unknown mode(s) {sorted(modes - set(MODES))}; expected some of {', '.join(MODES)}")
        return cls(cargo, frozenset(resolve_country(c) for c in avoid_countries), modes, tuple(built_statuses))


@dataclass(frozen=True)
class ArcCosts:
    """Per-arc time, money and generalised cost for one cargo class, and which arcs are usable."""

    time_h: np.ndarray
    money_usd: np.ndarray
    cost: np.ndarray
    usable: np.ndarray


def arc_costs(net: Network, options: RouteOptions) -> ArcCosts:
    """Vectorised generalised cost of every arc for the options' cargo class."""
    cls = get_class(options.cargo)
    links = net.links
    mode = links["mode"].to_numpy(dtype=object)
    length = net.link_array("length_km", fill=0.0)
    speed = net.link_array("free_speed_kmh", fill=np.inf)
    fixed_t = net.link_array("fixed_time_h", fill=0.0)
    toll = net.link_array("toll_usd", fill=0.0)
    time_h = length / speed + fixed_t
    rate = np.array([cls.rate(m) for m in mode]) if len(mode) else np.zeros(0)
    transfer = mode == "transfer"
    money = rate * length + toll + np.where(transfer, cls.handling, 0.0)
    usable = np.isin(mode, cls.modes) & ~np.isin(mode, list(options.avoid_modes))
    if "open" in links.columns:
        usable &= links["open"].to_numpy(dtype=bool)
    else:
        usable &= links["status"].isin(options.built_statuses).to_numpy()
    if options.avoid_countries:
        avoid = list(options.avoid_countries)
        node_bad = net.nodes["country"].isin(avoid).to_numpy()
        usable &= ~links["country"].isin(avoid).to_numpy()
        usable &= ~node_bad[links["from_node_id"].map(net.node_index).to_numpy()]
        usable &= ~node_bad[links["to_node_id"].map(net.node_index).to_numpy()]
    a = net.arc_link
    return ArcCosts(time_h[a], money[a], (money + cls.vot * time_h)[a], usable[a])


def _reduced_graph(net: Network, weight: np.ndarray, usable: np.ndarray) -> tuple[csr_matrix, dict]:
    """Cheapest usable arc per (tail, head) as a sparse matrix, and the arc behind each entry."""
    sel = np.flatnonzero(usable & np.isfinite(weight))
    order = sel[np.lexsort((weight[sel], net.arc_head[sel], net.arc_tail[sel]))]
    t, h = net.arc_tail[order], net.arc_head[order]
    first = np.ones(len(order), bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    best = order[first]
    mat = csr_matrix((weight[best] + _EPS, (net.arc_tail[best], net.arc_head[best])),
                     shape=(net.n_nodes, net.n_nodes))
    arc_of = dict(zip(zip(net.arc_tail[best].tolist(), net.arc_head[best].tolist(), strict=True),
                      best.tolist(), strict=True))
    return mat, arc_of


@dataclass(frozen=True)
class Route:
    """A route between two places: its legs (one row per link) and totals."""

    origin: str
    destination: str
    cargo: str
    legs: pd.DataFrame = field(repr=False)
    distance_km: float
    time_h: float
    money_usd: float
    cost_usd: float

    @property
    def link_ids(self) -> list[str]:
        return self.legs["link_id"].tolist()

    @property
    def node_ids(self) -> list[str]:
        if self.legs.empty:
            return []
        return [self.legs["from_node_id"].iat[0], *self.legs["to_node_id"].tolist()]

    @property
    def countries(self) -> list[str]:
        """Countries traversed, in order (from the nodes passed)."""
        out: list[str] = []
        for c in [*self.legs["from_country"].head(1), *self.legs["to_country"]]:
            if not out or out[-1] != c:
                out.append(c)
        return out

    @property
    def border_crossings(self) -> list[str]:
        b = self.legs[self.legs["border"]]
        return [f"{r.from_country}→{r.to_country} ({r.name or r.link_id})" for r in b.itertuples()]

    @property
    def transfers(self) -> list[str]:
        t = self.legs[self.legs["mode"] == "transfer"]
        return [r.name or r.link_id for r in t.itertuples()]

    @property
    def modes(self) -> list[str]:
        return [m for m in dict.fromkeys(self.legs["mode"]) if m != "transfer"]

    @property
    def places(self) -> list[str]:
        """Places passed, in order (origin and destination included)."""
        if self.legs.empty:
            return []
        seq = [self.legs["from_place"].iat[0], *self.legs["to_place"]]
        return [p for i, p in enumerate(seq) if i == 0 or p != seq[i - 1]]

    def passes(self, place_or_node: str) -> bool:
        """True if the route passes the place (or the node) with this id."""
        return place_or_node in self.places or place_or_node in self.node_ids

    def to_dict(self, *, legs: bool = True) -> dict:
        d = {
            "origin": self.origin, "destination": self.destination, "cargo": self.cargo,
            "distance_km": round(self.distance_km, 3), "time_h": round(self.time_h, 3),
            "money_usd": round(self.money_usd, 3), "cost_usd": round(self.cost_usd, 3),
            "countries": self.countries, "border_crossings": self.border_crossings, "transfers": self.transfers,
            "modes": self.modes, "places": self.places, "node_ids": self.node_ids, "link_ids": self.link_ids,
        }
        if legs:
            d["legs"] = self.legs.to_dict(orient="records")
        return d


def _legs(net: Network, arcs: list[int], costs: ArcCosts) -> pd.DataFrame:
    arcs_a = np.asarray(arcs, dtype=np.int64)
    li = net.arc_link[arcs_a]
    links = net.links.iloc[li]
    nodes = net.nodes
    tail, head = net.arc_tail[arcs_a], net.arc_head[arcs_a]
    places = nodes["place"].where(nodes["place"] != "", nodes["node_id"]).to_numpy()
    return pd.DataFrame({
        "link_id": links["link_id"].to_numpy(),
        "name": links["name"].to_numpy(),
        "from_node_id": nodes["node_id"].to_numpy()[tail],
        "to_node_id": nodes["node_id"].to_numpy()[head],
        "from_name": nodes["name"].to_numpy()[tail],
        "to_name": nodes["name"].to_numpy()[head],
        "from_place": places[tail],
        "to_place": places[head],
        "from_country": nodes["country"].to_numpy()[tail],
        "to_country": nodes["country"].to_numpy()[head],
        "mode": links["mode"].to_numpy(),
        "status": links["status"].to_numpy(),
        "border": links["border"].to_numpy(dtype=bool),
        "length_km": links["length_km"].fillna(0.0).to_numpy(),
        "time_h": costs.time_h[arcs_a],
        "money_usd": costs.money_usd[arcs_a],
        "cost_usd": costs.cost[arcs_a],
    })


def _search(net: Network, sources: np.ndarray, weight: np.ndarray, usable: np.ndarray):
    mat, arc_of = _reduced_graph(net, weight, usable)
    dist, pred, _ = dijkstra(mat, directed=True, indices=sources, return_predecessors=True, min_only=True)
    return dist, pred, arc_of


def _trace(pred: np.ndarray, arc_of: dict, target: int) -> list[int]:
    arcs = []
    v = target
    while pred[v] >= 0:
        u = int(pred[v])
        arcs.append(arc_of[(u, v)])
        v = u
    return arcs[::-1]


def _endpoints(net: Network, origin: str, destination: str) -> tuple[str, str, np.ndarray, np.ndarray]:
    o, d = resolve_place(net, origin), resolve_place(net, destination)
    if o == d:
        raise NotFoundError(f"origin and destination are the same place ({o!r})")
    return o, d, net.place_nodes(o), net.place_nodes(d)


def _best_target(dist: np.ndarray, targets: np.ndarray) -> int | None:
    t = targets[np.argmin(dist[targets])]
    return int(t) if np.isfinite(dist[t]) else None


def _route(net, o, d, cls_name, arcs, costs) -> Route:
    legs = _legs(net, arcs, costs)
    return Route(o, d, cls_name, legs, float(legs["length_km"].sum()), float(legs["time_h"].sum()),
                 float(legs["money_usd"].sum()), float(legs["cost_usd"].sum()))


def _no_route(o: str, d: str, options: RouteOptions) -> NoRouteError:
    what = []
    if options.avoid_countries:
        what.append(f"avoiding {', '.join(sorted(options.avoid_countries))}")
    if options.avoid_modes:
        what.append(f"without {', '.join(sorted(options.avoid_modes))}")
    cargo = options.cargo if isinstance(options.cargo, str) else options.cargo.name
    return NoRouteError(f"no {cargo} route from {o!r} to {d!r}" + (f" {' and '.join(what)}" if what else "")
                        + " on the links open in this network/scenario")


def with_arc_times(net: Network, costs: ArcCosts, options: RouteOptions, time_h: np.ndarray) -> ArcCosts:
    """``costs`` with each arc's time replaced by ``time_h`` (e.g. the congested times of an equilibrium; NaN keeps
    the free-flow time), the generalised cost recomputed with the class's value of time."""
    t = np.where(np.isfinite(time_h), time_h, costs.time_h)
    return ArcCosts(t, costs.money_usd, costs.money_usd + get_class(options.cargo).vot * t, costs.usable)


def shortest_path(net: Network, origin: str, destination: str, *, options: RouteOptions | None = None,
                  arc_time_h: np.ndarray | None = None, **kw) -> Route:
    """Least generalised-cost route between two places (names matched loosely).

    Parameters
    ----------
    options
        A :class:`RouteOptions`; or pass its fields as keywords (``cargo``, ``avoid_countries``, ...).
    arc_time_h
        Optional time of each arc of ``net`` (hours; NaN: free flow), e.g. an equilibrium's congested times.

    Raises
    ------
    NotFoundError
        Unknown place (with suggestions). ``NoRouteError``: nothing satisfies the constraints.
    """
    options = options or RouteOptions.make(**kw)
    o, d, src, dst = _endpoints(net, origin, destination)
    costs = arc_costs(net, options)
    if arc_time_h is not None:
        costs = with_arc_times(net, costs, options, np.asarray(arc_time_h, dtype=float))
    dist, pred, arc_of = _search(net, src, costs.cost, costs.usable)
    t = _best_target(dist, dst)
    if t is None:
        raise _no_route(o, d, options)
    return _route(net, o, d, get_class(options.cargo).name, _trace(pred, arc_of, t), costs)


@dataclass(frozen=True)
class RouteArcs:
    """A least-cost route as its links and totals, without the legs table (for many searches)."""

    link_ids: tuple[str, ...]
    time_h: float
    money_usd: float
    cost_usd: float


def cheapest_routes(net: Network, pairs: Sequence[tuple[str, str]], *, options: RouteOptions | None = None
                    ) -> dict[tuple[str, str], RouteArcs | None]:
    """:func:`shortest_path` of many place pairs (None: no route), with one cost vector and one search per
    origin: the same routes, no legs tables."""
    options = options or RouteOptions()
    costs = arc_costs(net, options)
    ids = net.links["link_id"].to_numpy(dtype=object)
    out: dict[tuple[str, str], RouteArcs | None] = {}
    for origin in dict.fromkeys(o for o, _ in pairs):
        dist, pred, arc_of = _search(net, net.place_nodes(resolve_place(net, origin)), costs.cost, costs.usable)
        for o, d in pairs:
            if o != origin:
                continue
            t = _best_target(dist, net.place_nodes(resolve_place(net, d)))
            if t is None:
                out[(o, d)] = None
                continue
            arcs = np.asarray(_trace(pred, arc_of, t), dtype=np.int64)
            out[(o, d)] = RouteArcs(tuple(ids[net.arc_link[arcs]]), float(costs.time_h[arcs].sum()),
                                    float(costs.money_usd[arcs].sum()), float(costs.cost[arcs].sum()))
    return out


def alternatives(net: Network, origin: str, destination: str, *, k: int = 3, options: RouteOptions | None = None,
                 penalty: float = 2.0, max_overlap: float = 0.7, **kw) -> list[Route]:
    """Up to ``k`` distinct routes, cheapest first.

    The penalty method: after each route, the cost of its links is multiplied by ``penalty`` and the search is
    repeated; a new route is kept when at most ``max_overlap`` of its length is shared with any route kept before.
    Reported costs are the true (unpenalised) ones.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    options = options or RouteOptions.make(**kw)
    o, d, src, dst = _endpoints(net, origin, destination)
    costs = arc_costs(net, options)
    weight = costs.cost.copy()
    link_len = net.link_array("length_km", fill=0.0)
    kept: list[Route] = []
    kept_sets: list[set[int]] = []
    for _ in range(4 * k):
        dist, pred, arc_of = _search(net, src, weight, costs.usable)
        t = _best_target(dist, dst)
        if t is None:
            break
        arcs = _trace(pred, arc_of, t)
        links = {int(net.arc_link[a]) for a in arcs}
        total = sum(link_len[i] for i in links) or 1.0
        if all(sum(link_len[i] for i in links & s) / total <= max_overlap for s in kept_sets):
            kept.append(_route(net, o, d, get_class(options.cargo).name, arcs, costs))
            kept_sets.append(links)
            if len(kept) == k:
                break
        weight[np.isin(net.arc_link, list(links))] *= penalty
    if not kept:
        raise _no_route(o, d, options)
    return sorted(kept, key=lambda r: r.cost_usd)


def skim(net: Network, places: Sequence[str], *, options: RouteOptions | None = None, **kw) -> dict[str, pd.DataFrame]:
    """OD skims between places: least-cost routes' ``cost_usd``, ``time_h``, ``distance_km`` (NaN = no route)."""
    options = options or RouteOptions.make(**kw)
    ids = [resolve_place(net, p) for p in places]
    costs = arc_costs(net, options)
    link_len = net.arc_array("length_km", fill=0.0)
    out = {k: pd.DataFrame(np.nan, index=ids, columns=ids) for k in ("cost_usd", "time_h", "distance_km")}
    mat, arc_of = _reduced_graph(net, costs.cost, costs.usable)
    for o in ids:
        dist, pred, _ = dijkstra(mat, directed=True, indices=net.place_nodes(o), return_predecessors=True,
                                 min_only=True)
        for d in ids:
            if d == o:
                for k in out:
                    out[k].loc[o, d] = 0.0
                continue
            t = _best_target(dist, net.place_nodes(d))
            if t is None:
                continue
            arcs = np.asarray(_trace(pred, arc_of, t), dtype=np.int64)
            out["cost_usd"].loc[o, d] = costs.cost[arcs].sum()
            out["time_h"].loc[o, d] = costs.time_h[arcs].sum()
            out["distance_km"].loc[o, d] = link_len[arcs].sum()
    return out

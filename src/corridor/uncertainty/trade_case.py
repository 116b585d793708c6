"""The trade case of a draw: the study's trade routes, re-chosen under the drawn link figures.

Each OD pair's route (no constraint) is, in each scenario, the cheapest by generalised cost among candidate
routes: the central one and those the router finds with every ranged figure that moves routes (a fixed time, a
speed or a toll) at its low or high end (all corners when there are at most :data:`MAX_CORNER_RANGES` such
ranges, else each end alone and all low / all high). A draw moves every candidate's time and money by the drawn
deltas on its links (:class:`~corridor.uncertainty.network_inputs.RouteSensitivity`) and takes the cheapest, so a
border time low enough to make the project's route win makes it win. A route the router never found at any
corner is not a candidate: the choice is exact when the draw's best route is one of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from corridor.economics.trade import TradeParameters, pair_key, trade_impact, trade_ratios
from corridor.network.model import Network
from corridor.routing.paths import RouteOptions, cheapest_routes
from corridor.scenario import Comparison, Scenario, apply_scenario
from corridor.uncertainty.network_inputs import LinkRange, RouteSensitivity, route_sensitivity

#: up to this many route-moving ranges, every low/high corner is routed (2**n comparisons)
MAX_CORNER_RANGES = 3
ROUTE_FIELDS = ("fixed_time_h", "free_speed_kmh", "toll_usd")
TAGS = ("before", "after")


@dataclass(frozen=True)
class RouteChoice:
    """Candidate routes of each trade row in one scenario (central figures) and how the draws move them."""

    row: np.ndarray  # candidate -> trade row
    time_h: np.ndarray
    money_usd: np.ndarray
    cost_usd: np.ndarray  # generalised cost per tonne (the router's objective)
    vot_usd_per_h: np.ndarray
    central: np.ndarray  # trade row -> its central candidate
    sens: RouteSensitivity  # rows: candidates

    def deltas(self, ranges: Mapping[str, LinkRange], values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Per trade row: change of time (h) and money (USD/t) of the cheapest candidate from the central route."""
        dt, dm = self.sens.deltas(ranges, values)
        cost = self.cost_usd + self.vot_usd_per_h * dt + dm
        order = np.lexsort((cost, self.row))  # by row, then cost
        first = np.ones(order.size, bool)
        first[1:] = self.row[order][1:] != self.row[order][:-1]
        chosen = np.empty(self.central.size, np.int64)
        chosen[self.row[order][first]] = order[first]
        c = self.central
        return (self.time_h[chosen] + dt[chosen] - self.time_h[c],
                self.money_usd[chosen] + dm[chosen] - self.money_usd[c])


@dataclass(frozen=True)
class TradeCase:
    """The central trade case by country pair, the exposed trade, and the route choices the draws move."""

    days_before: np.ndarray
    days_after: np.ndarray
    cost_before: np.ndarray
    cost_after: np.ndarray
    exposed_usd: np.ndarray  # baseline trade x corridor share of the counted pairs (0 for the others)
    weights: np.ndarray  # pairs x trade rows: a pair is the mean of its rows (as trade_impact)
    choices: dict[str, RouteChoice] | None = None  # by tag (before, after); None without ranges

    def change_usd(self, params: TradeParameters, ranges: Mapping[str, LinkRange] | None = None,
                   values: Mapping[str, float] | None = None) -> float:
        """Central-case change in trade (USD/yr): Hummels & Schaur's tariff per day with elasticity sigma."""
        db, da, cb, ca = self.days_before, self.days_after, self.cost_before, self.cost_after
        drawn = {k: v for k, v in (values or {}).items() if k in (ranges or {})}
        if drawn and self.choices is not None:
            tb, mb = self.choices["before"].deltas(ranges or {}, drawn)
            ta, ma = self.choices["after"].deltas(ranges or {}, drawn)
            w = self.weights
            db, da, cb, ca = db + w @ tb / 24.0, da + w @ ta / 24.0, cb + w @ mb, ca + w @ ma
        r = trade_ratios(db, da, cb, ca, params)["central"]
        return float(np.sum(self.exposed_usd * (r - 1.0)))


def _corners(ranges: Mapping[str, LinkRange]) -> list[dict[str, float]]:
    """Settings of the route-moving ranges at which candidate routes are searched."""
    moving = [k for k, r in ranges.items() if r.figure.has_range and any(f in ROUTE_FIELDS for _, f in r.targets)]
    ends = {k: (float(ranges[k].figure.low), float(ranges[k].figure.high)) for k in moving}  # type: ignore[arg-type]
    if not moving:
        return []
    if len(moving) <= MAX_CORNER_RANGES:
        return [dict(zip(moving, combo, strict=True)) for combo in itertools.product(*(ends[k] for k in moving))]
    out = [{k: ends[k][0] for k in moving}, {k: ends[k][1] for k in moving}]
    out += [{k: e} for k in moving for e in ends[k]]
    return out


def network_at(net: Network, ranges: Mapping[str, LinkRange], values: Mapping[str, float]) -> Network:
    """``net`` with every link taking a set range at that figure."""
    links = net.links.copy()
    for name, v in values.items():
        for lid, f in ranges[name].targets:
            links.loc[links["link_id"] == lid, f] = v
    return net.replace_links(links)


def _rows(comp: Comparison) -> list[tuple[str, str]]:
    """The (origin, destination) of each trade row: the unconstrained pairs routed in either scenario."""
    t = comp.table[comp.table["constraint"] == "any"]
    return [(r.origin_id, r.destination_id) for r in t.itertuples()
            if any(comp.routes.get((getattr(comp, tag), r.origin_id, r.destination_id, "any")) for tag in TAGS)]


def trade_case(net: Network, base: Scenario, proj: Scenario, comp: Comparison, ranges: Mapping[str, LinkRange], *,
               cargo: str = "container") -> TradeCase:
    """The study's trade case (:func:`corridor.study.economics.trade_routes` of ``comp``) and the candidate
    routes of each row under ``ranges``."""
    from corridor.study.economics import trade_routes

    routes = trade_routes(comp, net)
    routes = routes[routes["time_h_before"].notna() | routes["time_h_after"].notna()].reset_index(drop=True)
    pairs = trade_impact(routes).pairs
    counted = pairs["counted"].to_numpy(bool)
    exposed = np.where(counted, pairs["baseline_trade_usd"].fillna(0.0) * pairs["corridor_share"], 0.0)
    keys = [pair_key(a, b) for a, b in zip(routes["origin_country"], routes["destination_country"], strict=True)]
    order = {k: i for i, k in enumerate(pairs["pair"])}
    w = np.zeros((len(pairs), len(keys)))
    for j, k in enumerate(keys):
        w[order[k], j] = 1.0
    w /= w.sum(axis=1, keepdims=True)
    base_case = (pairs["days_before"].to_numpy(float), pairs["days_after"].to_numpy(float),
                 pairs["cost_usd_per_t_before"].to_numpy(float), pairs["cost_usd_per_t_after"].to_numpy(float),
                 exposed.astype(float), w)
    corners = _corners(ranges)
    if not corners:
        return TradeCase(*base_case)
    rows = _rows(comp)
    if len(rows) != len(routes):
        raise ValueError(f"{len(rows)} routed pairs but {len(routes)} trade rows")  # the study changed its rows
    scenarios = {"before": base, "after": proj}
    options = RouteOptions.make(cargo=cargo)
    found: list[tuple[dict[str, float] | None, dict[str, dict]]] = [
        (None, {tag: {(o, d): comp.routes.get((getattr(comp, tag), o, d, "any")) for o, d in rows}
                for tag in TAGS})]
    for values in corners:
        at = network_at(net, ranges, values)
        found.append((values, {tag: cheapest_routes(apply_scenario(at, sc), rows, options=options)
                               for tag, sc in scenarios.items()}))
    lengths = dict(zip(net.links["link_id"], net.link_array("length_km", fill=0.0), strict=True))
    choices = {}
    for tag in TAGS:
        other = TAGS[1 - TAGS.index(tag)]
        cand: list[tuple[int, tuple[str, ...], float, float, float, dict | None]] = []
        central = np.zeros(len(rows), np.int64)
        for i, (o, d) in enumerate(rows):
            use = tag if found[0][1][tag][(o, d)] else other  # a missing route: the other scenario's
            seen: set[tuple[str, ...]] = set()
            for values, by_tag in found:
                rt = by_tag[use][(o, d)]
                if rt is None or tuple(rt.link_ids) in seen:
                    continue
                seen.add(tuple(rt.link_ids))
                if values is None:
                    central[i] = len(cand)
                cand.append((i, tuple(rt.link_ids), rt.time_h, rt.money_usd, rt.cost_usd, values))
        sens = route_sensitivity([list(c[1]) for c in cand], lengths, ranges)
        time_h = np.array([c[2] for c in cand])
        money = np.array([c[3] for c in cand])
        cost = np.array([c[4] for c in cand])
        vot = np.where(time_h > 0, (cost - money) / np.where(time_h > 0, time_h, 1.0), 0.0)
        # candidates found at a corner: back to the central figures
        for j, c in enumerate(cand):
            if c[5] is not None:
                dt, dm = sens.deltas(ranges, c[5])
                time_h[j] -= dt[j]
                money[j] -= dm[j]
                cost[j] -= vot[j] * dt[j] + dm[j]
        choices[tag] = RouteChoice(np.array([c[0] for c in cand], np.int64), time_h, money, cost, vot, central,
                                   sens)
    return TradeCase(*base_case, choices)

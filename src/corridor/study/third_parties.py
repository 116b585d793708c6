"""Third-party effects: what the project changes for each country it does not belong to, and the named cases.

From the path sets of the freight equilibria (tonnes per year): per country the tonnes whose path crosses its
territory, their tonne-km on it (link lengths by the link's country), the transit part (origin and destination
both elsewhere), transit revenue at the spec's tariffs per mode (low / central / high), and route shares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from corridor._errors import NoRouteError, Problem, ValidationError
from corridor.assignment.corridor import CorridorAssignment
from corridor.network.model import Network
from corridor.routing import RouteOptions, resolve_place, shortest_path
from corridor.scenario import RouteFamilies
from corridor.study.result import ThirdParties, ThirdPartyCase
from corridor.study.spec import CorridorSpec

SIDES = ("against", "project")


def _path_country_km(paths: pd.DataFrame, net: Network) -> pd.DataFrame:
    """One row per (path, country, mode): tonnes and km of the path's links in that country."""
    links = net.links.set_index("link_id")
    country, mode, km = links["country"], links["mode"], links["length_km"].fillna(0.0)
    rows = []
    for i, p in enumerate(paths.itertuples()):
        ids = [x for x in p.links.split(";") if x]
        for lid in ids:
            rows.append((i, p.tonnes, country[lid], mode[lid], float(km[lid])))
    return pd.DataFrame(rows, columns=["path", "tonnes", "country", "mode", "km"])


def _country_table(a: CorridorAssignment, net: Network, countries: list[str], tariffs: dict) -> pd.DataFrame:
    paths = a.paths
    place_country = dict(zip(net.places["place"], net.places["country"], strict=True))
    o_c = paths["origin"].map(place_country).to_numpy(dtype=object)
    d_c = paths["destination"].map(place_country).to_numpy(dtype=object)
    pk = _path_country_km(paths, net)
    pk["tkm"] = pk["tonnes"] * pk["km"]
    pk["transit"] = (o_c[pk["path"]] != pk["country"].to_numpy(dtype=object)) & \
                    (d_c[pk["path"]] != pk["country"].to_numpy(dtype=object))
    rows = []
    for c in countries:
        here = pk[pk["country"] == c]
        crossing = here["path"].unique()
        transit = here[here["transit"]]
        row = {"country": c, "t": float(paths["tonnes"].to_numpy()[crossing].sum()), "tkm": float(here["tkm"].sum()),
               "transit_t": float(paths["tonnes"].to_numpy()[transit["path"].unique()].sum()),
               "transit_tkm": float(transit["tkm"].sum())}
        rev = np.zeros(3)
        for m, tkm in transit.groupby("mode")["tkm"].sum().items():
            if tkm <= 0:
                continue
            if m not in tariffs:
                raise ValidationError([Problem(f"transit on {c}'s {m} links ({tkm / 1e9:,.3f} bn t-km) has no "
                                               f"tariff (modes with one: {', '.join(tariffs)})",
                                               field=f"third_parties.transit_tariff_usd_per_tkm.{m}")])
            rev += tkm * np.asarray(tariffs[m].range)
        row |= {"revenue_low_usd": rev[0], "revenue_central_usd": rev[1], "revenue_high_usd": rev[2]}
        rows.append(row)
    return pd.DataFrame(rows)


def _shares(a: CorridorAssignment, net: Network, countries: list[str]) -> pd.DataFrame:
    pk = _path_country_km(a.paths, net)
    rows = []
    for c in countries:
        crossing = pk.loc[pk["country"] == c, "path"].unique()
        sub = a.paths.iloc[crossing]
        total = sub["tonnes"].sum()
        for route, t in sub.groupby("family")["tonnes"].sum().items():
            rows.append({"country": c, "route": route, "share": float(t / total) if total > 0 else 0.0})
    return pd.DataFrame(rows, columns=["country", "route", "share"])


def _pair_rows(nets: dict[str, Network], pairs, cargo: str, families: RouteFamilies, names: dict) -> pd.DataFrame:
    rows = []
    for o_raw, d_raw in pairs:
        row: dict = {}
        for side, net in nets.items():
            o, d = resolve_place(net, o_raw), resolve_place(net, d_raw)
            row["pair"] = f"{names[o]} → {names[d]}"
            try:
                r = shortest_path(net, o, d, options=RouteOptions.make(cargo=cargo))
            except NoRouteError:
                r = None
            row[f"{side}_km"] = r.distance_km if r else np.nan
            row[f"{side}_h"] = r.time_h if r else np.nan
            row[f"{side}_cost_usd"] = r.cost_usd if r else np.nan
            row[f"{side}_route"] = families.of_route(r) if r else "no route"
        row["delta_h"] = row["project_h"] - row["against_h"]
        row["delta_cost_usd"] = row["project_cost_usd"] - row["against_cost_usd"]
        rows.append(row)
    cols = ["pair", *(f"{s}_{q}" for s in SIDES for q in ("km", "h", "cost_usd", "route")), "delta_h",
            "delta_cost_usd"]
    return pd.DataFrame(rows, columns=cols)


def _link_flows(runs: dict[str, CorridorAssignment], ids) -> pd.DataFrame:
    rows = []
    for lid in ids:
        row = {"link_id": lid}
        for side, a in runs.items():
            row[f"{side}_t"] = float(a.links.loc[a.links["link_id"] == lid, "flow_t"].sum())
        row["change_t"] = row["project_t"] - row["against_t"]
        rows.append(row)
    return pd.DataFrame(rows, columns=["link_id", "against_t", "project_t", "change_t"])


def _shared(runs: dict[str, CorridorAssignment], link: str) -> pd.DataFrame:
    rows = []
    for side, a in runs.items():
        p = a.paths
        uses = p["links"].str.split(";").map(lambda ids: link in ids)
        proj = uses & (p["project_modes"] != "")
        rows.append({"link_id": link, "side": side, "scenario": a.scenario,
                     "project_t": float(p.loc[proj, "tonnes"].sum()),
                     "other_t": float(p.loc[uses & ~proj, "tonnes"].sum())})
    return pd.DataFrame(rows)


def third_parties(spec: CorridorSpec, net: Network, nets: dict[str, Network], runs: dict[str, CorridorAssignment],
                  year: int, cargo: str) -> ThirdParties:
    """``nets`` and ``runs``: the ``against`` and ``project`` networks and their assignments in ``year``."""
    tp = spec.third_parties
    for side, a in runs.items():
        if a.paths is None:
            raise ValidationError(f"third-party effects need the path sets of the path-based assignment ({side})")
    countries = list(tp.countries) or sorted(set(net.nodes["country"]))
    sides = {side: _country_table(runs[side], net, countries, tp.transit_tariff_usd_per_tkm) for side in SIDES}
    table = sides["against"].add_prefix("against_").rename(columns={"against_country": "country"})
    table = table.merge(sides["project"].add_prefix("project_").rename(columns={"project_country": "country"}),
                        on="country")
    for col in ("t", "tkm", "transit_t", "transit_tkm", "revenue_low_usd", "revenue_central_usd",
                "revenue_high_usd"):
        table[f"delta_{col}"] = table[f"project_{col}"] - table[f"against_{col}"]
    sh = {side: _shares(runs[side], net, countries).rename(columns={"share": f"{side}_share"}) for side in SIDES}
    shares = sh["against"].merge(sh["project"], on=["country", "route"], how="outer").fillna(
        {"against_share": 0.0, "project_share": 0.0})
    names = dict(zip(net.places["place"], net.places["name"], strict=True))
    cases = []
    for c in tp.cases:
        cases.append(ThirdPartyCase(
            c.name, c.country, _pair_rows(nets, c.pairs, cargo, spec.route_families, names),
            _link_flows(runs, c.links), _shared(runs, c.shared_link) if c.shared_link else None))
    return ThirdParties(year, table, shares.sort_values(["country", "route"]).reset_index(drop=True), tuple(cases),
                        dict(tp.transit_tariff_usd_per_tkm))

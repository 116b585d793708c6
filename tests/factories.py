"""Small hand-checkable networks for tests (importable as ``factories``).

The toy corridor: Baku (AZ) to Nakhchivan (AZ exclave) three ways —
  * through Armenia (Meghri, planned rail 100 + 40 km),
  * through Iran by road (150 + 60 km, existing),
  * round by Georgia and Turkey: rail 550 + 300 km (gauge change 1520/1435 at Tbilisi), then road 300 km from Kars.
"""

from __future__ import annotations

import pandas as pd

NODES = [
    # node_id, name, alt_names, place, kind, country, lon, lat
    ("baku_rail", "Baku", "Bakı", "baku", "station", "AZ", 49.88, 40.39),
    ("baku_road", "Baku", "Bakı", "baku", "city", "AZ", 49.88, 40.39),
    ("meghri_rail", "Meghri", "Mehri", "meghri", "station", "AM", 46.25, 38.90),
    ("nakh_rail", "Nakhchivan", "Naxçıvan;Nakhichevan", "nakhchivan", "station", "AZ", 45.41, 39.21),
    ("nakh_road", "Nakhchivan", "Naxçıvan;Nakhichevan", "nakhchivan", "city", "AZ", 45.41, 39.21),
    ("tabriz_road", "Tabriz", "", "tabriz", "city", "IR", 46.29, 38.08),
    ("tbilisi_1520", "Tbilisi", "Tiflis", "tbilisi", "station", "GE", 44.78, 41.72),
    ("tbilisi_1435", "Tbilisi", "Tiflis", "tbilisi", "station", "GE", 44.78, 41.72),
    ("kars_rail", "Kars", "", "kars", "station", "TR", 43.10, 40.61),
    ("kars_road", "Kars", "", "kars", "city", "TR", 43.10, 40.61),
]
LINKS = [
    # link_id, from, to, mode, length, speed, gauge, country, border, status, fixed_time_h, toll
    ("baku_meghri", "baku_rail", "meghri_rail", "rail", 400.0, 60.0, 1520, "AM", True, "planned", 1.0, 0.0),
    ("tripp_meghri_nakh", "meghri_rail", "nakh_rail", "rail", 140.0, 60.0, 1520, "AZ", True, "planned", 1.0, 0.0),
    ("baku_tabriz", "baku_road", "tabriz_road", "road", 600.0, 70.0, None, "IR", True, "existing", 6.0, 10.0),
    ("tabriz_nakh", "tabriz_road", "nakh_road", "road", 200.0, 70.0, None, "AZ", True, "existing", 6.0, 10.0),
    ("baku_tbilisi", "baku_rail", "tbilisi_1520", "rail", 550.0, 50.0, 1520, "GE", True, "existing", 3.0, 0.0),
    ("tbilisi_gauge", "tbilisi_1520", "tbilisi_1435", "transfer", 0.0, None, None, "GE", False, "existing", 8.0, 0.0),
    ("tbilisi_kars", "tbilisi_1435", "kars_rail", "rail", 300.0, 50.0, 1435, "TR", True, "existing", 3.0, 0.0),
    ("kars_t", "kars_rail", "kars_road", "transfer", 0.0, None, None, "TR", False, "existing", 2.0, 0.0),
    ("kars_nakh", "kars_road", "nakh_road", "road", 300.0, 60.0, None, "AZ", True, "existing", 3.0, 0.0),
    ("baku_t", "baku_rail", "baku_road", "transfer", 0.0, None, None, "AZ", False, "existing", 2.0, 0.0),
    ("nakh_t", "nakh_rail", "nakh_road", "transfer", 0.0, None, None, "AZ", False, "existing", 2.0, 0.0),
]


def toy_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(NODES, columns=["node_id", "name", "alt_names", "place", "kind", "country", "x_coord",
                                         "y_coord"])
    nodes["source"] = "test fixture"
    links = pd.DataFrame(LINKS, columns=["link_id", "from_node_id", "to_node_id", "mode", "length_km",
                                         "free_speed_kmh", "gauge_mm", "country", "border", "status",
                                         "fixed_time_h", "toll_usd"])
    links["directed"] = False
    links["capacity"] = 10.0
    links["capacity_unit"] = "Mt/yr"
    return nodes, links


def toy_network():
    from corridor.network import Network

    nodes, links = toy_tables()
    return Network.from_tables(nodes, links, name="toy")


def write_toy(folder, nodes=None, links=None):
    """Write the toy (or given) tables as GMNS CSVs into ``folder``."""
    n, li = toy_tables()
    nodes = n if nodes is None else nodes
    links = li if links is None else links
    folder.mkdir(parents=True, exist_ok=True)
    nodes.to_csv(folder / "node.csv", index=False)
    links.to_csv(folder / "link.csv", index=False)
    return folder


#: a corridor spec for the toy network: its project is the two planned links through Meghri
TOY_SPEC = {
    "name": "toy", "title": "Toy corridor (teaching example, not a real network)", "network": "toy",
    "project": {"label": "TRIPP", "places": ["meghri"]},
    "map_box": {"lon_min": 44.6, "lat_min": 38.6, "lon_max": 47.6, "lat_max": 39.9, "source": "toy: around Meghri"},
    "cases": [{"name": "withtripp", "description": "toy with the corridor",
               "links": ["baku_meghri", "tripp_meghri_nakh"]}],
    "od_pairs": [["baku", "nakhchivan"], ["baku", "kars"]], "headline_pair": ["baku", "nakhchivan"],
    "constraints": [{}, {"avoid_countries": ["IR", "RU"]}, {"avoid_countries": ["IR", "RU"], "avoid_modes": ["road"]}],
    "families": [{"label": "via Iran", "country": "IR"}, {"label": "via Russia", "country": "RU"},
                 {"label": "via Georgia", "country": "GE"}],
    "demand": {2030: {"table": "demand.csv", "source": "assumption: toy demand"}},
    "third_parties": {
        "countries": ["AM", "AZ", "GE", "IR", "TR"],
        "transit_tariff_usd_per_tkm": {m: {"value": 0.02, "low": 0.01, "high": 0.03, "unit": "USD/t-km",
                                           "source": "assumption: toy tariff"} for m in ("rail", "road")},
        "cases": [{"name": "Iran's toy route", "country": "IR", "pairs": [["baku", "nakhchivan"]],
                   "links": ["baku_tabriz"]}],
    },
}


def write_toy_spec(folder, **changes):
    """The toy network, a demand table and a corridor spec for them in ``folder``; returns the spec path."""
    import yaml

    write_toy(folder / "toy")
    (folder / "demand.csv").write_text(
        "origin,destination,cargo,modes,tonnes_per_yr,source\n"
        "baku,nakhchivan,general_cargo,,1000000,assumption: toy\n"
        "baku,kars,general_cargo,,500000,assumption: toy\n", encoding="utf-8")
    path = folder / "toy-spec.yaml"
    path.write_text(yaml.safe_dump(TOY_SPEC | changes, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path

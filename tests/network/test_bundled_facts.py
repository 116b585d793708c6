"""The bundled region network (package data) against its conventions and the sourced facts.

Uses pandas only (not corridor's readers) so that the data are checked on their own. ``facts[N]`` is reference N
of ../shared/corridor-facts.md.
"""

from __future__ import annotations

import heapq
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import support
from corridor.network.schema import LINK_COLUMNS, NODE_COLUMNS

DATA = support.REPO / "src" / "corridor" / "network" / "data" / "region"
SCENARIOS = support.REPO / "src" / "corridor" / "scenario" / "data"
FACTS = Path(os.environ.get("CORRIDOR_FACTS_FILE", support.REPO.parent / "shared" / "corridor-facts.md"))
SOURCE = re.compile(r"^(facts\[\d+\]|facts §\d|assumption: \S)")


@pytest.fixture(scope="module")
def nodes() -> pd.DataFrame:
    return pd.read_csv(DATA / "node.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def links() -> pd.DataFrame:
    return pd.read_csv(DATA / "link.csv", keep_default_na=False, na_values=[""])


def _gc_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(math.radians, (lon1, lat1, lon2, lat2))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def _distance(links: pd.DataFrame, a: str, b: str, *, modes=("rail", "transfer"), statuses=None) -> float:
    """Shortest length from node a to node b over links of the given modes (and statuses): Dijkstra."""
    sel = links[links["mode"].isin(modes)]
    if statuses is not None:
        sel = sel[sel["status"].isin(statuses)]
    adj: dict[str, list[tuple[str, float]]] = {}
    for u, v, w in zip(sel["from_node_id"], sel["to_node_id"], sel["length_km"], strict=True):
        adj.setdefault(u, []).append((v, w))
        adj.setdefault(v, []).append((u, w))
    best, heap = {a: 0.0}, [(0.0, a)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == b:
            return d
        if d > best[u]:
            continue
        for v, w in adj.get(u, ()):
            if d + w < best.get(v, math.inf):
                best[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return math.inf


# ---------------------------------------------------------------------------------------------------- structure


def test_columns_are_the_schema_in_order(nodes, links):
    assert tuple(nodes.columns) == NODE_COLUMNS
    assert tuple(links.columns) == LINK_COLUMNS


def test_ids_unique_and_links_reference_nodes(nodes, links):
    assert nodes["node_id"].is_unique
    assert links["link_id"].is_unique
    known = set(nodes["node_id"])
    assert set(links["from_node_id"]) <= known
    assert set(links["to_node_id"]) <= known
    assert (links["from_node_id"] != links["to_node_id"]).all()
    used = set(links["from_node_id"]) | set(links["to_node_id"])
    assert known == used, f"nodes without links: {sorted(known - used)}"


def test_booleans_and_vocabularies(links):
    for col in ("directed", "border"):
        assert set(links[col].astype(str).str.lower()) <= {"true", "false"}
    assert set(links["status"]) <= {"existing", "under_construction", "planned"}
    rail = links[links["mode"] == "rail"]
    assert set(rail["gauge_mm"]) <= {1435.0, 1520.0}


def test_places_share_name_and_country(nodes):
    per_place = nodes.groupby("place")[["name", "country"]].nunique()
    assert (per_place == 1).all().all(), per_place[(per_place > 1).any(axis=1)]
    # one node per layer per place: ids are <place>_<layer>
    assert all(nid.startswith(p + "_") for nid, p in zip(nodes["node_id"], nodes["place"], strict=True))


SPELLINGS = {
    "baku": "Bakı", "nakhchivan": "Naxçıvan;Nakhichevan;Nakhijevan", "julfa": "Culfa;Djulfa;Dzhulfa",
    "igdir": "Igdir", "sadarak": "Sədərək", "sharur": "Şərur", "horadiz": "Horadis", "aghband": "Ağbənd",
    "meghri": "Mehri", "gyumri": "Gümri;Leninakan", "tbilisi": "Tiflis", "turkmenbashi": "Türkmenbaşy",
    "kuryk": "Kurik", "astara_az": "Astara", "astara_ir": "Astara",
}


def test_alternative_spellings(nodes):
    alt = nodes.groupby("place")["alt_names"].first()
    for place, spellings in SPELLINGS.items():
        have = {a.strip() for a in str(alt[place]).split(";")}
        assert set(spellings.split(";")) <= have, place


# ---------------------------------------------------------------------------------------------------- sources


def test_every_number_has_a_source(nodes, links):
    assert nodes["source"].map(lambda s: bool(SOURCE.match(str(s)))).all()
    real = links[links["mode"] != "transfer"]
    for number, source in (("length_km", "length_source"), ("free_speed_kmh", "speed_source"),
                           ("capacity", "capacity_source")):
        has = real if number == "length_km" else links[links[number].notna()]
        bad = has[~has[source].astype(str).str.match(SOURCE)]
        assert bad.empty, f"{number} without a source: {bad['link_id'].tolist()}"
    costs = links[links["fixed_time_h"].notna() | links["toll_usd"].notna()]
    assert not costs.empty
    bad = costs[~costs["cost_source"].astype(str).str.match(SOURCE)]
    assert bad.empty, f"fixed_time_h/toll_usd without a source: {bad['link_id'].tolist()}"
    withcap = links[links["capacity"].notna()]
    assert withcap["capacity_unit"].notna().all()


def test_cited_facts_exist():
    if not FACTS.is_file():
        support.skip_or_fail(f"facts file not found at {FACTS}")
    body, sources = FACTS.read_text(encoding="utf-8").split("## Sources", 1)
    refs = {int(n) for n in re.findall(r"\[(\d+)\]", sources)}
    refs |= {int(n) for n in re.findall(r"^- \[(\d+)\] ", body, flags=re.M)}  # §8 entries carry their source
    cited = set()
    for path in (DATA / "node.csv", DATA / "link.csv", DATA / "link_figures.yaml"):
        text = path.read_text(encoding="utf-8")
        for group in re.findall(r"facts((?:\[\d+\](?:-\[\d+\])?)+)", text):
            nums = [int(n) for n in re.findall(r"\d+", group)]
            if "-" in group:  # facts[4]-[9]
                nums = list(range(nums[0], nums[-1] + 1))
            cited.update(nums)
    assert cited, "no facts cited"
    assert cited <= refs, f"cited but not in the facts: {sorted(cited - refs)}"


# ---------------------------------------------------------------------------------------------------- geometry


def test_no_link_longer_than_three_times_great_circle(nodes, links):
    xy = nodes.set_index("node_id")[["x_coord", "y_coord"]]
    real = links[links["mode"] != "transfer"]
    assert (real["length_km"] > 0).all()
    for lid, a, b, length in zip(real["link_id"], real["from_node_id"], real["to_node_id"], real["length_km"],
                                 strict=True):
        gc = _gc_km(*xy.loc[a], *xy.loc[b])
        assert length <= 3 * gc, f"{lid}: {length} km vs great-circle {gc:.1f} km"


def test_transfers_stay_within_a_place(nodes, links):
    place = nodes.set_index("node_id")["place"]
    xfer = links[links["mode"] == "transfer"]
    assert (xfer["length_km"] == 0).all()
    assert (place[xfer["from_node_id"]].to_numpy() == place[xfer["to_node_id"]].to_numpy()).all()
    assert xfer["fixed_time_h"].notna().all()
    assert xfer["cost_source"].str.startswith("assumption").all()


def test_borders_join_two_countries(nodes, links):
    country = nodes.set_index("node_id")["country"]
    real = links[links["mode"] != "transfer"]
    two = country[real["from_node_id"]].to_numpy() != country[real["to_node_id"]].to_numpy()
    border = real["border"].astype(str).str.lower().eq("true").to_numpy()
    assert (two == border).all(), real.loc[two != border, "link_id"].tolist()
    # road and rail crossings carry border procedures (time, fees)
    crossings = real[border & real["mode"].isin(["rail", "road"]).to_numpy()]
    assert crossings["fixed_time_h"].notna().all() and crossings["toll_usd"].notna().all()


def test_each_node_has_one_layer(links):
    real = links[links["mode"] != "transfer"]
    layer = real["mode"] + real["gauge_mm"].map(lambda g: "" if pd.isna(g) else f"/{int(g)}")
    ends = pd.concat([pd.DataFrame({"node": real["from_node_id"], "layer": layer}),
                      pd.DataFrame({"node": real["to_node_id"], "layer": layer})])
    per_node = ends.groupby("node")["layer"].nunique()
    assert (per_node == 1).all(), per_node[per_node > 1].index.tolist()


#: facts §6 (decimal degrees); where the facts give two values, the first.
FACTS_COORDS = {
    "baku": (40.395, 49.882), "alat": (39.948, 49.407), "horadiz": (39.448, 47.336), "minjivan": (39.029, 46.725),
    "aghband": (38.90, 46.57), "nrnadzor": (38.916, 46.442), "meghri": (38.90, 46.25), "agarak": (38.865, 46.196),
    "ordubad": (38.905, 46.023), "julfa": (38.957, 45.624), "jolfa": (38.940, 45.631),
    "nakhchivan": (39.209, 45.412), "sharur": (39.551, 44.992), "sadarak": (39.700, 44.860),
    "dilucu": (39.66, 44.80), "igdir": (39.921, 44.044), "kars": (40.608, 43.096), "akhalkalaki": (41.41, 43.49),
    "tbilisi": (41.717, 44.783), "gyumri": (40.789, 43.848), "yerevan": (40.183, 44.517), "aktau": (43.650, 51.150),
    "kuryk": (43.20, 51.65), "turkmenbashi": (40.017, 52.967), "astara_az": (38.456, 48.879),
    "astara_ir": (38.431, 48.870), "alican": (40.028, 44.179), "margara": (40.028, 44.179),
}


def test_coordinates_match_facts(nodes):
    for place, (lat, lon) in FACTS_COORDS.items():
        rows = nodes[nodes["place"] == place]
        assert not rows.empty, place
        # the Alican/Margara crossing nodes sit 0.4 km apart either side of the border
        tol = 0.006 if place in ("alican", "margara") else 1e-6
        assert (abs(rows["y_coord"] - lat) <= tol).all() and (abs(rows["x_coord"] - lon) <= tol).all(), place


# ---------------------------------------------------------------------------------------------------- facts


def test_baku_tbilisi_kars_is_826_km(links):
    # facts[45]: BTK 826 km (840–850 also quoted)
    existing = _distance(links, "baku_rail", "kars_rail", statuses=["existing"])
    assert existing == pytest.approx(826, rel=0.03)
    via_tbilisi = _distance(links, "baku_rail", "tbilisi_rail") + _distance(links, "tbilisi_rail", "kars_rail")
    assert via_tbilisi == pytest.approx(826, rel=0.03)
    assert _distance(links, "akhalkalaki_1435", "kars_rail") == pytest.approx(105)  # facts[45][60]


def test_horadiz_aghband_railway_and_road(links):
    assert _distance(links, "horadiz_rail", "aghband_rail") == pytest.approx(110.4, abs=0.05)  # facts[34][35]
    assert _distance(links, "horadiz_road", "aghband_road", modes=("road",)) == pytest.approx(123.6)  # facts[38]


def test_statuses_follow_the_facts(links):
    by_id = links.set_index("link_id")
    line = links[links["name"] == "Horadiz–Aghband railway"]
    assert len(line) == 2 and set(line["status"]) == {"under_construction"}  # facts[35][37]: finish 2026
    assert by_id.loc["horadiz_aghband_road", "status"] == "under_construction"  # facts[38][39]
    assert by_id.loc["dilucu_sadarak_rail", "status"] == "planned"  # facts[49]: 7 km link still needed
    assert by_id.loc["rasht_astara_ir_rail", "status"] == "planned"  # facts[78][79]: unbuilt
    assert by_id.loc["qazvin_rasht_rail", "status"] == "existing"  # facts[78]: opened 2019
    btk = links[links["name"].str.startswith("Baku–Tbilisi–Kars")]
    assert set(btk["status"]) == {"existing"}  # facts[45]: opened 2017
    # the closed crossings are real border links between the right countries
    for lid, pair in (("margara_alican_road", {"AM", "TR"}), ("akhurik_kars_rail", {"AM", "TR"}),
                      ("yeraskh_sadarak_rail", {"AM", "AZ"}), ("lachin_goris_road", {"AM", "AZ"})):
        assert str(by_id.loc[lid, "border"]).lower() == "true"
        assert by_id.loc[lid, "status"] == "existing"
        assert by_id.loc[lid, "country"] in pair


def test_kars_dilucu_is_224_km(links):
    d = _distance(links, "kars_rail", "dilucu_rail")  # facts[46][47]: 224 km (223.6/223.9)
    assert 223.5 <= d <= 224.5
    line = links[links["name"] == "Kars–Iğdır–Dilucu railway"]
    assert set(line["status"]) == {"under_construction"}


def test_tripp_rail_in_armenia_is_42_to_45_km(nodes, links):
    """facts §1: 42/43/45 km; the TRIPP rail links (id tripp_*) run from Aghband to Sallammelik, at the border."""
    country = nodes.set_index("node_id")["country"]
    tripp = links[links["link_id"].str.startswith("tripp_") & (links["mode"] == "rail")]
    assert 42 <= tripp["length_km"].sum() <= 45
    assert _distance(tripp, "aghband_rail", "sallammelik_rail") == pytest.approx(tripp["length_km"].sum())
    inner = set(tripp["from_node_id"]) | set(tripp["to_node_id"])
    assert set(country[sorted(inner - {"aghband_rail", "sallammelik_rail"})]) == {"AM"}
    assert set(tripp["status"]) == {"planned"}
    assert "42" in tripp["length_source"].iloc[0] and "45" in tripp["length_source"].iloc[0]


def test_tripp_has_every_mode_planned(links):
    tripp = links[links["link_id"].str.startswith("tripp_")]
    assert set(tripp["mode"]) == {"rail", "road", "pipeline_oil", "pipeline_gas", "fibre"}
    assert set(tripp["status"]) == {"planned"}
    for mode in ("pipeline_oil", "pipeline_gas", "fibre"):
        assert tripp.loc[tripp["mode"] == mode, "length_km"].sum() == pytest.approx(43)


def test_nakhchivan_km_points_and_rebuild(links):
    # facts[42]: km from Yerevan: Yeraskh 66.9, Sadarak 72.8, Sharur 91.2, Nakhchivan 157.4, Julfa 202.5
    assert _distance(links, "yerevan_rail", "yeraskh_rail") == pytest.approx(66.9)
    assert _distance(links, "sadarak_1520", "sharur_rail") == pytest.approx(91.2 - 72.8)
    assert _distance(links, "sadarak_1520", "nakhchivan_rail") == pytest.approx(157.4 - 72.8)
    assert _distance(links, "nakhchivan_rail", "julfa_rail") == pytest.approx(202.5 - 157.4)
    # facts[40]: 188 km rebuild, taken as Sadarak to the Armenian border at Sallammelik
    assert _distance(links, "sadarak_1520", "sallammelik_rail") == pytest.approx(188, abs=0.05)


def test_energy_and_data_lines(links):
    by_id = links.set_index("link_id")
    assert by_id.loc["igdir_nakhchivan_gas", "length_km"] == 97.5  # facts[51]
    assert by_id.loc["igdir_nakhchivan_gas", "status"] == "existing"
    assert by_id.loc["sumgayit_aktau_fibre", "length_km"] == 380  # facts[87]
    assert by_id.loc["sumgayit_aktau_fibre", "status"] == "planned"
    btc = links[links["name"] == "BTC"]
    assert btc["length_km"].sum() == pytest.approx(1768)  # facts[81]: 443 + 249 + 1076
    assert _distance(links, "posof_gas", "ipsala_gas", modes=("pipeline_gas",)) == pytest.approx(1850)  # facts[85]


def test_ferry_crossing_times(links):
    ferries = links[links["mode"] == "ferry"].set_index("link_id")
    hours = ferries["length_km"] / ferries["free_speed_kmh"]
    # facts[71][72]: Alat–Aktau ~22 h, Alat–Kuryk ~18 h, Baku–Turkmenbashi 306 km ~12 h
    assert hours["alat_aktau_ferry"] == pytest.approx(22, abs=0.1)
    assert hours["alat_kuryk_ferry"] == pytest.approx(18, abs=0.1)
    assert hours["alat_turkmenbashi_ferry"] == pytest.approx(12, abs=0.1)
    assert ferries.loc["alat_turkmenbashi_ferry", "length_km"] == 306


# ------------------------------------------------------- sourced corrections (facts §8) and ranged figures


@pytest.fixture(scope="module")
def figures() -> dict:
    return yaml.safe_load((DATA / "link_figures.yaml").read_text(encoding="utf-8"))


def _ranged(figures: dict, link_id: str, field: str) -> dict | None:
    name = figures["links"].get(link_id, {}).get(field)
    return figures["ranges"][name] if name else None


def test_ranges_are_sourced_and_hold_the_csv_value(links, figures):
    for name, r in figures["ranges"].items():
        assert SOURCE.match(r["source"]), name
        assert r["low"] <= r["value"] <= r["high"] and r["low"] < r["high"], name
    lk = links.set_index("link_id")
    for lid, fields in figures["links"].items():
        for field, name in fields.items():
            assert lk.at[lid, field] == pytest.approx(figures["ranges"][name]["value"]), (lid, field)


def test_no_border_time_ferry_or_rail_capacity_is_a_bare_assumption(links, figures):
    """issue 15: each border time, ferry capacity and main-line capacity is sourced (facts[N]) or a range."""
    timed = links[links["border"] & links["fixed_time_h"].notna()]
    assert len(timed) >= 30
    for r in timed.itertuples():
        assert _ranged(figures, r.link_id, "fixed_time_h") or r.cost_source.startswith("facts["), r.link_id
    capped = links[links["mode"].isin(["rail", "ferry"]) & links["capacity"].notna()]
    for r in capped.itertuples():
        assert _ranged(figures, r.link_id, "capacity") or r.capacity_source.startswith("facts["), r.link_id


def test_border_times_are_the_carec_measurements(links, figures):
    rail = [r for r in links[links["border"] & (links["mode"] == "rail")].itertuples()]
    road = [r for r in links[links["border"] & (links["mode"] == "road")].itertuples()]
    for rows, central, low, high in ((rail, 40.6, 3.5, 51.9), (road, 9.9, 4.0, 13.6)):  # facts[124][125]
        for r in rows:
            rng = _ranged(figures, r.link_id, "fixed_time_h")
            assert (rng["value"], rng["low"], rng["high"]) == (central, low, high), r.link_id
            assert r.cost_source.startswith("facts[124]")
    # the TRIPP crossings take the same range as every other crossing of their mode (no source says otherwise)
    tripp = links[links["link_id"].str.startswith("tripp_") & links["border"] & links["mode"].isin(["rail", "road"])]
    assert len(tripp) == 4
    for r in tripp.itertuples():
        other = next(x for x in (rail if r.mode == "rail" else road) if not x.link_id.startswith("tripp_"))
        assert figures["links"][r.link_id]["fixed_time_h"] == figures["links"][other.link_id]["fixed_time_h"]
        assert "facts[26][27][28]" in r.cost_source


def test_georgia_main_line_is_not_capped_at_the_btk_stretch(links, figures):
    lk = links.set_index("link_id")
    # facts[127]: 5 Mt/yr is BTK's 184 km Georgian stretch Marabda–Akhalkalaki (Marabda lumped with Tbilisi)
    assert lk.at["tbilisi_akhalkalaki_rail", "capacity"] == 5.0
    assert lk.at["tbilisi_akhalkalaki_rail", "capacity_source"].startswith("facts[127]")
    assert (lk["capacity"].where(lk["mode"] == "rail") == 5.0).sum() == 1
    # the Azerbaijan–Georgia main line carries Georgian Railway's 13.7 Mt of 2024 (facts[126]) at the least
    for lid in ("hajigabul_ganja_rail", "ganja_gardabani_rail", "gardabani_tbilisi_rail"):
        rng = _ranged(figures, lid, "capacity")
        assert rng["low"] >= 13.7 and "facts[126]" in rng["source"], lid


def test_ferry_links_share_the_fleet_not_the_ports_throughput(links, figures):
    ferries = links[links["mode"] == "ferry"]
    assert len(ferries) == 3
    # facts[131]: all Caspian train ferries together ~4.5 Mt/yr; central figures add up to the fleet
    assert ferries["capacity"].sum() == pytest.approx(4.5)
    for r in ferries.itertuples():
        rng = _ranged(figures, r.link_id, "capacity")
        assert rng["high"] == pytest.approx(4.5) and "facts[131]" in rng["source"]
        assert _ranged(figures, r.link_id, "fixed_time_h") is not None  # the wait for a sailing
    lk = links.set_index("link_id")
    # facts[132]: Aktau's capacity is over 11 Mt; 3.8 Mt was its 2022 throughput
    assert lk.at["aktau_rail_port", "capacity"] == 11.0 and "facts[132]" in lk.at["aktau_rail_port", "capacity_source"]


def test_gauge_breaks_are_transfers(links):
    xfer = links[links["mode"] == "transfer"].set_index("link_id")
    for lid in ("akhalkalaki_1520_1435", "jolfa_1520_1435", "sadarak_1435_1520", "akhurik_1520_1435"):
        assert xfer.loc[lid, "fixed_time_h"] > 0
    # no rail path from the 1520 mm to the 1435 mm network without a gauge-change transfer
    rail_only = _distance(links, "baku_rail", "kars_rail", modes=("rail",))
    assert rail_only == math.inf


# ---------------------------------------------------------------------------------------------------- scenarios


def test_scenarios_name_real_links_and_places(nodes, links):
    ids, places = set(links["link_id"]), set(nodes["place"])
    keys = {"name", "description", "built_statuses", "close_links", "open_links", "border_delay_h", "speed_kmh",
            "toll_usd", "capacity", "od_pairs"}
    docs = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SCENARIOS.glob("*.yaml")}
    assert {"do-nothing", "do-minimum", "tripp", "tripp-rail", "tripp-rail-road"} <= set(docs)
    for doc in docs.values():
        assert set(doc) == keys
        for ref in doc["close_links"] + doc["open_links"]:
            assert ref["link"] in ids and ref["reason"]
        for od in doc["od_pairs"]:
            assert set(od) <= places
        assert {("baku", "nakhchivan"), ("baku", "kars"), ("aktau", "kars"), ("yerevan", "nakhchivan")} <= {
            tuple(od) for od in doc["od_pairs"]}
    base, dmin, tripp = docs["do-nothing"], docs["do-minimum"], docs["tripp"]
    assert base["built_statuses"] == ["existing"] and base["open_links"] == []
    assert tripp["built_statuses"] == dmin["built_statuses"] == ["existing"]  # the rest is opened by name
    opened = {r["link"] for r in tripp["open_links"]}
    assert set(links.loc[links["link_id"].str.startswith("tripp_"), "link_id"]) <= opened
    # the do-minimum opens every link under construction, and no TRIPP link; each case adds to it
    building = set(links.loc[links["status"] == "under_construction", "link_id"])
    assert building <= {r["link"] for r in dmin["open_links"]}
    assert not any(r["link"].startswith("tripp_") for r in dmin["open_links"])
    for case in ("tripp", "tripp-rail", "tripp-rail-road"):
        assert {r["link"] for r in dmin["open_links"]} < {r["link"] for r in docs[case]["open_links"]}
    assert {r["link"] for r in base["close_links"]} == {r["link"] for r in tripp["close_links"]}
    assert "margara_alican_road" in {r["link"] for r in base["close_links"]}


def test_baseline_needs_georgia_or_iran_to_reach_nakhchivan(links):
    """Today (existing links, closures applied) the exclave is cut off from Baku unless via Iran or Georgia–Turkey;
    with the TRIPP scenario's links it is reachable through Armenia alone."""
    docs = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SCENARIOS.glob("*.yaml")}

    def open_links(doc, avoid):
        ok = links["status"].isin(doc["built_statuses"]) | links["link_id"].isin(
            [r["link"] for r in doc["open_links"]])
        ok &= ~links["link_id"].isin([r["link"] for r in doc["close_links"]])
        ok &= ~links["country"].isin(avoid)
        return links[ok]

    modes = ("rail", "road", "transfer")
    no_ir_ge_tr = ["IR", "GE", "TR"]
    assert _distance(open_links(docs["do-nothing"], no_ir_ge_tr), "baku_rail", "nakhchivan_rail", modes=modes) == \
        math.inf
    with_tripp = _distance(open_links(docs["tripp"], no_ir_ge_tr), "baku_rail", "nakhchivan_rail", modes=modes)
    around = _distance(open_links(docs["do-nothing"], ["IR"]), "baku_rail", "nakhchivan_rail", modes=modes)
    assert with_tripp < 0.6 * around


def test_generated_files_are_up_to_date():
    """The CSVs and scenarios are the output of scripts/build_region.py (deterministic)."""
    script = support.REPO / "scripts" / "build_region.py"
    out = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_readme_documents_the_network():
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "assumption" in text.lower() and "facts[" in text
    assert Path(DATA / "README.md").stat().st_size > 2000

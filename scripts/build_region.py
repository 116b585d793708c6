"""Build the bundled TRIPP region network (GMNS node.csv / link.csv) and the bundled scenarios (from the study spec).

Deterministic: the same definitions always give byte-identical files. Run from the repository root::

    python scripts/build_region.py          # writes src/corridor/network/data/region/*.csv and the scenario YAMLs
    python scripts/build_region.py --check  # exits 1 if the committed files differ from what would be written

Every number carries its source: ``facts[N]`` is reference N of ../shared/corridor-facts.md; anything else is
``assumption: <why>``. Lengths not in the facts are great-circle distance × a circuity factor, and the source
string says so. Lengths that the facts give for a whole line are split over its links in proportion to their
great-circle distances (largest-remainder rounding to 0.1 km, so the parts add up exactly).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import itertools

from corridor.network.schema import LINK_COLUMNS, NODE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "corridor" / "network" / "data" / "region"
SCEN = ROOT / "src" / "corridor" / "scenario" / "data"

APPROX = "assumption: approximate town/site coordinates (±5 km), not in the facts"

# ---------------------------------------------------------------------------------------------------------------
# Places. Each place gets one node per layer: (suffix, kind). Suffix "1520"/"1435" are rail nodes of one gauge.
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Place:
    pid: str
    name: str
    country: str
    lat: float
    lon: float
    source: str
    layers: dict[str, str]
    alt: str = ""


PLACES: list[Place] = []


def place(pid, name, country, lat, lon, source, layers, alt=""):
    """Register a place; ``layers`` is 'rail road port' style or a dict suffix -> kind."""
    default_kind = {"rail": "station", "road": "city", "port": "port", "oil": "junction", "gas": "junction",
                    "fibre": "junction", "1520": "station", "1435": "station"}
    if isinstance(layers, str):
        layers = {s: default_kind[s] for s in layers.split()}
    PLACES.append(Place(pid, name, country, lat, lon, source, layers, alt))


# --- Azerbaijan (mainland) ---
place("baku", "Baku", "AZ", 40.395, 49.882, "facts[101]", "rail road fibre", "Bakı; Baki; Bakou")
place("alat", "Alat", "AZ", 39.948, 49.407, "facts[73]: Alat town, port adjacent", "rail road port",
      "Ələt; Alyat; Alyaty; Port of Baku")
place("sumgayit", "Sumgayit", "AZ", 40.589, 49.669, APPROX, "fibre", "Sumqayıt; Sumgait")
place("sangachal", "Sangachal", "AZ", 40.18, 49.47, APPROX, {"oil": "terminal", "gas": "terminal"},
      "Səngəçal; Sangachal terminal")
place("hajigabul", "Hajigabul", "AZ", 40.04, 48.94, APPROX + " (Osmanlı junction lumped here)", "rail road",
      "Hacıqabul; Hajiqabul; Kazi-Magomed; Osmanli")
place("yevlakh", "Yevlakh", "AZ", 40.62, 47.15, APPROX, "road", "Yevlax; Evlakh")
place("ganja", "Ganja", "AZ", 40.68, 46.36, APPROX, "rail road", "Gəncə; Gence; Kirovabad; Elisavetpol")
place("gazakh", "Gazakh", "AZ", 41.09, 45.37, APPROX, "road", "Qazax; Kazakh")
place("horadiz", "Horadiz", "AZ", 39.448, 47.336, "facts[102]", "rail road", "Horadis; Goradiz")
place("minjivan", "Minjivan", "AZ", 39.029, 46.725, "facts[103]", "rail", "Mincivan; Mindzhivan")
place("aghband", "Aghband", "AZ", 38.90, 46.57, "facts[104] (coarse)", "rail road oil gas fibre", "Ağbənd; Agbend")
place("lachin", "Lachin", "AZ", 39.64, 46.55, APPROX, "road", "Laçın; Lachyn; Berdzor")
place("astara_az", "Astara (Azerbaijan)", "AZ", 38.456, 48.879, "facts[119]", "rail road fibre", "Astara")
place("yalama", "Yalama", "AZ", 41.76, 48.62, APPROX + " (Yalama–Samur crossing)",
      {"rail": "station", "road": "border_post"}, "Samur")
# --- Nakhchivan (AZ) ---
place("sadarak", "Sadarak", "AZ", 39.700, 44.860, "facts[110]", "1520 1435 road", "Sədərək; Sederek")
place("sharur", "Sharur", "AZ", 39.551, 44.992, "facts[109]", "rail road", "Şərur; Sherur; Norashen")
place("nakhchivan", "Nakhchivan", "AZ", 39.209, 45.412, "facts[108]", "rail road oil gas fibre",
      "Naxçıvan; Nakhichevan; Nakhijevan; Nakhchyvan")
place("julfa", "Julfa", "AZ", 38.957, 45.624, "facts[43]: Julfa (AZ) station", "rail road",
      "Culfa; Djulfa; Dzhulfa; Jugha")
place("ordubad", "Ordubad", "AZ", 38.905, 46.023, "facts[106]", "rail road")
place("sallammelik", "Sallammelik", "AZ", 38.895, 46.11,
      "assumption: village by the Armenian border west of Agarak (facts[40]); border ~10 km W of Meghri (facts[10])",
      "rail oil gas fibre", "Səlləmməlik")
# --- Armenia ---
place("yerevan", "Yerevan", "AM", 40.183, 44.517, "facts[115]", "rail road gas", "Erevan; Jerewan; Erivan")
place("gyumri", "Gyumri", "AM", 40.789, 43.848, "facts[114]", "rail road", "Gümri; Leninakan; Alexandropol")
place("akhurik", "Akhurik", "AM", 40.75, 43.73, APPROX + " (border station towards Kars)", "1520 1435",
      "Axurik")
place("vanadzor", "Vanadzor", "AM", 40.81, 44.49, APPROX, "rail road", "Kirovakan; Karakilisa")
place("yeraskh", "Yeraskh", "AM", 39.74, 44.82, APPROX + " (station by the Nakhchivan border)", "rail road",
      "Erask; Yeraskhavan")
place("margara", "Margara", "AM", 40.030, 44.184, "facts[120]: Alican–Margara crossing (AM side offset 0.4 km)",
      {"road": "border_post"})
place("goris", "Goris", "AM", 39.51, 46.34, APPROX, "road")
place("kapan", "Kapan", "AM", 39.21, 46.41, APPROX, "road", "Ghapan; Qafan")
place("meghri", "Meghri", "AM", 38.90, 46.25, "facts[15]", "rail road oil gas fibre", "Mehri; Megri")
place("agarak", "Agarak", "AM", 38.865, 46.196, "facts[18]", "rail road")
place("nrnadzor", "Nrnadzor", "AM", 38.916, 46.442, "facts[19] (first of two values)", "rail road",
      "Nyuvadi; Nüvədi")
# --- Georgia ---
place("tbilisi", "Tbilisi", "GE", 41.717, 44.783, "facts[113]", "rail road fibre", "Tiflis")
place("gardabani", "Gardabani", "GE", 41.46, 45.09, APPROX + " (AZ–GE border area)", "rail oil gas")
place("akhalkalaki", "Akhalkalaki", "GE", 41.41, 43.49, "facts §6 (approximate, A)", "1520 1435 road fibre",
      "Axalkalaki; Ahılkelek")
place("samtredia", "Samtredia", "GE", 42.16, 42.34, APPROX, "rail road")
place("poti", "Poti", "GE", 42.15, 41.67, APPROX, "rail road port")
place("batumi", "Batumi", "GE", 41.64, 41.64, APPROX, "rail road port", "Batum")
# --- Turkey ---
place("kars", "Kars", "TR", 40.608, 43.096, "facts[112]", {"rail": "station", "road": "city", "fibre": "junction"})
place("igdir", "Iğdır", "TR", 39.921, 44.044, "facts[111]", "rail road gas fibre", "Igdir; Iğdir")
place("dilucu", "Dilucu", "TR", 39.66, 44.80, "facts §6 (approximate, A)", {"rail": "station", "road": "border_post"},
      "Diluju; Dilicu")
place("alican", "Alican", "TR", 40.026, 44.175, "facts[120]: Alican–Margara crossing (TR side)",
      {"road": "border_post"}, "Alidjan")
place("gurbulak", "Gürbulak", "TR", 39.425, 44.36, APPROX + " (crossing to Bazargan)", {"road": "border_post"},
      "Gurbulak")
place("erzurum", "Erzurum", "TR", 39.905, 41.27, APPROX, "rail road gas fibre")
place("trabzon", "Trabzon", "TR", 41.00, 39.72, APPROX, "road", "Trebizond")
place("sivas", "Sivas", "TR", 39.75, 37.02, APPROX, "rail road")
place("ankara", "Ankara", "TR", 39.93, 32.86, APPROX, "rail road")
place("istanbul", "Istanbul", "TR", 41.01, 28.98, APPROX, "rail road fibre", "İstanbul; Constantinople")
place("mersin", "Mersin", "TR", 36.80, 34.63, APPROX, "rail road port", "İçel")
place("ceyhan", "Ceyhan", "TR", 36.88, 35.93, APPROX + " (BTC marine terminal area)", {"oil": "terminal"})
place("posof", "Posof", "TR", 41.51, 42.73, APPROX + " (GE–TR border, Türkgözü)", "oil gas", "Türkgözü")
place("ipsala", "İpsala", "TR", 40.92, 26.38, APPROX + " (TR–GR border)", {"gas": "terminal"}, "Ipsala")
# --- Iran ---
place("jolfa", "Jolfa", "IR", 38.940, 45.631, "facts[107]", "1520 1435 road", "Julfa (Iran); Culfa (Iran)")
place("tabriz", "Tabriz", "IR", 38.08, 46.29, APPROX, "rail road gas fibre", "Təbriz; Tebriz")
place("marand", "Marand", "IR", 38.43, 45.77, APPROX, "road")
place("ardabil", "Ardabil", "IR", 38.25, 48.29, APPROX, "road", "Ərdəbil")
place("astara_ir", "Astara (Iran)", "IR", 38.431, 48.870, "facts[119]", "1520 1435 road fibre", "Astara")
place("rasht", "Rasht", "IR", 37.28, 49.58, APPROX, "rail", "Resht")
place("qazvin", "Qazvin", "IR", 36.27, 50.00, APPROX, "rail", "Kazvin")
place("norduz", "Norduz", "IR", 38.853, 46.205, APPROX + " (opposite Agarak)", {"road": "border_post"},
      "Nurduz")
place("kalaleh", "Kalaleh", "IR", 38.888, 46.580, APPROX + " (opposite Aghband)", {"road": "border_post"},
      "Kelaleh")
place("ordubad_ir", "Araz corridor west crossing (Iran)", "IR", 38.890, 46.030,
      APPROX + " (Iranian bank opposite Ordubad)", {"road": "border_post"})
place("bazargan", "Bazargan", "IR", 39.395, 44.39, APPROX, {"road": "border_post"}, "Bazergan")
# --- Russia ---
place("makhachkala", "Makhachkala", "RU", 42.98, 47.50, APPROX, "rail road fibre", "Mahachkala")
place("astrakhan", "Astrakhan", "RU", 46.35, 48.04, APPROX, "rail road fibre")
place("vladikavkaz", "Vladikavkaz", "RU", 43.02, 44.68, APPROX, "road fibre", "Ordzhonikidze")
# --- Kazakhstan, Turkmenistan ---
place("atyrau", "Atyrau", "KZ", 47.10, 51.92, APPROX, "rail road fibre", "Guryev")
place("beyneu", "Beyneu", "KZ", 45.32, 55.20, APPROX, "rail road fibre", "Beineu")
place("aktau", "Aktau", "KZ", 43.650, 51.150, "facts[116]", "rail road port fibre", "Aqtau; Shevchenko")
place("kuryk", "Kuryk", "KZ", 43.20, 51.65, "facts[117] (village; port ~S)", "rail road port", "Kurik; Quryq")
place("turkmenbashi", "Turkmenbashi", "TM", 40.017, 52.967, "facts[118] (city; port 40.0/53.03)",
      "rail road port", "Türkmenbaşy; Krasnovodsk")
place("ashgabat", "Ashgabat", "TM", 37.95, 58.38, APPROX, "rail road", "Aşgabat; Ashkhabad")

# ---------------------------------------------------------------------------------------------------------------
# Link vocabulary: gauges, default speeds/capacities/border and transfer costs (all assumptions, stated once).
# ---------------------------------------------------------------------------------------------------------------

GAUGE = {"AZ": 1520, "AM": 1520, "GE": 1520, "RU": 1520, "KZ": 1520, "TM": 1520, "TR": 1435, "IR": 1435}
GAUGE_SRC = "facts[42][45]: AZ/AM/GE 1520 mm, TR/IR 1435 mm"

RAIL_SPEED = (50.0, "assumption: typical single-track freight average 50 km/h incl. crossings")
RAIL_SPEED_MTN = (40.0, "assumption: mountain line, freight average 40 km/h")
RAIL_SPEED_NEW = (80.0, "assumption: newly built line, freight average 80 km/h")


@dataclass(frozen=True)
class Span:
    """An uncertain figure: the central ``value`` goes into the CSV, the whole range into link_figures.yaml under
    ``name`` (links naming one Span share it: a Monte Carlo draws it once for all of them)."""

    name: str
    low: float
    value: float
    high: float
    unit: str
    source: str
    distribution: str = "triangular"


def central(v):
    return v.value if isinstance(v, Span) else v


def ranged_cap(span: Span) -> tuple:
    """A link ``cap`` whose figure is a range."""
    return (span, span.unit, span.source)


RAIL_CAP_SPAN = Span("rail_line_capacity", 5.0, 10.0, 15.0, "Mt/yr",
                     "assumption: conventional line ~15 freight trains/day × ~2,000 t net ≈ 10 Mt/yr; no published "
                     "capacity for these lines, so half to one and a half times that (5–15 Mt/yr)")
RAIL_CAP = ranged_cap(RAIL_CAP_SPAN)
ROAD_SPEED = (60.0, "assumption: truck average on a two-lane trunk road 60 km/h")
ROAD_SPEED_HWY = (70.0, "assumption: truck average on a 4-lane highway 70 km/h")
ROAD_SPEED_MTN = (40.0, "assumption: truck average on a mountain road 40 km/h")
ROAD_CAP = (12000.0, "veh/day", "assumption: two-lane rural trunk road ~12,000 veh/day")
ROAD_CAP_HWY = (40000.0, "veh/day", "assumption: 4-lane highway ~40,000 veh/day")
OIL_SPEED = (6.5, "assumption: crude flow velocity ~1.8 m/s")
GAS_SPEED = (18.0, "assumption: gas flow velocity ~5 m/s")
FIBRE_SPEED = (734_000_000.0, "assumption: light in G.652 fibre, group index 1.468 → 204,000 km/s (4.90 µs/km)")

# Border times (facts §8): ADB CAREC CPMM measures the time to clear a border-crossing point, averaged over the CAREC
# corridors (facts[124]); no source gives a figure per crossing of this network, so every crossing of a mode takes
# the same range (one draw for all of them in a Monte Carlo). Tolls stay assumptions.
RAIL_BORDER_TIME = Span(
    "rail_border_time_h", 3.5, 40.6, 51.9, "h",
    "facts[124]: CAREC CPMM 2022 average time to clear a rail border-crossing point 40.6 h (51.9 h in 2021, the "
    "high); low 3.5 h: Turkmenistan's rail average in 2019 (CPMM 2020 report, "
    "cpmm.carecprogram.org/2020-report/turkmenistan), the lowest national rail figure found. CPMM counts transloading "
    "among rail border activities, which this network models as separate gauge transfers (may double-count)")
ROAD_BORDER_TIME = Span(
    "road_border_time_h", 4.0, 9.9, 13.6, "h",
    "facts[124]: CAREC CPMM 2022 average time to clear a road border-crossing point 9.9 h (13.6 h in 2021, the "
    "high); low 4.0 h: Azerbaijan's 2022 road average (facts[125]: 5.8 h 2021, 4.0 h 2022, 4.3 h 2023, measured "
    "on other countries' transit shipments). A crossing passes an exit and an entry point: the CAREC average is "
    "taken for the pair (assumption)")
FERRY_WAIT_TIME = Span(
    "ferry_wait_h", 12.0, 24.0, 48.0, "h",
    "assumption: Caspian ferries sail when loaded, with no fixed timetable (facts[71]), so the wait for a "
    "sailing plus port and border formalities is taken as about a day, between half a day and two days; no "
    "measured figure in the facts")
ROAD_FEE = "toll: assumption: fees ~3 USD/t"
# (fixed_time_h, toll_usd, source) for border crossings
BORDER_RAIL = (RAIL_BORDER_TIME, 2.0, RAIL_BORDER_TIME.source + "; toll: assumption: fees ~2 USD/t")
BORDER_ROAD = (ROAD_BORDER_TIME, 3.0, ROAD_BORDER_TIME.source + "; " + ROAD_FEE)
BORDER_IR = (ROAD_BORDER_TIME, 5.0, ROAD_BORDER_TIME.source + "; Iranian crossings: no measured time in the "
             "facts, the same range (assumption); toll: assumption: transit permit and fees ~5 USD/t")
BORDER_IR_RAIL = (RAIL_BORDER_TIME, 5.0, RAIL_BORDER_TIME.source + "; Iranian crossings: no measured time in "
                  "the facts, the same range (assumption); toll: assumption: transit permit and fees ~5 USD/t")
BORDER_MTN = (ROAD_BORDER_TIME, 3.0, ROAD_BORDER_TIME.source + "; Upper Lars: queues and weather closures can "
              "last longer, not quantified in the facts (assumption: the same range); " + ROAD_FEE)
_SAME = ("; TRIPP: the TIF's single window and pre-clearance (facts[26][27][28]) has no published crossing "
         "time, so the same range as other {} crossings (assumption); toll: assumption: operator fees (facts[26]) "
         "amount unknown, ~3 USD/t")
BORDER_TRIPP_RAIL = (RAIL_BORDER_TIME, 3.0, RAIL_BORDER_TIME.source + _SAME.format("rail"))
BORDER_TRIPP_ROAD = (ROAD_BORDER_TIME, 3.0, ROAD_BORDER_TIME.source + _SAME.format("road"))
BORDER_BRIDGE = (ROAD_BORDER_TIME, 3.0, ROAD_BORDER_TIME.source + "; new road bridge checkpoint: the same range "
                 "(assumption); " + ROAD_FEE)
# transfers: handling per tonne is in the cargo classes; toll_usd here is facility fees only
XFER = {
    "rail_road": (4.0, 0.0, "assumption: rail–road freight terminal dwell ~4 h; handling charged by cargo class"),
    "rail_port": (8.0, 2.0, "assumption: rail–ferry loading ~8 h; port dues ~2 USD/t (handling by cargo class)"),
    "road_port": (4.0, 2.0, "assumption: truck–ferry loading ~4 h; port dues ~2 USD/t (handling by cargo class)"),
    "gauge": (8.0, 2.0, "assumption: bogie exchange or transhipment 1520↔1435 mm ~8 h; bogie/wagon fee ~2 USD/t"),
}
FERRY_WAIT = (FERRY_WAIT_TIME, 0.0, FERRY_WAIT_TIME.source + "; toll: none (assumption: the freight rate is charged "
              "per km by cargo class, port dues on the port transfers)")

# ---------------------------------------------------------------------------------------------------------------

NODES: dict[str, dict] = {}
for p in PLACES:
    for suffix, kind in p.layers.items():
        nid = f"{p.pid}_{suffix}"
        NODES[nid] = {"node_id": nid, "name": p.name, "alt_names": p.alt, "place": p.pid, "kind": kind,
                      "country": p.country, "x_coord": p.lon, "y_coord": p.lat, "source": p.source}


def gc_km(a: str, b: str) -> float:
    """Great-circle distance between two nodes (haversine, same radius as corridor.network.model)."""
    na, nb = NODES[a], NODES[b]
    lon1, lat1, lon2, lat2 = map(math.radians, (na["x_coord"], na["y_coord"], nb["x_coord"], nb["y_coord"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


@dataclass
class Link:
    link_id: str
    a: str
    b: str
    mode: str
    length: float
    length_src: str
    status: str = "existing"
    name: str = ""
    speed: tuple | None = None
    cap: tuple | None = None
    gauge: int | None = None
    border: bool = False
    cost: tuple | None = None  # (fixed_time_h, toll_usd, source)
    country: str = ""
    notes: str = ""
    extra_src: dict = field(default_factory=dict)


LINKS: list[Link] = []
SUFFIX_MODE = {"rail": "rail", "1520": "rail", "1435": "rail", "road": "road", "port": "ferry",
               "oil": "pipeline_oil", "gas": "pipeline_gas", "fibre": "fibre"}
MODE_TAG = {"pipeline_oil": "oil", "pipeline_gas": "gas"}


def _pid(nid: str) -> str:
    return NODES[nid]["place"]


def _country(a: str, b: str, border: bool, country: str) -> str:
    if country:
        return country
    ca, cb = NODES[a]["country"], NODES[b]["country"]
    if ca != cb and not border:
        raise ValueError(f"{a}–{b} joins two countries: mark it as a border or give its country")
    return cb


def add(mode, a, b, *, length=None, src=None, circ=None, lid=None, **kw) -> Link:
    """One link. Without ``length``: great-circle × ``circ`` (an assumption, stated in length_source)."""
    for n in (a, b):
        if n not in NODES:
            raise KeyError(f"unknown node {n}")
    if length is None:
        if circ is None:
            circ = {"rail": 1.25, "road": 1.25, "pipeline_oil": 1.15, "pipeline_gas": 1.15, "fibre": 1.2}[mode]
        g = gc_km(a, b)
        length = round(g * circ, 1)
        src = f"assumption: great-circle {g:.0f} km × {circ:g} {mode.replace('pipeline_', '')} circuity" + (
            f" ({src})" if src else "")
    tag = MODE_TAG.get(mode, mode)
    lid = lid or f"{_pid(a)}_{_pid(b)}_{tag}"
    if mode == "rail":
        ends = {int(n.rsplit("_", 1)[1]) if n.endswith(("_1435", "_1520")) else GAUGE[NODES[n]["country"]]
                for n in (a, b)}
        if len(ends) > 1 or kw.get("gauge", next(iter(ends))) not in ends:
            raise ValueError(f"{a}–{b}: gauges of the ends differ ({ends}); use a transfer")
        kw["gauge"] = ends.pop()
    kw["country"] = _country(a, b, kw.get("border", False), kw.get("country", ""))
    link = Link(lid, a, b, mode, float(length), src, **kw)
    LINKS.append(link)
    return link


def split(total: float, nodes: list[str]) -> list[float]:
    """Split ``total`` km over consecutive node pairs pro rata great-circle, to 0.1 km, summing exactly."""
    g = [gc_km(a, b) for a, b in itertools.pairwise(nodes)]
    raw = [total * x / sum(g) * 10 for x in g]
    base = [math.floor(r) for r in raw]
    left = round(total * 10) - sum(base)
    for i in sorted(range(len(raw)), key=lambda i: (base[i] - raw[i], i))[:left]:
        base[i] += 1
    return [b / 10 for b in base]


def chain(mode, nodes, total, src, *, lids=None, per=None, **kw):
    """A line given as a whole length (sourced) over several links, split pro rata great-circle."""
    parts = split(total, nodes)
    out = []
    for i, (a, b) in enumerate(itertools.pairwise(nodes)):
        extra = dict(kw)
        extra.update((per or {}).get(i, {}))
        out.append(add(mode, a, b, length=parts[i],
                       src=f"{src}; split pro rata great-circle (assumption)" if len(parts) > 1 else src,
                       lid=(lids[i] if lids else None), **extra))
    return out


def transfer(a, b, kind, *, status="existing", notes="", cap=None):
    ft, toll, s = XFER[kind]
    pa, sa, sb = _pid(a), a.rsplit("_", 1)[1], b.rsplit("_", 1)[1]
    LINKS.append(Link(f"{pa}_{sa}_{sb}", a, b, "transfer", 0.0, "transfer: no length", status=status,
                      cost=(ft, toll, s), country=NODES[a]["country"], notes=notes, cap=cap,
                      name=f"{NODES[a]['name']} {sa}↔{sb}"))


def ferry(a, b, hours, hours_src, *, length=None, src=None, circ=1.05, cap=None, notes=""):
    link = add("ferry", a, b, length=length, src=src, circ=circ, border=True, cost=FERRY_WAIT, cap=cap,
               notes=notes or "sea crossing; country = destination side (undirected: either side)")
    link.speed = (round(link.length / hours, 1), f"{hours_src}: ~{hours:g} h crossing → {link.length:g} km / "
                                                 f"{hours:g} h")
    return link


R, RM, RN = RAIL_SPEED, RAIL_SPEED_MTN, RAIL_SPEED_NEW
D, DH, DM = ROAD_SPEED, ROAD_SPEED_HWY, ROAD_SPEED_MTN
BTK_CAP = (5.0, "Mt/yr", "facts[127]: BTK's 184 km Georgian stretch Marabda–Akhalkalaki raised from 1 to 5 Mt/yr "
           "from 20 May 2024 (facts[62][63])")
MAIN_CAP_SPAN = Span(
    "main_line_capacity", 13.7, 20.0, 25.0, "Mt/yr",
    "assumption: double-track electrified east–west main line ~20 Mt/yr, no published capacity; low 13.7 Mt/yr: "
    "Georgian Railway carried 13.7 Mt in 2024 (facts[126]), most of it along this trunk, so it takes at least "
    "that; high: a quarter above the central figure (assumption). The 5 Mt/yr of facts[127] is BTK's Georgian "
    "stretch only (Tbilisi/Marabda–Akhalkalaki)")
AZ_MAIN_CAP = ranged_cap(MAIN_CAP_SPAN)
NEW15 = "facts[37]: Horadiz–Aghband up to 15 Mt/yr"

# ===================== Azerbaijan mainland: rail =====================
# Baku–Tbilisi–Akhalkalaki–Kars (BTK) = 826 km (facts[45]); Kars–Akhalkalaki 105 km (76 TR + 29 GE, facts[45][60]),
# so Baku–Akhalkalaki = 721 km, split over its links.
# Baku–Alat ~65–70 km (facts[73]): 68 km used, so Alat–Akhalkalaki = 653 km.
add("rail", "baku_rail", "alat_rail", length=68.0, src="facts[73]: Alat ~65–70 km south of Baku; 68 km used",
    speed=R, cap=AZ_MAIN_CAP, name="Baku–Tbilisi–Kars (1520 mm part)")
btk = ["alat_rail", "hajigabul_rail", "ganja_rail", "gardabani_rail", "tbilisi_rail", "akhalkalaki_1520"]
chain("rail", btk, 653.0, "facts[45][73]: BTK 826 km minus Kars–Akhalkalaki 105 and Baku–Alat 68 = 653 km",
      speed=R, cap=AZ_MAIN_CAP, name="Baku–Tbilisi–Kars (1520 mm part)",
      per={2: {"border": True, "cost": BORDER_RAIL,
               "notes": "AZ–GE border (Böyük Kəsik–Gardabani); country = GE, the side entered going west"},
           4: {"speed": RM, "cap": BTK_CAP, "notes": "via Marabda–Tsalka (Marabda lumped with Tbilisi)"}})
add("rail", "akhalkalaki_1435", "kars_rail", length=105.0,
    src="facts[45][60]: new Kars–Akhalkalaki 105 km (76 TR + 29 GE; 68 + 30 also quoted)",
    speed=R, cap=(6.5, "Mt/yr", "facts[62][127]: BTK design 6.5 Mt/yr initially"), border=True, cost=BORDER_RAIL,
    name="Baku–Tbilisi–Kars (1435 mm part)", notes="GE–TR border (Kartsakhi); country = TR, the side entered going west")
transfer("akhalkalaki_1520", "akhalkalaki_1435", "gauge", notes="facts[45]: BTK break of gauge at Akhalkalaki")
add("rail", "hajigabul_rail", "horadiz_rail", speed=R, cap=RAIL_CAP,
    src="Alat–Julfa line via Imishli–Beylagan", name="Baku–Horadiz line")
chain("rail", ["horadiz_rail", "minjivan_rail", "aghband_rail"], 110.4,
      "facts[34][35]: Horadiz–Aghband main line 110.4 km", status="under_construction", speed=RN,
      cap=(15.0, "Mt/yr", NEW15), name="Horadiz–Aghband railway",
      notes="facts[35][37]: 67% built by Sep 2025, finish planned 2026")
add("rail", "hajigabul_rail", "astara_az_rail", speed=R, cap=RAIL_CAP, src="Osmanlı–Astara line via Lankaran")
add("rail", "astara_az_rail", "astara_ir_1520", border=True, cost=BORDER_IR_RAIL, speed=R, cap=RAIL_CAP, gauge=1520,
    circ=1.5, src="1520 mm extension to the Astara (Iran) terminal; not in the facts",
    country="IR", notes="AZ–IR border; country = IR, the side entered going south")
add("rail", "baku_rail", "yalama_rail", speed=R, cap=RAIL_CAP, src="via Sumgayit–Khachmaz")
add("rail", "yalama_rail", "makhachkala_rail", border=True, cost=BORDER_RAIL, speed=R, cap=RAIL_CAP,
    src="via Samur–Derbent", notes="AZ–RU border (Yalama–Samur); country = RU, the side entered going north")

# ===================== Azerbaijan mainland: road =====================
add("road", "baku_road", "alat_road", speed=DH, cap=ROAD_CAP_HWY)
add("road", "alat_road", "hajigabul_road", speed=DH, cap=ROAD_CAP_HWY)
add("road", "hajigabul_road", "yevlakh_road", speed=DH, cap=ROAD_CAP_HWY)
add("road", "yevlakh_road", "ganja_road", speed=DH, cap=ROAD_CAP_HWY)
add("road", "ganja_road", "gazakh_road", speed=D, cap=ROAD_CAP)
add("road", "gazakh_road", "tbilisi_road", border=True, cost=BORDER_ROAD, speed=D, cap=ROAD_CAP,
    src="via Red Bridge crossing", notes="AZ–GE border (Red Bridge); country = GE, the side entered going west")
add("road", "alat_road", "horadiz_road", speed=D, cap=ROAD_CAP, src="via Imishli–Beylagan")
add("road", "horadiz_road", "aghband_road", length=123.6,
    src="facts[38][39]: Horadiz–Jabrayil–Zangilan–Aghband main road 123.6 km", status="under_construction",
    speed=DH, cap=(40000.0, "veh/day", "assumption: 4–6 lanes (facts[38]) ~40,000 veh/day"),
    name="Horadiz–Aghband highway", notes="facts[38][39]: 93–95% done in 2025")
add("road", "alat_road", "astara_az_road", speed=D, cap=ROAD_CAP, src="via Salyan–Lankaran")
add("road", "astara_az_road", "astara_ir_road", border=True, cost=BORDER_IR, speed=D, cap=ROAD_CAP, circ=1.5,
    src="Astara–Astara crossing", notes="AZ–IR border; country = IR, the side entered going south")
add("road", "baku_road", "yalama_road", speed=DH, cap=ROAD_CAP_HWY, src="via Sumgayit–Khachmaz")
add("road", "yalama_road", "makhachkala_road", border=True, cost=BORDER_ROAD, speed=D, cap=ROAD_CAP,
    src="via Samur–Derbent", notes="AZ–RU border (Yalama–Samur); country = RU, the side entered going north")
add("road", "yevlakh_road", "lachin_road", circ=1.4, speed=DM, cap=ROAD_CAP,
    src="via Barda–Aghdam–Khankendi–Shusha")
add("road", "lachin_road", "goris_road", border=True, cost=BORDER_ROAD, speed=DM, cap=ROAD_CAP, circ=1.5,
    src="Lachin road", notes="AZ–AM border (Kornidzor checkpoint, facts[80][122]); closed today; "
                             "country = AM, the side entered going west")

# ===================== TRIPP (Armenia, Syunik) =====================
TRIPP_LEN = ("facts[4]-[9]: TRIPP in Armenia 42/43/45 km (43.5 not found), 43 km used (most quoted)")
TRIPP_NOTE = "TRIPP segment (facts[1][12][14]); planned; Armenian border/customs at checkpoints (facts[26])"
TRIPP_CAP_RAIL = (15.0, "Mt/yr", "facts[95]: initial 15 Mt/yr via Zangezur/TRIPP")
TRIPP_SPEED = (60.0, "assumption: rebuilt Soviet alignment along the Aras, freight average 60 km/h")
tripp_rail = ["aghband_rail", "nrnadzor_rail", "meghri_rail", "agarak_rail", "sallammelik_rail"]
chain("rail", tripp_rail, 43.0, TRIPP_LEN + "; Aghband and Sallammelik stations taken as at the border",
      lids=["tripp_aghband_nrnadzor_rail", "tripp_nrnadzor_meghri_rail", "tripp_meghri_agarak_rail",
            "tripp_agarak_sallammelik_rail"],
      status="planned", speed=TRIPP_SPEED, cap=TRIPP_CAP_RAIL, gauge=1520, name="TRIPP railway", notes=TRIPP_NOTE,
      per={0: {"border": True, "cost": BORDER_TRIPP_RAIL, "country": "AM",
               "notes": TRIPP_NOTE + "; AZ→AM border; country = AM (entered going west)"},
           3: {"border": True, "cost": BORDER_TRIPP_RAIL, "country": "AM",
               "notes": TRIPP_NOTE + "; AM→AZ (Nakhchivan) border; country = AM (the length lies in AM)"}})
TRIPP_ROAD = "assumption: follows the rail alignment along the Aras (facts[12]); road length not sourced"
add("road", "aghband_road", "nrnadzor_road", lid="tripp_aghband_nrnadzor_road", status="planned", border=True,
    cost=BORDER_TRIPP_ROAD, speed=D, cap=ROAD_CAP, src=TRIPP_ROAD, name="TRIPP road",
    notes=TRIPP_NOTE + "; AZ→AM border; country = AM (entered going west)")
add("road", "nrnadzor_road", "meghri_road", lid="tripp_nrnadzor_meghri_road", status="planned", speed=D,
    cap=ROAD_CAP, src=TRIPP_ROAD, name="TRIPP road", notes=TRIPP_NOTE + "; a local road exists today")
add("road", "agarak_road", "ordubad_road", lid="tripp_agarak_ordubad_road", status="planned", border=True,
    cost=BORDER_TRIPP_ROAD, speed=D, cap=ROAD_CAP, src=TRIPP_ROAD, name="TRIPP road",
    notes=TRIPP_NOTE + "; AM→AZ (Nakhchivan) border; country = AZ (entered going west)", country="AZ")
TRIPP_LINES = ("assumption: no alignment/length published; taken as the rail's 43 km (facts[4]-[9]); gas to run "
               "further north (facts[12][13])")
NO_CAP = "facts[12][14][89]: no TRIPP pipeline/fibre capacity figures found; left empty"
for mode, suffix, sp in (("pipeline_oil", "oil", OIL_SPEED), ("pipeline_gas", "gas", GAS_SPEED),
                         ("fibre", "fibre", FIBRE_SPEED)):
    chain(mode, [f"aghband_{suffix}", f"meghri_{suffix}", f"sallammelik_{suffix}"], 43.0, TRIPP_LINES,
          lids=[f"tripp_aghband_meghri_{suffix}", f"tripp_meghri_sallammelik_{suffix}"], status="planned",
          speed=sp, border=True, country="AM", name=f"TRIPP {suffix} line",
          notes=TRIPP_NOTE + "; crosses the AZ–AM border; country = AM (the length lies in AM); " + NO_CAP)

# ===================== Nakhchivan =====================
# km points from Yerevan (facts[42]): Yeraskh 66.9, Sadarak 72.8, Sharur 91.2, Nakhchivan 157.4, Julfa 202.5
KM = "facts[42]: km points from Yerevan"
NAKH_NOTE = "Nakhchivan railway: 188 km rebuild to 15 Mt/yr under way (facts[40][41]); operates today (facts[43][44])"
NAKH_CAP = (15.0, "Mt/yr", "facts[40]: rebuild target 15 Mt/yr (current capacity unknown)")
add("rail", "yeraskh_rail", "sadarak_1520", length=5.9, src=KM + " Yeraskh 66.9 → Sadarak 72.8", border=True,
    cost=BORDER_RAIL, speed=R, cap=RAIL_CAP, gauge=1520,
    notes="AM–AZ border; Yeraskh–Sadarak rail stub closed (facts[33]); country = AZ, the side entered going south")
add("rail", "sadarak_1520", "sharur_rail", length=18.4, src=KM + " Sadarak 72.8 → Sharur 91.2", speed=R,
    cap=NAKH_CAP, notes=NAKH_NOTE)
add("rail", "sharur_rail", "nakhchivan_rail", length=66.2, src=KM + " Sharur 91.2 → Nakhchivan 157.4", speed=R,
    cap=NAKH_CAP, notes=NAKH_NOTE)
add("rail", "nakhchivan_rail", "julfa_rail", length=45.1, src=KM + " Nakhchivan 157.4 → Julfa 202.5", speed=R,
    cap=NAKH_CAP, notes=NAKH_NOTE)
chain("rail", ["julfa_rail", "ordubad_rail", "sallammelik_rail"], 58.3,
      "facts[40][42]: 188 km rebuild (assumed Sadarak–border) minus Sadarak–Julfa 129.7 km = 58.3 km",
      status="under_construction", speed=(60.0, "assumption: rebuilt line along the Aras, freight average 60 km/h"),
      cap=NAKH_CAP, notes="facts[40][41]: stage 1 Sallammelik–Ordubad–Aza–Julfa; Soviet track mostly gone (facts[15])")
add("rail", "julfa_rail", "jolfa_1520", length=5.0, src="facts[43]: Iran's Jolfa 5 km from Julfa (AZ) station",
    border=True, cost=BORDER_IR_RAIL, speed=R, cap=RAIL_CAP, gauge=1520, country="IR",
    notes="AZ–IR border; 1520 mm to Jolfa; country = IR, the side entered going south")
transfer("jolfa_1520", "jolfa_1435", "gauge", notes="facts[43][44]: bogie change at Jolfa")
# the 7 km Dilucu–Sadarak link (facts[49]); Kars–Dilucu gauge not stated (facts[49]): assumed 1435 mm, so the
# break of gauge is modelled at Sadarak
add("rail", "dilucu_rail", "sadarak_1435", length=7.0, src="facts[49]: 7 km Dilucu–Sadarak link still needed",
    status="planned", border=True, cost=BORDER_RAIL, speed=R, cap=(15.0, "Mt/yr", "facts[46]: Kars–Dilucu 15 Mt/yr"),
    gauge=1435, country="AZ",
    notes="TR–AZ border; gauge not stated (facts[49]): 1435 mm assumed; country = AZ, the side entered going east")
transfer("sadarak_1435", "sadarak_1520", "gauge", status="planned",
         notes="assumption: break of gauge where the 1435 mm Kars–Dilucu line meets the 1520 mm Nakhchivan line")
# road
for a, b in (("sadarak", "sharur"), ("sharur", "nakhchivan"), ("nakhchivan", "julfa"), ("julfa", "ordubad")):
    add("road", f"{a}_road", f"{b}_road", speed=D, cap=ROAD_CAP)
add("road", "sadarak_road", "dilucu_road", length=8.0, border=True, cost=BORDER_ROAD, speed=D, cap=ROAD_CAP,
    src="assumption: Sadarak village to the Umid bridge crossing ~8 km",
    notes="facts[49][50]: only AZ–TR crossing (Umid bridge, 1992); country = TR, the side entered going west")
add("road", "julfa_road", "jolfa_road", length=3.0, src="assumption: Julfa–Jolfa road bridge and approaches ~3 km",
    border=True, cost=BORDER_IR, speed=D, cap=ROAD_CAP, notes="AZ–IR border; country = IR, the side entered")

# ===================== Armenia =====================
add("rail", "yerevan_rail", "yeraskh_rail", length=66.9, src=KM + " Yeraskh 66.9", speed=R, cap=RAIL_CAP)
add("rail", "yerevan_rail", "gyumri_rail", speed=R, cap=RAIL_CAP, src="via Armavir")
add("rail", "gyumri_rail", "vanadzor_rail", speed=RM, cap=RAIL_CAP)
add("rail", "vanadzor_rail", "tbilisi_rail", border=True, cost=BORDER_RAIL, speed=RM, cap=RAIL_CAP,
    src="via Ayrum–Sadakhlo", notes="AM–GE border (Ayrum–Sadakhlo); country = GE, the side entered going north")
add("rail", "gyumri_rail", "akhurik_1520", speed=R, cap=RAIL_CAP)
transfer("akhurik_1520", "akhurik_1435", "gauge", notes="assumption: historical break of gauge at the border station")
add("rail", "akhurik_1435", "kars_rail", border=True, cost=BORDER_RAIL, speed=R, cap=RAIL_CAP, circ=1.3,
    country="TR", notes="AM–TR border (Akhurik–Doğukapı), closed since 1993 (facts[33][122]); "
                        "country = TR, the side entered going west")
add("road", "yerevan_road", "vanadzor_road", speed=DM, cap=ROAD_CAP, circ=1.4)
add("road", "vanadzor_road", "tbilisi_road", border=True, cost=BORDER_ROAD, speed=D, cap=ROAD_CAP, circ=1.4,
    src="via Bagratashen–Sadakhlo", notes="AM–GE border; country = GE, the side entered going north")
add("road", "yerevan_road", "gyumri_road", speed=D, cap=ROAD_CAP)
add("road", "gyumri_road", "akhalkalaki_road", border=True, cost=BORDER_ROAD, speed=DM, cap=ROAD_CAP, circ=1.4,
    src="via Bavra–Ninotsminda", notes="AM–GE border (Bavra); country = GE, the side entered going north")
add("road", "yerevan_road", "margara_road", speed=D, cap=ROAD_CAP)
add("road", "margara_road", "alican_road", length=1.0, border=True, cost=BORDER_ROAD, speed=D, cap=ROAD_CAP,
    src="assumption: border bridge ~1 km",
    lid="margara_alican_road", notes="AM–TR border, closed since 1993; offered for transit by Armenia (facts[122]); "
                                     "country = TR, the side entered going west")
add("road", "yerevan_road", "yeraskh_road", speed=D, cap=ROAD_CAP, src="M2 via Ararat")
add("road", "yeraskh_road", "goris_road", speed=DM, cap=ROAD_CAP, circ=1.4, src="M2 via Areni–Vayk–Sisian")
add("road", "goris_road", "kapan_road", speed=DM, cap=ROAD_CAP, circ=1.5)
add("road", "kapan_road", "meghri_road", speed=DM, cap=ROAD_CAP, circ=1.6, src="M2 over the Tashtun pass")
add("road", "meghri_road", "agarak_road", speed=D, cap=ROAD_CAP)
add("road", "agarak_road", "norduz_road", length=2.0, src="assumption: Meghri bridge and approaches ~2 km",
    border=True, cost=BORDER_IR, speed=D, cap=ROAD_CAP,
    notes="AM–IR border (Agarak–Norduz), Armenia's only Iran crossing; country = IR, the side entered going south")

# ===================== Georgia =====================
add("rail", "tbilisi_rail", "samtredia_rail", speed=RM, cap=RAIL_CAP, circ=1.3, src="via Khashuri–Rikoti pass")
add("rail", "samtredia_rail", "poti_rail", speed=R, cap=RAIL_CAP)
add("rail", "samtredia_rail", "batumi_rail", speed=R, cap=RAIL_CAP, circ=1.3, src="via Kobuleti")
add("road", "tbilisi_road", "samtredia_road", speed=D, cap=ROAD_CAP, circ=1.3)
add("road", "samtredia_road", "poti_road", speed=D, cap=ROAD_CAP)
add("road", "samtredia_road", "batumi_road", speed=D, cap=ROAD_CAP, circ=1.3)
add("road", "tbilisi_road", "akhalkalaki_road", speed=DM, cap=ROAD_CAP, circ=1.4, src="via Tsalka")
add("road", "akhalkalaki_road", "kars_road", border=True, cost=BORDER_ROAD, speed=DM, cap=ROAD_CAP, circ=1.4,
    src="via Kartsakhi–Aktaş–Çıldır", notes="GE–TR border (Kartsakhi/Aktaş); country = TR, the side entered")
add("road", "batumi_road", "trabzon_road", border=True, cost=BORDER_ROAD, speed=D, cap=ROAD_CAP, circ=1.2,
    src="coastal road via Sarpi–Hopa", notes="GE–TR border (Sarpi); country = TR, the side entered going west")
add("road", "vladikavkaz_road", "tbilisi_road", border=True, cost=BORDER_MTN, speed=DM, cap=ROAD_CAP, circ=1.5,
    src="Georgian Military Road via Upper Lars–Kazbegi",
    notes="RU–GE border (Upper Lars); country = GE, the side entered going south")

# ===================== Turkey =====================
chain("rail", ["kars_rail", "igdir_rail", "dilucu_rail"], 224.0,
      "facts[46][47]: Kars–Iğdır–Aralık–Dilucu 224 km (223.6/223.9)", status="under_construction",
      speed=(80.0, "facts[46]: design up to 160 km/h; freight average taken 80 km/h (assumption)"),
      cap=(15.0, "Mt/yr", "facts[46]: 15 Mt/yr + 5.5 M pax"), gauge=1435, name="Kars–Iğdır–Dilucu railway",
      notes="facts[46][47][49]: groundbreaking Aug 2025, target 2029; gauge not stated, 1435 mm assumed")
for a, b, c, via in (("kars", "erzurum", 1.3, "via Sarıkamış"), ("erzurum", "sivas", 1.3, "via Erzincan"),
                     ("sivas", "ankara", 1.45, "via Kayseri"), ("ankara", "istanbul", 1.4, "via Eskişehir"),
                     ("sivas", "mersin", 1.5, "via Kayseri–Adana")):
    add("rail", f"{a}_rail", f"{b}_rail", speed=R, cap=RAIL_CAP, circ=c, src=via)
for a, b, c, via, sp, cap in (
        ("igdir", "kars", 1.3, "via Tuzluca–Digor", D, ROAD_CAP), ("igdir", "dilucu", 1.2, "", D, ROAD_CAP),
        ("alican", "igdir", 1.3, "", D, ROAD_CAP), ("gurbulak", "igdir", 1.5, "via Doğubayazıt", D, ROAD_CAP),
        ("gurbulak", "erzurum", 1.3, "via Doğubayazıt–Ağrı", DH, ROAD_CAP_HWY),
        ("kars", "erzurum", 1.3, "via Sarıkamış", D, ROAD_CAP), ("trabzon", "erzurum", 1.5, "via Gümüşhane", D, ROAD_CAP),
        ("erzurum", "sivas", 1.3, "via Erzincan", DH, ROAD_CAP_HWY),
        ("sivas", "ankara", 1.3, "via Yozgat", DH, ROAD_CAP_HWY),
        ("ankara", "istanbul", 1.3, "", DH, ROAD_CAP_HWY), ("sivas", "mersin", 1.4, "via Kayseri–Adana", DH,
                                                            ROAD_CAP_HWY)):
    add("road", f"{a}_road", f"{b}_road", speed=sp, cap=cap, circ=c, src=via or None)

# ===================== Iran =====================
add("rail", "jolfa_1435", "tabriz_rail", length=146.0,
    src="facts[43]: Tabriz 151 km from Julfa (AZ) station, minus Julfa–Jolfa 5 km", speed=R, cap=RAIL_CAP)
add("rail", "tabriz_rail", "qazvin_rail", speed=R, cap=RAIL_CAP, src="via Zanjan")
add("rail", "qazvin_rail", "rasht_rail", length=175.0, src="facts[78]: Qazvin–Rasht 175 km, opened Mar 2019",
    speed=R, cap=RAIL_CAP)
add("rail", "rasht_rail", "astara_ir_1435", length=162.0,
    src="facts[78][79]: Rasht–Astara 162 km (167 also quoted), unbuilt", status="planned", speed=R, cap=RAIL_CAP,
    notes="INSTC missing link; facts[59]: 167 km missing in Iran (2018)")
transfer("astara_ir_1435", "astara_ir_1520", "gauge", status="planned",
         notes="assumption: break of gauge at Astara (Iran) once Rasht–Astara exists")
transfer("astara_ir_1520", "astara_ir_road", "rail_road", notes="assumption: rail–road terminal at Astara (Iran)")
for a, b, c, sp, cap in (("astara_ir", "ardabil", 1.4, DM, ROAD_CAP), ("ardabil", "tabriz", 1.3, DH, ROAD_CAP_HWY),
                         ("tabriz", "marand", 1.2, DH, ROAD_CAP_HWY), ("marand", "jolfa", 1.2, D, ROAD_CAP),
                         ("marand", "bazargan", 1.3, DH, ROAD_CAP_HWY), ("jolfa", "norduz", 1.3, D, ROAD_CAP)):
    add("road", f"{a}_road", f"{b}_road", speed=sp, cap=cap, circ=c,
        src="Aras valley road" if b == "norduz" else None)
add("road", "bazargan_road", "gurbulak_road", border=True, cost=BORDER_IR, speed=D, cap=ROAD_CAP_HWY, circ=1.2,
    src="Bazargan–Gürbulak crossing", notes="IR–TR border; country = TR, the side entered going west")
# Araz corridor (facts[54]-[57]): Aghband–Kalaleh bridge, 55 km highway through Iran, bridge to Ordubad
ARAZ = "Araz corridor through Iran (facts[54][55]): MoU Mar 2022"
add("road", "aghband_road", "kalaleh_road", length=2.0,
    src="facts[56]: Aghband–Kalaleh bridge 220 m; approaches ~2 km (assumption)", status="under_construction",
    border=True, cost=BORDER_BRIDGE, speed=D, cap=(1100.0, "veh/day", "facts[56]: 1,100 vehicles/day"),
    notes=ARAZ + "; bridge groundbreaking Oct 2023 (facts[56]); country = IR, the side entered going west")
chain("road", ["kalaleh_road", "norduz_road", "ordubad_ir_road"], 55.0,
      "facts[54][55]: 55 km highway through Iran", status="under_construction", speed=D,
      cap=(1000.0, "veh/day", "facts[54]: checkpoints for ~1,000 trucks/day"),
      lids=["araz_kalaleh_norduz_road", "araz_norduz_ordubad_ir_road"], notes=ARAZ)
add("road", "ordubad_ir_road", "ordubad_road", length=2.0, src="assumption: Aras bridge and approaches ~2 km",
    status="under_construction", border=True, cost=BORDER_BRIDGE, speed=D,
    cap=(1000.0, "veh/day", "facts[54]: checkpoints for ~1,000 trucks/day"),
    notes=ARAZ + "; second road bridge (facts[54]); country = AZ, the side entered going west")

# ===================== Russia, Kazakhstan, Turkmenistan =====================
add("rail", "makhachkala_rail", "astrakhan_rail", speed=R, cap=RAIL_CAP, src="via Kizlyar")
add("rail", "astrakhan_rail", "atyrau_rail", border=True, cost=BORDER_RAIL, speed=R, cap=RAIL_CAP, circ=1.3,
    src="via Ganyushkino", notes="RU–KZ border; country = KZ, the side entered going east")
add("rail", "atyrau_rail", "beyneu_rail", speed=R, cap=RAIL_CAP, circ=1.3, src="via Makat")
add("rail", "beyneu_rail", "aktau_rail", speed=R, cap=RAIL_CAP, circ=1.25, src="to Mangyshlak station")
add("rail", "aktau_rail", "kuryk_rail", speed=R, cap=RAIL_CAP, circ=1.5, src="via the Mangyshlak–Yeraliyev line")
add("rail", "turkmenbashi_rail", "ashgabat_rail", speed=R, cap=RAIL_CAP, circ=1.1, src="Trans-Caspian railway")
add("road", "makhachkala_road", "vladikavkaz_road", speed=D, cap=ROAD_CAP, circ=1.3, src="via Grozny–Nazran")
add("road", "makhachkala_road", "astrakhan_road", speed=D, cap=ROAD_CAP, circ=1.25)
add("road", "astrakhan_road", "atyrau_road", border=True, cost=BORDER_ROAD, speed=D, cap=ROAD_CAP, circ=1.3,
    notes="RU–KZ border; country = KZ, the side entered going east")
add("road", "atyrau_road", "beyneu_road", speed=D, cap=ROAD_CAP, circ=1.25)
add("road", "beyneu_road", "aktau_road", speed=D, cap=ROAD_CAP, circ=1.25)
add("road", "aktau_road", "kuryk_road", speed=D, cap=ROAD_CAP, circ=1.3)
add("road", "turkmenbashi_road", "ashgabat_road", speed=D, cap=ROAD_CAP, circ=1.2)

# ===================== Caspian ferries =====================
# All Caspian train ferries together carry about 4.5 Mt/yr (95,000 wagons, facts[131]); the three routes share the
# fleet. The port throughputs (Aktau 3.8 Mt, facts[132]; Alat 7.6 Mt, facts[133]) are not a ferry link's capacity.
FERRY_CAP_SPAN = Span(
    "ferry_route_capacity", 0.6, 1.5, 4.5, "Mt/yr",
    "facts[131]: the Caspian train-ferry fleet carries about 4.5 Mt/yr (95,000 wagons) on all routes together; "
    "central: an equal third per route (assumption); high: the whole fleet on one route; low 0.6 Mt/yr: Baku's "
    "37,300 ferry wagons of 2023 (facts[131]) at the fleet's ~47 t/wagon, a third per route: the load carried "
    "today (assumption)")
FERRY_CAP = ranged_cap(FERRY_CAP_SPAN)
ferry("alat_port", "aktau_port", 22, "facts[71][72]",
      src="facts §3: great-circle Alat–Aktau 436 km; sea distance not found", circ=1.05,
      cap=FERRY_CAP,
      notes="facts[71]: Alat–Aktau ferry since Mar 2017; rail wagons and trucks; country = KZ (destination)")
ferry("alat_port", "kuryk_port", 18, "facts[71][72]",
      src="facts §3: great-circle Alat–Kuryk 407 km; sea distance not found", circ=1.05,
      cap=FERRY_CAP, notes="rail wagons and trucks; country = KZ (destination)")
ferry("alat_port", "turkmenbashi_port", 12, "facts[71]", length=306.0,
      src="facts[71]: Baku–Turkmenbashi 306 km (great-circle from Alat 303 km)",
      cap=FERRY_CAP,
      notes="rail wagons and trucks; country = TM (destination)")

# ===================== transfers =====================
ALAT_CAP = (15.0, "Mt/yr", "facts[75]: Baku/Alat port 15 Mt now (25 Mt planned)")
for pid, cap in (("alat", ALAT_CAP), ("aktau", (11.0, "Mt/yr", "facts[132]: Aktau port capacity over 11 Mt (3.8 Mt handled in 2022)")),
                 ("kuryk", (4.0, "Mt/yr", "facts[76]: Kuryk ferry complex 4 Mt/yr")),
                 ("turkmenbashi", None), ("poti", None), ("batumi", None), ("mersin", None)):
    transfer(f"{pid}_rail", f"{pid}_port", "rail_port", cap=cap)
    transfer(f"{pid}_road", f"{pid}_port", "road_port", cap=cap)
for pid in ("baku", "alat", "hajigabul", "ganja", "tbilisi", "kars", "erzurum", "sivas", "ankara", "istanbul",
            "mersin", "nakhchivan", "julfa", "ordubad", "sharur", "horadiz", "igdir", "yerevan", "gyumri",
            "vanadzor", "tabriz", "makhachkala", "astrakhan", "atyrau", "beyneu", "aktau", "kuryk", "turkmenbashi",
            "ashgabat", "samtredia", "poti", "batumi", "astara_az", "yalama", "yeraskh", "agarak"):
    transfer(f"{pid}_rail", f"{pid}_road", "rail_road")
for a, b in (("sadarak_1520", "sadarak_road"), ("akhalkalaki_1520", "akhalkalaki_road"),
             ("jolfa_1435", "jolfa_road")):
    transfer(a, b, "rail_road")
transfer("aghband_rail", "aghband_road", "rail_road", status="under_construction",
         notes="assumption: terminal with the Horadiz–Aghband line")
transfer("meghri_rail", "meghri_road", "rail_road", status="planned", notes="assumption: TRIPP freight terminal")
transfer("dilucu_rail", "dilucu_road", "rail_road", status="under_construction",
         notes="assumption: terminal with the Kars–Dilucu line")

# ===================== oil =====================
BTC_CAP = (1_200_000.0, "bbl/day", "facts[81][82]: 1.2 mb/d with drag reducer")
add("pipeline_oil", "sangachal_oil", "gardabani_oil", length=443.0, src="facts[81]: BTC 443 km in AZ",
    border=True, speed=OIL_SPEED, cap=BTC_CAP, country="AZ", name="BTC",
    notes="AZ section ending at the GE border; country = AZ (the length lies in AZ)")
add("pipeline_oil", "gardabani_oil", "posof_oil", length=249.0, src="facts[81]: BTC 249 km in GE",
    border=True, speed=OIL_SPEED, cap=BTC_CAP, country="GE", name="BTC",
    notes="GE section ending at the TR border; country = GE (the length lies in GE)")
add("pipeline_oil", "posof_oil", "ceyhan_oil", length=1076.0, src="facts[81]: BTC 1,076 km in TR",
    speed=OIL_SPEED, cap=BTC_CAP, name="BTC", notes="facts[81][82]: first oil at Ceyhan 28 May 2006")
add("pipeline_oil", "sangachal_oil", "aghband_oil", status="planned", speed=OIL_SPEED,
    src="hypothetical feeder to TRIPP, not in the facts", name="Sangachal–Aghband oil feeder (hypothetical)",
    notes="assumption: a feeder so the TRIPP oil line connects; " + NO_CAP)
add("pipeline_oil", "sallammelik_oil", "nakhchivan_oil", status="planned", speed=OIL_SPEED,
    src="hypothetical link from TRIPP to Nakhchivan, not in the facts", name="Sallammelik–Nakhchivan oil (hypothetical)",
    notes="assumption: no onward oil line to Turkey is sourced")

# ===================== gas =====================
SCP_CAP = (23.4, "bcm/yr", "facts[83][84]: SCP + SCPX ~23.4 bcm/yr (7.4 before SCPX)")
add("pipeline_gas", "sangachal_gas", "gardabani_gas", length=443.0, src="facts[83]: SCP 443 km in AZ",
    border=True, speed=GAS_SPEED, cap=SCP_CAP, country="AZ", name="South Caucasus Pipeline",
    notes="AZ section ending at the GE border; country = AZ (the length lies in AZ)")
add("pipeline_gas", "gardabani_gas", "posof_gas", length=249.0, src="facts[83][84]: SCP 248–249 km in GE",
    border=True, speed=GAS_SPEED, cap=SCP_CAP, country="GE", name="South Caucasus Pipeline",
    notes="GE section ending at the TR border (TANAP start); country = GE (the length lies in GE)")
chain("pipeline_gas", ["posof_gas", "erzurum_gas", "ipsala_gas"], 1850.0,
      "facts[85]: TANAP ~1,850 km Georgian border–Greek border", speed=GAS_SPEED,
      cap=(16.0, "bcm/yr", "facts[85][86]: TANAP 16 bcm/yr (up to 24, then 31)"), name="TANAP",
      lids=["tanap_posof_erzurum_gas", "tanap_erzurum_ipsala_gas"])
add("pipeline_gas", "erzurum_gas", "igdir_gas", speed=GAS_SPEED, src="BOTAŞ grid via Kars (assumption)",
    name="Turkish grid to Iğdır", notes="assumption: Iğdır is fed from the Turkish grid near Erzurum")
add("pipeline_gas", "igdir_gas", "nakhchivan_gas", length=97.5,
    src="facts[51][52]: 97.5 km (80 TR + 17.5 AZ; Hürriyet says 85 km)", border=True, speed=GAS_SPEED,
    cap=(730.0, "mcm/yr", "facts[51]: 2 mcm/day, 730 mcm/yr (can be doubled)"), country="AZ",
    name="Iğdır–Nakhchivan gas pipeline", notes="opened 5 Mar 2025 (facts[53]); TR–AZ border; country = AZ (entered)")
add("pipeline_gas", "sangachal_gas", "aghband_gas", status="planned", speed=GAS_SPEED,
    src="hypothetical feeder to TRIPP via the AZ grid, not in the facts", name="Sangachal–Aghband gas feeder (hypothetical)",
    notes="assumption: a feeder so the TRIPP gas line connects; " + NO_CAP)
add("pipeline_gas", "sallammelik_gas", "nakhchivan_gas", status="planned", speed=GAS_SPEED,
    src="hypothetical link from TRIPP to the Nakhchivan grid", name="Sallammelik–Nakhchivan gas (hypothetical)",
    notes="assumption")
add("pipeline_gas", "tabriz_gas", "meghri_gas", border=True, speed=GAS_SPEED, country="AM",
    src="Iran–Armenia pipeline", name="Iran–Armenia gas pipeline",
    notes="facts[15]: runs via Meghri, opened Mar 2007; IR–AM border; country = AM (entered); capacity not in facts")
add("pipeline_gas", "meghri_gas", "yerevan_gas", speed=GAS_SPEED, circ=1.4, src="via Kajaran–Ararat",
    name="Iran–Armenia gas pipeline", notes="facts[15]; route north of Meghri is an assumption")

# ===================== fibre =====================
FIBRE_NOTE = "assumption: terrestrial fibre along the road/rail corridor; no route or capacity in the facts"
for a, b, status, border, note in (
        ("istanbul", "erzurum", "existing", False, "Turkish backbone"),
        ("erzurum", "kars", "existing", False, "Turkish backbone"),
        ("kars", "akhalkalaki", "existing", True, "along BTK; TR–GE border"),
        ("akhalkalaki", "tbilisi", "existing", False, "facts[63]: BTK Georgian upgrade laid 338 km of fibre"),
        ("tbilisi", "baku", "existing", True, "GE–AZ border"),
        ("baku", "sumgayit", "existing", False, ""),
        ("aktau", "beyneu", "existing", False, ""),
        ("kars", "igdir", "existing", False, "Turkish backbone"),
        ("igdir", "nakhchivan", "existing", True, "TR–AZ (Nakhchivan) link via Dilucu"),
        ("sallammelik", "nakhchivan", "planned", False, "connects TRIPP fibre to Nakhchivan"),
        ("aghband", "baku", "under_construction", False, "assumption: laid with the Horadiz–Aghband road/rail"),
        ("igdir", "tabriz", "existing", True, "TR–IR via Bazargan"),
        ("tabriz", "astara_ir", "existing", False, "Iranian backbone"),
        ("astara_ir", "astara_az", "existing", True, "IR–AZ border"),
        ("astara_az", "baku", "existing", False, ""),
        ("baku", "makhachkala", "existing", True, "AZ–RU border"),
        ("makhachkala", "astrakhan", "existing", False, ""),
        ("astrakhan", "atyrau", "existing", True, "RU–KZ border"),
        ("atyrau", "beyneu", "existing", False, ""),
        ("makhachkala", "vladikavkaz", "existing", False, ""),
        ("vladikavkaz", "tbilisi", "existing", True, "RU–GE border via Upper Lars")):
    add("fibre", f"{a}_fibre", f"{b}_fibre", status=status, border=border, speed=FIBRE_SPEED,
        src=None, notes=f"{FIBRE_NOTE}; {note}".rstrip("; ") + ("; country = the side entered (to node)"
                                                               if border else ""))
add("fibre", "sumgayit_fibre", "aktau_fibre", length=380.0,
    src="facts[87][88]: Sumgayit–Aktau seabed cable 380 km (370 also quoted)", status="planned", border=True,
    speed=FIBRE_SPEED, cap=(400.0, "Tbit/s", "facts[87]: 400 Tbps"), name="Trans-Caspian fibre",
    notes="facts[87][88]: ≥$50.6 M, due end-2026; country = KZ (landing side)")


# ---------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------


def fmt(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v == int(v) else f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


def link_row(k: Link) -> dict:
    speed, speed_src = (k.speed or (None, ""))
    cap, unit, cap_src = (k.cap or (None, "", ""))
    ft, toll, cost_src = (k.cost or (None, None, ""))
    return {
        "link_id": k.link_id, "from_node_id": k.a, "to_node_id": k.b, "directed": False, "name": k.name,
        "mode": k.mode, "length_km": k.length, "free_speed_kmh": None if k.mode == "transfer" else speed,
        "capacity": central(cap), "capacity_unit": unit, "gauge_mm": float(k.gauge) if k.gauge else None,
        "country": k.country, "border": k.border, "status": k.status, "fixed_time_h": central(ft),
        "toll_usd": toll,
        "length_source": k.length_src + (f"; gauge: {GAUGE_SRC}" if k.mode == "rail" else ""),
        "speed_source": "" if k.mode == "transfer" else speed_src,
        "capacity_source": cap_src, "cost_source": cost_src, "notes": k.notes,
    }


def link_spans(k: Link) -> dict[str, Span]:
    """The link's fields whose figure is a range."""
    out = {"fixed_time_h": (k.cost or (None,))[0], "capacity": (k.cap or (None,))[0]}
    for f, s in out.items():
        if isinstance(s, Span) and f == "capacity" and s.unit != k.cap[1]:
            raise SystemExit(f"{k.link_id}: range {s.name} is in {s.unit}, the link's capacity in {k.cap[1]}")
    return {f: s for f, s in out.items() if isinstance(s, Span)}


def figures_yaml() -> str:
    """link_figures.yaml: each range once (sourced-value format), then the link fields that take it."""
    spans: dict[str, Span] = {}
    per_link: dict[str, dict[str, str]] = {}
    for k in LINKS:
        for f, s in link_spans(k).items():
            if spans.setdefault(s.name, s) != s:
                raise SystemExit(f"two different ranges named {s.name}")
            per_link.setdefault(k.link_id, {})[f] = s.name
    lines = ["# Generated by scripts/build_region.py (edit the script, not this file).",
             "# Ranged figures of link.csv in the sourced-value format (docs/design.md, \"Sourced values\"):",
             "# `ranges` states each uncertain figure once (value = the central figure that link.csv holds);",
             "# `links` names, per link, the fields that take it. Links sharing a range share one draw.",
             "ranges:"]
    for s in sorted(spans.values(), key=lambda s: s.name):
        lines += [f"  {s.name}:", f"    value: {fmt(s.value)}", f"    low: {fmt(s.low)}", f"    high: {fmt(s.high)}",
                  f"    unit: {_q(s.unit)}", f"    distribution: {s.distribution}", f"    source: {_q(s.source)}"]
    lines.append("links:")
    for lid, fields in per_link.items():
        lines.append(f"  {lid}: {{{', '.join(f'{f}: {n}' for f, n in fields.items())}}}")
    return "\n".join(lines) + "\n"


def check() -> None:
    """Refuse to write a network that breaks the conventions (the tests check the written files again)."""
    ids = [k.link_id for k in LINKS]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise SystemExit(f"duplicate link ids: {sorted(dup)}")
    for k in LINKS:
        if k.mode != "transfer":
            g = gc_km(k.a, k.b)
            if not (k.length > 0 and (k.length <= 3 * g or k.length - g <= 5)):
                raise SystemExit(f"{k.link_id}: length {k.length} vs great-circle {g:.1f}")
            if k.speed is None:
                raise SystemExit(f"{k.link_id}: no speed")
        if NODES[k.a]["country"] != NODES[k.b]["country"] and not k.border:
            raise SystemExit(f"{k.link_id}: crosses a border but border=false")
    used = {k.a for k in LINKS} | {k.b for k in LINKS}
    if set(NODES) - used:
        raise SystemExit(f"nodes without links: {sorted(set(NODES) - used)}")


def to_csv(rows: list[dict], columns) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: fmt(r.get(c)) for c in columns})
    return buf.getvalue()


#: the study whose scenarios are bundled as scenario files (for ``corridor route/assign --scenario NAME``)
SPEC = ROOT / "src" / "corridor" / "study" / "data" / "tripp.yaml"


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _yaml(sc, header) -> str:
    lines = [f"# {h}" for h in header] + [f"name: {sc.name}", f"description: {_q(sc.description)}",
                                          f"built_statuses: [{', '.join(sc.built_statuses)}]"]
    for key, refs in (("close_links", sc.close_links), ("open_links", sc.open_links)):
        lines.append(f"{key}:" + ("" if refs else " []"))
        lines += [f"  - {{link: {r.link}, reason: {_q(r.reason)}}}" for r in refs]
    lines += ["border_delay_h: {}", "speed_kmh: {}", "toll_usd: {}", "capacity: {}", "od_pairs:"]
    lines += [f"  - [{a}, {b}]" for a, b in sc.od_pairs]
    return "\n".join(lines) + "\n"


def scenario_files() -> dict[str, str]:
    """The study spec's do-nothing, do-minimum and project cases as scenario files."""
    from corridor.study.spec import read_spec

    spec = read_spec(SPEC)
    ids = {k.link_id for k in LINKS}
    header = [f"Generated by scripts/build_region.py from {SPEC.relative_to(ROOT)} (edit the spec, not this file)."]
    out = {}
    for name in spec.scenario_names:
        sc = spec.scenario(name)
        for ref in sc.close_links + sc.open_links:
            if ref.link not in ids:
                raise SystemExit(f"scenario {name} names an unknown link {ref.link}")
        out[name] = _yaml(sc, header)
    return out


def outputs() -> dict[Path, str]:
    check()
    files = {OUT / "node.csv": to_csv(list(NODES.values()), NODE_COLUMNS),
             OUT / "link.csv": to_csv([link_row(k) for k in LINKS], LINK_COLUMNS),
             OUT / "link_figures.yaml": figures_yaml()}
    for name, text in scenario_files().items():
        files[SCEN / f"{name}.yaml"] = text
    return files


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed files are out of date")
    args = ap.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date:", *map(str, stale), sep="\n  ")
        return 1
    print(f"{len(NODES)} nodes, {len(LINKS)} links" + (" (up to date)" if args.check else f" written to {OUT}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write the bundled two-way freight and passenger demand (2024 base year and 2030) from lists of sourced rows.

    python scripts/build_demand.py          # rewrite src/corridor/assignment/data/{freight,passenger}_demand*.csv
    python scripts/build_demand.py --check  # exit 1 if the committed files are out of date

Each row: origin, destination, cargo class, modes ('' = the class's), 2024 tonnes/yr (central, low, high), its
source, and the 2030 growth group. ``facts[N]`` = reference [N] of ../shared/corridor-facts.md; other named
sources are given by their page; ``assumption: why`` where no source gives the figure. The 2030 table is the
2024 row times its group's growth factor (central, low, high), each stated in GROWTH.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "corridor" / "assignment" / "data"

# ---- sources used more than once ------------------------------------------------------------------------------
MC = ("facts[129]: Middle Corridor 4.5 Mt in 2024 (3.3 Mt of it through Kazakh and Azerbaijani ports), oil and "
      "products ~30 %")
MC_SPLIT = "assumption: split by port, destination, class and direction not reported; ~80 % westbound"
GR = ("btuai.ge 'Georgia's Railway: Stable Growth' (facts[126]): 13.7 Mt in 2024, 30.2 % international, of it "
      "74.4 % imports")
TEU = "facts[66][133]: 50,500 TEU on the corridor Jan–Nov 2024, Baku 76,775 TEU in 2024; assumption: ~12 t/TEU"
IR_AM = ("tehrantimes.com/news/504012 (IRICA, 2024-09-23): Iran–Armenia non-oil trade 885,719 t in 20 Mar–21 Aug "
         "2024, i.e. ~2.1 Mt/yr; Iran exported 412 vs imported 45 M USD in 1402 (TPO via arabicradio.net/news/201149)")
NS = ("caliber.az (ADY, 2025): North–South transit through Azerbaijan by rail 814,000 t in 2024 (+28 %)")
JOLFA = ("en.trend.az/business/economy/3792437: Jolfa (Iran–Nakhchivan) road terminal 468,000 t of Iranian exports "
         "and 354,000 t of transit in 5 months of 2023 (21 Mar–22 Aug)")
LARS = ("russian-customs.org: Upper Lars averaged 696 trucks/day both ways (early 2020); armenpress.am 1084380: "
        "Upper Lars carries most of Armenia's trade with Russia")
TR_AZ = "facts[90][91][92]: Turkey–Azerbaijan trade 7.5 bn USD in 2023; assumption: ~3,000 USD/t"

# (origin, destination, cargo, modes, t/yr, low, high, source, growth group)
ROWS: list[tuple[str, str, str, str, float, float, float, str, str]] = [
    # Central Asia <-> Georgian ports / Turkey: the Middle Corridor (4.5 Mt in 2024)
    ("aktau", "batumi", "oil", "", 700e3, 400e3, 1.0e6,
     f"{MC}; facts[132]: Aktau 3.8 Mt in 2022, 2.5 Mt of it oil; assumption: 0.7 Mt of Kazakh oil by tanker to "
     "Baku and tank wagon to Batumi", "mc"),
    ("turkmenbashi", "batumi", "oil", "", 450e3, 200e3, 700e3,
     f"{MC}; assumption: 0.45 Mt of Turkmen oil products to the Georgian terminals", "mc"),
    ("kuryk", "poti", "oil", "", 200e3, 50e3, 400e3, f"{MC}; assumption: 0.2 Mt of oil via Kuryk", "mc"),
    ("aktau", "poti", "container", "", 250e3, 150e3, 400e3, f"{MC}; {TEU}; {MC_SPLIT}", "mc"),
    ("aktau", "istanbul", "container", "", 150e3, 80e3, 300e3, f"{MC}; {TEU}; {MC_SPLIT}", "mc"),
    ("poti", "aktau", "container", "", 120e3, 50e3, 250e3, f"{MC}; {TEU}; {MC_SPLIT} (eastbound)", "mc"),
    ("istanbul", "aktau", "container", "", 80e3, 30e3, 200e3, f"{MC}; {TEU}; {MC_SPLIT} (eastbound)", "mc"),
    ("aktau", "poti", "dry_bulk", "", 500e3, 250e3, 900e3,
     f"{MC}; railway.ge (2019): Kazakh wheat and coal on Georgian Railway from 2018; {MC_SPLIT}", "mc"),
    ("kuryk", "poti", "general_cargo", "", 500e3, 250e3, 900e3, f"{MC}; {MC_SPLIT}", "mc"),
    ("kuryk", "kars", "general_cargo", "", 200e3, 80e3, 400e3, f"{MC}; facts[128]: BTK's small volumes; {MC_SPLIT}",
     "mc"),
    ("aktau", "mersin", "general_cargo", "", 280e3, 100e3, 500e3, f"{MC}; {MC_SPLIT}", "mc"),
    ("turkmenbashi", "poti", "dry_bulk", "", 400e3, 200e3, 700e3,
     f"{MC}; railway.ge (2022): urea from Turkmenistan and Uzbekistan via Georgia; {MC_SPLIT}", "mc"),
    ("turkmenbashi", "mersin", "general_cargo", "", 150e3, 50e3, 300e3, f"{MC}; {MC_SPLIT}", "mc"),
    ("poti", "kuryk", "general_cargo", "", 300e3, 100e3, 600e3, f"{MC}; {MC_SPLIT} (eastbound)", "mc"),
    ("kars", "aktau", "general_cargo", "", 120e3, 40e3, 250e3,
     f"{MC}; facts[128]: BTK 2024 971 import and 910 export containers at Kars, balanced; {MC_SPLIT} (eastbound)",
     "mc"),
    ("istanbul", "turkmenbashi", "general_cargo", "", 100e3, 30e3, 250e3, f"{MC}; {MC_SPLIT} (eastbound)", "mc"),
    # Azerbaijan's own rail trade through Georgia (Georgia's transit and imports)
    ("baku", "tbilisi", "general_cargo", "rail", 834e3, 600e3, 1.1e6,
     f"{GR}, 27.1 % of the imports from Azerbaijan: 13.7 × 0.302 × 0.744 × 0.271 = 0.83 Mt", "trade"),
    ("baku", "batumi", "oil", "", 1.5e6, 700e3, 2.5e6,
     "railway.ge (2022): methanol from Azerbaijan and oil products on Georgian Railway; assumption: 1.5 Mt of "
     "Azerbaijani oil products and chemicals by rail to the Black Sea terminals (no tonnage found)", "trade"),
    ("poti", "baku", "general_cargo", "rail", 600e3, 300e3, 1.0e6,
     "assumption: Azerbaijan's imports by sea through Poti by rail (no tonnage found)", "trade"),
    # Russia <-> Georgia / Armenia (Upper Lars road; rail through Azerbaijan)
    ("astrakhan", "tbilisi", "general_cargo", "rail", 1.296e6, 1.0e6, 1.6e6,
     f"{GR}, 42.1 % of the imports from Russia: 13.7 × 0.302 × 0.744 × 0.421 = 1.30 Mt; assumption: by the only "
     "open rail link, through Azerbaijan", "trade"),
    ("tbilisi", "astrakhan", "general_cargo", "rail", 108e3, 70e3, 150e3,
     "btuai.ge (facts[126]): exports 25.6 % of the international 30.2 % of 13.7 Mt, 10.2 % of them to Russia", "trade"),
    ("tbilisi", "aktau", "general_cargo", "rail", 107e3, 70e3, 150e3,
     "btuai.ge (facts[126]): exports 25.6 % of the international 30.2 % of 13.7 Mt, 10.1 % of them to Kazakhstan",
     "trade"),
    ("tbilisi", "yerevan", "general_cargo", "rail", 86e3, 50e3, 120e3,
     "btuai.ge (facts[126]): exports 25.6 % of the international 30.2 % of 13.7 Mt, 8.1 % of them to Armenia", "trade"),
    ("astrakhan", "yerevan", "dry_bulk", "rail", 300e3, 100e3, 600e3,
     "messenger.com.ge (2014): wheat from Russia to Armenia is Georgian rail transit; assumption: 0.3 Mt/yr "
     "by rail through Azerbaijan and Georgia (no tonnage found)", "trade"),
    ("vladikavkaz", "yerevan", "general_cargo", "road", 1.2e6, 600e3, 2.0e6,
     f"{LARS}; assumption: 1.2 Mt/yr Russia → Armenia by truck (no tonnage found)", "trade"),
    ("yerevan", "vladikavkaz", "general_cargo", "road", 600e3, 250e3, 1.0e6,
     f"{LARS}; assumption: 0.6 Mt/yr Armenia → Russia by truck (no tonnage found)", "trade"),
    ("vladikavkaz", "tbilisi", "general_cargo", "road", 1.5e6, 700e3, 2.5e6,
     f"{LARS}; assumption: 1.5 Mt/yr Russia → Georgia by truck (no tonnage found)", "trade"),
    ("tbilisi", "vladikavkaz", "general_cargo", "road", 500e3, 200e3, 900e3,
     f"{LARS}; assumption: 0.5 Mt/yr Georgia → Russia by truck (no tonnage found)", "trade"),
    # Armenia's sea trade through Georgia
    ("poti", "yerevan", "general_cargo", "", 700e3, 300e3, 1.2e6,
     "assumption: Armenia's imports by sea through Poti (no tonnage found)", "trade"),
    ("yerevan", "poti", "dry_bulk", "", 400e3, 200e3, 800e3,
     "assumption: Armenia's ore concentrates exported by rail through Poti (no tonnage found)", "trade"),
    # Armenia <-> Iran (Agarak–Norduz, the only crossing)
    ("tabriz", "yerevan", "general_cargo", "", 1.0e6, 700e3, 1.4e6,
     f"{IR_AM}; assumption: ~87 % of the tonnes Iran → Armenia as in value; food, chemicals, iron", "trade"),
    ("tabriz", "yerevan", "dry_bulk", "", 850e3, 500e3, 1.1e6,
     f"{IR_AM}; TPO names cement and bitumen; assumption: 0.85 Mt of bulk", "trade"),
    ("yerevan", "tabriz", "general_cargo", "", 280e3, 120e3, 500e3, f"{IR_AM}; assumption: ~13 % Armenia → Iran",
     "trade"),
    # Iran <-> Nakhchivan and mainland Azerbaijan <-> Nakhchivan
    ("tabriz", "nakhchivan", "general_cargo", "road", 1.12e6, 800e3, 1.4e6,
     f"{JOLFA}: 468,000 t × 12/5 = 1.12 Mt/yr of Iranian exports; assumption: all to Nakhchivan, 2024 as 2023",
     "trade"),
    ("baku", "nakhchivan", "general_cargo", "", 500e3, 250e3, 900e3,
     f"{JOLFA}: 354,000 t of transit in 5 months (0.85 Mt/yr); assumption: mostly mainland supply of the exclave "
     "(~0.46 M people, ~1 t per person)", "trade"),
    ("nakhchivan", "baku", "general_cargo", "", 100e3, 30e3, 300e3,
     "assumption: Nakhchivan's shipments to the mainland, a fifth of the supply", "trade"),
    # Turkey <-> Azerbaijan (mainland and Nakhchivan)
    ("istanbul", "baku", "general_cargo", "road", 800e3, 400e3, 1.3e6,
     f"{TR_AZ}: ~2.5 Mt both ways, of which 0.8 Mt Turkish exports by truck", "trade"),
    ("baku", "istanbul", "general_cargo", "road", 300e3, 100e3, 600e3,
     f"{TR_AZ}: 0.3 Mt Azerbaijani non-energy exports by truck (energy goes by pipeline)", "trade"),
    ("istanbul", "baku", "general_cargo", "rail;transfer", 150e3, 50e3, 300e3,
     f"{TR_AZ}; facts[128]: BTK carried 0.43 Mt in 2022; assumption: 0.15 Mt of it Turkey → Azerbaijan", "trade"),
    ("baku", "kars", "general_cargo", "rail;transfer", 100e3, 30e3, 250e3,
     f"{TR_AZ}; facts[128]; assumption: 0.1 Mt Azerbaijan → Turkey on BTK", "trade"),
    ("istanbul", "nakhchivan", "general_cargo", "road", 300e3, 100e3, 600e3,
     "facts[49][50]: Dilucu–Sadarak, the only Turkey–Azerbaijan crossing; assumption: 0.3 Mt/yr of Turkish "
     "goods to Nakhchivan (no tonnage found)", "trade"),
    ("nakhchivan", "istanbul", "general_cargo", "road", 50e3, 10e3, 150e3,
     "assumption: Nakhchivan's exports to Turkey, a sixth of the imports", "trade"),
    # Russia <-> Iran through Azerbaijan (North–South corridor, Rasht–Astara unbuilt)
    ("astrakhan", "qazvin", "dry_bulk", "", 500e3, 300e3, 650e3,
     f"{NS}; assumption: southbound grain, ~60 % of the rail transit", "ns"),
    ("astrakhan", "tabriz", "general_cargo", "", 150e3, 80e3, 250e3, f"{NS}; assumption: 0.15 Mt southbound",
     "ns"),
    ("qazvin", "astrakhan", "general_cargo", "", 164e3, 80e3, 300e3, f"{NS}; assumption: the rest northbound",
     "ns"),
    ("astrakhan", "tabriz", "general_cargo", "road", 300e3, 100e3, 800e3,
     "facts[78][79]: North–South corridor; assumption: 0.3 Mt/yr Russia → Iran by truck through Azerbaijan "
     "(no tonnage found)", "ns"),
    ("tabriz", "astrakhan", "general_cargo", "road", 200e3, 50e3, 500e3,
     "assumption: 0.2 Mt/yr Iran → Russia by truck through Azerbaijan (no tonnage found)", "ns"),
]

# rows that start after the base year: (row, first year); they are in the 2030 table only
LATER: list[tuple[tuple, int]] = [
    (("aktau", "yerevan", "dry_bulk", "", 100e3, 20e3, 300e3,
      "facts[123]: first Kazakh grain reached Armenia via Azerbaijani rail in late 2025; assumption: 0.1 Mt/yr "
      "(volume not reported)", "trade"), 2026),
]

# 2024 → 2030 growth factors (central, low, high) by group
GROWTH: dict[str, tuple[float, float, float, str]] = {
    "mc": (8.1 / 4.5, 5.2 / 4.5, 11 / 4.5,
           "facts[129][130]: 2025 plan 5.2 Mt; World Bank ~11 Mt by 2030 only with its full reform package; "
           "assumption: central 8.1 Mt, midway (× 1.8, low × 1.16, high × 2.44)"),
    "ns": (2.5, 1.2, 6.1,
           "azernews.az/business/248714 (2025-10-13): Azerbaijan–Russia agreement guarantees ≥5 Mt/yr through "
           "Azerbaijan from 2028 after modernisation; assumption: central 2 Mt by 2030 (× 2.5), low × 1.2, high "
           "× 6.1 (the 5 Mt)"),
    "trade": (1.19, 1.0, 1.42,
              "assumption: trade grows 3 %/yr 2024–2030 (× 1.19; low no growth, high 6 %/yr)"),
}

HEADER = ["origin", "destination", "cargo", "modes", "tonnes_per_yr", "low", "high", "source"]

# ---- passengers (their own class, unit pax; not in the freight tables) ---------------------------------------
BAGRATASHEN = ("vestnikkavkaza.net/news/economy/11145.html (Armenian government): 419,000 people crossed at "
               "Bagratashen (Sadakhlo) in 2010, 541,000 at Bavra")
PAX: list[tuple[str, str, str, float, float, float, str]] = [
    ("yerevan", "tbilisi", "", 420e3, 300e3, 1.0e6, f"{BAGRATASHEN}; assumption: each way, 2010 figure kept "
     "(high: growth since)"),
    ("tbilisi", "yerevan", "", 420e3, 300e3, 1.0e6, f"{BAGRATASHEN}; assumption: each way, 2010 figure kept "
     "(high: growth since)"),
    ("yerevan", "batumi", "", 270e3, 150e3, 600e3, f"{BAGRATASHEN}; messenger.com.ge (2011): Bavra is Armenians' "
     "route to Batumi; assumption: half of 541,000 each way"),
    ("batumi", "yerevan", "", 270e3, 150e3, 600e3, f"{BAGRATASHEN}; assumption: half of 541,000 each way"),
    ("vladikavkaz", "tbilisi", "road", 1.0e6, 500e3, 2.0e6, "messenger.com.ge (2012): Upper Lars serves up to "
     "7,000 people a day both ways; assumption: ~40 % of that on average, each way"),
    ("tbilisi", "vladikavkaz", "road", 1.0e6, 500e3, 2.0e6, "messenger.com.ge (2012): Upper Lars up to 7,000 "
     "people a day; assumption: ~40 % of that on average, each way"),
    ("baku", "tbilisi", "", 300e3, 100e3, 800e3, "assumption: Azerbaijan–Georgia land passengers each way (no "
     "count found)"),
    ("tbilisi", "baku", "", 300e3, 100e3, 800e3, "assumption: as the other way"),
    ("baku", "nakhchivan", "", 100e3, 30e3, 300e3, "assumption: by land through Iran each way (most fly; no count "
     "found)"),
    ("nakhchivan", "baku", "", 100e3, 30e3, 300e3, "assumption: as the other way"),
    ("tabriz", "yerevan", "", 150e3, 50e3, 400e3, "assumption: Iran–Armenia land passengers each way (no count "
     "found)"),
    ("yerevan", "tabriz", "", 150e3, 50e3, 400e3, "assumption: as the other way"),
    ("istanbul", "nakhchivan", "", 200e3, 50e3, 500e3, "facts[49][50]: Dilucu–Sadarak, the only Turkey–"
     "Azerbaijan crossing; assumption: passengers each way (no count found)"),
    ("nakhchivan", "istanbul", "", 200e3, 50e3, 500e3, "assumption: as the other way"),
]
PAX_GROWTH = (1.19, 1.0, 1.42, "assumption: passengers grow 3 %/yr 2024–2030 (low no growth, high 6 %/yr)")
PAX_HEADER = ["origin", "destination", "modes", "pax_per_yr", "low", "high", "source"]


def _fmt(v: float) -> str:
    return f"{round(v):d}"


def tables() -> dict[str, str]:
    out = {}
    for year, name in ((2024, "freight_demand.csv"), (2030, "freight_demand_2030.csv")):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(HEADER)
        rows = list(ROWS) + ([r for r, first in LATER if first <= year] if year > 2024 else [])
        for o, d, cargo, modes, t, lo, hi, src, group in rows:
            if year == 2024:
                w.writerow([o, d, cargo, modes, _fmt(t), _fmt(lo), _fmt(hi), src])
            else:
                g, gl, gh, gsrc = GROWTH[group]
                w.writerow([o, d, cargo, modes, _fmt(t * g), _fmt(lo * gl), _fmt(hi * gh),
                            f"2024: {src}; 2030: {gsrc}"])
        out[name] = buf.getvalue()
    for year, name in ((2024, "passenger_demand.csv"), (2030, "passenger_demand_2030.csv")):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(PAX_HEADER)
        g, gl, gh, gsrc = (1.0, 1.0, 1.0, "") if year == 2024 else PAX_GROWTH
        for o, d, modes, v, lo, hi, src in PAX:
            w.writerow([o, d, modes, _fmt(v * g), _fmt(lo * gl), _fmt(hi * gh),
                        src if year == 2024 else f"2024: {src}; 2030: {gsrc}"])
        out[name] = buf.getvalue()
    return out


def main(argv: list[str]) -> int:
    stale = []
    for name, text in tables().items():
        path = DATA / name
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/build_demand.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The lines section of the ``corridor run`` report: the project's gas and oil lines, fibre latency, rail
capacity. A view of :class:`corridor.study.StudyResult` (its ``lines``); it computes nothing but plots."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from corridor.lines.plots import case_plots
from corridor.report import Section, frame_html

if TYPE_CHECKING:
    from corridor.study import StudyResult


def section(res: StudyResult) -> Section:
    lr = res.lines
    where = f"network {res.network.name}"
    g, o, f, r = lr.gas, lr.oil, lr.fibre, lr.rail
    plots = case_plots({"gas": g, "oil": o, "fibre": f, "rail": r})
    label = escape(res.spec.project.label)
    sizes = g["by_size"].rename(columns={"size": "pipe", "inner_diameter_m": "inner diameter, m",
                                         "capacity_mcm_d": "mcm/d", "capacity_bcm_yr": "bcm/yr",
                                         "outlet_velocity_m_s": "outlet velocity, m/s"})
    routes = f["routes"][["pair", "route", "length_km", "rtt_ms", "floor_rtt_ms", "stretch", "gain_rtt_ms", "places"]]
    rail = pd.DataFrame({
        "layout": ["single track (parallel graph)", "double track (automatic block)"],
        "trains/day per direction": [r["single"]["trains_per_day_per_direction"],
                                     r["double"]["trains_per_day_per_direction"]],
        "critical": [r["single"]["critical_section"], "block headway"],
        "freight trains/day": [r["single"]["freight_trains_per_day_per_direction"],
                               r["double"]["freight_trains_per_day_per_direction"]],
        "Mt/yr one way": [r["single_mt_yr"], r["double_mt_yr"]],
    })
    assumed = sorted({*g["assumptions"], *o["assumptions"], *f["assumptions"], *r["assumptions"]})
    sources = {**g["sources"], **o["sources"], **f["sources"], **r["sources"]}
    mark = {k: ' class="assumption"' for k in assumed}
    src_rows = "".join(f"<li{mark.get(k, '')}><b>{escape(k)}</b>: {escape(str(v))}</li>"
                       for k, v in sorted(sources.items()))
    html = (
        f"<p>Engineering of the lines {label} is to carry, on {escape(where)}. {label} pipeline sizes and pressures, "
        "fibre specifications and rail layout are <b>not published</b>: the cases below are marked assumptions "
        "(see the list at the end); lengths come from the network's links.</p>"
        "<h3>Gas line</h3>"
        f"<p>{escape(g['name'])}: {g['length_km']:.1f} km, inner diameter {g['diameter_m']:.4f} m, "
        f"{g['p_in_bara']:g} → {g['p_out_bara']:g} bar(a): capacity <b>{g['capacity_mcm_d']:.2f} mcm/d "
        f"({g['capacity_bcm_yr']:.2f} bcm/yr)</b>; at today's Nakhchivan demand of {g['demand_mcm_d']:g} mcm/d the "
        f"outlet stays at {g['demand_outlet_bara']:.1f} bar(a). Isothermal flow with Colebrook friction, Z by "
        "Papay.</p>"
        f"<figure>{plots['gas_pressure_profile']}</figure>"
        + frame_html(sizes, text_columns=("pipe",), digits=2)
        + "<h3>Oil line</h3>"
        f"<p>{escape(o['name'])}: {o['length_km']:.1f} km, inner diameter {o['diameter_m']:.4f} m: capacity "
        f"<b>{o['capacity_bbl_d']:,.0f} bbl/d ({o['capacity_mt_yr']:.2f} Mt/yr)</b>, "
        f"{escape(o['note'])}; pumps {o['pump_power_kw']:,.0f} kW in all.</p>"
        f"<figure>{plots['oil_pressure_profile']}</figure>"
        "<h3>Fibre latency</h3>"
        f"<p>The {label} fibre itself: {f['segment_length_km']:.1f} km, {f['segment_rtt_ms']:.3f} ms round trip "
        f"({f['us_per_km']:.3f} µs/km); {f['pairs']} pairs × {f['per_pair_tbps']:g} Tb/s ({escape(f['band'])}) = "
        f"{f['capacity_tbps']:g} Tb/s. Routes on the network with and without {label} ('without' avoids "
        f"{escape(', '.join(f['without_avoids']))}), "
        "forced through it, and the great-circle floor:</p>"
        + frame_html(routes, text_columns=("pair", "route", "places"), digits=2)
        + f"<figure>{plots['fibre_latency']}</figure>"
        + f"<p>What one more cable ({escape(f['extra_link_name'])}) would change:</p>"
        + frame_html(f["what_if"], text_columns=("pair", "route"), digits=2)
        + "<h3>Rail line capacity</h3>"
        f"<p>{label} railway, {r['length_km']:.1f} km, by the CIS parallel-graph method; claimed: "
        f"{r['claimed_mt_yr']:g} Mt/yr initially.</p>"
        + frame_html(rail, text_columns=("layout", "critical"), digits=1)
        + f"<figure>{plots['rail_sections']}</figure>"
        + f"<details><summary>Inputs and sources ({len(sources)}; {len(assumed)} assumptions, highlighted)"
        f"</summary><ul>{src_rows}</ul></details>"
    )
    return Section("lines", "Lines: pipelines, fibre, rail capacity", html)

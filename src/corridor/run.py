"""The files of a corridor study: summary.json, CSV tables and the HTML report, all views of a
:class:`~corridor.study.StudyResult` (``corridor run`` calls :func:`write_outputs` after
:func:`~corridor.study.run_study`; nothing here computes the study).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from corridor._errors import Problem, ValidationError
from corridor._json import to_json
from corridor.network.model import Network
from corridor.report import MapRoute, Markup, Section, frame_html, network_map, render_report, write_report
from corridor.scenario import Comparison, apply_scenario
from corridor.study import StudyResult, tables


def _fmt_delta(v: float, unit: str, digits: int = 0) -> Markup:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return Markup("–")
    cls = "better" if v < 0 else "worse" if v > 0 else ""
    return Markup(f'<span class="{cls}">{v:+,.{digits}f} {unit}</span>')


def _comparison_frame(c: Comparison) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    t = c.table
    rows, attrs = [], []
    for i, r in t.iterrows():
        ids = []
        for tag, sn in (("before", c.before), ("after", c.after)):
            if r[f"{tag}_possible"]:
                ids.append(f"{sn}-{i}")
        rows.append({
            "pair": f"{r.origin} → {r.destination}",
            "constraint": r.constraint,
            f"{c.before}: route": r.before_family or "no route",
            f"{c.before}: km": r.before_distance_km,
            f"{c.before}: hours": r.before_time_h,
            f"{c.before}: borders": r.before_borders,
            f"{c.after}: route": Markup(escape_html(r.after_family or "no route")
                                         + (' <span class="new">newly possible</span>' if r.newly_possible else "")),
            f"{c.after}: km": r.after_distance_km,
            f"{c.after}: hours": r.after_time_h,
            f"{c.after}: borders": r.after_borders,
            "Δ km": _fmt_delta(r.delta_distance_km, "km"),
            "Δ hours": _fmt_delta(r.delta_time_h, "h", 1),
            "Δ cost": _fmt_delta(r.delta_cost_usd, "USD/t", 1),
        })
        attrs.append({"class": "pair", "data-routes": " ".join(ids)})
    return pd.DataFrame(rows, dtype=object), attrs


def escape_html(s: str) -> str:
    from html import escape

    return escape(s)


def _routes_for_map(c: Comparison) -> list[MapRoute]:
    out = []
    for i, r in c.table.iterrows():
        for tag, sn in (("before", c.before), ("after", c.after)):
            route = c.routes.get((sn, r.origin_id, r.destination_id, r.constraint))
            if route is not None:
                out.append(MapRoute(f"{sn}-{i}", f"{sn}: {r.origin} → {r.destination} ({r.constraint}), "
                                    f"{route.distance_km:,.0f} km, {route.time_h:,.1f} h", route.node_ids, tag))
    return out


def _legs_table(c: Comparison) -> pd.DataFrame:
    frames = []
    for (sn, o, d, label), route in c.routes.items():
        if route is None:
            continue
        frames.append(route.legs.assign(scenario=sn, origin=o, destination=d, constraint=label,
                                        step=np.arange(1, len(route.legs) + 1)))
    if not frames:
        return pd.DataFrame()
    legs = pd.concat(frames, ignore_index=True)
    first = ["scenario", "origin", "destination", "constraint", "step"]
    return legs[first + [col for col in legs.columns if col not in first]]


def _notes_html(net: Network) -> str:
    links = net.links
    src_cols = [col for col in ("length_source", "speed_source", "capacity_source", "cost_source")
                if col in links.columns]
    values = pd.concat([links[col] for col in src_cols]) if src_cols else pd.Series(dtype=str)
    values = values[values != ""]
    n_assumed = int(values.str.startswith("assumption").sum())
    return (f"<p>Network <b>{net.name}</b>: {net.n_nodes} nodes, {net.n_links} links. Of {len(values)} sourced "
            f"link figures, <span class='assumption'>{n_assumed} are marked as assumptions</span> and "
            f"{len(values) - n_assumed} cite a source (see the link tables' <code>*_source</code> columns and "
            "<code>corridor network export</code>). Route costs are generalised costs per tonne: money plus "
            "value of time (cargo classes in <code>corridor/routing/data/cargo_classes.yaml</code>, each figure "
            "with its source or assumption).</p>")


def study_sections(r: StudyResult) -> list[Section]:
    """The report's sections after the route comparison, in order; each is a view of ``r``."""
    from corridor.assignment.report import section as assignment_section
    from corridor.economics.appraisal_report import section as appraisal_section
    from corridor.economics.report import section as economics_section
    from corridor.lines.report import section as lines_section

    out = [_headline_section(r)]
    if r.ranges is not None:
        out.append(_ranges_section(r))
    if r.forecast is not None:
        out.append(_forecast_section(r))
    out += [_attribution_section(r), _third_party_section(r), assignment_section(r)]
    if r.calibration is not None:
        out.append(_calibration_section(r))
    if r.lines is not None:
        out.append(lines_section(r))
    out.append(economics_section(r))
    if r.delays is not None:
        out.append(_delays_section(r))
    if r.appraisal is not None:
        out.append(appraisal_section(r))
    return out


def _delays_section(r: StudyResult) -> Section:
    st = r.delays.settings
    rows = "".join(
        f"<li>{escape_html(sc)} {y}: {'converged' if fb.converged else '<b>NOT converged</b>'} after "
        f"{fb.n_rounds} of {fb.max_rounds} rounds; largest change in the last round {fb.history[-1]['max_change_h']:.2f} h"
        + (f" at {escape_html(', '.join(fb.history[-1]['unsettled']))}" if fb.history[-1]["unsettled"] else "")
        + f"; flow gap {100 * fb.history[-1]['flow_gap']:.1f} %</li>"
        for (sc, y), fb in r.delays.runs.items())
    sources = "".join(f"<li>{escape_html(k)} {st[k]:g}: {escape_html(v)}</li>" for k, v in st["sources"].items())
    html = ("<p>Each listed scenario and year is assigned with the delays the operations simulation gives at "
            "the border posts, gauge change, ferries and single track, round after round: round 1 assigns with "
            "the network's assumptions, round k simulates at the average of the flows of rounds 2..k and the "
            f"next round assigns with its simulated delays (damping: {escape_html(st['damping'])}), until every "
            f"simulated delay is within {st['tolerance_h']:g} h or {100 * st['tolerance_share']:g} % of the one "
            f"assigned with and the round's flows on those links within {100 * st['tolerance_flow']:g} % of "
            "the averaged ones. Every round simulates with the same seed, each arrival stream and the weather "
            "from its own sub-stream (common random numbers: rounds differ by their flows). "
            f"{st['days']:g} days × {st['replications']:g} replications per round, seed {st['seed']}. A facility "
            "no traffic reaches keeps the network's assumption (<i>no traffic</i>). The attribution's "
            f"intermediate steps take {escape_html(r.against.name)}'s simulated delays.</p>"
            f"<ul>{rows}</ul>"
            + frame_html(tables.delays_table(r), text_columns=("scenario", "year", "facility", "state"), digits=2)
            + f"<h3>Settings</h3><ul>{sources}</ul>")
    return Section("delays", "Simulated delays in the assignment", html)


def _headline_section(r: StudyResult) -> Section:
    df = tables.headline(r)
    committed = "".join(
        f"<li><b>{escape_html(c.name)}</b>: opening {c.opening_year.value:.0f}"
        + (f" ({c.opening_year.low:.0f}–{c.opening_year.high:.0f})" if c.opening_year.low is not None else "")
        + f" — {escape_html(c.opening_year.source)}; {escape_html(c.source)}</li>" for c in r.spec.committed)
    html = (f"<p>Every result is <b>{escape_html(r.project.name)}</b> minus <b>{escape_html(r.against.name)}</b> "
            f"(with and without the project, EU CBA guide practice). The do-minimum is today plus the committed "
            f"projects under construction:</p><ul>{committed}</ul>"
            "<p>Scenarios are states of the network; every committed project is taken as open in each demand "
            f"year. Freight flows and finance use the {r.finance_year} demand.</p>"
            + frame_html(df.drop(columns="_digits"), text_columns=("metric",), digits=2))
    if r.ranges is not None:
        html += (f"<p>The headline as ranges: P10 / P50 / P90 of {r.ranges.draws} draws of every ranged input "
                 f"(<a href='#ranges'>distributions and tornado</a>).</p>"
                 + frame_html(tables.ranges_table(r), text_columns=("metric",), digits=2))
    return Section("headline", f"Headline: {r.project.name} minus {r.against.name}", html)


def _ranges_section(r: StudyResult) -> Section:
    """The sweep behind the ranges: how it draws, P(ENPV > 0), the distributions of ENPV and of the project's
    tonnes in the finance year, the tornado of ENPV and the sampled inputs (the plots of ``corridor
    uncertainty``'s page)."""
    from corridor.economics.plots import distribution_svg, tornado_svg
    from corridor.uncertainty.report import inputs_table

    rg = r.ranges
    label = r.spec.project.label
    shown = [m for m in tables.headline_metrics(rg.samples, label)
             if m[0] in ("enpv_usd", f"corridor_flow_t_{r.finance_year}")]
    dist = distribution_svg({k: np.asarray(rg.samples[k], float) * s for k, s, _ in shown},
                            {k: lab for k, _, lab in shown})
    inputs = inputs_table(list(rg.inputs))
    delays = (" The draws assign with the network's delay assumptions, not the simulated delays."
              if r.delays is not None else "")
    html = (f"<p>{rg.draws} draws (seed {rg.seed}) of a Latin hypercube over every input the data gives a range "
            "(no correlations stated; inputs sharing a range drawn once), each the whole study chain: demand grown "
            "to every modelled year, the equilibria of both scenarios, generated traffic, appraisal, trade and "
            f"finance.{delays} P(ENPV &gt; 0) = {rg.p_enpv_positive:.2f}.</p>"
            + f"<h3>Distributions</h3>{dist}<h3>Tornado</h3>"
            + tornado_svg(list(rg.tornado_enpv), rg.central_enpv_usd)
            + "<h3>Sampled inputs</h3>"
            + frame_html(inputs, text_columns=("name", "unit", "distribution", "source"), digits=4))
    return Section("ranges", f"Ranges: {rg.draws} draws", html)


def _forecast_section(r: StudyResult) -> Section:
    from corridor.study.plots import flows_by_year_svg

    fc = r.forecast
    method = "".join(f"<li><b>{escape_html(k.replace('_', '-'))}</b>: {escape_html(v)}</li>"
                     for k, v in fc.method.items())
    html = (f"<p>{escape_html(tables.forecast_headline(r))}. Every year from {fc.years[0]} to {fc.years[-1]}: "
            f"the modelled years ({', '.join(map(str, fc.modelled_years))}) are assigned in both scenarios, the "
            "years between interpolated; the ramp-up is applied once, here (finance is told so).</p>"
            f"<ul>{method}</ul>" + flows_by_year_svg(r)
            + frame_html(tables.forecast_table(r), text_columns=("year",), digits=2))
    return Section("flows-by-year", "Flows by year", html)


def _attribution_section(r: StudyResult) -> Section:
    df = tables.attribution(r)
    order = " → ".join(escape_html(s) for s in r.attribution.order)
    pair = r.attribution.pair
    html = (f"<p>Incremental order: {order}. Each row is the change that step adds to the one before"
            + (f" (generalised cost and time of {escape_html(_place_name(r, pair[0]))} → "
               f"{escape_html(_place_name(r, pair[1]))})" if pair else "")
            + f"; flows with the {r.attribution.year} demand; trade is the central case of the change in "
            "bilateral trade from the step's route changes.</p>"
            + frame_html(df, text_columns=("step",), digits=2))
    return Section("attribution", "Attribution", html)


def _calibration_section(r: StudyResult) -> Section:
    from corridor.cli.calibrate_cmd import border_frame, screenline_frame

    cal = r.calibration
    sl = screenline_frame(cal).assign(source=cal.screenlines["source"].to_numpy())
    html = (f"<p>{escape_html(tables.calibration_headline(r))}. Demand rows move only inside their low–high "
            "range (bounded least squares, alternating with the equilibrium); every demand year uses the "
            "fitted row factors.</p>"
            + frame_html(sl, text_columns=("screenline", "mode", "year", "unit", "source"), digits=2)
            + "<h3>Every border crossing (both directions; blank: closed or not built in the base year)</h3>"
            + frame_html(border_frame(cal), text_columns=("border crossing", "mode"), digits=2))
    return Section("calibration", "Calibration: base-year flows vs observed counts", html)


def _place_name(r: StudyResult, place: str) -> str:
    names = dict(zip(r.network.places["place"], r.network.places["name"], strict=True))
    return names.get(place, place)


def _third_party_section(r: StudyResult) -> Section:
    tp = r.third_parties
    tariffs = "".join(f"<li class='{'assumption' if f.is_assumption else ''}'>{escape_html(m)}: "
                      f"{f.value:g} {escape_html(f.unit)} (low {f.range[0]:g}, high {f.range[2]:g}) — "
                      f"{escape_html(f.source)}</li>" for m, f in tp.tariffs.items())
    cases = "".join(f"<li>{escape_html(line)}</li>" for line in tables.case_lines(r))
    shares = tp.shares.rename(columns={"against_share": f"{r.against.name} share",
                                       "project_share": f"{r.project.name} share"})
    html = ("<p>Per country: tonnes per year whose path crosses its territory, their tonne-km on it, the transit "
            "part (origin and destination elsewhere) and transit revenue at the tariffs below, "
            f"{tp.year} demand; Mt/yr, bn t-km, and transit revenue in M USD/yr (low and high: the tariffs' "
            "range).</p>"
            + frame_html(tables.third_parties(r), text_columns=("country",), digits=2)
            + f"<h3>Named cases</h3><ul>{cases}</ul><h3>Transit tariffs</h3><ul>{tariffs}</ul>"
            + "<h3>Route shares of each country's tonnes</h3>"
            + frame_html(shares, text_columns=("country", "route"), digits=3))
    return Section("third-parties", "Third parties", html)


def check_out(out: Path) -> None:
    """``out`` can be the output folder (absent or a folder), else an error naming --out."""
    if out.exists() and not out.is_dir():
        raise ValidationError([Problem("is a file, not a folder", field="--out", value=str(out))])


def simulation_section(r: StudyResult) -> tuple[Section, dict] | None:
    """The operations simulation of the project case (:mod:`corridor.simulation`, which simulates here: it is not
    part of the study result); None when that area cannot simulate this scenario on this network."""
    from types import SimpleNamespace

    from corridor.simulation.report import REPORT_YEAR, section

    extras = {}
    loop = (r.delays.runs.get((r.project.name, REPORT_YEAR)) if r.delays is not None else None)
    if loop is not None and loop.simulation is not None:  # the loop's last round: the flows the study rests on
        extras["simulation"] = (loop.simulation, f"the flows of the assignment ↔ simulation loop's last round "
                                                 f"(round {loop.n_rounds})")
    ctx = SimpleNamespace(network=r.network, out_dir=None, extras=extras,
                          comparison=SimpleNamespace(after=r.project.name, before=r.against.name))
    return section(ctx)


def write_outputs(r: StudyResult, out_dir: str | Path) -> list[Path]:
    """Write summary.json, comparison.csv, routes.csv, attribution.csv, third_parties.csv and report.html."""
    out = Path(out_dir)
    check_out(out)
    out.mkdir(parents=True, exist_ok=True)
    comp = r.comparison
    files = [out / "summary.json", out / "comparison.csv", out / "routes.csv", out / "attribution.csv",
             out / "third_parties.csv"]
    comp.table.to_csv(files[1], index=False)
    _legs_table(comp).to_csv(files[2], index=False)
    r.attribution.table.to_csv(files[3], index=False)
    r.third_parties.countries.to_csv(files[4], index=False)
    sim = simulation_section(r)
    files.append(write_report(report_html(r, extra=[sim[0]] if sim else []), out / "report.html"))
    summary = r.to_dict() | ({"simulation": sim[1]} if sim else {})
    files[0].write_text(json.dumps(_jsonable(summary), indent=2, ensure_ascii=False), encoding="utf-8")
    return files


def report_html(r: StudyResult, extra: list[Section] = ()) -> str:
    """The report page; ``extra`` sections (e.g. the simulation) go after the study's."""
    comp, net = r.comparison, r.network
    after_net = apply_scenario(net, r.project)
    frame, attrs = _comparison_frame(comp)
    n_new = int(comp.table["newly_possible"].sum())
    avoid = comp.table[comp.table["constraint"] != "any"]
    cards = [
        {"value": len(comp.table[["origin_id", "destination_id"]].drop_duplicates()), "label": "OD pairs compared"},
        {"value": n_new, "label": "pair × constraint newly possible"},
        {"value": int((avoid["after_possible"]).sum()),
         "label": f"pair × constraint routable under a constraint in {r.project.name}"},
        _best_saving_card(comp),
    ]
    box = r.spec.map_box.bounds if r.spec.map_box else None
    return render_report(
        title=f"corridor: {r.project.name} vs {r.against.name}",
        subtitle=f"{r.project.description or r.project.name} — compared with: "
                 f"{r.against.description or r.against.name}",
        before=r.against.name, after=r.project.name, cargo=r.cargo, cards=cards,
        comparison_html=frame_html(frame, text_columns=("pair", "constraint", f"{comp.before}: route",
                                                        f"{comp.after}: route"), row_attrs=attrs, digits=0,
                                   column_digits={f"{comp.before}: hours": 1, f"{comp.after}: hours": 1}),
        map_svg=network_map(after_net, _routes_for_map(comp), label_places=_labelled_places(r), focus=box),
        sections=[*study_sections(r), *extra], notes_html=_notes_html(net),
    )


def _best_saving_card(c: Comparison) -> dict:
    t = c.table.dropna(subset=["delta_distance_km"])
    if t.empty or t["delta_distance_km"].min() >= 0:
        return {"value": "0 km", "label": "no pair gets shorter"}
    r = t.loc[t["delta_distance_km"].idxmin()]
    return {"value": f"{r.delta_distance_km:+,.0f} km",
            "label": f"largest saving: {r.origin} → {r.destination} ({r.constraint})"}


def _labelled_places(r: StudyResult) -> dict[str, int]:
    """Label priorities: the OD places first, then the project's places; others are labelled where there is room."""
    c = r.comparison
    return {**dict.fromkeys(r.spec.project.places, 1),
            **dict.fromkeys([*c.table["origin_id"], *c.table["destination_id"]], 0)}


def _jsonable(o):
    return json.loads(to_json(o))

"""The main job: compare two scenarios on a network and write the results (JSON, CSV, HTML report).

``corridor run`` is a thin view over :func:`run_job`; everything here is usable from Python.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from corridor._json import to_json
from corridor.network.model import Network
from corridor.report import MapRoute, Markup, Section, frame_html, network_map, render_report, write_report
from corridor.scenario import Comparison, apply_scenario, compare_scenarios, load_scenario

#: Extra report sections: each takes the job context and returns a Section and a JSON-able summary, or None
#: when its area has nothing to say. Areas add theirs here (lines, economics, assignment).
SectionBuilder = Callable[["JobContext"], "tuple[Section, dict] | None"]
SECTION_BUILDERS: list[tuple[str, str]] = [
    # (summary key, "module:function") imported lazily so a missing optional area never breaks the run
    ("assignment", "corridor.assignment.report:section"),
    ("lines", "corridor.lines.report:section"),
    ("economics", "corridor.economics.report:section"),
    ("simulation", "corridor.simulation.report:section"),
]


#: lon_min, lat_min, lon_max, lat_max of the "zoom to the corridor" view: Horadiz to Sadarak (facts §6).
CORRIDOR_BOX = (44.6, 38.6, 47.6, 39.9)


@dataclass
class JobContext:
    """What section builders may use."""

    network: Network
    comparison: Comparison
    out_dir: Path
    #: results one section passes to the next (e.g. assignment flows → finance volumes)
    extras: dict = field(default_factory=dict)


@dataclass
class JobResult:
    comparison: Comparison
    summary: dict
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0


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


def _extra_sections(ctx: JobContext) -> tuple[list[Section], dict]:
    import importlib

    sections, summary = [], {}
    for key, target in SECTION_BUILDERS:
        mod, _, fn = target.partition(":")
        try:
            builder = getattr(importlib.import_module(mod), fn)
        except (ImportError, AttributeError):
            continue
        got = builder(ctx)
        if got is not None:
            sections.append(got[0])
            summary[key] = got[1]
    return sections, summary


def run_job(
    net: Network,
    after: str = "tripp",
    before: str = "baseline",
    *,
    cargo: str = "container",
    out_dir: str | Path | None = "corridor-out",
    extra_sections: bool = True,
) -> JobResult:
    """Compare ``after`` with ``before`` on ``net``; write summary.json, CSV tables and report.html to
    ``out_dir`` (skip writing when None)."""
    t0 = time.perf_counter()
    sa, sb = load_scenario(before), load_scenario(after)
    comp = compare_scenarios(net, sa, sb, cargo=cargo)
    summary = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "network": net.name, **comp.to_dict(),
    }
    result = JobResult(comp, summary)
    if out_dir is None:
        result.seconds = time.perf_counter() - t0
        return result
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sections, extra = _extra_sections(JobContext(net, comp, out)) if extra_sections else ([], {})
    summary.update(extra)
    files = []
    comp.table.to_csv(out / "comparison.csv", index=False)
    files.append(out / "comparison.csv")
    _legs_table(comp).to_csv(out / "routes.csv", index=False)
    files.append(out / "routes.csv")
    after_net = apply_scenario(net, sb)
    frame, attrs = _comparison_frame(comp)
    n_new = int(comp.table["newly_possible"].sum())
    avoid = comp.table[comp.table["constraint"] != "any"]
    cards = [
        {"value": len(comp.table[["origin_id", "destination_id"]].drop_duplicates()), "label": "OD pairs compared"},
        {"value": n_new, "label": "pair × constraint newly possible"},
        {"value": int((avoid["after_possible"]).sum()), "label": f"pairs routable avoiding IR and RU in {sb.name}"},
        _best_saving_card(comp),
    ]
    html = render_report(
        title=f"corridor: {sb.name} vs {sa.name}",
        subtitle=f"{sb.description or sb.name} — compared with: {sa.description or sa.name}",
        before=sa.name, after=sb.name, cargo=cargo, cards=cards,
        comparison_html=frame_html(frame, text_columns=("pair", "constraint", f"{sa.name}: route",
                                                        f"{sb.name}: route"), row_attrs=attrs, digits=0,
                                   column_digits={f"{sa.name}: hours": 1, f"{sb.name}: hours": 1}),
        map_svg=network_map(after_net, _routes_for_map(comp), label_places=_labelled_places(comp),
                            focus=CORRIDOR_BOX),
        sections=sections, notes_html=_notes_html(net),
    )
    files.append(write_report(html, out / "report.html"))
    result.seconds = time.perf_counter() - t0
    summary["seconds"] = round(result.seconds, 3)
    (out / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2, ensure_ascii=False), encoding="utf-8")
    files.insert(0, out / "summary.json")
    result.files = files
    return result


def _best_saving_card(c: Comparison) -> dict:
    t = c.table.dropna(subset=["delta_distance_km"])
    if t.empty or t["delta_distance_km"].min() >= 0:
        return {"value": "0 km", "label": "no pair gets shorter"}
    r = t.loc[t["delta_distance_km"].idxmin()]
    return {"value": f"{r.delta_distance_km:+,.0f} km",
            "label": f"largest saving: {r.origin} → {r.destination} ({r.constraint})"}


def _labelled_places(c: Comparison) -> dict[str, int]:
    """Label priorities: the OD places first, then the TRIPP places; others are labelled where there is room."""
    from corridor.scenario.compare import TRIPP_PLACES

    return {**dict.fromkeys(TRIPP_PLACES, 1), **dict.fromkeys([*c.table["origin_id"], *c.table["destination_id"]], 0)}


def _jsonable(o):
    return json.loads(to_json(o))

"""Select-link and O–D tracing: exact conservation on path-based solutions, the documented approximation on
link-based ones, the CLI (tables, OMX, CSV) and the corridor API ("who uses TRIPP")."""

from __future__ import annotations

import json

import numpy as np
import openmatrix as omx
import pandas as pd
import pytest
from assign_nets import grid, two_route
from test_assign_tntp import _write
from typer.testing import CliRunner

import support
from corridor._errors import NotFoundError, ValidationError
from corridor.assignment import TrafficClass, assign
from corridor.assignment.select_link import parse_selection, select_link, select_links
from corridor.cli import app

runner = CliRunner()


def _rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def test_two_routes_exact_split():
    r = assign(two_route(), gap=1e-12)
    label = r.problem.link_labels
    assert label is None  # plain problem: links are named by their index
    s = select_link(r, "0")  # link 0 is the direct route, 875 of the 1000 trips
    assert s.exact and s.od[0, 0, 1] == pytest.approx(875.0, rel=1e-9)
    assert s.top_pairs(1)[0]["share_of_pair"] == pytest.approx(0.875, rel=1e-9)
    assert s.arc_flow[0, s.arcs].sum() == pytest.approx(875.0, rel=1e-9)


def test_conservation_on_a_grid_every_single_link():
    p = grid(7, seed=3, zones=10, scale=2.0)
    r = assign(p, gap=1e-10)
    used = np.flatnonzero(r.class_flow[0] > 1.0)
    sels = select_links(r, {str(a): [str(p.arc_link[a])] for a in used})
    for name, s in sels.items():
        a = int(s.arcs[0])
        assert _rel(s.od.sum(), r.class_flow[0, a]) < 1e-9, name  # O–D flows through the link = its flow
        assert s.conservation_error < 1e-9
        assert np.all(s.arc_flow <= r.class_flow + 1e-9 * np.maximum(r.class_flow, 1.0))
        demand = p.classes[0].demand
        assert np.all(s.od <= demand * (1 + 1e-12) + 1e-12)


def test_link_set_is_a_union_and_induced_flows_are_conserved():
    p = grid(6, seed=5, zones=8)
    r = assign(p, gap=1e-10)
    a, b = (str(p.arc_link[i]) for i in np.argsort(-r.flow)[:2])
    s = select_link(r, [a, b], name="pair")
    s1, s2 = select_link(r, a), select_link(r, b)
    assert s.total <= s1.total + s2.total + 1e-9 and s.total >= max(s1.total, s2.total) - 1e-9
    np.testing.assert_allclose(s.arc_flow[0, s.arcs], r.class_flow[0, s.arcs], rtol=1e-9)
    # flow conservation of the traced traffic at every node: out − in = (traced O–D) balance
    z = p.zone_nodes
    net = np.zeros(p.n_nodes)
    np.add.at(net, p.tail, s.arc_flow[0])
    np.add.at(net, p.head, -s.arc_flow[0])
    expect = np.zeros(p.n_nodes)
    np.add.at(expect, z, s.od[0].sum(axis=1))
    np.add.at(expect, z, -s.od[0].sum(axis=0))
    np.testing.assert_allclose(net, expect, atol=1e-7)


def test_multiclass_pce_conserved_per_class():
    base = grid(6, seed=2, zones=6)
    dem = base.classes[0].demand
    allowed = np.ones(base.n_arcs, bool)
    allowed[::5] = False
    p = build_like(base, (TrafficClass("car", dem), TrafficClass("truck", 0.3 * dem, pce=2.5, allowed=allowed)))
    r = assign(p, gap=1e-10)
    busiest = int(np.argmax(r.flow))
    s = select_link(r, str(p.arc_link[busiest]))
    for k in range(2):
        assert _rel(s.od[k].sum(), r.class_flow[k, busiest]) < 1e-9
    assert s.conservation_error < 1e-9
    assert s.arc_flow[1, ~allowed].sum() == 0.0


def build_like(p, classes):
    from dataclasses import replace

    return replace(p, classes=classes)


def test_link_based_is_flagged_approximate():
    p = grid(6, seed=4, zones=8, scale=3.0)
    r = assign(p, algorithm="bfw", gap=1e-5)
    busiest = str(p.arc_link[int(np.argmax(r.flow))])
    s = select_link(r, busiest)
    assert not s.exact
    assert s.total > 0 and np.all(s.od <= p.classes[0].demand + 1e-9)
    # all-or-nothing at final costs: whole pairs, each pair either all in or all out
    frac = s.od[0][p.classes[0].demand > 0] / p.classes[0].demand[p.classes[0].demand > 0]
    assert set(np.unique(np.round(frac, 12))) <= {0.0, 1.0}
    assert s.conservation_error >= 0.0  # reported, not claimed to be 0


def test_unknown_link_and_bad_spec():
    r = assign(two_route(), gap=1e-8)
    with pytest.raises(NotFoundError, match="no link named '7'"):
        select_link(r, "7")
    with pytest.raises(ValidationError):
        parse_selection("name=")
    assert parse_selection("tripp=a,b") == ("tripp", ["a", "b"])
    assert parse_selection("a, b") == ("a,b", ["a", "b"])


NET = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 4
<FIRST THRU NODE> 3
<NUMBER OF LINKS> 4
<END OF METADATA>
~ init term cap len fft b power speed toll type ;
\t1\t3\t100\t1\t1\t0.15\t4\t0\t0\t1\t;
\t3\t2\t100\t1\t1\t0.15\t4\t0\t0\t1\t;
\t1\t4\t100\t1\t1.2\t0.15\t4\t0\t0\t1\t;
\t4\t2\t100\t1\t1\t0.15\t4\t0\t0\t1\t;
"""
TRIPS = "<NUMBER OF ZONES> 2\n<END OF METADATA>\nOrigin 1\n 2 : 300.0;\n"


def test_cli_select_link_writes_omx_csv_and_json(tmp_path):
    folder = _write(tmp_path / "net", net=NET, trips=TRIPS)
    out = tmp_path / "out"
    res = runner.invoke(app, ["assign", str(folder), "--gap", "1e-10", "--out", str(out), "--json", "--csv",
                              "--no-skims", "--select-link", "1-3", "--select-link", "both=1-3,1-4"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    assert not (out / "skims.omx").exists()
    links = pd.read_csv(out / "links.csv").set_index("link")
    first, both = s["select_link"]
    assert first["exact"] and _rel(first["flow"], links.at["1-3", "flow"]) < 1e-9
    assert both["name"] == "both" and both["flow"] == pytest.approx(300.0, rel=1e-12)
    with omx.open_file(str(out / "select_1-3.omx")) as f:
        m = np.array(f["flow_all"])
        assert _rel(m.sum(), links.at["1-3", "flow"]) < 1e-9 and list(f.mapping("zone")) == [1, 2]
    traced = pd.read_csv(out / "select_1-3_links.csv").set_index("link")
    assert traced.at["3-2", "flow_all"] == pytest.approx(links.at["1-3", "flow"], rel=1e-9)
    assert traced.at["1-4", "flow_all"] == 0.0 and bool(traced.at["1-3", "selected"])
    od = pd.read_csv(out / "select_both_od.csv")
    assert od[["origin", "destination"]].values.tolist() == [[1, 2]]


def test_cli_select_link_table_and_errors(tmp_path):
    folder = _write(tmp_path / "net", net=NET, trips=TRIPS)
    res = runner.invoke(app, ["assign", str(folder), "--gap", "1e-8", "--select-link", "1-3"])
    assert res.exit_code == 0, res.output
    assert "Select link 1-3" in res.output and "exact (paths)" in res.output
    res = runner.invoke(app, ["assign", str(folder), "--algorithm", "bfw", "--gap", "1e-6", "--select-link", "1-3"])
    assert res.exit_code == 0 and "approximate" in res.output
    res = runner.invoke(app, ["assign", str(folder), "--select-link", "9-9"])
    assert res.exit_code == 2 and "no link named '9-9'" in res.output
    res = runner.invoke(app, ["assign", str(folder), "--select-link", "x="])
    assert res.exit_code == 2 and "--select-link" in res.output


@pytest.mark.tntp
def test_chicago_busiest_link_conservation():
    from corridor.assignment import problem_from_tntp
    from corridor.network.tntp import load_tntp

    r = assign(problem_from_tntp(load_tntp(support.tntp_dir() / "ChicagoSketch")), gap=1e-6)
    top = np.argsort(-r.flow)[:3]
    sels = select_links(r, {str(a): [r.problem.link_labels[r.problem.arc_link[a]]] for a in top})
    for a, s in zip(top, sels.values(), strict=True):
        assert _rel(s.od.sum(), r.class_flow[0, a]) < 1e-9
        assert s.conservation_error < 1e-9


def test_corridor_who_uses_tripp():
    from corridor.assignment.corridor import assign_corridor
    from corridor.assignment.freight import bundled_demand
    from corridor.network import load_network
    from corridor.study import default_spec

    ca = assign_corridor(load_network(), "tripp", bundled_demand(2030), gap=1e-8,
                         families=default_spec().route_families)
    who = ca.who_uses(ca.project_link_ids())
    paths = ca.paths
    tripp_t = paths.loc[paths["project_modes"] != "", "tonnes"].sum()
    assert who["tonnes"].sum() == pytest.approx(tripp_t, rel=1e-9)
    assert who["tonnes"].sum() > 1e4  # the corrected 2030 network still sends some road traffic over TRIPP
    assert set(who.columns) >= {"origin", "destination", "cargo", "modes", "tonnes", "share_of_pair"}
    assert (who["share_of_pair"] <= 1 + 1e-12).all()
    sel = ca.select_link(ca.project_link_ids(), name="TRIPP")
    assert sel.conservation_error < 1e-9

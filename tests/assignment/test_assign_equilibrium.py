"""Equilibrium algorithms on small networks with known answers, invariants and orderings."""

from __future__ import annotations

import numpy as np
import pytest
from assign_nets import braess, build, grid, two_route

from corridor._errors import NoRouteError, ValidationError
from corridor.assignment import ALGORITHMS, TrafficClass, assign
from corridor.assignment.linkbased import aon
from corridor.assignment.reference import reference_frank_wolfe


def _arc(p, tail, head):
    return int(np.flatnonzero((p.tail == tail) & (p.head == head))[0])


@pytest.mark.parametrize("algorithm", ["gp", "bfw", "cfw", "fw"])
def test_two_route_analytic(algorithm):
    p = two_route()
    r = assign(p, algorithm=algorithm, gap=1e-9 if algorithm == "gp" else 1e-6, max_iter=5000)
    assert r.converged
    tol = 1e-6 if algorithm == "gp" else 1e-2
    assert r.flow[_arc(p, 0, 1)] == pytest.approx(875.0, abs=tol)
    assert r.flow[_arc(p, 0, 2)] == pytest.approx(125.0, abs=tol)
    assert r.time[_arc(p, 0, 1)] == pytest.approx(18.75, abs=tol)


def test_msa_approaches_the_two_route_answer():
    r = assign(two_route(), algorithm="msa", gap=1e-3, max_iter=5000)
    assert r.converged
    assert r.flow[_arc(two_route(), 0, 1)] == pytest.approx(875.0, rel=1e-2)


@pytest.mark.parametrize("algorithm", ["gp", "bfw"])
def test_braess_paradox(algorithm):
    without = assign(braess(False), algorithm=algorithm, gap=1e-9, max_iter=2000)
    with_bridge = assign(braess(True), algorithm=algorithm, gap=1e-9, max_iter=2000)
    # every traveller pays 66 without the bridge and 82 with it
    assert without.tstt / 4000 == pytest.approx(66.0, rel=1e-6)
    assert with_bridge.tstt / 4000 == pytest.approx(82.0, rel=1e-6)
    p = braess(True)
    assert with_bridge.flow[_arc(p, 2, 3)] == pytest.approx(4000.0, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_grid_matches_simple_frank_wolfe_reference(seed):
    p = grid(4, seed=seed, zones=5, scale=3.0)
    ours = assign(p, algorithm="gp", gap=1e-10, max_iter=500)
    assert ours.converged and ours.relative_gap <= 1e-10
    ref = reference_frank_wolfe(p, iterations=400)
    # plain FW converges slowly (sublinearly): the same objective to its precision, never worse than it
    ref_obj = float(np.sum(p.free_flow_time * (ref + p.alpha * p.capacity / (p.beta + 1) * (ref / p.capacity)
                                                ** (p.beta + 1))))
    assert ours.beckmann <= ref_obj * (1 + 1e-12)
    assert ours.beckmann == pytest.approx(ref_obj, rel=3e-3)
    assert np.abs(ours.flow - ref).max() <= 0.1 * ref.max()


@pytest.mark.parametrize("seed", [3, 4])
def test_all_algorithms_agree_on_random_grid(seed):
    p = grid(5, seed=seed, zones=6, scale=1.5)
    best = assign(p, algorithm="gp", gap=1e-10, max_iter=1000)
    for alg, target in (("bfw", 1e-5), ("cfw", 1e-5), ("fw", 1e-4)):
        r = assign(p, algorithm=alg, gap=target, max_iter=20000)
        assert r.converged and r.relative_gap <= target
        assert r.beckmann >= best.beckmann * (1 - 1e-12)
        assert r.beckmann == pytest.approx(best.beckmann, rel=target)


def _conservation(p, class_flow, demand):
    """Net outflow per node equals origin demand minus destination demand (intrazonal excluded)."""
    n = p.n_nodes
    net = np.zeros(n)
    np.add.at(net, p.tail, class_flow)
    np.add.at(net, p.head, -class_flow)
    want = np.zeros(n)
    d = demand.copy()
    np.fill_diagonal(d, 0.0)
    np.add.at(want, p.zone_nodes, d.sum(axis=1) - d.sum(axis=0))
    return net, want


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_invariants_conservation_and_gap(algorithm):
    p = grid(5, seed=7, zones=6, scale=1.5)
    target = 1e-3 if algorithm == "msa" else 1e-4
    r = assign(p, algorithm=algorithm, gap=target, max_iter=20000)
    assert r.converged and r.relative_gap <= target
    net, want = _conservation(p, r.class_flow[0], p.classes[0].demand)
    np.testing.assert_allclose(net, want, atol=1e-8 * p.classes[0].demand.sum())
    assert (r.flow >= 0).all()
    gaps = r.iterations["relative_gap"].to_numpy()
    assert gaps[-1] == r.relative_gap
    # the gap recomputed independently from the returned flows
    fixed = p.fixed_costs()
    _, sptt, _ = aon(p, r.time, fixed, load=False)
    tstt = float(np.sum(r.class_flow * (r.time + fixed)))
    assert (tstt - sptt) / tstt == pytest.approx(r.relative_gap, rel=1e-6, abs=1e-12)


def test_used_paths_are_within_epsilon_of_shortest():
    p = grid(6, seed=11, zones=8, scale=4.0)
    r = assign(p, algorithm="gp", gap=1e-10, max_iter=1000)
    fixed = p.fixed_costs()
    _, _, sp = aon(p, r.time, fixed, load=False)
    ps = r.paths
    cost = r.time + fixed[0]
    n_used = 0
    for k in range(len(ps)):
        best = sp[0, ps.od_origin[k], ps.od_dest[k]]
        for arcs, flow in ps.paths(k):
            if flow > 0:
                n_used += 1
                assert cost[arcs].sum() <= best * (1 + 1e-6)
                # a path is connected from origin to destination
                assert p.tail[arcs[-1]] == p.zone_nodes[ps.od_origin[k]]
                assert p.head[arcs[0]] == p.zone_nodes[ps.od_dest[k]]
    assert n_used > len(ps)  # some pairs really split between several paths


def test_iteration_orderings_bfw_cfw_fw():
    p = grid(7, seed=2, zones=10, scale=2.0)
    its = {alg: assign(p, algorithm=alg, gap=1e-4, max_iter=20000).n_iterations for alg in ("bfw", "cfw", "fw")}
    assert its["bfw"] < its["cfw"] < its["fw"], its


def test_not_converged_is_reported():
    p = grid(5, seed=1, zones=6, scale=4.0)
    r = assign(p, algorithm="fw", gap=1e-12, max_iter=5)
    assert not r.converged and r.n_iterations == 5 and r.relative_gap > 1e-12


def test_multiclass_shares_capacity_and_respects_allowed_links():
    # two parallel routes o=0 -> d=1: direct (0,1) and via node 2; trucks may not use the direct link
    links = [(0, 1, 10, 1000, 1, 1, 1.0, 5.0), (0, 2, 8, 500, 1, 1, 1.0, 0.0), (2, 1, 4, 500, 1, 1, 1.0, 0.0)]
    dem_car = np.array([[0, 600.0], [0, 0]])
    dem_truck = np.array([[0, 100.0], [0, 0]])
    p0 = build(3, links, dem_car)
    allowed = np.ones(p0.n_arcs, bool)
    allowed[_arc(p0, 0, 1)] = False
    classes = (
        TrafficClass("car", dem_car, value_of_time=1.0),
        TrafficClass("truck", dem_truck, pce=2.5, value_of_time=0.5, allowed=allowed),
    )
    p = build(3, links, dem_car, classes=classes)
    for alg in ("gp", "bfw"):
        r = assign(p, algorithm=alg, gap=1e-9, max_iter=5000)
        assert r.converged
        assert r.class_flow[1, _arc(p, 0, 1)] == 0.0
        assert r.class_flow[1, _arc(p, 0, 2)] == pytest.approx(100.0)
        # shared capacity: total PCE flow = car + 2.5 × truck
        np.testing.assert_allclose(r.flow, r.class_flow[0] + 2.5 * r.class_flow[1])
        # cars (toll 5 / vot 1 on the direct link) are at equilibrium between the two routes
        c_direct = r.time[_arc(p, 0, 1)] + 5.0
        c_via = r.time[_arc(p, 0, 2)] + r.time[_arc(p, 2, 1)]
        assert 0 < r.class_flow[0, _arc(p, 0, 1)] < 600
        assert c_direct == pytest.approx(c_via, rel=1e-6)


def test_unreachable_demand_raises():
    links = [(0, 1, 1, 10, 0.15, 4)]
    dem = np.array([[0, 5.0, 0], [0, 0, 0], [3.0, 0, 0]])
    p = build(3, links, dem)
    with pytest.raises(NoRouteError, match="no path"):
        assign(p, algorithm="gp")


def test_bad_options_and_inputs_are_rejected():
    with pytest.raises(ValidationError, match="unknown algorithm"):
        assign(two_route(), algorithm="tapas")
    with pytest.raises(ValidationError, match="gap must be > 0"):
        assign(two_route(), gap=0)
    with pytest.raises(ValidationError, match="capacity"):
        build(2, [(0, 1, 1, 0, 0.15, 4)], np.array([[0, 1.0], [0, 0]]))
    with pytest.raises(ValidationError, match="demand must be finite"):
        build(2, [(0, 1, 1, 1, 0.15, 4)], np.array([[0, -1.0], [0, 0]]))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"head": [1, 7, 0]}, "head"),  # node 7 of 3
        ({"zone_nodes": [0, 5]}, "zone_nodes"),
        ({"indptr": [0, 2, 2, 2]}, "indptr"),  # ends at 2 of 3 arcs
        ({"tail": [0, 2, 1]}, "tail"),  # not what indptr says
        ({"no_through": [False, True]}, "no_through"),
    ],
)
def test_malformed_graph_arrays_are_an_error_not_a_crash(change, field):
    # the compiled kernels index these arrays without bounds checks
    import dataclasses

    p = two_route()
    with pytest.raises(ValidationError, match=f"field '{field}'"):
        dataclasses.replace(p, **{k: np.asarray(v) for k, v in change.items()})


def test_a_derived_problem_checks_what_changed():
    """``derive`` (the sweep's cheap replace) checks the fields it replaces and equals ``dataclasses.replace``."""
    import dataclasses

    p = two_route()
    cap = p.capacity * 2
    q = p.derive(capacity=cap)
    r = dataclasses.replace(p, capacity=cap)
    assert np.array_equal(q.capacity, r.capacity) and q.classes is p.classes and q.indptr is p.indptr
    assert assign(q, gap=1e-9).flow == pytest.approx(assign(r, gap=1e-9).flow, abs=1e-9)
    with pytest.raises(ValidationError, match="capacity"):
        p.derive(capacity=-cap)
    with pytest.raises(ValidationError, match="one value per arc"):
        p.derive(free_flow_time=p.free_flow_time[:1])
    bad = dataclasses.replace(p.classes[0], demand=-p.classes[0].demand)
    with pytest.raises(ValidationError, match="demand must be finite"):
        p.derive(classes=(bad,))
    with pytest.raises(ValidationError, match="field 'head'"):
        p.derive(head=np.full(p.n_arcs, 99))

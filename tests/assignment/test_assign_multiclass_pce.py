"""Multi-class equilibrium with PCE ≠ 1 against a reference solved independently, and per-class conservation.

Reference: three parallel routes o → d (BPR), cars (PCE 1) on all three, trucks (PCE 2.5) banned from route C and
paying a fixed cost of 3 on route A. The reference does not minimise anything: it enumerates which routes each
class uses, solves the equilibrium conditions of that case (equal cost on used routes, demand met) with
``scipy.optimize.fsolve``, and keeps the case whose solution is feasible (flows ≥ 0, no unused allowed route
cheaper). The engine (path-based gradient projection on the PCE-weighted objective) must converge to 1e-8 and
match it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from assign_nets import build, grid
from scipy.optimize import fsolve

from corridor.assignment import TrafficClass, assign

T0 = np.array([10.0, 12.0, 14.0])
CAP = np.array([2000.0, 1500.0, 1000.0])
PCE = np.array([1.0, 2.5])
DEMAND = np.array([3000.0, 800.0])
ALLOWED = np.array([[True, True, True], [True, True, False]])  # class × route
FIXED = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 0.0]])


def route_time(x):
    return T0 * (1 + 0.15 * (x / CAP) ** 4)


def reference() -> np.ndarray:
    """Class × route flows at equilibrium, by enumeration of the used-route sets."""
    routes = [[r for r in range(3) if ALLOWED[c, r]] for c in range(2)]
    subsets = [[s for k in range(1, len(rs) + 1) for s in itertools.combinations(rs, k)] for rs in routes]
    found = []
    for used in itertools.product(*subsets):
        pairs = [(c, r) for c in range(2) for r in used[c]]

        def equations(v, pairs=pairs):
            f = np.zeros((2, 3))
            for (c, r), val in zip(pairs, v[: len(pairs)], strict=True):
                f[c, r] = val
            u = v[len(pairs):]
            t = route_time(PCE @ f)
            return [t[r] + FIXED[c, r] - u[c] for c, r in pairs] + [f[c].sum() - DEMAND[c] for c in range(2)]

        start = [DEMAND[c] / len(used[c]) for c, _ in pairs] + [20.0, 20.0]
        v, _, ok, _ = fsolve(equations, start, full_output=True, xtol=1e-14)
        if ok != 1 or np.max(np.abs(equations(v))) > 1e-8:
            continue
        f = np.zeros((2, 3))
        for (c, r), val in zip(pairs, v[: len(pairs)], strict=True):
            f[c, r] = val
        cost = route_time(PCE @ f)[None, :] + FIXED
        u = v[len(pairs):]
        unused_ok = all(cost[c, r] >= u[c] - 1e-9 for c in range(2) for r in range(3) if ALLOWED[c, r] and
                        r not in used[c])
        if f.min() >= -1e-9 and unused_ok:
            found.append(f)
    assert len(found) == 1, f"expected one equilibrium case, found {len(found)}"
    return found[0]


def problem():
    # o = 0, d = 1; route r runs 0 → 2 + r → 1, its second arc free and uncongested
    links = []
    for r in range(3):
        links += [(0, 2 + r, T0[r], CAP[r], 0.15, 4), (2 + r, 1, 0.0, 1e9, 0.0, 1)]
    base = build(5, links, np.zeros((2, 2)))
    route_of_arc = base.arc_link // 2  # link 2r and 2r + 1 belong to route r
    classes = []
    for c, name in enumerate(("car", "truck")):
        dem = np.array([[0.0, DEMAND[c]], [0.0, 0.0]])
        first_arc = base.arc_link % 2 == 0
        fixed = np.where(first_arc, FIXED[c][route_of_arc], 0.0)
        classes.append(TrafficClass(name, dem, pce=PCE[c], fixed_cost=fixed, allowed=ALLOWED[c][route_of_arc]))
    from dataclasses import replace

    return replace(base, classes=tuple(classes)), route_of_arc


def test_reference_case_is_non_trivial():
    f = reference()  # cars split A/C (2520.5 / 479.5), trucks split A/B (21.1 / 778.9)
    assert (f > 1.0).sum(axis=1).tolist() == [2, 2]  # both classes split over two routes


@pytest.mark.parametrize("algorithm, gap", [("gp", 1e-8), ("gp", 1e-11)])
def test_pce_equilibrium_matches_reference(algorithm, gap):
    p, route_of_arc = problem()
    r = assign(p, algorithm=algorithm, gap=gap, max_iter=5000)
    assert r.converged and r.relative_gap <= gap
    first = p.arc_link % 2 == 0
    ours = np.zeros((2, 3))
    for c in range(2):
        ours[c, route_of_arc[first]] = r.class_flow[c, first]
    ref = reference()
    tol = 1e-3 if gap >= 1e-8 else 1e-6
    np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol * DEMAND.max())
    np.testing.assert_allclose(r.flow[first], (PCE @ ref)[route_of_arc[first]], rtol=tol)


def test_pce_per_class_flow_conservation_on_a_grid():
    base = grid(7, seed=11, zones=9, scale=2.0)
    dem = base.classes[0].demand
    allowed = np.ones(base.n_arcs, bool)
    allowed[::6] = False  # trucks banned from every sixth arc (every pair stays connected)
    from dataclasses import replace

    p = replace(base, classes=(TrafficClass("car", dem), TrafficClass("truck", 0.25 * dem, pce=3.0,
                                                                       allowed=allowed)))
    r = assign(p, gap=1e-8, max_iter=5000)
    assert r.converged and r.relative_gap <= 1e-8
    pce = np.array([c.pce for c in p.classes])
    np.testing.assert_allclose(r.flow, pce @ r.class_flow, rtol=1e-12)
    for k, c in enumerate(p.classes):
        net = np.zeros(p.n_nodes)
        np.add.at(net, p.tail, r.class_flow[k])
        np.add.at(net, p.head, -r.class_flow[k])
        expect = np.zeros(p.n_nodes)
        np.add.at(expect, p.zone_nodes, c.demand.sum(axis=1))
        np.add.at(expect, p.zone_nodes, -c.demand.sum(axis=0))
        np.testing.assert_allclose(net, expect, atol=1e-6 * c.demand.sum())
        if c.allowed is not None:
            assert r.class_flow[k, ~c.allowed].sum() == 0.0

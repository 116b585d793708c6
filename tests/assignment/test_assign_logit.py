"""Logit stochastic user equilibrium: closed-form two-route answer, the UE limit, conservation, options."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

import support
from corridor._errors import ValidationError
from corridor.assignment import AssignmentProblem, TrafficClass, assign
from corridor.assignment.problem import csr_from_links

DEMAND = 150.0
# two parallel routes 0 → 2 → 1 and 0 → 3 → 1, linear costs c1 = 10 (1 + f/100), c2 = 15 (1 + 0.5 f/100)
T0, CAP, ALPHA = np.array([10.0, 0.0, 15.0, 0.0]), np.array([100.0, 1.0, 100.0, 1.0]), np.array([1.0, 0, 0.5, 0])


def c1(f):
    return 10 * (1 + f / 100)


def c2(f):
    return 15 * (1 + 0.5 * f / 100)


def two_routes(demand: float = DEMAND) -> tuple[AssignmentProblem, np.ndarray]:
    tail, head = np.array([0, 2, 0, 3]), np.array([2, 1, 3, 1])
    indptr, order = csr_from_links(4, tail, head)
    p = AssignmentProblem(
        indptr=indptr, head=head[order], tail=tail[order], arc_link=order, free_flow_time=T0[order],
        capacity=CAP[order], alpha=ALPHA[order], beta=np.ones(4), length=np.zeros(4), toll=np.zeros(4),
        zone_nodes=np.array([0, 1]), no_through=np.array([True, True, False, False]),
        classes=(TrafficClass("all", np.array([[0.0, demand], [0.0, 0.0]])),))
    return p, np.argsort(order)


@pytest.mark.parametrize("theta", [0.05, 0.3, 1.0, 4.0])
def test_two_routes_match_the_logit_fixed_point(theta):
    p, link_order = two_routes()
    r = assign(p, route_choice="logit", theta=theta, gap=1e-10)
    f1 = brentq(lambda f: f - DEMAND / (1 + np.exp(theta * (c1(f) - c2(DEMAND - f)))), 0, DEMAND, xtol=1e-13)
    flow = r.flow[link_order]
    assert r.converged and r.relative_gap <= 1e-10
    assert flow[0] == pytest.approx(f1, abs=1e-6)
    assert flow[2] == pytest.approx(DEMAND - f1, abs=1e-6)
    assert flow[0] + flow[2] == pytest.approx(DEMAND, abs=1e-9)  # O–D flow conserved
    assert r.algorithm == "logit"


def test_large_theta_tends_to_the_user_equilibrium():
    p, link_order = two_routes()
    ue = assign(p, gap=1e-10).flow[link_order]
    f_ue = brentq(lambda f: c1(f) - c2(DEMAND - f), 0, DEMAND)
    assert ue[0] == pytest.approx(f_ue, abs=1e-6)
    errs = [abs(assign(p, route_choice="logit", theta=th, gap=1e-10).flow[link_order][0] - f_ue)
            for th in (0.1, 1.0, 10.0, 100.0)]
    assert errs == sorted(errs, reverse=True) and errs[-1] < 0.05 and errs[0] > 5


def test_sioux_falls_logit_conserves_demand():
    from corridor.assignment import problem_from_tntp
    from corridor.network.tntp import load_tntp

    p = problem_from_tntp(load_tntp(support.tntp_dir() / "SiouxFalls"))
    r = assign(p, route_choice="logit", theta=0.5, gap=1e-5, max_iter=500)
    assert r.converged and r.relative_gap <= 1e-5
    ps = r.paths
    od_flow = np.array([sum(f for _, f in ps.paths(k)) for k in range(len(ps))])
    dem = p.classes[0].demand[ps.od_origin, ps.od_dest]
    np.testing.assert_allclose(od_flow, dem, rtol=1e-9)
    # a logit split: an O–D pair's paths' flows order as their costs do
    cost = r.class_cost()[0]
    k = int(np.argmax([len(ps.paths(k)) for k in range(len(ps))]))
    pc = [(float(cost[a].sum()), f) for a, f in ps.paths(k)]
    (ca, fa), (cb, fb) = pc[0], pc[1]
    assert np.log(fa / fb) == pytest.approx(-0.5 * (ca - cb), abs=1e-3)


def test_options_are_checked():
    p, _ = two_routes()
    with pytest.raises(ValidationError, match="needs theta"):
        assign(p, route_choice="logit")
    with pytest.raises(ValidationError, match="theta must be finite and > 0"):
        assign(p, route_choice="logit", theta=-1.0)
    with pytest.raises(ValidationError, match="unknown route choice"):
        assign(p, route_choice="probit", theta=1.0)
    with pytest.raises(ValidationError, match="path-based"):
        assign(p, route_choice="logit", theta=1.0, algorithm="fw")
    with pytest.raises(ValidationError, match="apply to logit route choice only"):
        assign(p, theta=1.0)


def three_routes() -> AssignmentProblem:
    """Two pairs 0 → 1 and 4 → 1 sharing a steep arc (the coupling that makes per-pair sweeps slow): routes
    0 → 2 → 1 (shared arc 2 → 1), 0 → 3 → 1 and 4 → 2 → 1, 4 → 5 → 1."""
    tail, head = np.array([0, 2, 0, 3, 4, 4, 5]), np.array([2, 1, 3, 1, 2, 5, 1])
    t0 = np.array([0.0, 10.0, 0.0, 14.0, 0.0, 0.0, 13.0])
    cap, alpha, beta = np.array([1, 60, 1, 100, 1, 1, 100.0]), np.array([0, 2, 0, 0.5, 0, 0, 0.5]), np.full(7, 4.0)
    indptr, order = csr_from_links(6, tail, head)
    dem = np.zeros((3, 3))
    dem[0, 1], dem[2, 1] = 120.0, 80.0
    return AssignmentProblem(
        indptr=indptr, head=head[order], tail=tail[order], arc_link=order, free_flow_time=t0[order],
        capacity=cap[order], alpha=alpha[order], beta=beta[order], length=np.zeros(7), toll=np.zeros(7),
        zone_nodes=np.array([0, 1, 4]), no_through=np.array([True, True, False, False, True, False]),
        classes=(TrafficClass("all", dem),))


def _is_logit_fixed_point(p: AssignmentProblem, r, theta: float) -> None:
    cost = r.class_cost()[0]
    for k in range(len(r.paths)):
        paths = r.paths.paths(k)
        c = np.array([cost[a].sum() for a, _ in paths])
        f = np.array([fl for _, fl in paths])
        share = np.exp(-theta * (c - c.min()))
        np.testing.assert_allclose(f, f.sum() * share / share.sum(), rtol=1e-6, atol=1e-8)


def test_newton_steps_and_sweeps_reach_the_same_sue(monkeypatch):
    import corridor.assignment.logit as logit

    p = three_routes()
    newton = assign(p, route_choice="logit", theta=0.8, gap=1e-10, alternatives=2)
    assert newton.converged and all(r["direction"] == "logit" for r in newton.iteration_rows)
    monkeypatch.setattr(logit, "NEWTON_MAX_PATHS", 0)  # sweeps only
    sweeps = assign(p, route_choice="logit", theta=0.8, gap=1e-10, max_iter=5000, alternatives=2)
    assert sweeps.converged
    np.testing.assert_allclose(newton.flow, sweeps.flow, rtol=1e-7, atol=1e-7)
    _is_logit_fixed_point(p, newton, 0.8)
    assert len(newton.paths.paths(1)) == 2  # both pairs split, over the shared arc


def test_warm_start_keeps_a_solution_and_reaches_another_theta():
    p = three_routes()
    first = assign(p, route_choice="logit", theta=0.8, gap=1e-10, alternatives=2)
    again = assign(p, route_choice="logit", theta=0.8, gap=1e-10, start=first.paths)
    assert again.converged and again.n_iterations == 1
    np.testing.assert_array_equal(again.flow, first.flow)
    cold = assign(p, route_choice="logit", theta=3.0, gap=1e-10, alternatives=2)
    warm = assign(p, route_choice="logit", theta=3.0, gap=1e-10, start=first.paths)
    assert warm.converged
    np.testing.assert_allclose(warm.flow, cold.flow, rtol=1e-7, atol=1e-7)
    _is_logit_fixed_point(p, warm, 3.0)
    with pytest.raises(ValidationError, match="apply to logit route choice only"):
        assign(p, start=first.paths)


def test_the_compiled_newton_step_is_the_dense_newton_step():
    """The compiled step (reduced system: each pair's cost shift moves no flow) is the dense Newton step
    ``−(I + Δᵀ diag(t') Δ Θ)⁻¹ G`` of the module docstring, at the step length it returns."""
    from corridor.assignment import _vdf
    from corridor.assignment.logit import _Dense, _Incidence, _logit_split, _newton

    rng = np.random.default_rng(7)
    n_u, n_od = 12, 4
    kind = np.zeros(n_u, dtype=np.int8)
    t0, cap = rng.uniform(1, 5, n_u), rng.uniform(50, 150, n_u)
    alpha, beta = np.full(n_u, 0.15), np.full(n_u, 4.0)
    od = np.array([0, 0, 0, 1, 1, 2, 3, 3], dtype=np.int64)  # pair 2 has one path
    arcs = [np.sort(rng.choice(n_u, rng.integers(2, 6), replace=False)).astype(np.int64) for _ in od]
    dem = rng.uniform(100, 300, n_od)
    theta_p, fixed_p = np.full(od.size, 0.8), rng.uniform(0, 2, od.size)

    class P:  # the volume-delay arrays of the used arcs (here: all of them)
        def vdf_arrays(self):
            return kind, t0, cap, alpha, beta

    inc = _Incidence.of(arcs, n_u)
    dn = _Dense.of(P(), inc, od.size)
    a = np.zeros((n_u, od.size))
    for j, ar in enumerate(arcs):
        a[ar, j] = 1.0

    def costs(y):
        t = np.empty(n_u)
        _vdf.times(kind, t0, cap, alpha, beta, a @ y, t)
        return a.T @ t + fixed_p

    c = costs(dem[od] / np.bincount(od)[od])
    y = _logit_split(c, od, theta_p, dem, n_od)
    r = c - costs(y)
    dt = np.empty(n_u)
    _vdf.derivs(kind, t0, cap, alpha, beta, a @ y, dt)
    same = od[:, None] == od[None, :]
    big_theta = theta_p[:, None] * (np.diag(y) - same * np.outer(y, y / dem[od]))
    dc = -np.linalg.solve(np.eye(od.size) + (a.T * dt) @ a @ big_theta, r)
    cn, yn, step = _newton(dn, c, fixed_p, theta_p, od, dem)
    assert step > 0
    np.testing.assert_allclose(cn, c + step * dc, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(yn, _logit_split(cn, od, theta_p, dem, n_od), rtol=1e-12)
    rn = cn - costs(yn)
    assert rn @ rn < r @ r

"""Compiled kernels against slow references: VDFs (value, derivative, integral) and all-or-nothing loading."""

from __future__ import annotations

import numpy as np
import pytest
from assign_nets import build, grid
from scipy.integrate import quad

from corridor.assignment import _kernels, _vdf
from corridor.assignment.reference import reference_aon, reference_time

RNG = np.random.default_rng(42)
N = 200
KIND = np.where(RNG.random(N) < 0.5, _vdf.BPR, _vdf.CONICAL).astype(np.int8)
T0 = RNG.uniform(0.5, 10, N)
CAP = RNG.uniform(100, 2000, N)
A = np.where(KIND == _vdf.BPR, RNG.uniform(0.1, 1.0, N), RNG.uniform(2, 8, N))
B = RNG.choice([1.0, 2.0, 4.0, 5.5], N)
X = RNG.uniform(0, 2.5, N) * CAP


def test_vdf_time_matches_numpy_reference():
    out = np.empty(N)
    _vdf.times(KIND, T0, CAP, A, B, X, out)
    np.testing.assert_allclose(out, reference_time(KIND, T0, CAP, A, B, X), rtol=1e-12)
    # both VDFs give the free-flow time at zero flow
    _vdf.times(KIND, T0, CAP, A, B, np.zeros(N), out)
    np.testing.assert_allclose(out, T0, rtol=1e-12)


def test_vdf_derivative_by_finite_differences():
    h = 1e-4 * CAP
    up, dn, d = np.empty(N), np.empty(N), np.empty(N)
    _vdf.times(KIND, T0, CAP, A, B, X + h, up)
    _vdf.times(KIND, T0, CAP, A, B, X - h, dn)
    _vdf.derivs(KIND, T0, CAP, A, B, X, d)
    np.testing.assert_allclose(d, (up - dn) / (2 * h), rtol=1e-5, atol=1e-12)


@pytest.mark.parametrize("i", range(0, N, 17))
def test_vdf_integral_by_quadrature(i):
    got = _vdf.integral_sum(KIND[i : i + 1], T0[i : i + 1], CAP[i : i + 1], A[i : i + 1], B[i : i + 1],
                                X[i : i + 1])
    want, _ = quad(lambda s: float(reference_time(KIND[i], T0[i], CAP[i], A[i], B[i], s)), 0, X[i])
    assert got == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_aon_kernel_matches_scipy_reference(seed):
    p = grid(5, seed=seed, zones=7)
    rng = np.random.default_rng(seed)
    cost = p.free_flow_time * rng.uniform(0.5, 2.0, p.n_arcs)
    cost[rng.random(p.n_arcs) < 0.1] = 0.0  # zero-cost arcs as in TNTP connectors
    flow = np.zeros(p.n_arcs)
    sp = np.empty((p.n_zones, p.n_zones))
    dem = p.classes[0].demand
    sptt, lost = _kernels.aon_load(p.indptr, p.head, p.tail, cost, p.zone_nodes, dem, p.no_through_u8, True, flow,
                                   sp)
    ref_flow, ref_sp = reference_aon(p, cost, dem)
    has = dem > 0
    np.testing.assert_allclose(sp[has], ref_sp[has], rtol=1e-12, atol=1e-12)
    assert np.isnan(sp[~has & ~np.eye(p.n_zones, dtype=bool)]).all()  # not computed without demand
    assert lost == 0.0
    assert sptt == pytest.approx(float(np.sum(dem * ref_sp)), rel=1e-12)
    # flows may differ only between equal-cost paths: compare total cost of the loaded flows
    assert float(flow @ cost) == pytest.approx(float(ref_flow @ cost), rel=1e-12)


def test_aon_respects_no_through_zones():
    # 0 -> 2 -> 1 is cheap but node 2 is a zone that may not be passed through; 0 -> 3 -> 1 is dearer
    links = [(0, 2, 1, 1, 0, 1), (2, 1, 1, 1, 0, 1), (0, 3, 5, 1, 0, 1), (3, 1, 5, 1, 0, 1)]
    dem = np.zeros((3, 3))
    dem[0, 1] = 10.0
    dem[0, 2] = 4.0
    for blocked, want in ((False, 2.0), (True, 10.0)):
        p = build(4, links, dem, zones=[0, 1, 2], no_through=[False, False, blocked, False])
        flow = np.zeros(p.n_arcs)
        sp = np.empty((3, 3))
        _kernels.aon_load(p.indptr, p.head, p.tail, p.free_flow_time, p.zone_nodes, dem, p.no_through_u8, True,
                          flow, sp)
        assert sp[0, 1] == want
        assert sp[0, 2] == 1.0  # paths may still end at a blocked zone
        ref_flow, ref_sp = reference_aon(p, p.free_flow_time, dem)
        np.testing.assert_allclose(flow, ref_flow)
        np.testing.assert_allclose(sp[dem > 0], ref_sp[dem > 0])


def test_skims_accumulate_along_shortest_paths():
    p = grid(4, seed=5, zones=5)
    out = np.empty((2, 5, 5))
    w = np.vstack([p.free_flow_time, p.length])
    _kernels.skims(p.indptr, p.head, p.tail, p.free_flow_time, p.zone_nodes, p.no_through_u8, w, out)
    _, ref_sp = reference_aon(p, p.free_flow_time, p.classes[0].demand)
    np.testing.assert_allclose(out[0], ref_sp, rtol=1e-12)
    assert (out[1] > 0)[~np.eye(5, dtype=bool)].all()

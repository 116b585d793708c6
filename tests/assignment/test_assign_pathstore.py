"""The compiled path store: growth from a small pool, in-place compaction, and flows that match its paths."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from assign_nets import grid

from corridor.assignment._native import _kernels, _paths
from corridor.assignment.pathbased import _od_structure
from corridor.assignment.result import arc_derivs, arc_times


def _snapshot(store, n_od):
    """Every O–D record's paths as (arc tuple, flow), in list order."""
    out = []
    for k in range(n_od):
        recs, r = [], int(store.od_first[k])
        while r != -1:
            st, ln = int(store.p_start[r]), int(store.p_len[r])
            recs.append((tuple(store.pool[st : st + ln].tolist()), float(store.p_flow[r])))
            r = int(store.p_next[r])
        out.append(recs)
    return out


def _loaded_store(p, sweeps):
    """Column generation (one tree per group, Gauss–Seidel shifts) then ``sweeps`` passes, as ``gp`` runs."""
    grp_class, grp_origin, grp_ptr, od_class, _, _, od_dest, od_dem = _od_structure(p)
    n_od, n_grp = len(od_dem), len(grp_class)
    fixed, pce = p.fixed_costs(), np.ones(1)
    x = np.zeros(p.n_arcs)
    t, dt, xc = arc_times(p, x), arc_derivs(p, x), np.zeros((1, p.n_arcs))
    state = (*p.vdf_arrays(), x, xc, t, dt)
    store = _paths.PathStore(n_od, p.n_arcs)
    lanes = _kernels.lanes(_kernels.n_threads(), p.n_nodes)
    preds = np.empty((n_grp, p.n_nodes), dtype=np.int32)
    od_sp = np.empty(n_od)
    for _ in range(3):
        _paths.trees_batch(p.indptr, p.head, t[None, :] + fixed, grp_class, grp_origin, grp_ptr, od_dest,
                          p.no_through_u8, 0, n_grp, lanes, preds, od_sp)
        lost, _ = store.colgen(state, p.tail, fixed, pce, grp_class, grp_origin, grp_ptr, od_dest, od_dem, 0, n_grp,
                               preds, od_sp, True)
        assert lost == 0.0
        for _ in range(sweeps):
            store.sweep(state, fixed, pce, od_class, od_dem)
    return store, od_class, od_dem, xc, od_dest, grp_origin, grp_ptr


def test_paths_are_connected_origin_to_destination_and_carry_the_demand():
    p = grid(7, seed=11, zones=9, scale=3.0)
    store, od_class, od_dem, xc, od_dest, grp_origin, grp_ptr = _loaded_store(p, sweeps=2)
    n_od = len(od_dem)
    assert store.pool.shape[0] > 4 * n_od  # the first loading outgrew the initial pool (4 arcs per pair)
    origin = np.repeat(grp_origin, np.diff(grp_ptr))
    for k, recs in enumerate(_snapshot(store, n_od)):
        assert recs and abs(sum(f for _, f in recs) - od_dem[k]) <= 1e-9 * od_dem[k]
        for arcs, _ in recs:  # destination → origin: each arc's tail is the next arc's head
            assert p.head[arcs[0]] == od_dest[k]
            assert all(p.tail[a] == p.head[b] for a, b in pairwise(arcs))
            assert p.tail[arcs[-1]] == origin[k]
    again = np.empty_like(xc)
    store.class_flows(od_class, again)
    np.testing.assert_allclose(again, xc, rtol=1e-9, atol=1e-9)


def test_compaction_in_place_keeps_every_path_and_frees_the_garbage():
    p = grid(7, seed=12, zones=9, scale=4.0)
    store, od_class, od_dem, xc, *_ = _loaded_store(p, sweeps=4)
    n_od = len(od_dem)
    before = _snapshot(store, n_od)
    pool_size = store.pool.shape[0]
    assert store.garbage > 0  # the sweeps dropped paths
    store.compact()
    assert _snapshot(store, n_od) == before
    assert store.garbage == 0
    assert store.pool_used == sum(len(a) for recs in before for a, _ in recs)
    assert store.pool.shape[0] == pool_size  # in place: no second pool
    flows = np.empty_like(xc)
    store.class_flows(od_class, flows)
    np.testing.assert_allclose(flows, xc, rtol=1e-9, atol=1e-9)

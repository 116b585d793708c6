"""Graph kernels on the CSR arrays: one-to-all Dijkstra, all-or-nothing loading from every origin, skims.

Kernels take plain arrays only. ``no_through[v]`` marks nodes that may start or end a path but not be passed
through (TNTP zones below ``<FIRST THRU NODE>``). Arc costs may be ``inf`` (arc closed to the class).

Dijkstra uses an indexed 4-ary heap with decrease-key (heap size ≤ nodes, no stale entries) and stops once
every target is settled. Origins are spread over the threads with ``prange`` and dynamic scheduling (chunks of one
origin: the machine may be shared); each thread owns one row of the work arrays (:func:`lanes`).
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, get_thread_id, njit, parallel_chunksize, prange


@njit(cache=True, inline="always")
def _sift_up(hk, hn, pos, i, d, v):
    while i > 0:
        p = (i - 1) >> 2
        if hk[p] <= d:
            break
        hk[i] = hk[p]
        w = hn[p]
        hn[i] = w
        pos[w] = i
        i = p
    hk[i] = d
    hn[i] = v
    pos[v] = i


@njit(cache=True, inline="always")
def _sift_down(hk, hn, pos, size, d, v):
    i = 0
    while True:
        c = 4 * i + 1
        if c >= size:
            break
        e = min(c + 4, size)
        b = c
        bk = hk[c]
        for j in range(c + 1, e):
            if hk[j] < bk:
                bk = hk[j]
                b = j
        if bk >= d:
            break
        hk[i] = bk
        w = hn[b]
        hn[i] = w
        pos[w] = i
        i = b
    hk[i] = d
    hn[i] = v
    pos[v] = i


@njit(cache=True)
def sp_tree(indptr, head, cost, origin, no_through, target, n_targets, dist, pred, order, hk, hn, pos):
    """Shortest-path tree from ``origin`` (arc costs ``cost``); stops once ``n_targets`` nodes with
    ``target[v]`` set are settled (``n_targets < 0``: settle all). Fills ``dist``, ``pred`` (arc, -1 none) and
    ``order`` (settle order, then the reached but unsettled nodes). Returns (settled, touched): reset ``dist``
    to inf and ``pos`` to -1 on ``order[:touched]`` before the next call. Entry: ``dist`` inf, ``pos`` -1."""
    dist[origin] = 0.0
    pred[origin] = -1
    hk[0] = 0.0
    hn[0] = origin
    pos[origin] = 0
    size = 1
    n_set = 0
    left = n_targets
    while size > 0:
        d = hk[0]
        v = hn[0]
        pos[v] = -2  # settled
        size -= 1
        if size > 0:
            _sift_down(hk, hn, pos, size, hk[size], hn[size])
        order[n_set] = v
        n_set += 1
        if target[v]:
            left -= 1
            if left == 0:
                break
        if no_through[v] and v != origin:
            continue
        for a in range(indptr[v], indptr[v + 1]):
            w = head[a]
            nd = d + cost[a]
            if nd < dist[w]:
                dist[w] = nd
                pred[w] = a
                pw = pos[w]
                if pw == -1:
                    _sift_up(hk, hn, pos, size, nd, w)
                    size += 1
                else:
                    _sift_up(hk, hn, pos, pw, nd, w)
    for k in range(size):
        order[n_set + k] = hn[k]
    return n_set, n_set + size


@njit(cache=True)
def reset_tree(order, touched, dist, pos):
    for k in range(touched):
        v = order[k]
        dist[v] = np.inf
        pos[v] = -1


@njit(cache=True)
def lanes(n_lanes, n):
    """Work arrays for ``n_lanes`` independent trees on ``n`` nodes: dist, pred, order, heap keys, heap nodes,
    heap positions, target flags (one row per lane)."""
    return (np.full((n_lanes, n), np.inf), np.full((n_lanes, n), -1, dtype=np.int32),
            np.empty((n_lanes, n), dtype=np.int32), np.empty((n_lanes, n)), np.empty((n_lanes, n), dtype=np.int32),
            np.full((n_lanes, n), -1, dtype=np.int32), np.zeros((n_lanes, n), dtype=np.bool_))


@njit(cache=True, parallel=True)
def _aon_lanes(indptr, head, tail, cost, zone_nodes, demand, no_through, load, n_lanes, flow_l, sp_cost, part):
    n = indptr.shape[0] - 1
    z = zone_nodes.shape[0]
    dist, pred, order, hk, hn, pos, target = lanes(n_lanes, n)
    node_load = np.zeros((n_lanes, n))
    for i in prange(z):
        ln = get_thread_id()
        o = zone_nodes[i]
        nt = 0
        for j in range(z):
            if demand[i, j] > 0.0 and zone_nodes[j] != o and not target[ln, zone_nodes[j]]:
                target[ln, zone_nodes[j]] = True
                nt += 1
        if nt == 0:
            for j in range(z):
                sp_cost[i, j] = np.nan if zone_nodes[j] != o else 0.0
            continue
        n_set, touched = sp_tree(indptr, head, cost, o, no_through, target[ln], nt, dist[ln], pred[ln], order[ln],
                                 hk[ln], hn[ln], pos[ln])
        for j in range(z):
            dn = zone_nodes[j]
            target[ln, dn] = False
            c = dist[ln, dn] if dn != o else 0.0
            dem = demand[i, j]
            sp_cost[i, j] = c if dem > 0.0 or dn == o else np.nan
            if dem > 0.0 and dn != o:
                if c == np.inf:
                    part[ln, 1] += dem
                else:
                    part[ln, 0] += dem * c
                    node_load[ln, dn] += dem
        if load:
            for k in range(n_set - 1, 0, -1):
                v = order[ln, k]
                ld = node_load[ln, v]
                if ld != 0.0:
                    a = pred[ln, v]
                    flow_l[ln, a] += ld
                    node_load[ln, tail[a]] += ld
                    node_load[ln, v] = 0.0
        for k in range(n_set):
            node_load[ln, order[ln, k]] = 0.0
        reset_tree(order[ln], touched, dist[ln], pos[ln])


def aon_jit(indptr, head, tail, time, fixed, zone_nodes, demand, no_through, load, flow, sp_cost):
    """All-or-nothing from every origin zone at arc costs ``time + fixed``. Adds ``demand`` (zones × zones) to
    ``flow`` when ``load``; writes the O–D shortest-path costs into ``sp_cost`` (inf when unreachable; NaN for
    pairs without demand, whose trees are cut short). Returns (SPTT, unreachable demand)."""
    n_lanes = get_num_threads()
    flow_l = np.zeros((n_lanes, head.shape[0]) if load else (n_lanes, 1))
    part = np.zeros((n_lanes, 2))
    with parallel_chunksize(1):
        _aon_lanes(indptr, head, tail, time + fixed, zone_nodes, demand, no_through, load, n_lanes, flow_l,
                   sp_cost, part)
    if load:
        flow += flow_l.sum(axis=0)
    return float(part[:, 0].sum()), float(part[:, 1].sum())


@njit(cache=True)
def skims_jit(indptr, head, tail, time, fixed, zone_nodes, no_through, weights, out):
    """Accumulate each row of ``weights`` (k × arcs) along the shortest-path trees; ``out`` is k × z × z."""
    n = indptr.shape[0] - 1
    z = zone_nodes.shape[0]
    k_w = weights.shape[0]
    cost = time + fixed
    dist, pred, order, hk, hn, pos, target = lanes(1, n)
    acc = np.zeros((k_w, n))
    for i in range(z):
        o = zone_nodes[i]
        n_set, touched = sp_tree(indptr, head, cost, o, no_through, target[0], -1, dist[0], pred[0], order[0],
                                 hk[0], hn[0], pos[0])
        for s in range(k_w):
            acc[s, o] = 0.0
        for k in range(1, n_set):
            v = order[0, k]
            a = pred[0, v]
            for s in range(k_w):
                acc[s, v] = acc[s, tail[a]] + weights[s, a]
        for j in range(z):
            dn = zone_nodes[j]
            for s in range(k_w):
                out[s, i, j] = acc[s, dn] if dist[0, dn] < np.inf else np.inf
        reset_tree(order[0], touched, dist[0], pos[0])

"""Compiled path-based gradient projection (Jayakrishnan et al. 1994), origin by origin, Gauss–Seidel.

Paths live in a pool of arc indices; each O–D pair has a linked list of path records (``p_next``). Per O–D
pair, flow moves from every costlier path ``p`` to the cheapest path ``s`` by the projected Newton step
``Δ = min(f_p, (c_p − c_s) / (pce · Σ_{a ∈ p ⊕ s} t'_a))``; link flows, times and derivatives are updated
at once. Arrays that may grow are returned (numba cannot rebind the caller's references).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from corridor.assignment._kernels import dijkstra_jit
from corridor.assignment._vdf import vdf_deriv, vdf_time

# counters: [n_records, pool_used, n_free, garbage]
N_REC, POOL_USED, N_FREE, GARBAGE = 0, 1, 2, 3


@njit(cache=True, inline="always")
def _add(a, amount, c, pce, x, xc, t, dt, vdf, t0, cap, al, be):
    x[a] += amount * pce
    xc[c, a] += amount
    if x[a] < 0.0:
        x[a] = 0.0
    t[a] = vdf_time(vdf[a], t0[a], cap[a], al[a], be[a], x[a])
    dt[a] = vdf_deriv(vdf[a], t0[a], cap[a], al[a], be[a], x[a])


@njit(cache=True)
def _path_cost(r, p_start, p_len, pool, t, fx):
    s = 0.0
    for q in range(p_start[r], p_start[r] + p_len[r]):
        a = pool[q]
        s += t[a] + fx[a]
    return s


@njit(cache=True)
def gp_sweep_jit(
    indptr, head, tail, vdf, t0, cap, al, be, fixed, pce, no_through,
    grp_class, grp_origin, grp_ptr, od_dest, od_demand, od_first,
    p_next, p_start, p_len, p_flow, pool, free_rec, cnt,
    x, xc, t, dt, colgen, mark,
):
    """One pass over every (class, origin) group. With ``colgen`` a shortest-path tree adds the current
    shortest path to each O–D path set first; without, only the existing path sets are equilibrated."""
    n = indptr.shape[0] - 1
    m = head.shape[0]
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    hd = np.empty(m + 1)
    hn = np.empty(m + 1, dtype=np.int64)
    target = np.zeros(n, dtype=np.bool_)
    buf = np.empty(n, dtype=np.int64)
    stamp = mark.max() + 1
    n_set = 0
    for g in range(grp_class.shape[0]):
        c = grp_class[g]
        o = grp_origin[g]
        fx = fixed[c]
        pc = pce[c]
        if colgen:
            nt = 0
            for k in range(grp_ptr[g], grp_ptr[g + 1]):
                if not target[od_dest[k]]:
                    target[od_dest[k]] = True
                    nt += 1
            n_set = dijkstra_jit(indptr, head, t, fx, o, no_through, target, nt, dist, pred, order, hd, hn)
        for k in range(grp_ptr[g], grp_ptr[g + 1]):
            dem = od_demand[k]
            if colgen:
                # the shortest path, arcs from destination back to origin
                ln = 0
                v = od_dest[k]
                while v != o:
                    a = pred[v]
                    buf[ln] = a
                    ln += 1
                    v = tail[a]
                r = od_first[k]
                found = -1
                while r != -1:
                    if p_len[r] == ln:
                        same = True
                        st = p_start[r]
                        for q in range(ln):
                            if pool[st + q] != buf[q]:
                                same = False
                                break
                        if same:
                            found = r
                            break
                    r = p_next[r]
                if found == -1:
                    # new record
                    if cnt[N_FREE] > 0:
                        cnt[N_FREE] -= 1
                        r = free_rec[cnt[N_FREE]]
                    else:
                        r = cnt[N_REC]
                        if r >= p_next.shape[0]:
                            size = 2 * p_next.shape[0]
                            p_next = _grow_i(p_next, size)
                            p_start = _grow_i(p_start, size)
                            p_len = _grow_i(p_len, size)
                            p_flow = _grow_f(p_flow, size)
                            free_rec = _grow_i(free_rec, size)
                        cnt[N_REC] += 1
                    if cnt[POOL_USED] + ln > pool.shape[0]:
                        pool = _grow_i(pool, 2 * pool.shape[0] + ln)
                    st = cnt[POOL_USED]
                    for q in range(ln):
                        pool[st + q] = buf[q]
                    cnt[POOL_USED] += ln
                    p_start[r] = st
                    p_len[r] = ln
                    p_next[r] = od_first[k]
                    od_first[k] = r
                    if p_next[r] == -1:  # first path of this O–D pair: it carries the whole demand
                        p_flow[r] = dem
                        for q in range(ln):
                            _add(buf[q], dem, c, pc, x, xc, t, dt, vdf, t0, cap, al, be)
                        continue
                    p_flow[r] = 0.0
            r0 = od_first[k]
            if r0 == -1 or p_next[r0] == -1:
                continue
            # cheapest path in the set
            s = -1
            cs = np.inf
            r = r0
            while r != -1:
                cr = _path_cost(r, p_start, p_len, pool, t, fx)
                if cr < cs:
                    cs = cr
                    s = r
                r = p_next[r]
            stamp += 1
            for q in range(p_start[s], p_start[s] + p_len[s]):
                mark[pool[q]] = stamp
            r = r0
            while r != -1:
                if r != s and p_flow[r] > 0.0:
                    cp = 0.0
                    dp = 0.0
                    common = 0.0
                    for q in range(p_start[r], p_start[r] + p_len[r]):
                        a = pool[q]
                        cp += t[a] + fx[a]
                        dp += dt[a]
                        if mark[a] == stamp:
                            common += dt[a]
                    cs = 0.0
                    ds = 0.0
                    for q in range(p_start[s], p_start[s] + p_len[s]):
                        a = pool[q]
                        cs += t[a] + fx[a]
                        ds += dt[a]
                    if cp > cs:
                        den = pc * (dp + ds - 2.0 * common)
                        f = p_flow[r]
                        delta = f if den <= 0.0 else min(f, (cp - cs) / den)
                        if f - delta <= 1e-13 * dem:
                            delta = f
                        if delta > 0.0:
                            for q in range(p_start[r], p_start[r] + p_len[r]):
                                _add(pool[q], -delta, c, pc, x, xc, t, dt, vdf, t0, cap, al, be)
                            for q in range(p_start[s], p_start[s] + p_len[s]):
                                _add(pool[q], delta, c, pc, x, xc, t, dt, vdf, t0, cap, al, be)
                            p_flow[r] = f - delta if delta < f else 0.0
                            p_flow[s] += delta
                r = p_next[r]
            # drop paths without flow
            prev = -1
            r = od_first[k]
            while r != -1:
                nxt = p_next[r]
                if r != s and p_flow[r] <= 0.0:
                    if prev == -1:
                        od_first[k] = nxt
                    else:
                        p_next[prev] = nxt
                    cnt[GARBAGE] += p_len[r]
                    free_rec[cnt[N_FREE]] = r
                    cnt[N_FREE] += 1
                else:
                    prev = r
                r = nxt
        if colgen:
            for k in range(grp_ptr[g], grp_ptr[g + 1]):
                target[od_dest[k]] = False
            for q in range(n_set):
                v = order[q]
                dist[v] = np.inf
                for a in range(indptr[v], indptr[v + 1]):
                    dist[head[a]] = np.inf
    return p_next, p_start, p_len, p_flow, pool, free_rec


@njit(cache=True)
def _grow_i(a, size):
    out = np.empty(size, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _grow_f(a, size):
    out = np.empty(size, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def path_flows_jit(od_class, od_first, p_next, p_start, p_len, p_flow, pool, xc):
    """Class arc flows recomputed from the path flows (exact flow conservation)."""
    xc[:] = 0.0
    for k in range(od_first.shape[0]):
        c = od_class[k]
        r = od_first[k]
        while r != -1:
            f = p_flow[r]
            for q in range(p_start[r], p_start[r] + p_len[r]):
                xc[c, pool[q]] += f
            r = p_next[r]


@njit(cache=True)
def compact_jit(od_first, p_next, p_start, p_len, pool, cnt):
    """Move the live paths to the front of a new pool (drops the arcs of removed paths)."""
    out = np.empty(max(cnt[POOL_USED] - cnt[GARBAGE], 1) * 2, dtype=pool.dtype)
    used = 0
    for k in range(od_first.shape[0]):
        r = od_first[k]
        while r != -1:
            st = p_start[r]
            for q in range(p_len[r]):
                out[used + q] = pool[st + q]
            p_start[r] = used
            used += p_len[r]
            r = p_next[r]
    cnt[POOL_USED] = used
    cnt[GARBAGE] = 0
    return out

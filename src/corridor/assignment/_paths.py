"""Compiled path-based gradient projection (Jayakrishnan et al. 1994).

Paths live in a pool of arc indices (destination → origin); each O–D pair has a linked list of path records
(``p_next``). Per O–D pair, flow moves from every costlier path ``p`` to the cheapest path ``s`` by the projected
Newton step ``Δ = min(f_p, (c_p − c_s) / (pce · Σ_{a ∈ p ⊕ s} t'_a))``; link flows, times and derivatives are
updated at once (Gauss–Seidel).

Column generation runs in batches of (class, origin) groups: the batch's shortest-path trees are built in
parallel (:func:`trees_batch`) at the costs of the batch start, then
:func:`colgen_batch` adds each O–D pair's shortest path to its set, sequentially. Arrays that may grow are
returned (numba cannot rebind the caller's references).
"""

from __future__ import annotations

import numpy as np
from numba import get_thread_id, njit, prange

from corridor.assignment._kernels import reset_tree, sp_tree
from corridor.assignment._vdf import vdf_time_deriv

# counters: [n_records, pool_used, n_free, garbage, stamp]
N_REC, POOL_USED, N_FREE, GARBAGE, STAMP = 0, 1, 2, 3, 4


@njit(cache=True, inline="always")
def _add(a, amount, c, pce, x, xc, t, dt, vdf, t0, cap, al, be):
    x[a] += amount * pce
    xc[c, a] += amount
    if x[a] < 0.0:
        x[a] = 0.0
    t[a], dt[a] = vdf_time_deriv(vdf[a], t0[a], cap[a], al[a], be[a], x[a])


@njit(cache=True, inline="always")
def _path_cost(r, p_start, p_len, pool, t, fx):
    s = 0.0
    for q in range(p_start[r], p_start[r] + p_len[r]):
        a = pool[q]
        s += t[a] + fx[a]
    return s


@njit(cache=True)
def _equilibrate(k, c, pc, fx, dem, od_first, p_next, p_start, p_len, p_flow, pool, free_rec, cnt,
                 x, xc, t, dt, vdf, t0, cap, al, be, mark):
    """One projected Newton step for O–D record ``k``; drops paths left without flow. Returns the pair's
    excess cost before the step, Σ_p f_p c_p − d · min_p c_p (its share of the restricted gap)."""
    r0 = od_first[k]
    if r0 == -1 or p_next[r0] == -1:
        return 0.0
    s = -1
    cs = np.inf
    tot = 0.0
    r = r0
    while r != -1:
        cr = _path_cost(r, p_start, p_len, pool, t, fx)
        tot += p_flow[r] * cr
        if cr < cs:
            cs = cr
            s = r
        r = p_next[r]
    excess = tot - dem * cs
    cnt[STAMP] += 1
    stamp = cnt[STAMP]
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
    return excess


@njit(cache=True, parallel=True)
def trees_batch(indptr, head, cost, grp_class, grp_origin, grp_ptr, od_dest, no_through, g0, g1,
                dist, preds, order, hk, hn, pos, target, od_sp):
    """Shortest-path trees of groups ``g0 .. g1-1`` (costs ``cost[class]``) in parallel, each thread on its own
    row of the work arrays: predecessor arcs into ``preds[g - g0]``, each O–D pair's shortest cost into
    ``od_sp`` (inf: unreachable). Call under ``numba.parallel_chunksize(1)`` so that idle threads take the next
    tree (dynamic scheduling: the machine may be shared)."""
    for g in prange(g0, g1):
        ln = get_thread_id()
        nt = 0
        for k in range(grp_ptr[g], grp_ptr[g + 1]):
            v = od_dest[k]
            if not target[ln, v]:
                target[ln, v] = True
                nt += 1
        _, touched = sp_tree(indptr, head, cost[grp_class[g]], grp_origin[g], no_through, target[ln], nt,
                             dist[ln], preds[g - g0], order[ln], hk[ln], hn[ln], pos[ln])
        for k in range(grp_ptr[g], grp_ptr[g + 1]):
            v = od_dest[k]
            target[ln, v] = False
            od_sp[k] = dist[ln, v]
        reset_tree(order[ln], touched, dist[ln], pos[ln])


@njit(cache=True)
def colgen_batch(
    tail, vdf, t0, cap, al, be, fixed, pce, grp_class, grp_origin, grp_ptr, od_dest, od_demand, od_first,
    p_next, p_start, p_len, p_flow, pool, free_rec, cnt, x, xc, t, dt, mark, g0, g1, preds, od_sp, shift, buf,
):
    """Add each O–D pair's shortest path (from ``preds``) to its set; a pair's first path carries its whole
    demand. With ``shift``, equilibrate the pair at once (Gauss–Seidel); without, flows are left unchanged.
    Returns the possibly grown arrays, the demand without a path and, with ``shift``, the excess cost
    Σ_od (Σ_p f_p c_p − d · c_new) met before each pair's step (an estimate of TSTT − SPTT)."""
    lost = 0.0
    excess = 0.0
    for g in range(g0, g1):
        c = grp_class[g]
        o = grp_origin[g]
        fx = fixed[c]
        pc = pce[c]
        pred = preds[g - g0]
        for k in range(grp_ptr[g], grp_ptr[g + 1]):
            dem = od_demand[k]
            if od_sp[k] == np.inf:
                lost += dem
                continue
            ln = 0
            v = od_dest[k]
            while v != o:
                a = pred[v]
                buf[ln] = a
                ln += 1
                v = tail[a]
            r = od_first[k]
            found = False
            while r != -1:
                if p_len[r] == ln:
                    same = True
                    st = p_start[r]
                    for q in range(ln):
                        if pool[st + q] != buf[q]:
                            same = False
                            break
                    if same:
                        found = True
                        break
                r = p_next[r]
            if not found:
                if cnt[N_FREE] > 0:
                    cnt[N_FREE] -= 1
                    r = free_rec[cnt[N_FREE]]
                else:
                    r = cnt[N_REC]
                    if r >= p_next.shape[0]:
                        size = p_next.shape[0] + p_next.shape[0] // 2 + 1
                        p_next = _grow(p_next, size)
                        p_start = _grow(p_start, size)
                        p_len = _grow(p_len, size)
                        p_flow = _grow(p_flow, size)
                        free_rec = _grow(free_rec, size)
                    cnt[N_REC] += 1
                if cnt[POOL_USED] + ln > pool.shape[0]:
                    pool = _grow(pool, 2 * pool.shape[0] + ln)
                st = cnt[POOL_USED]
                for q in range(ln):
                    pool[st + q] = buf[q]
                cnt[POOL_USED] += ln
                p_start[r] = st
                p_len[r] = ln
                p_next[r] = od_first[k]
                od_first[k] = r
                p_flow[r] = 0.0
                if p_next[r] == -1:  # first path of this O–D pair: it carries the whole demand
                    p_flow[r] = dem
                    for q in range(ln):
                        _add(buf[q], dem, c, pc, x, xc, t, dt, vdf, t0, cap, al, be)
                    continue
            if shift:
                excess += _equilibrate(k, c, pc, fx, dem, od_first, p_next, p_start, p_len, p_flow, pool, free_rec, cnt,
                             x, xc, t, dt, vdf, t0, cap, al, be, mark)
    return p_next, p_start, p_len, p_flow, pool, free_rec, lost, excess


@njit(cache=True)
def gp_sweep_jit(vdf, t0, cap, al, be, fixed, pce, od_class, od_demand, od_first, p_next, p_start, p_len,
                 p_flow, pool, free_rec, cnt, x, xc, t, dt, mark):
    """One Gauss–Seidel pass over the existing path sets (no trees). Returns the restricted excess cost
    Σ_od (Σ_p f_p c_p − d · min_p c_p) met on the way."""
    excess = 0.0
    for k in range(od_first.shape[0]):
        c = od_class[k]
        excess += _equilibrate(k, c, pce[c], fixed[c], od_demand[k], od_first, p_next, p_start, p_len, p_flow,
                               pool, free_rec, cnt, x, xc, t, dt, vdf, t0, cap, al, be, mark)
    return excess


@njit(cache=True)
def _grow(a, size):
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

# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Graph kernels on the CSR arrays: one-to-all Dijkstra, all-or-nothing loading from every origin, skims.

``no_through[v]`` marks nodes that may start or end a path but not be passed through (TNTP zones below
``<FIRST THRU NODE>``). Arc costs may be ``inf`` (arc closed to the class).

Dijkstra uses an indexed 4-ary heap with decrease-key (heap size ≤ nodes, no stale entries) and stops once
every target is settled. Origins are spread over OpenMP threads with dynamic scheduling (chunks of one origin:
the machine may be shared); each thread owns one row of the work arrays (:func:`lanes`).
"""

import numpy as np

cimport openmp
from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY, NAN
from libc.stdint cimport int32_t, int64_t



def n_threads() -> int:
    """Threads the parallel kernels use (OpenMP: ``OMP_NUM_THREADS`` or the cores)."""
    return openmp.omp_get_max_threads()


cdef inline void _sift_up(double* hk, int32_t* hn, int32_t* pos, Py_ssize_t i, double d, int32_t v) noexcept nogil:
    cdef Py_ssize_t p
    cdef int32_t w
    while i > 0:
        p = (i - 1) >> 2
        if hk[p] <= d:
            break
        hk[i] = hk[p]
        w = hn[p]
        hn[i] = w
        pos[w] = <int32_t>i
        i = p
    hk[i] = d
    hn[i] = v
    pos[v] = <int32_t>i


cdef inline void _sift_down(double* hk, int32_t* hn, int32_t* pos, Py_ssize_t size, double d,
                            int32_t v) noexcept nogil:
    cdef Py_ssize_t i = 0, c, e, b, j
    cdef double bk
    cdef int32_t w
    while True:
        c = 4 * i + 1
        if c >= size:
            break
        e = c + 4 if c + 4 < size else size
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
        pos[w] = <int32_t>i
        i = b
    hk[i] = d
    hn[i] = v
    pos[v] = <int32_t>i


cdef Py_ssize_t sp_tree(const int64_t* indptr, const int64_t* head, const double* cost, int64_t origin,
                        const unsigned char* no_through, Py_ssize_t n_targets, Lane* ln, int32_t* pred,
                        Py_ssize_t* touched) noexcept nogil:
    """Shortest-path tree from ``origin``; stops once ``n_targets`` nodes flagged in ``ln.target`` are settled
    (``n_targets < 0``: settle all). Fills ``ln.dist``, ``pred`` (arc, -1 none) and ``ln.order`` (settle order,
    then the reached but unsettled nodes). Returns the number settled and sets ``touched``: call
    :func:`reset_tree` with it before the next tree. Entry: ``dist`` inf, ``pos`` -1."""
    cdef double* dist = ln.dist
    cdef double* hk = ln.hk
    cdef int32_t* hn = ln.hn
    cdef int32_t* pos = ln.pos
    cdef int32_t* order = ln.order
    cdef Py_ssize_t size = 1, n_set = 0, left = n_targets, k
    cdef int64_t a
    cdef int32_t v, w, pw
    cdef double d, nd
    dist[origin] = 0.0
    pred[origin] = -1
    hk[0] = 0.0
    hn[0] = <int32_t>origin
    pos[origin] = 0
    while size > 0:
        d = hk[0]
        v = hn[0]
        pos[v] = -2  # settled
        size -= 1
        if size > 0:
            _sift_down(hk, hn, pos, size, hk[size], hn[size])
        order[n_set] = v
        n_set += 1
        if ln.target[v]:
            left -= 1
            if left == 0:
                break
        if no_through[v] and v != origin:
            continue
        for a in range(indptr[v], indptr[v + 1]):
            w = <int32_t>head[a]
            nd = d + cost[a]
            if nd < dist[w]:
                dist[w] = nd
                pred[w] = <int32_t>a
                pw = pos[w]
                if pw == -1:
                    _sift_up(hk, hn, pos, size, nd, w)
                    size += 1
                else:
                    _sift_up(hk, hn, pos, pw, nd, w)
    for k in range(size):
        order[n_set + k] = hn[k]
    touched[0] = n_set + size
    return n_set


cdef void reset_tree(Lane* ln, Py_ssize_t touched) noexcept nogil:
    cdef Py_ssize_t k
    cdef int32_t v
    for k in range(touched):
        v = ln.order[k]
        ln.dist[v] = INFINITY
        ln.pos[v] = -1


def lanes(Py_ssize_t n_lanes, Py_ssize_t n) -> tuple:
    """Work arrays for ``n_lanes`` independent trees on ``n`` nodes: dist, pred, order, heap keys, heap nodes,
    heap positions, target flags (one row per lane)."""
    return (np.full((n_lanes, n), np.inf), np.full((n_lanes, n), -1, dtype=np.int32),
            np.empty((n_lanes, n), dtype=np.int32), np.empty((n_lanes, n)), np.empty((n_lanes, n), dtype=np.int32),
            np.full((n_lanes, n), -1, dtype=np.int32), np.zeros((n_lanes, n), dtype=np.uint8))


cdef int fill_lanes(object arrays, Lane* out) except -1:
    """Pointers to each row of the arrays made by :func:`lanes` into ``out`` (room for ``MAX_LANES``); returns
    the number of lanes (rows beyond ``MAX_LANES`` are left unused)."""
    cdef double[:, ::1] dist = arrays[0], hk = arrays[3]
    cdef int32_t[:, ::1] pred = arrays[1], order = arrays[2], hn = arrays[4], pos = arrays[5]
    cdef unsigned char[:, ::1] target = arrays[6]
    cdef int row, n = min(dist.shape[0], MAX_LANES)
    for row in range(n):
        out[row].dist = &dist[row, 0]
        out[row].pred = &pred[row, 0]
        out[row].order = &order[row, 0]
        out[row].hk = &hk[row, 0]
        out[row].hn = &hn[row, 0]
        out[row].pos = &pos[row, 0]
        out[row].target = &target[row, 0]
    return n


cdef void _aon_origin(const int64_t* indptr, const int64_t* head, const int64_t* tail, const double* cost,
                      const int64_t* zone_nodes, Py_ssize_t z, int64_t o, const double* demand,
                      const unsigned char* no_through, bint load, Lane* ln, double* node_load, double* flow,
                      double* sp_cost, double* part) noexcept nogil:
    """One origin of :func:`aon_load` (``demand`` and ``sp_cost``: its rows); a function of its own so that
    every variable is private to the OpenMP thread running it."""
    cdef Py_ssize_t j, k, n_set, touched, nt = 0
    cdef int64_t dn, a
    cdef int32_t v
    cdef double c, dem, ld
    for j in range(z):
        if demand[j] > 0.0 and zone_nodes[j] != o and not ln.target[zone_nodes[j]]:
            ln.target[zone_nodes[j]] = 1
            nt += 1
    if nt == 0:
        for j in range(z):
            sp_cost[j] = NAN if zone_nodes[j] != o else 0.0
        return
    n_set = sp_tree(indptr, head, cost, o, no_through, nt, ln, ln.pred, &touched)
    for j in range(z):
        dn = zone_nodes[j]
        ln.target[dn] = 0
        c = ln.dist[dn] if dn != o else 0.0
        dem = demand[j]
        sp_cost[j] = c if (dem > 0.0 or dn == o) else NAN
        if dem > 0.0 and dn != o:
            if c == INFINITY:
                part[1] += dem
            else:
                part[0] += dem * c
                node_load[dn] += dem
    if load:
        for k in range(n_set - 1, 0, -1):
            v = ln.order[k]
            ld = node_load[v]
            if ld != 0.0:
                a = ln.pred[v]
                flow[a] += ld
                node_load[tail[a]] += ld
                node_load[v] = 0.0
    for k in range(n_set):
        node_load[ln.order[k]] = 0.0
    reset_tree(ln, touched)


def aon_load(const int64_t[::1] indptr, const int64_t[::1] head, const int64_t[::1] tail, const double[::1] cost,
             const int64_t[::1] zone_nodes, const double[:, ::1] demand, const unsigned char[::1] no_through,
             bint load, double[::1] flow, double[:, ::1] sp_cost) -> tuple[float, float]:
    """All-or-nothing from every origin zone at arc costs ``cost``. Adds ``demand`` (zones × zones) to ``flow``
    when ``load``; writes the O–D shortest-path costs into ``sp_cost`` (inf when unreachable; NaN for pairs
    without demand, whose trees are cut short). Returns (SPTT, unreachable demand)."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, m = head.shape[0], z = zone_nodes.shape[0]
    arrays = lanes(min(openmp.omp_get_max_threads(), MAX_LANES), n)  # kept: the lanes point into it
    cdef Lane[MAX_LANES] lns
    cdef int n_lanes = fill_lanes(arrays, lns)
    cdef Py_ssize_t i
    cdef double[:, ::1] node_load = np.zeros((n_lanes, n))
    cdef double[:, ::1] flow_l = np.zeros((n_lanes, m if load else 1))
    cdef double[:, ::1] part = np.zeros((n_lanes, 2))
    cdef int ln
    if z == 0:
        return 0.0, 0.0
    for i in prange(z, nogil=True, schedule="dynamic", chunksize=1, num_threads=n_lanes):
        ln = threadid()
        _aon_origin(&indptr[0], &head[0], &tail[0], &cost[0], &zone_nodes[0], z, zone_nodes[i], &demand[i, 0],
                    &no_through[0], load, &lns[ln], &node_load[ln, 0], &flow_l[ln, 0], &sp_cost[i, 0],
                    &part[ln, 0])
    if load:
        np.add(flow, np.asarray(flow_l).sum(axis=0), out=np.asarray(flow))
    totals = np.asarray(part).sum(axis=0)
    return float(totals[0]), float(totals[1])


def skims(const int64_t[::1] indptr, const int64_t[::1] head, const int64_t[::1] tail, const double[::1] cost,
          const int64_t[::1] zone_nodes, const unsigned char[::1] no_through, const double[:, ::1] weights,
          double[:, :, ::1] out):
    """Accumulate each row of ``weights`` (k × arcs) along the shortest-path trees at ``cost``; ``out`` is
    k × zones × zones (inf where unreachable)."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, z = zone_nodes.shape[0], k_w = weights.shape[0]
    arrays = lanes(1, n)
    cdef Lane ln
    fill_lanes(arrays, &ln)
    cdef double[:, ::1] acc = np.zeros((k_w, n))
    cdef Py_ssize_t i, j, k, s, n_set, touched
    cdef int64_t o, dn, a
    cdef int32_t v
    with nogil:
        for i in range(z):
            o = zone_nodes[i]
            n_set = sp_tree(&indptr[0], &head[0], &cost[0], o, &no_through[0], -1, &ln, ln.pred, &touched)
            for s in range(k_w):
                acc[s, o] = 0.0
            for k in range(1, n_set):
                v = ln.order[k]
                a = ln.pred[v]
                for s in range(k_w):
                    acc[s, v] = acc[s, tail[a]] + weights[s, a]
            for j in range(z):
                dn = zone_nodes[j]
                for s in range(k_w):
                    out[s, i, j] = acc[s, dn] if ln.dist[dn] < INFINITY else INFINITY
            reset_tree(&ln, touched)

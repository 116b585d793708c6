# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled Newton step of the path-based logit SUE on a small path set (see ``corridor.assignment.logit._newton``):
the Jacobian from the used arcs' path lists, LU by LAPACK (SciPy's ``cython_lapack``: this module loads SciPy,
so it is imported only when a logit solve takes Newton steps), the Armijo search in C.
"""

from libc.math cimport INFINITY, exp
from libc.stdint cimport int64_t
from libc.string cimport memset
from scipy.linalg.cython_lapack cimport dgetrf, dgetrs

from corridor.assignment._vdf cimport vdf_deriv, vdf_time


cdef double _residual(const double* c, Py_ssize_t n_p, Py_ssize_t n_u, Py_ssize_t n_od,
                      const int64_t* p_ptr, const int64_t* p_arcs, const int64_t* a_ptr, const int64_t* a_paths,
                      const signed char* kind, const double* t0, const double* cap, const double* alpha,
                      const double* beta, const double* fixed_p, const double* theta_p, const int64_t* od,
                      const double* dem, double* cmin, double* tot, double* y, double* x, double* t,
                      double* r) noexcept nogil:
    """The logit split ``y`` at path costs ``c``, its used-arc flows ``x`` and times ``t``, and the residual
    ``r = c − C(y)`` (C: path costs at flows y); returns ``r·r``."""
    cdef Py_ssize_t i, j, k
    cdef double s, out = 0.0
    for k in range(n_od):
        cmin[k] = INFINITY
        tot[k] = 0.0
    for i in range(n_p):
        if c[i] < cmin[od[i]]:
            cmin[od[i]] = c[i]
    for i in range(n_p):
        s = -theta_p[i] * (c[i] - cmin[od[i]])
        y[i] = exp(s if s > -600.0 else -600.0)
        tot[od[i]] += y[i]
    for i in range(n_p):
        y[i] = dem[od[i]] * y[i] / tot[od[i]]
    for j in range(n_u):
        s = 0.0
        for k in range(a_ptr[j], a_ptr[j + 1]):
            s += y[a_paths[k]]
        x[j] = s
        t[j] = vdf_time(kind[j], t0[j], cap[j], alpha[j], beta[j], s)
    for i in range(n_p):
        s = fixed_p[i]
        for k in range(p_ptr[i], p_ptr[i + 1]):
            s += t[p_arcs[k]]
        r[i] = c[i] - s
        out += r[i] * r[i]
    return out


def newton_step(const int64_t[::1] p_ptr, const int64_t[::1] p_arcs, const int64_t[::1] a_ptr,
                const int64_t[::1] a_paths, const signed char[::1] kind, const double[::1] t0,
                const double[::1] cap, const double[::1] alpha, const double[::1] beta, double[::1] c,
                const double[::1] fixed_p, const double[::1] theta_p, const int64_t[::1] od,
                const double[::1] dem, double[::1] y_out, double[::1] scratch, int64_t[::1] iscratch,
                int[::1] pivots) -> float:
    """One Newton step on the logit SUE fixed point in path costs (see ``corridor.assignment.logit._newton``):
    paths as lists of used arcs (``p_ptr``/``p_arcs``), used arcs as lists of paths (``a_ptr``/``a_paths``),
    the used arcs' volume-delay arrays. ``c`` is updated in place and ``y_out`` gets the logit split at the new
    costs; returns the step (0: singular or no descent, ``c`` unchanged). ``scratch``, ``iscratch`` and ``pivots``:
    work arrays of at least :func:`scratch_sizes` (the caller keeps them: no large allocation per step, which
    a process whose allocator returns big blocks to the system at once, as Dask's workers do, pays in page
    faults)."""
    cdef Py_ssize_t n_p = c.shape[0], n_u = t0.shape[0], n_od = dem.shape[0], i, j, k, q, it, qq, pp, m_r
    cdef int n = <int>n_p, nrhs = 1, info = 0
    cdef char trans = b'T'
    cdef Py_ssize_t need_d, need_i
    need_d, need_i = scratch_sizes(n_p, n_u, n_od)
    if scratch.shape[0] < need_d or iscratch.shape[0] < need_i or pivots.shape[0] < n_p + 1:
        raise ValueError("newton_step: work arrays too small (see scratch_sizes)")
    cdef double* work = &scratch[0]
    cdef int* piv = &pivots[0]
    cdef int64_t* iwork = &iscratch[0]
    cdef int64_t* ref = iwork  # each pair's first path (-1: none)
    cdef int64_t* col = ref + n_od  # each path's index among the others (-1: a first path)
    cdef int64_t* nr = col + n_p  # the other paths
    cdef double* jac = work
    cdef double* kmat = jac + n_p * n_p
    cdef double* z = kmat + n_p * n_p
    cdef double* srow = z + n_p
    cdef double* y = srow + n_p * n_od
    cdef double* r = y + n_p
    cdef double* dc = r + n_p
    cdef double* cn = dc + n_p
    cdef double* yn = cn + n_p
    cdef double* rn = yn + n_p
    cdef double* x = rn + n_p
    cdef double* t = x + n_u
    cdef double* dt = t + n_u
    cdef double* cmin = dt + n_u
    cdef double* tot = cmin + n_od
    cdef double g0, gn, lam = 1.0, d, h, out = 0.0
    if True:
        with nogil:
            g0 = _residual(&c[0], n_p, n_u, n_od, &p_ptr[0], &p_arcs[0], &a_ptr[0], &a_paths[0], &kind[0], &t0[0],
                           &cap[0], &alpha[0], &beta[0], &fixed_p[0], &theta_p[0], &od[0], &dem[0], cmin, tot, y,
                           x, t, r)
            # H = Δᵀ diag(t') Δ (paths × paths), summed over the used arcs' path lists
            memset(jac, 0, n_p * n_p * sizeof(double))
            for j in range(n_u):
                dt[j] = vdf_deriv(kind[j], t0[j], cap[j], alpha[j], beta[j], x[j])
                if dt[j] == 0.0:
                    continue
                for k in range(a_ptr[j], a_ptr[j + 1]):
                    i = a_paths[k]
                    for q in range(a_ptr[j], a_ptr[j + 1]):
                        jac[i * n_p + a_paths[q]] += dt[j]
            # J = I + H Θ, Θ = θ (diag y − y yᵀ / d) within each pair: column q of H Θ is
            # K_iq = θ_q y_q (H_iq − S_i,od(q)), S_ik = Σ_{p in pair k} H_ip y_p / d_k. Θ 1 = 0 on each pair (a
            # shift of a pair's costs moves no flow), so with dc = s_k + z_p (z = 0 on each pair's first path)
            # the step solves the smaller system of the other paths' rows minus their first path's row,
            # (I + K_p − K_first(p)) z = −(r_p − r_first(p)), then s_k = −r_first − K_first · z
            for k in range(n_od):
                ref[k] = -1
            m_r = 0
            for i in range(n_p):
                if ref[od[i]] < 0:
                    ref[od[i]] = i
                    col[i] = -1
                else:
                    col[i] = m_r
                    nr[m_r] = i
                    m_r += 1
            memset(srow, 0, n_p * n_od * sizeof(double))
            for i in range(n_p):
                for q in range(n_p):
                    srow[i * n_od + od[q]] += jac[i * n_p + q] * y[q]
            for i in range(n_p):
                for qq in range(m_r):
                    q = nr[qq]
                    d = dem[od[q]]
                    h = jac[i * n_p + q] - srow[i * n_od + od[q]] / d
                    kmat[i * m_r + qq] = theta_p[q] * y[q] * h
            for pp in range(m_r):
                i = nr[pp]
                q = ref[od[i]]
                for qq in range(m_r):
                    jac[pp * m_r + qq] = kmat[i * m_r + qq] - kmat[q * m_r + qq]
                jac[pp * m_r + pp] += 1.0
                z[pp] = -(r[i] - r[q])
            # row-major is column-major transposed: factor it, solve with the transpose
            n = <int>m_r
            if m_r > 0:
                dgetrf(&n, &n, jac, &n, piv, &info)
                if info == 0:
                    dgetrs(&trans, &n, &nrhs, jac, &n, piv, z, &n, &info)
            if info == 0:
                for i in range(n_p):
                    if col[i] < 0:
                        h = -r[i]
                        for qq in range(m_r):
                            h -= kmat[i * m_r + qq] * z[qq]
                        dc[i] = h
                for i in range(n_p):
                    if col[i] >= 0:
                        dc[i] = dc[ref[od[i]]] + z[col[i]]
            if info == 0:
                for it in range(30):
                    for i in range(n_p):
                        cn[i] = c[i] + lam * dc[i]
                    gn = _residual(cn, n_p, n_u, n_od, &p_ptr[0], &p_arcs[0], &a_ptr[0], &a_paths[0], &kind[0],
                                   &t0[0], &cap[0], &alpha[0], &beta[0], &fixed_p[0], &theta_p[0], &od[0], &dem[0],
                                   cmin, tot, yn, x, t, rn)
                    if gn <= (1.0 - 1e-4 * lam) * g0:
                        for i in range(n_p):
                            c[i] = cn[i]
                            y_out[i] = yn[i]
                        out = lam
                        break
                    lam *= 0.5
    return out


cpdef tuple scratch_sizes(Py_ssize_t n_p, Py_ssize_t n_u, Py_ssize_t n_od):
    """(doubles, int64s) :func:`newton_step` needs for ``n_p`` paths on ``n_u`` used arcs and ``n_od`` pairs (and
    ``n_p + 1`` pivots)."""
    return 2 * n_p * n_p + n_p * n_od + 7 * n_p + 3 * n_u + 2 * n_od, 2 * n_p + n_od + 1

# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled volume-delay functions over arrays: time, derivative, Beckmann integral, line-search derivative.

Kinds: ``BPR`` t0·(1 + α (x/c)^β) with per-arc α, β (TNTP ``b``, ``power``); ``CONICAL`` (Spiess 1990)
t0·(2 + √(α²(1−x/c)² + β²) − α(1−x/c) − β), β = (2α−1)/(2α−2), α > 1. The per-arc functions are inline C in
``_vdf.pxd`` so that the graph kernels use them too. ``QUEUE`` t0 + W(x/c): the Allen–Cunneen G/G/c mean wait
W(ρ) = α·C(β, βρ)/(1 − ρ) (Erlang C, β whole servers, α = E[S]·(ca² + cs²)/(2β) hours), continued along its
tangent above ρ = ``QUEUE_RHO_MAX`` (see ``_vdf.pxd``).
"""

BPR = KIND_BPR
CONICAL = KIND_CONICAL
QUEUE = KIND_QUEUE
#: utilisation above which the queue kind continues along its tangent
QUEUE_MAX_UTILISATION = QUEUE_RHO_MAX


def times(const signed char[:] kind, const double[:] t0, const double[:] cap, const double[:] a,
          const double[:] b, const double[:] x, double[:] out):
    """``out[i] = t_i(x[i])``."""
    cdef Py_ssize_t i
    with nogil:
        for i in range(x.shape[0]):
            out[i] = vdf_time(kind[i], t0[i], cap[i], a[i], b[i], x[i])


def derivs(const signed char[:] kind, const double[:] t0, const double[:] cap, const double[:] a,
           const double[:] b, const double[:] x, double[:] out):
    """``out[i] = t_i'(x[i])``."""
    cdef Py_ssize_t i
    with nogil:
        for i in range(x.shape[0]):
            out[i] = vdf_deriv(kind[i], t0[i], cap[i], a[i], b[i], x[i])


def integral_sum(const signed char[:] kind, const double[:] t0, const double[:] cap, const double[:] a,
                 const double[:] b, const double[:] x) -> float:
    """Σ_i ∫₀^{x_i} t_i (the link part of the Beckmann objective)."""
    cdef Py_ssize_t i
    cdef double s = 0.0
    with nogil:
        for i in range(x.shape[0]):
            s += vdf_integral(kind[i], t0[i], cap[i], a[i], b[i], x[i])
    return s


def line_derivative(const signed char[:] kind, const double[:] t0, const double[:] cap, const double[:] a,
                    const double[:] b, const double[:] x, const double[:] d, double lam) -> float:
    """Σ t(x + λd)·d: the λ-dependent part of the Beckmann objective's derivative along d."""
    cdef Py_ssize_t i
    cdef double s = 0.0
    with nogil:
        for i in range(x.shape[0]):
            if d[i] != 0.0:
                s += vdf_time(kind[i], t0[i], cap[i], a[i], b[i], x[i] + lam * d[i]) * d[i]
    return s

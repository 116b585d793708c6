# Shortest-path trees on the CSR arrays, shared by the all-or-nothing and path-based kernels (see _kernels.pyx).
from libc.stdint cimport int32_t, int64_t

cdef enum:
    MAX_LANES = 256  # threads per parallel kernel at most


# one thread's work arrays for a shortest-path tree on n nodes (rows of the arrays made by _kernels.lanes)
cdef struct Lane:
    double* dist
    int32_t* pred
    int32_t* order
    double* hk
    int32_t* hn
    int32_t* pos
    unsigned char* target


cdef Py_ssize_t sp_tree(const int64_t* indptr, const int64_t* head, const double* cost, int64_t origin,
                        const unsigned char* no_through, Py_ssize_t n_targets, Lane* ln, int32_t* pred,
                        Py_ssize_t* touched) noexcept nogil

cdef void reset_tree(Lane* ln, Py_ssize_t touched) noexcept nogil

cdef int fill_lanes(object arrays, Lane* out) except -1

# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""One pass over a well-formed TNTP trips body (``Origin o`` then ``d : flow;`` entries, ``~`` comments) into
the dense O–D matrix, straight from the string's UTF-8 buffer: no copies of the text, no token arrays.
Anything it does not recognise returns ``None``, and the reader's numpy and line-by-line paths take over
(the latter names the file, line and field of each problem)."""

import numpy as np

from cpython.unicode cimport PyUnicode_AsUTF8AndSize
from libc.math cimport isfinite
from libc.stdlib cimport strtod


cdef inline bint _space(char ch) noexcept nogil:
    return ch == 32 or (9 <= ch <= 13)


cdef inline Py_ssize_t _skip(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """Past whitespace and ``~`` comments (to the end of their line)."""
    while i < n:
        if _space(s[i]):
            i += 1
        elif s[i] == 126:  # ~
            while i < n and s[i] != 10:
                i += 1
        else:
            break
    return i


cdef inline Py_ssize_t _int(const char* s, Py_ssize_t i, Py_ssize_t n, long long* out) noexcept nogil:
    """A run of digits at ``i`` into ``out``; the index after it, or -1 if none or too long."""
    cdef Py_ssize_t j = i
    cdef long long v = 0
    while j < n and 48 <= s[j] <= 57 and j - i < 12:
        v = 10 * v + (s[j] - 48)
        j += 1
    if j == i or (j < n and 48 <= s[j] <= 57):
        return -1
    out[0] = v
    return j


cdef inline bint _number_char(char ch) noexcept nogil:
    return (48 <= ch <= 57) or ch == 46 or ch == 101 or ch == 69 or ch == 43 or ch == 45  # 0-9 . e E + -


def trips_matrix(str body, Py_ssize_t z):
    """The ``z × z`` O–D matrix of ``body`` (entries of a pair summed), or None when the body is not plainly
    well formed: a token other than ``Origin``, integer zone numbers in 1..z, ``:`` and finite flows >= 0."""
    cdef Py_ssize_t n
    cdef const char* s = PyUnicode_AsUTF8AndSize(body, &n)
    od_arr = np.zeros((z, z))
    cdef double[:, ::1] od = od_arr
    cdef Py_ssize_t i = 0, j, k
    cdef long long o = -1, d
    cdef double v
    cdef char* end
    cdef bint any_origin = False, ok = True
    with nogil:
        while ok:
            i = _skip(s, i, n)
            if i >= n:
                break
            if s[i] == 79:  # O: "Origin o"
                ok = n - i >= 6 and s[i + 1] == 114 and s[i + 2] == 105 and s[i + 3] == 103 and s[i + 4] == 105 \
                    and s[i + 5] == 110
                if ok:
                    i = _int(s, _skip(s, i + 6, n), n, &o)
                    ok = i >= 0 and 1 <= o <= z and (i == n or _space(s[i]) or s[i] == 126)
                    any_origin = True
                continue
            i = _int(s, i, n, &d)  # "d : flow ;"
            ok = o > 0 and i >= 0 and 1 <= d <= z
            if ok:
                i = _skip(s, i, n)
                ok = i < n and s[i] == 58  # :
            if ok:
                i = _skip(s, i + 1, n)
                ok = i < n and _number_char(s[i])
            if not ok:
                break
            v = strtod(s + i, &end)
            j = end - s
            ok = i < j <= n and isfinite(v) and v >= 0.0
            for k in range(i, j):
                if not _number_char(s[k]):  # hex, inf, nan: not a TNTP number
                    ok = False
            if not ok:
                break
            i = _skip(s, j, n)
            if i < n and s[i] == 59:  # ;
                i += 1
            else:
                ok = i == n or s[i] == 79 or 48 <= s[i] <= 57
            od[o - 1, d - 1] += v
    return od_arr if ok and any_origin else None

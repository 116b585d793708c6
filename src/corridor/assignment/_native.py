"""The compiled kernels (Cython + OpenMP, built by ``pip install -e .``), with a clear error when they are missing.

OpenMP threads wait passively between parallel regions unless ``OMP_WAIT_POLICY`` says otherwise: spinning
threads would take the cores from the sequential Gauss–Seidel steps between the parallel tree batches (and from
other processes on a shared machine). ``OMP_DYNAMIC`` lets the runtime run a parallel region on fewer threads
than cores when the machine is busy (libgomp: cores minus the 15-minute load average, at least one): on a
loaded machine a second thread mostly waits to be scheduled at every batch's join (ChicagoSketch to 1e-4 at
load 7–9 on 2 cores: 3.46 s with 1 thread against 3.65 s with 2, whole process, 5 rounds). Results do not
depend on it: batches are sized by :func:`_kernels.n_threads`, not by the threads a region gets. Both are
read when the OpenMP runtime loads, so they are set first (and an explicit setting wins).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OMP_DYNAMIC", "true")

try:
    from corridor.assignment import _kernels, _logit, _paths, _vdf
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "corridor's compiled assignment kernels are not built (corridor/assignment/_kernels*.so): install the "
        "package with `pip install -e .` (needs a C compiler with OpenMP, e.g. gcc), or rebuild them in place "
        f"with `python setup.py build_ext --inplace` ({exc})"
    ) from exc

__all__ = ["_kernels", "_logit", "_paths", "_vdf"]

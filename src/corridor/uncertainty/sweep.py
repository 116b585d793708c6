"""Run many study evaluations: a plain loop, a Dask LocalCluster, or a running Dask scheduler.

The prepared study is scattered to every worker once (``broadcast``); tasks carry only draw indexes and input
values, in batches. Results are put back in draw order, so the outcome depends on the seed, never on the workers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from corridor._errors import ValidationError
from corridor.uncertainty.model import PreparedStudy

#: bytes up to which a LocalCluster worker's allocations come from the heap (see :func:`dask_client`)
MMAP_THRESHOLD = 4 << 20
#: draws per Dask task (a task's overhead is a few ms; an evaluation about 40 ms)
BATCH = 8


def evaluate_batch(model: PreparedStudy, batch: Sequence[tuple[int, Mapping[str, float]]]) -> list[tuple[int, dict]]:
    """Evaluate a batch of (draw index, input values) on one worker, on one thread throughout (see
    :meth:`PreparedStudy.evaluate`): the thread pools are not resized between the batch's draws, and their idle
    threads do not spin between them."""
    from corridor.uncertainty.model import _openmp

    with _openmp().limit(limits=1):
        return [(i, model.evaluate(v)) for i, v in batch]


@contextmanager
def dask_client(scheduler: str | None, workers: int | None):
    """A client of the given scheduler, or of a LocalCluster of ``workers`` single-threaded processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as e:
            raise ValidationError(f"--scheduler {scheduler}: cannot connect ({e})") from None
        try:
            yield client
        finally:
            client.close()
        return
    # Dask's workers set MALLOC_TRIM_THRESHOLD_, which turns off glibc's adaptive mmap threshold: every block over
    # 128 kB (a draw's class-by-zone arrays) is then mapped and unmapped afresh, its pages faulted in each time.
    # Blocks up to MMAP_THRESHOLD come from the heap again (the trim threshold still returns freed memory)
    import dask

    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD}
    # dashboard on any free port: no clash (and no warning) when another cluster holds 8787
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as lc, Client(lc) as client:
        yield client


def run_draws(model: PreparedStudy, values: Sequence[Mapping[str, float]], *, client: Any = None,
              progress: Callable[[int], None] | None = None, batch: int = BATCH) -> list[dict]:
    """The metrics of every draw, in draw order; with ``client`` on its Dask cluster, else in this process."""
    tick = progress or (lambda _n: None)
    if client is None:
        out = []
        for v in values:
            out.append(model.evaluate(v))
            tick(1)
        return out
    from distributed import as_completed

    shared = client.scatter(model, broadcast=True)
    items = list(enumerate(values))
    batches = [items[k:k + batch] for k in range(0, len(items), batch)]
    futures = client.map(evaluate_batch, [shared] * len(batches), batches, pure=False)
    results: dict[int, dict] = {}
    for fut in as_completed(futures):
        done = fut.result()
        results.update(done)
        tick(len(done))
    return [results[i] for i in range(len(values))]

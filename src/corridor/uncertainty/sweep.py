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

#: draws per Dask task (a task's overhead is a few ms; an evaluation about 40 ms)
BATCH = 8


def evaluate_batch(model: PreparedStudy, batch: Sequence[tuple[int, Mapping[str, float]]]) -> list[tuple[int, dict]]:
    """Evaluate a batch of (draw index, input values) on one worker."""
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
    # dashboard on any free port: no clash (and no warning) when another cluster holds 8787
    with LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=":0",
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

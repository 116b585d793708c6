"""Group commit: one writer thread per process runs the write acts queued by every request thread (and by the
event loop) in batches, one transaction and one COMMIT (one fsync) per batch, in arrival order.

Nothing is acknowledged before its batch commits: each act's caller waits on a `concurrent.futures.Future`
that the writer settles after the COMMIT returned (or with the act's own error). A batch forms by itself
while the previous one commits: at low load every batch has one act and nothing waits for company.

What a batch does on failure is the caller's `run_batch` (see `TransitService._write_batch`); the writer only
guarantees that every future is settled, with the exception if `run_batch` itself failed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

#: Seconds the writer thread waits for work before it ends (the next act starts it again), so that idle
#: services (tests, CLI commands) keep no thread.
IDLE_S = 2.0


@dataclass
class Job:
    """One act for the writer: ``run`` is called with the batch's session; ``future`` gets its result."""

    run: Callable[..., Any]
    args: tuple = ()
    #: what a specialised batch path of the caller needs besides ``run`` (None: only ``run``)
    bulk: Any = None
    future: Future = field(default_factory=Future)
    #: the result's JSON text when the batch made it anyway (set before the future is settled; None: not made)
    json: str | None = None


class GroupCommit:
    """The writer thread and its FIFO queue. ``run_batch(jobs)`` must settle every job's future."""

    def __init__(self, run_batch: Callable[[list[Job]], None], *, max_batch: int = 64, name: str = "writer"):
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self.run_batch, self.max_batch, self.name = run_batch, max_batch, name
        self._queue: deque[Job] = deque()
        self._cv = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        #: batches run and acts committed in them (for the benchmark's and the tests' eyes)
        self.batches = 0
        self.jobs = 0

    def submit(self, job: Job) -> Future:
        """Queue ``job``; its future is settled once its batch has committed (or failed)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a write act queued another from inside its batch (it would wait for itself)")
        with self._cv:
            self._queue.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
            else:
                self._cv.notify()
        return job.future

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._queue:
                    if not self._cv.wait(IDLE_S) and not self._queue:
                        self._thread = None
                        return
                n = min(len(self._queue), self.max_batch)
                batch = [self._queue.popleft() for _ in range(n)]
            self.batches += 1
            self.jobs += n
            try:
                self.run_batch(batch)
            except BaseException as e:  # a bug in run_batch: no caller may wait forever
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(e)

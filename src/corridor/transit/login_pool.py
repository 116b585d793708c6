"""Password hashing off the event loop, in a small pool of low-priority threads with a bounded queue.

argon2 costs ~150 ms of CPU per attempt (and runs its lanes on threads of its own), so a login flood must not
take the CPU, the database's write lock or the request threads from everyone else: logins run here, at most
``threads`` at once at a lower CPU priority (Linux ``nice``, inherited by argon2's own threads), and beyond
``queue`` waiting logins the service answers 503 with ``Retry-After`` instead of queueing without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from corridor.transit.errors import Busy

T = TypeVar("T")
#: assumption: nice +10 lets request threads (nice 0) win the CPU ~10:1 while logins still progress
LOGIN_NICENESS = 10


def _lower_priority() -> None:
    # per thread on Linux (PRIO_PROCESS with a thread id); elsewhere normal priority
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOGIN_NICENESS)


class LoginPool:
    def __init__(self, threads: int, queue: int):
        self.threads, self.queue = threads, queue
        self._executor = ThreadPoolExecutor(threads, "corridor-login", initializer=_lower_priority)
        self._pending = 0  # only touched on the event loop

    async def run(self, fn: Callable[..., T], *args) -> T:
        if self._pending >= self.threads + self.queue:
            raise Busy("LOGIN_BUSY", "too many logins in progress; retry shortly", retry_after=1)
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        finally:
            self._pending -= 1

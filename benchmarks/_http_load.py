"""A cheap HTTP/1.1 load generator for the benchmarks: one asyncio loop, keep-alive connections, requests built
as bytes before the clock starts, responses parsed only as far as the status line and Content-Length.

It must not eat the CPU of the server it measures (the machine may have two cores): at 200 requests/s it costs
a few percent of one core, where a thread per client with httpx cost about as much as the server itself.

- `open_loop`: request ``i`` is due at ``t0 + i / rate`` whatever happened before; its latency runs from that
  due time to the last byte of the answer, so time spent queueing anywhere (waiting for a free connection, a
  late send by this loop, the server's backlog) counts in full: no coordinated omission. A request due while
  every open connection is busy opens a new one, up to ``max_connections``; beyond, it waits for the first
  connection to come free (and that wait counts too). A pooled connection idle for `KEEPALIVE_S` or closed by
  the server is dropped, not sent on; a request that gets no answer counts as an error, with its reason.
- `closed_loop`: ``clients`` connections each send the next request as soon as the answer to the last one came.
- `flood`: ``clients`` connections posting the same request as fast as answers come, until told to stop.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

#: seconds an answer may take before the request counts as an error
TIMEOUT_S = 30.0
#: a send this many seconds after its due time counts as late (the generator itself fell behind)
LATE_S = 0.010
#: seconds a connection may sit idle in the open loop's pool and still be reused; an older one is closed and a
#: new one opened instead. Below the server's keep-alive timeout (``corridor serve``: 5 s, see
#: ``Settings.keep_alive_s``), so the generator never sends on a connection the server is closing: a POST is not
#: idempotent, so a request lost that way could not be retried. (As httpx's ``keepalive_expiry``.)
KEEPALIVE_S = 4.0


def request_bytes(method: str, path: str, host: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    """One HTTP/1.1 request, keep-alive, as bytes."""
    lines = [f"{method} {path} HTTP/1.1", f"host: {host}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines += ["content-type: application/json", f"content-length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.need = -1  # bytes of the whole answer once its head is parsed
        self.body_at = 0
        self.status = 0
        self.closed = False
        self.lost: str | None = None  # why the connection closed, when it did on its own
        self.idle_since = time.perf_counter()  # when its last answer came (or it connected)

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.need < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            self.status = int(head[0].split(" ", 2)[1])
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            self.body_at = end + 4
            self.need = self.body_at + length
        if len(self.buf) >= self.need:
            body = bytes(self.buf[self.body_at : self.need])
            del self.buf[: self.need]
            self.need = -1
            self.idle_since = time.perf_counter()
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result((self.status, body))

    def connection_lost(self, exc) -> None:
        self.closed = True
        waiting = self.waiter is not None and not self.waiter.done()
        idle = time.perf_counter() - self.idle_since
        self.lost = f"closed {'awaiting an answer' if waiting else 'while idle'} after {idle:.0f} s: {exc}"
        if waiting:
            self.waiter.set_exception(ConnectionError(f"connection {self.lost}"))

    async def send(self, data: bytes) -> tuple[int, bytes]:
        """Send one request; (status, body) of its answer."""
        if self.closed:
            raise ConnectionError(f"connection already {self.lost or 'closed'}")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await asyncio.wait_for(self.waiter, TIMEOUT_S)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(host: str, port: int) -> Connection:
    _, conn = await asyncio.get_running_loop().create_connection(Connection, host, port)
    return conn


@dataclass
class Tally:
    """Latencies (s) of the answers with the expected status, and the count of the others."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    late: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    connections: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # why requests got no answer (status 0)
    expired: int = 0  # idle connections dropped before reuse (`KEEPALIVE_S`)
    frozen: int = 0  # objects of this process kept out of the collector while the clock ran (open loop)

    def count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def no_answer(self, exc: BaseException) -> None:
        """A request that got no HTTP answer: counted as an error with status 0, and why."""
        self.errors += 1
        self.count(0)
        why = f"{type(exc).__name__}: {exc or f'no answer within {TIMEOUT_S:g} s'}"
        self.reasons[why] = self.reasons.get(why, 0) + 1


async def open_loop(
    host: str,
    port: int,
    make: Callable[[int], bytes],
    *,
    rate: float,
    seconds: float,
    expect: int = 201,
    warm: int = 8,
    max_connections: int = 1000,
) -> Tally:
    """Requests ``make(0)``, ``make(1)``, ... at ``rate`` per second for ``seconds``; see the module doc."""
    n = int(rate * seconds)
    requests = [make(i) for i in range(n)]  # built before the clock starts
    idle: deque[Connection] = deque([await connect(host, port) for _ in range(warm)])
    tally = Tally(connections=warm)
    # this process's own long-lived heap (numpy, the service's modules for the set-up, the requests) out of the
    # collector while the clock runs: a full collection of it took 36-122 ms (gc.callbacks, transit_load's
    # set-up), during which no request is sent on time, and that lateness would count against the server
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
        tally.frozen = gc.get_freeze_count()
    try:
        return await _open_loop(host, port, requests, idle, tally, rate, expect, max_connections)
    finally:
        if freeze:
            gc.unfreeze()


async def _open_loop(
    host: str,
    port: int,
    requests: list[bytes],
    idle: deque[Connection],
    tally: Tally,
    rate: float,
    expect: int,
    max_connections: int,
) -> Tally:
    n = len(requests)
    tasks = set()
    clock = time.perf_counter  # the loop's own clock may tick in whole milliseconds (uvloop)
    t0 = clock() + 0.2

    waiting: deque[asyncio.Future] = deque()  # requests due while all ``max_connections`` are busy

    async def take() -> Connection:
        while idle:  # the most recently used first; one idle too long (or closed by the server) is dropped
            conn = idle.pop()
            if not conn.closed and clock() - conn.idle_since < KEEPALIVE_S:
                return conn
            conn.close()
            tally.connections -= 1
            tally.expired += 1
        if tally.connections < max_connections:
            tally.connections += 1
            try:
                return await connect(host, port)
            except OSError:
                tally.connections -= 1
                raise
        fut = asyncio.get_running_loop().create_future()
        waiting.append(fut)
        return await fut

    def give_back(conn: Connection) -> None:
        if conn.closed:
            tally.connections -= 1
            if waiting:  # its place goes to the next waiting request
                tally.connections += 1
                waiter = waiting.popleft()
                task = asyncio.ensure_future(connect(host, port))
                task.add_done_callback(
                    lambda t: (
                        waiter.set_exception(t.exception())
                        if t.exception()
                        else waiter.set_result(t.result())
                    )
                )
        elif waiting:
            waiting.popleft().set_result(conn)
        else:
            idle.append(conn)

    async def one(i: int, due: float) -> None:
        conn = None
        try:
            conn = await take()
            if clock() - due > LATE_S:
                tally.late += 1
            status, _ = await conn.send(requests[i])
        except (OSError, TimeoutError) as e:
            tally.no_answer(e)
            if conn is not None:
                conn.close()
                conn.closed = True
                give_back(conn)
            return
        done = clock()
        tally.count(status)
        if status == expect:
            tally.latencies.append(done - due)
        else:
            tally.errors += 1
        give_back(conn)

    for i in range(n):
        due = t0 + i / rate
        wait = due - clock()
        if wait > 0:
            await asyncio.sleep(wait)
        task = asyncio.ensure_future(one(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*list(tasks))
    tally.elapsed_s = clock() - t0
    for conn in idle:
        conn.close()
    return tally


async def closed_loop(
    host: str,
    port: int,
    make: Callable[[int], bytes],
    *,
    clients: int,
    seconds: float,
    expect: int = 201,
) -> Tally:
    """``clients`` connections, each sending its next request when the last one is answered."""
    conns = [await connect(host, port) for _ in range(clients)]
    tally = Tally(connections=clients)
    clock = time.perf_counter
    counter = iter(range(10**9))
    built = [make(next(counter)) for _ in range(clients)]
    t0 = clock()
    end = t0 + seconds

    async def client(c: int) -> None:
        conn = conns[c]
        while clock() < end:
            data, built[c] = built[c], make(next(counter))  # the next one is built off the clock
            start = clock()
            try:
                status, _ = await conn.send(data)
            except (OSError, TimeoutError) as e:
                tally.no_answer(e)
                conn = conns[c] = await connect(host, port)
                continue
            tally.count(status)
            if status == expect:
                tally.latencies.append(clock() - start)
            else:
                tally.errors += 1

    await asyncio.gather(*(client(c) for c in range(clients)))
    tally.elapsed_s = clock() - t0
    for conn in conns:
        conn.close()
    return tally


async def flood(host: str, port: int, data: bytes, *, clients: int, stop: asyncio.Event) -> Tally:
    """``clients`` connections posting ``data`` back to back until ``stop`` is set; the answers by status."""
    tally = Tally(connections=clients)

    async def client() -> None:
        conn = await connect(host, port)
        while not stop.is_set():
            try:
                status, _ = await conn.send(data)
            except (OSError, TimeoutError) as e:
                tally.no_answer(e)
                status = None
                conn.close()
                conn = await connect(host, port)
            if status is not None:
                tally.count(status)
        conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return tally

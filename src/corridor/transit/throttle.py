"""Brute-force throttling of logins, per account and per client address (OWASP ASVS 6.3.1 / 2.2.1).

Failures are counted in a sliding window; once a key reaches its limit it is locked for ``lockout_s`` and every
attempt on it, right password or not, answers 429 with ``Retry-After`` before any password is hashed. A success
clears the account's failures (not the address's: one valid account must not launder an address's guesses).
Unknown usernames count like known ones, so lockout behaviour does not reveal which accounts exist.

State is per server process (``--workers N`` multiplies the limits by N at most); an address is the TCP peer,
so behind a reverse proxy every client shares the proxy's address (set the per-address limit accordingly).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

#: Keys tracked at most; past this the oldest idle ones are dropped (bounded memory under a spray).
MAX_KEYS = 100_000


@dataclass
class _Key:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


@dataclass(frozen=True)
class Lockout:
    kind: str  # "account" | "address"
    key: str
    until: float


class LoginThrottle:
    def __init__(
        self,
        *,
        per_account: int,
        per_address: int,
        window_s: float,
        lockout_s: float,
        clock: Callable[[], float],
    ):
        self.limits = {"account": per_account, "address": per_address}
        self.window_s, self.lockout_s, self.clock = window_s, lockout_s, clock
        self._keys: dict[tuple[str, str], _Key] = {}
        self._lock = threading.Lock()

    def retry_after(self, account: str, address: str) -> float | None:
        """Seconds until ``account`` from ``address`` may try again, or None if it may now."""
        now = self.clock()
        with self._lock:
            waits = [
                k.locked_until - now
                for k in (self._keys.get(("account", account)), self._keys.get(("address", address)))
                if k is not None and k.locked_until > now
            ]
        return max(waits) if waits else None

    def failure(self, account: str, address: str) -> list[Lockout]:
        """Count a failed attempt; the lockouts it started (to be audited)."""
        now, started = self.clock(), []
        with self._lock:
            if len(self._keys) >= MAX_KEYS:
                self._prune(now)
            for kind, key in (("account", account), ("address", address)):
                k = self._keys.setdefault((kind, key), _Key())
                while k.failures and k.failures[0] <= now - self.window_s:
                    k.failures.popleft()
                k.failures.append(now)
                if len(k.failures) >= self.limits[kind] and k.locked_until <= now:
                    k.locked_until = now + self.lockout_s
                    k.failures.clear()
                    started.append(Lockout(kind, key, k.locked_until))
        return started

    def success(self, account: str) -> None:
        with self._lock:
            self._keys.pop(("account", account), None)

    def _prune(self, now: float) -> None:
        idle = [
            key
            for key, k in self._keys.items()
            if k.locked_until <= now and (not k.failures or k.failures[-1] <= now - self.window_s)
        ]
        for key in idle or list(self._keys)[: len(self._keys) // 2]:
            del self._keys[key]

"""Errors of the transit service. Each carries an HTTP status, a stable code and (optionally) the field at fault.

The API turns them into RFC 9457 problem details; the CLI prints them like any other `CorridorError`.
Codes follow the spirit of eTIR/NCTS (anchors §1-2): ``OUT_OF_SEQUENCE`` is NCTS functional error 92.
"""

from __future__ import annotations

from corridor._errors import CorridorError


class TransitError(CorridorError):
    """Base: ``status`` (HTTP), ``code`` (stable, machine-readable), ``field`` (JSON pointer or name)."""

    status = 400
    title = "Bad request"

    def __init__(self, code: str, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field


class Unauthenticated(TransitError):
    status = 401
    title = "Not authenticated"


class Forbidden(TransitError):
    status = 403
    title = "Forbidden"


class Missing(TransitError, LookupError):
    status = 404
    title = "Not found"


class Conflict(TransitError):
    """The act is not allowed now (state, uniqueness, capacity)."""

    status = 409
    title = "Conflict"


class Unprocessable(TransitError, ValueError):
    status = 422
    title = "Unprocessable content"


class TooManyRequests(TransitError):
    """Throttled: ``retry_after`` seconds until the next attempt may succeed (sent as ``Retry-After``)."""

    status = 429
    title = "Too many requests"

    def __init__(self, code: str, detail: str, *, retry_after: float, field: str | None = None):
        super().__init__(code, detail, field=field)
        self.retry_after = max(1, int(retry_after + 0.999))


class Busy(TooManyRequests):
    """The server is saturated for this kind of request (503 with ``Retry-After``)."""

    status = 503
    title = "Service unavailable"


class TooLarge(TransitError):
    status = 413
    title = "Content too large"

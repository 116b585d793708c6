"""Cookie sessions for the pages: the bearer token in an HttpOnly, SameSite=Strict cookie, plus a form token.

A form token is an HMAC of the session token under a server key with a purpose label, so it is bound to the
session, needs no server state, and a page on another site can neither read the cookie nor compute the token
(defence in depth on top of SameSite=Strict). The login form gets the same protection from a short-lived nonce
cookie, so nobody can log a victim into the attacker's account either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote

from fastapi import Request, Response

from corridor.transit.auth import Principal
from corridor.transit.errors import TransitError
from corridor.transit.service import TransitService

SESSION_COOKIE = "corridor_session"
LOGIN_COOKIE = "corridor_login"
FLASH_COOKIE = "corridor_flash"
COOKIE_PATH = "/web"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form."""


class BadFormToken(TransitError):
    status = 403
    title = "Forbidden"


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    token: str
    csrf: str


def service_of(request: Request) -> TransitService:
    return request.app.state.service


def form_token(service: TransitService, purpose: str, secret: str) -> str:
    return hmac.new(service.csrf_key, f"web-form/{purpose}\0{secret}".encode(), hashlib.sha256).hexdigest()


def check_form_token(service: TransitService, purpose: str, secret: str, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(form_token(service, purpose, secret), sent):
        raise BadFormToken(
            "BAD_FORM_TOKEN",
            "this form has expired or did not come from this site; reload the page and try again",
            field=CSRF_FIELD,
        )


def current_user(request: Request) -> WebUser:
    """The logged-in user from the session cookie, or `LoginRequired`."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    service = service_of(request)
    try:
        who = service.authenticate(token)
    except TransitError:
        raise LoginRequired from None
    return WebUser(who, token, form_token(service, "session", token))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(request: Request, response: Response, token: str, expires_at: datetime) -> None:
    """The cookie lives as long as the token, measured on the service's clock (which issued ``expires_at``)."""
    max_age = max(1, int((expires_at - service_of(request).clock()).total_seconds()))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def set_login_nonce(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def set_flash(response: Response, kind: str, text: str) -> None:
    """A one-shot message for the next page (Post/Redirect/Get)."""
    response.set_cookie(
        FLASH_COOKIE,
        quote(f"{kind}:{text[:400]}"),
        max_age=60,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
    )


def read_flash(request: Request) -> tuple[str, str] | None:
    """The pending message, if any (the caller deletes the cookie with `clear_flash`)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    kind, _, text = unquote(raw).partition(":")
    return ("ok" if kind == "ok" else "error"), text


def clear_flash(response: Response) -> None:
    response.delete_cookie(FLASH_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")

"""Page routes. Each handler asks `TransitService` with the logged-in `Principal`; nothing here decides access.

Errors never reach the browser as a stack trace: `WebRoute` renders every `TransitError` as a message page with
its status (404 for a foreign declaration, 403, 409 ...), and anything unexpected as a plain 500 page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import jinja2
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor.transit import labels
from corridor.transit.auth import Principal, Role
from corridor.transit.errors import Forbidden, Missing, TooManyRequests, TransitError
from corridor.transit.schemas import (
    CheckpointEvent,
    DecisionCreate,
    DeclarationPublic,
    InspectionCreate,
    RejectReason,
    SlotBook,
)
from corridor.transit.service import Idem, TransitService
from corridor.transit.states import DISCREPANCY, IN_TRANSIT, State, decisions_from
from corridor.transit.web import _session as sess
from corridor.transit.web._forms import CONSIGNMENT_ROWS, error_messages, field_label, parse_declaration

log = logging.getLogger(__name__)

#: Pages allow only our own scripts, styles and forms (no inline script, no third-party origin).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
HOME = {
    Role.CARRIER: "/web/declarations",
    Role.OFFICER: "/web/queue",
    Role.CHECKPOINT: "/web/checkpoint",
    Role.OPERATOR: "/web/board",
    Role.AUDITOR: "/web/board",
}
CHANNELS = ("green", "yellow", "red")
PAGE_SIZE = 50

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.PackageLoader("corridor.transit.web", "templates"),
        autoescape=True,
    )
)


def duration(td: timedelta) -> str:
    """'3 d 4 h', '2 h 05 min', '7 min' (never negative)."""
    minutes = max(0, int(td.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


templates.env.globals.update(
    state_label=labels.state,
    discrepancy_label=labels.discrepancies,
    reject_label=labels.reject,
    reject_codes=labels.REJECT_CODES,
    decision_labels=labels.DECISIONS,
    discrepancy_kinds=labels.DISCREPANCIES,
)
templates.env.filters["duration"] = duration


def _maybe_user(request: Request) -> sess.WebUser | None:
    try:
        return sess.current_user(request)
    except sess.LoginRequired:
        return None


def render(request: Request, name: str, user: sess.WebUser | None, status: int = 200, **ctx) -> Response:
    flash = sess.read_flash(request)
    ctx.setdefault("messages", [])
    service = _service(request)
    ctx.setdefault("place", service.corridor.place)  # checkpoint code -> the name people use
    ctx.setdefault("now", service.clock())
    resp = templates.TemplateResponse(
        request,
        name,
        {
            "user": user.principal if user else None,
            "csrf": user.csrf if user else "",
            "csrf_field": sess.CSRF_FIELD,
            "flash": flash,
            "home": HOME.get(user.principal.role, "/web/board") if user else "/web/login",
            "path": request.url.path,
            **ctx,
        },
        status_code=status,
        headers=SECURITY_HEADERS,
    )
    if flash:
        sess.clear_flash(resp)
    return resp


def redirect(url: str, *, flash: tuple[str, str] | None = None) -> RedirectResponse:
    resp = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    if flash:
        sess.set_flash(resp, *flash)
    return resp


def safe_next(url: str | None, default: str) -> str:
    """Only local page paths: no scheme, no host, no '//' (open-redirect safe)."""
    if url and url.startswith("/web/") and not url.startswith("//") and "\\" not in url and "\n" not in url:
        return url
    return default


class WebRoute(APIRoute):
    """Render errors as pages: messages, never a stack trace."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except sess.LoginRequired:
                if request.method == "GET":
                    return redirect(f"/web/login?next={request.url.path}")
                return redirect("/web/login", flash=("error", "Your session has ended; please log in again."))
            except TransitError as e:
                user = await run_in_threadpool(_maybe_user, request)
                return render(
                    request, "error.html", user, e.status, title=e.title, code=e.code, detail=e.detail
                )
            except StarletteHTTPException:
                raise  # 4xx of the HTTP layer (form and body limits): the app's problem handler answers
            except RequestValidationError as e:
                user = await run_in_threadpool(_maybe_user, request)
                bad_path = any(err.get("loc", ("",))[0] == "path" for err in e.errors())
                status, title = (404, "Not found") if bad_path else (400, "Bad request")
                detail = (
                    f"there is no page {request.url.path}"
                    if bad_path
                    else "; ".join(str(err.get("msg", "")) for err in e.errors()[:5])
                )
                return render(
                    request, "error.html", user, status, title=title, code="VALIDATION", detail=detail
                )
            except Exception:
                log.exception("web page failed: %s %s", request.method, request.url.path)
                return render(
                    request,
                    "error.html",
                    None,
                    500,
                    title="Internal error",
                    code="INTERNAL",
                    detail="The server failed on this page; nothing was recorded. Please try again.",
                )

        return guarded


router = APIRouter(prefix="/web", route_class=WebRoute, include_in_schema=False)


# ----- dependencies ----------------------------------------------------------------------------------------


def _service(request: Request) -> TransitService:
    return sess.service_of(request)


async def form_fields(request: Request) -> dict[str, str]:
    # limits answered as 400 (Starlette raises HTTPException); the body size is bounded before (limits.py)
    form = await request.form(max_fields=request.app.state.settings.max_form_fields, max_files=0)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def posting_user(request: Request, form: Annotated[dict[str, str], Depends(form_fields)]) -> sess.WebUser:
    """The logged-in user of a POST whose form token matches the session (CSRF)."""
    user = sess.current_user(request)
    sess.check_form_token(_service(request), "session", user.token, form.get(sess.CSRF_FIELD))
    return user


User = Annotated[sess.WebUser, Depends(sess.current_user)]
Poster = Annotated[sess.WebUser, Depends(posting_user)]
Form = Annotated[dict[str, str], Depends(form_fields)]
Service = Annotated[TransitService, Depends(_service)]


def form_idem(form: dict[str, str], what: str) -> Idem | None:
    """A double-clicked or re-sent form replays its first result (the form carries a one-time id)."""
    form_id = form.get("form_id", "")
    if not form_id:
        return None
    body = {k: v for k, v in form.items() if k not in (sess.CSRF_FIELD, "form_id", "next")}
    digest = hashlib.sha256(f"{what}\n{json.dumps(body, sort_keys=True)}".encode()).hexdigest()
    return Idem(f"web-{form_id}"[:255], digest)


def _require(who: Principal, *roles: Role, what: str) -> None:
    who.require(*roles, action=what)


# ----- login -----------------------------------------------------------------------------------------------


@router.get("/")
def home(user: User) -> RedirectResponse:
    return redirect(HOME.get(user.principal.role, "/web/board"))


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    nonce = sess.new_login_nonce()
    page = render(
        request,
        "login.html",
        None,
        login_token=sess.form_token(_service(request), "login", nonce),
        next=safe_next(next, ""),
        username="",
    )
    sess.set_login_nonce(request, page, nonce)
    return page


@router.post("/login")
async def login(request: Request, form: Form, service: Service) -> Response:
    nonce = request.cookies.get(sess.LOGIN_COOKIE, "")
    if not nonce:
        raise sess.BadFormToken(
            "COOKIES_NEEDED", "the login form needs cookies; enable them and reload the page"
        )
    sess.check_form_token(service, "login", nonce, form.get(sess.CSRF_FIELD))
    from corridor.transit.api import login_off_loop  # the API's bounded login pool

    try:
        tok = await login_off_loop(request, form.get("username", ""), form.get("password", ""))
    except TransitError as e:
        fresh = sess.new_login_nonce()
        page = render(
            request,
            "login.html",
            None,
            e.status,
            login_token=sess.form_token(service, "login", fresh),
            next=safe_next(form.get("next"), ""),
            username=form.get("username", ""),
            messages=[e.detail],
        )
        sess.set_login_nonce(request, page, fresh)
        if isinstance(e, TooManyRequests):
            page.headers["Retry-After"] = str(e.retry_after)
        return page
    who = await run_in_threadpool(service.authenticate, tok.access_token)
    resp = redirect(safe_next(form.get("next"), HOME.get(who.role, "/web/board")))
    sess.set_session(request, resp, tok.access_token, tok.expires_at)
    resp.delete_cookie(sess.LOGIN_COOKIE, path=sess.COOKIE_PATH, httponly=True, samesite="strict")
    return resp


@router.post("/logout")
def logout(request: Request, user: Poster, service: Service) -> Response:
    client = request.client.host if request.client else "unknown"
    service.logout(user.token, who=user.principal, client=client)  # revoke the token, not just the cookie
    resp = redirect("/web/login", flash=("ok", f"{user.principal.username} logged out."))
    sess.clear_session(resp)
    return resp


# ----- declarations ----------------------------------------------------------------------------------------


@router.get("/declarations")
def declarations(
    request: Request,
    user: User,
    service: Service,
    state: str = "",
    channel: str = "",
    carrier: str = "",
    q: str = "",
    offset: int = 0,
) -> Response:
    who = user.principal
    state = state if state in {s.value for s in State} else ""
    channel = channel if channel in CHANNELS else ""
    carrier = carrier.strip()[:64]
    q = q.strip()[:35]
    page = service.list(
        who,
        state=state or None,
        channel=channel or None,
        carrier=(carrier or None) if who.role is not Role.CARRIER else None,
        search=q or None,
        offset=max(0, offset),
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "declarations.html",
        user,
        page=page,
        states=[s.value for s in State],
        channels=CHANNELS,
        filters={"state": state, "channel": channel, "carrier": carrier, "q": q},
        page_size=PAGE_SIZE,
    )


def _new_form(request: Request, user: sess.WebUser, status: int = 200, form=None, messages=()) -> Response:
    return render(
        request,
        "declaration_new.html",
        user,
        status,
        form=form or {"direction": "westbound", "kind": "truck"},
        rows=range(CONSIGNMENT_ROWS),
        form_id=secrets.token_urlsafe(16),
        messages=list(messages),
    )


@router.get("/declarations/new")
def new_declaration(request: Request, user: User) -> Response:
    _require(user.principal, Role.CARRIER, what="submit declarations")
    return _new_form(request, user)


@router.post("/declarations/new")
def submit_declaration(request: Request, user: Poster, form: Form, service: Service) -> Response:
    _require(user.principal, Role.CARRIER, what="submit declarations")
    try:
        data = parse_declaration(form)
        d = service.submit(user.principal, data, idem=form_idem(form, "submit"))
    except ValidationError as e:
        return _new_form(request, user, 422, form, error_messages(e))
    except TransitError as e:
        where = field_label(e.field)
        return _new_form(request, user, e.status, form, [f"{where}: {e.detail}" if where else e.detail])
    return redirect(
        f"/web/declarations/{d.id}", flash=("ok", f"Declaration {d.reference} submitted (id {d.id}).")
    )


@router.get("/declarations/{declaration_id}")
def declaration(request: Request, declaration_id: int, user: User, service: Service) -> Response:
    if not 1 <= declaration_id <= 2**31 - 1:
        raise Missing("NOT_FOUND", f"declaration {declaration_id} not found", field="declaration_id")
    d = service.get(user.principal, declaration_id)
    return render(
        request,
        "declaration.html",
        user,
        d=d,
        in_transit=State(d.state) in IN_TRANSIT,
        decisions=decisions_from(d.state),
        form_id=secrets.token_urlsafe(16),
    )


def _bool(form: dict[str, str], name: str, default: str = "yes") -> bool:
    return form.get(name, default) in ("yes", "on", "true", "1")


def _event(who: Principal, form: dict[str, str]) -> CheckpointEvent:
    """The checkpoint form: seals intact or not, a ``finding`` choice and/or one checkbox per discrepancy."""
    found = [form["finding"]] if form.get("finding") else []
    found += [k for k in labels.DISCREPANCIES if _bool(form, f"d_{k}", "no")]
    return CheckpointEvent(
        checkpoint=who.scope or "",
        seals_intact=_bool(form, "seals_intact"),
        discrepancies=found,
        note=form.get("note", ""),
    )


#: act in the URL -> how to call the service with the form
ACTS: dict[str, Callable[[TransitService, Principal, int, dict[str, str], Idem | None], object]] = {
    "accept": lambda s, w, i, f, k: s.accept(w, i, idem=k),
    "assess": lambda s, w, i, f, k: s.assess(w, i, idem=k),
    "release": lambda s, w, i, f, k: s.release(w, i, idem=k),
    "hold": lambda s, w, i, f, k: s.hold(w, i, idem=k),
    "discharge": lambda s, w, i, f, k: s.discharge(w, i, idem=k),
    "enquiry": lambda s, w, i, f, k: s.enquire(w, i, idem=k),
    "cancel": lambda s, w, i, f, k: s.cancel(w, i, idem=k),
    "reject": lambda s, w, i, f, k: s.reject(
        w, i, RejectReason(code=f.get("code", ""), detail=f.get("detail", "")), idem=k
    ),
    "inspection": lambda s, w, i, f, k: s.inspect(
        w,
        i,
        InspectionCreate(
            outcome=f.get("outcome", ""),
            findings=f.get("findings", ""),
            seals_intact=_bool(f, "seals_intact"),
            reject_code=f.get("reject_code") or "R04",
        ),
        idem=k,
    ),
    "entry": lambda s, w, i, f, k: s.enter(w, i, _event(w, f), idem=k),
    "exit": lambda s, w, i, f, k: s.exit(w, i, _event(w, f), idem=k),
    "decision": lambda s, w, i, f, k: s.decide(
        w, i, DecisionCreate(outcome=f.get("outcome", ""), reason=f.get("reason", "")), idem=k
    ),
    "slot": lambda s, w, i, f, k: s.book_slot(w, i, SlotBook(day=f.get("day", "")), idem=k),
}
DONE = {
    "accept": "accepted",
    "assess": "risk-assessed",
    "release": "released for transit",
    "hold": "held for inspection",
    "discharge": "discharged",
    "enquiry": "under enquiry",
    "cancel": "cancelled",
    "reject": "rejected",
    "inspection": "inspected",
    "entry": "recorded as entered",
    "exit": "recorded as exited",
    "slot": "booked on a slot",
    "decision": "decided",
}


def needs_confirmation(act: str, form: dict[str, str]) -> bool:
    """Acts that end a movement or release or call money are confirmed on a page of their own first."""
    if act == "inspection":
        return form.get("outcome") == "fail"
    return act in ("discharge", "cancel", "reject", "decision")


def _consequence(act: str, d: DeclarationPublic, form: dict[str, str]) -> tuple[str, str]:
    """(the question, what follows) for the confirmation page."""
    money = f"guarantee {d.guarantee_reference} ({d.guarantee_usd:,.2f} USD)"
    if act == "discharge":
        return "Discharge this movement?", f"The transit ends and the {money} is released to the carrier."
    if act == "cancel":
        return "Cancel this declaration?", "It cannot be reopened; a new declaration would be needed."
    if act == "reject":
        why = labels.reject(form.get("code"), form.get("detail"))
        return "Reject this declaration?", f"The carrier is told the reason: {why}. It cannot be reopened."
    if act == "inspection":
        why = labels.reject(form.get("reject_code") or "R04", form.get("findings"))
        return "Record a failed inspection?", f"The declaration is rejected ({why}); the goods do not cross."
    label, effect = labels.DECISIONS.get(form.get("outcome", ""), ("Decide", "the decision is recorded"))
    return f"{label}?", f"{effect[:1].upper()}{effect[1:]}. Reason recorded: {form.get('reason', '')!r}."


def _confirm_page(
    request: Request, user: sess.WebUser, service: TransitService, declaration_id: int, act: str, form
) -> Response:
    d = service.get(user.principal, declaration_id)  # 404 for a declaration the user may not see
    question, effect = _consequence(act, d, form)
    keep = {k: v for k, v in form.items() if k not in (sess.CSRF_FIELD, "confirm")}
    keep.setdefault("form_id", secrets.token_urlsafe(16))
    return render(
        request,
        "confirm.html",
        user,
        d=d,
        act=act,
        question=question,
        effect=effect,
        fields=keep,
        back=safe_next(form.get("next"), f"/web/declarations/{declaration_id}"),
    )


def _done(act: str, d: DeclarationPublic, place: Callable[[str], str]) -> str:
    head = f"Declaration {d.reference} (id {d.id})"
    if act in ("entry", "exit") and State(d.state) in DISCREPANCY:
        ev = d.events[-1]
        return (
            f"{head}: {act} at {place(ev.checkpoint)} recorded with a discrepancy "
            f"({labels.discrepancies(ev.discrepancies)}); it now waits for an officer's decision."
        )
    if act == "decision":
        return f"{head}: decision recorded; now {labels.state(d.state)}."
    extra = f", channel {d.channel} ({d.risk_rule})" if act == "assess" else ""
    return f"{head} {DONE[act]}{extra}."


@router.post("/declarations/{declaration_id}/{act}")
def act(
    request: Request, declaration_id: int, act: str, user: Poster, form: Form, service: Service
) -> Response:
    back = safe_next(form.get("next"), f"/web/declarations/{declaration_id}")
    fn = ACTS.get(act)
    if fn is None:
        raise Missing("UNKNOWN_ACT", f"there is no act {act!r}", field="act")
    if needs_confirmation(act, form) and form.get("confirm") != "yes":
        return _confirm_page(request, user, service, declaration_id, act, form)
    try:
        d = fn(service, user.principal, declaration_id, form, form_idem(form, f"{act}/{declaration_id}"))
    except ValidationError as e:
        return redirect(back, flash=("error", "; ".join(error_messages(e))))
    except (Forbidden, Missing):
        raise  # shown as a page: the user may not act here at all
    except TransitError as e:
        return redirect(back, flash=("error", f"{e.detail} ({e.code})"))
    return redirect(back, flash=("ok", _done(act, d, service.corridor.place)))


# ----- officer queue, checkpoint, board ---------------------------------------------------------------------


@router.get("/queue")
def queue(request: Request, user: User, service: Service) -> Response:
    who = user.principal
    _require(who, Role.OFFICER, Role.AUDITOR, what="see the officers' queue")

    def items(**kw):
        return service.list(who, limit=200, **kw)

    assessed = items(state=State.ASSESSED.value)
    by_channel = {c: [d for d in assessed.items if d.channel == c] for c in CHANNELS}
    overdue = [d for d in items(overdue=True).items if State(d.state) in IN_TRANSIT]
    return render(
        request,
        "queue.html",
        user,
        discrepancies=items(states=tuple(s.value for s in DISCREPANCY)),
        submitted=items(state=State.SUBMITTED.value),
        accepted=items(state=State.ACCEPTED.value),
        by_channel=by_channel,
        held=items(state=State.HELD.value),
        exited=items(state=State.EXITED.value),
        overdue=overdue,
        decide=who.role is Role.OFFICER,
    )


@router.post("/overdue/scan")
def scan_overdue(user: Poster, form: Form, service: Service) -> Response:
    flagged = service.flag_overdue(user.principal, idem=form_idem(form, "overdue"))
    return redirect("/web/queue", flash=("ok", f"{flagged.total} movement(s) newly flagged overdue."))


@router.get("/checkpoint")
def checkpoint(request: Request, user: User, service: Service, mrn: str = "") -> Response:
    """Movements arriving at and leaving by this checkpoint; an MRN (or part of one, or the carrier's
    reference) narrows both lists to the matches, and lists any other match in another state."""
    who = user.principal
    _require(who, Role.CHECKPOINT, what="record checkpoint events")
    mrn = mrn.strip().upper()[:35]
    search = mrn or None
    arriving = [
        d
        for d in service.list(who, state=State.RELEASED.value, search=search, limit=200).items
        if d.entry_checkpoint == who.scope
    ]
    leaving = [
        d
        for d in service.list(who, state=State.ENTERED.value, search=search, limit=200).items
        if d.exit_checkpoint == who.scope
    ]
    found = None
    if mrn:
        shown = {d.id for d in arriving + leaving}
        found = [d for d in service.list(who, search=mrn, limit=20).items if d.id not in shown]
    return render(
        request,
        "checkpoint.html",
        user,
        arriving=arriving,
        leaving=leaving,
        mrn=mrn,
        found=found,
        form_id=secrets.token_urlsafe(16),
    )


@router.get("/board")
def board(request: Request, user: User, service: Service) -> Response:
    b = service.board(user.principal)
    refresh = getattr(request.app.state, "web_board_refresh_s", 5.0)
    return render(request, "board.html", user, b=b, refresh_ms=int(refresh * 1000))


@router.get("/board.json")
def board_json(request: Request, service: Service) -> Response:
    """The board for the page's own script (cookie session; the API's /api/v1/board wants a bearer token)."""
    try:
        user = sess.current_user(request)
        data = service.board(user.principal).model_dump(mode="json")
    except sess.LoginRequired:
        return JSONResponse({"detail": "log in again"}, status_code=401, headers=SECURITY_HEADERS)
    except TransitError as e:
        return JSONResponse(
            {"detail": e.detail, "code": e.code}, status_code=e.status, headers=SECURITY_HEADERS
        )
    return JSONResponse(data, headers=SECURITY_HEADERS)


@router.get("/{rest:path}")
def not_found(rest: str) -> Response:
    raise Missing("NOT_FOUND", f"there is no page /web/{rest}")

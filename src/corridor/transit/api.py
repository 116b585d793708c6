"""HTTP API (FastAPI): thin routes over `TransitService`; errors as RFC 9457 problem details.

`create_app(settings)` builds the app; other routers (the web pages) can be mounted with ``app.include_router``
and reach the service as ``request.app.state.service``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor.transit.auth import Principal
from corridor.transit.errors import TooManyRequests, TransitError, Unauthenticated, Unprocessable
from corridor.transit.limits import BodyLimits, freeze_heap, uvicorn_options
from corridor.transit.login_pool import LoginPool
from corridor.transit.schemas import (
    TEXT_CHECKED,
    AuditReport,
    AuditRowPublic,
    BoardPublic,
    CheckpointEvent,
    DecisionCreate,
    DeclarationCreate,
    DeclarationPublic,
    InspectionCreate,
    Page,
    RejectReason,
    SlotBook,
    SlotPublic,
    SlotSet,
    TokenPublic,
    TokenRequest,
    UserPublic,
    json_text_storable,
    text_problem,
)
from corridor.transit.service import Idem, TransitService
from corridor.transit.settings import Settings
from corridor.transit.states import State

log = logging.getLogger(__name__)
PROBLEM_TYPE = "https://corridor.example/problems/"
PREFIX = "/api/v1"
DOCS_STATIC = "/docs-static"

# ----- problem details -------------------------------------------------------------------------------------


def problem(
    status_code: int, title: str, code: str, detail: str, field: str | None = None, **extra
) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE + code.lower().replace("_", "-"),
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
        "field": field,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status_code, media_type="application/problem+json", headers=headers)


def _pointer(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, rest = parts[0], parts[1:]
        return (f"/{'/'.join(rest)}" if where == "body" else f"{where}:{'/'.join(rest)}") if rest else where
    return "/" + "/".join(parts)


def _message(err: dict) -> str:
    """Pydantic's message without its 'Value error, ' prefix: our validators already say what is wrong."""
    return str(err.get("msg", "")).removeprefix("Value error, ")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(TransitError)
    async def _transit(_req: Request, e: TransitError):
        extra = {"retry_after": e.retry_after} if isinstance(e, TooManyRequests) else {}
        return problem(e.status, e.title, e.code, e.detail, e.field, **extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, e: RequestValidationError):
        errors = [{"field": _pointer(err.get("loc", ())), "message": _message(err)} for err in e.errors()]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors[:10])
        return problem(422, "Unprocessable content", "VALIDATION", detail, first["field"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, e: StarletteHTTPException):
        code = {
            404: "NOT_FOUND",
            405: "METHOD_NOT_ALLOWED",
            401: "BAD_TOKEN",
            400: "BAD_REQUEST",
            413: "TOO_LARGE",
        }.get(e.status_code, "HTTP_ERROR")
        return problem(e.status_code, str(e.detail), code, str(e.detail))

    @app.exception_handler(Exception)
    async def _internal(_req: Request, e: Exception):  # pragma: no cover - only on bugs
        log.exception("internal error")
        return problem(
            500, "Internal server error", "INTERNAL", "the server failed; the act was not recorded"
        )


# ----- dependencies ----------------------------------------------------------------------------------------


# Dependencies are ``async def`` where they do not block: FastAPI runs a plain ``def`` dependency in the thread
# pool, one hop per dependency per request.


async def get_service(request: Request) -> TransitService:
    return request.app.state.service


_bearer = HTTPBearer(auto_error=False)
ServiceDep = Annotated[TransitService, Depends(get_service)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _token(creds: HTTPAuthorizationCredentials | None) -> str:
    if creds is None or not creds.credentials:
        raise Unauthenticated("BAD_TOKEN", "send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
    return creds.credentials


async def current_principal(service: ServiceDep, creds: Credentials) -> Principal:
    token = _token(creds)
    # the principal cache answers in memory; only a miss goes to the database, in the thread pool
    return service.cached_principal(token) or await run_in_threadpool(service.authenticate, token)


Who = Annotated[Principal, Depends(current_principal)]


async def idempotency(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            description="Retry-safe key: a retry returns the original result; reuse with another body is 422",
        ),
    ] = None,
) -> Idem | None:
    if key is None:
        return None
    why = text_problem(key) or (
        None if key.isprintable() and key.strip() else "must be printable and not blank"
    )
    if why:
        raise Unprocessable("VALIDATION", f"Idempotency-Key {why}", field="header:Idempotency-Key")
    digest = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + await request.body()
    )
    return Idem(key, digest.hexdigest())


IdemDep = Annotated[Idem | None, Depends(idempotency)]


def _json(model, status_code: int = 200) -> Response:
    """Serialise the service's (already valid) result once, skipping FastAPI's re-validation against the
    ``response_model`` (which is kept for the OpenAPI spec)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


DeclId = Annotated[int, Path(ge=1, le=2**31 - 1, description="declaration id")]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=200)]
Code = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")]

ERRORS = {
    c: {"description": t, "content": {"application/problem+json": {}}}
    for c, t in (
        (401, "not authenticated"),
        (403, "forbidden"),
        (404, "not found"),
        (409, "conflict"),
        (422, "invalid request"),
    )
}

# ----- routes ----------------------------------------------------------------------------------------------

public = APIRouter(prefix=PREFIX, tags=["auth"], responses={422: ERRORS[422], 401: ERRORS[401]})
router = APIRouter(prefix=PREFIX, responses=ERRORS)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login_off_loop(request: Request, username: str, password: str) -> TokenPublic:
    """`TransitService.login` in the app's bounded, low-priority login pool (never on the event loop, never
    in the request threads): a login flood waits there or gets 503, and everyone else keeps their threads."""
    service: TransitService = request.app.state.service
    pool: LoginPool = request.app.state.login_pool
    client = client_address(request)
    try:  # a locked-out attempt never queues for the pool ...
        service.refuse_locked(username, client)
    except TooManyRequests:
        # ... and is answered late (tarpit, no thread held): a flooding client that waits for its answers then
        # sends about one attempt a second per connection instead of as many as the server can answer
        await asyncio.sleep(request.app.state.settings.login_locked_delay_s)
        raise
    return await pool.run(lambda: service.login(username, password, client=client))


@public.post(
    "/auth/token",
    response_model=TokenPublic,
    responses={
        429: {"description": "too many failed logins: locked for Retry-After seconds"},
        503: {"description": "login pool saturated: retry after Retry-After seconds"},
    },
)
async def login(body: TokenRequest, request: Request) -> Response:
    """Exchange a username and password for a bearer token (not idempotent: each call gives a new token).

    Throttled per account and per client address: after too many failures, 429 with ``Retry-After``."""
    return _json(await login_off_loop(request, body.username, body.password))


@public.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={401: ERRORS[401]},
    response_class=Response,
)
def logout(request: Request, service: ServiceDep, creds: Credentials) -> Response:
    """Revoke the bearer token sent with this request: it can never be used again."""
    token = _token(creds)
    who = service.authenticate(token)  # 401 for an unknown or expired token
    service.logout(token, who=who, client=client_address(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserPublic, tags=["auth"])
def me(who: Who) -> UserPublic:
    return UserPublic(
        username=who.username, role=who.role.value, country=who.country, agency=who.agency, scope=who.scope
    )


@router.get("/checkpoints", tags=["corridor"])
def checkpoints(who: Who, service: ServiceDep) -> list[dict]:
    """The controlled segments: checkpoints at both ends, length and speed, and where they come from."""
    return [
        {
            "mode": seg.mode,
            "east": seg.east.code,
            "west": seg.west.code,
            "length_km": seg.length_km,
            "speed_kmh": seg.speed_kmh,
            "source": seg.source,
        }
        for seg in service.corridor.segments.values()
    ]


async def submit(body: DeclarationCreate, who: Who, service: ServiceDep, idem: IdemDep) -> Response:
    # async: the act waits for its group commit on the event loop, not in one of the few request threads
    return _json(await service.submit_async(who, body, idem=idem), status.HTTP_201_CREATED)


def _json_content(content_type: str | None) -> bool:
    """True for the usual JSON content types only (``application/json``, with parameters or not); the rest goes
    through FastAPI's own parsing, which decides what it means."""
    if content_type is None:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json"


_TEXT_CHECKED = {TEXT_CHECKED: True}


class SubmitRoute(APIRoute):
    """``POST /declarations``, the busiest route, without FastAPI's per-request dependency machinery.

    The common case (a JSON body, a bearer token, at most one well-formed Idempotency-Key, a valid declaration)
    runs here in one function: the same checks as the `submit` endpoint's dependencies, in the same order
    (body JSON, then the token, then the key, then the body's validation), and the same act. Anything else
    (no or another content type, bad JSON, a malformed header, an invalid body) is handed to FastAPI's own
    handler of the same route, which answers it exactly as it would have: errors cost what they cost before,
    and their answers cannot drift from the other routes'. The endpoint's signature still describes the route
    in the OpenAPI document."""

    def get_route_handler(self):
        slow = super().get_route_handler()

        async def handler(request: Request) -> Response:
            headers = request.headers
            if not _json_content(headers.get("content-type")):
                return await slow(request)
            raw = await request.body()
            try:
                data = json.loads(raw) if raw else None
            except ValueError:  # JSONDecodeError, or bytes that are not UTF-8/16/32
                return await slow(request)
            scheme, _, token = (headers.get("authorization") or "").partition(" ")
            keys = headers.getlist("idempotency-key")
            if not isinstance(data, dict) or scheme.lower() != "bearer" or not token or len(keys) > 1:
                return await slow(request)
            service: TransitService = request.app.state.service
            who = service.cached_principal(token) or await run_in_threadpool(service.authenticate, token)
            idem = None
            if keys:
                key = keys[0]
                if len(key) > 255 or text_problem(key) or not (key.isprintable() and key.strip()):
                    return await slow(request)
                # the scope's path is ``request.url.path`` here (a static path: nothing to escape or re-parse)
                digest = hashlib.sha256(b"POST " + request.scope["path"].encode() + b"\n" + raw)
                idem = Idem(key, digest.hexdigest())
            try:  # the models' own walk for NUL and lone surrogates only when the bytes leave a doubt
                body = DeclarationCreate.model_validate(
                    data, context=_TEXT_CHECKED if json_text_storable(raw) else None
                )
            except ValidationError:
                return await slow(request)
            answer = await service.submit_json_async(who, body, idem=idem)
            return Response(answer, status_code=status.HTTP_201_CREATED, media_type="application/json")

        return handler


router.add_api_route(
    "/declarations",
    submit,
    methods=["POST"],
    response_model=DeclarationPublic,
    status_code=status.HTTP_201_CREATED,
    tags=["declarations"],
    route_class_override=SubmitRoute,
)


@router.get("/declarations", response_model=Page[DeclarationPublic], tags=["declarations"])
def list_declarations(
    who: Who,
    service: ServiceDep,
    state: State | None = None,
    channel: Literal["green", "yellow", "red"] | None = None,
    carrier: Code = None,
    mrn: Annotated[str | None, Query(pattern=r"^[0-9A-Z]{18}$")] = None,
    overdue: bool | None = None,
    q: Annotated[
        str | None,
        Query(max_length=35, pattern=r"^[A-Za-z0-9/._-]+$", description="part of the MRN or the reference"),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[DeclarationPublic]:
    return service.list(
        who,
        state=state.value if state else None,
        channel=channel,
        carrier=carrier,
        mrn=mrn,
        overdue=overdue,
        search=q,
        offset=offset,
        limit=limit,
    )


@router.get("/declarations/{declaration_id}", response_model=DeclarationPublic, tags=["declarations"])
def get_declaration(declaration_id: DeclId, who: Who, service: ServiceDep) -> DeclarationPublic:
    return service.get(who, declaration_id)


def _simple_act(name: str, doc: str):
    def route(declaration_id: DeclId, who: Who, service: ServiceDep, idem: IdemDep) -> Response:
        return _json(getattr(service, name)(who, declaration_id, idem=idem))

    route.__name__ = name
    route.__doc__ = doc
    return route


for _path, _name, _doc in (
    ("accept", "accept", "Officer: accept and allocate the movement reference (MRN-like, with check digit)."),
    ("assess", "assess", "Officer: run the risk rules; the channel and the rule that fired are recorded."),
    ("release", "release", "Officer: release for transit (green/yellow; red needs inspection first)."),
    ("hold", "hold", "Officer: hold for inspection."),
    ("discharge", "discharge", "Officer: discharge the movement and release the guarantee."),
    ("cancel", "cancel", "Carrier: cancel an own declaration (only before release)."),
    ("enquiry", "enquire", "Officer: open an enquiry on an overdue movement."),
):
    router.add_api_route(
        f"/declarations/{{declaration_id}}/{_path}",
        _simple_act(_name, _doc),
        methods=["POST"],
        response_model=DeclarationPublic,
        tags=["acts"],
        name=_name,
    )


@router.post("/declarations/{declaration_id}/reject", response_model=DeclarationPublic, tags=["acts"])
def reject(
    declaration_id: DeclId, body: RejectReason, who: Who, service: ServiceDep, idem: IdemDep
) -> Response:
    """Officer: reject with a coded reason (before release)."""
    return _json(service.reject(who, declaration_id, body, idem=idem))


@router.post("/declarations/{declaration_id}/inspection", response_model=DeclarationPublic, tags=["acts"])
def inspection(
    declaration_id: DeclId, body: InspectionCreate, who: Who, service: ServiceDep, idem: IdemDep
) -> Response:
    """Officer: record what the inspection found; pass releases, fail rejects."""
    return _json(service.inspect(who, declaration_id, body, idem=idem))


@router.post("/declarations/{declaration_id}/entry", response_model=DeclarationPublic, tags=["acts"])
def entry(
    declaration_id: DeclId, body: CheckpointEvent, who: Who, service: ServiceDep, idem: IdemDep
) -> Response:
    """Checkpoint operator: the movement entered at this checkpoint."""
    return _json(service.enter(who, declaration_id, body, idem=idem))


@router.post("/declarations/{declaration_id}/exit", response_model=DeclarationPublic, tags=["acts"])
def exit_(
    declaration_id: DeclId, body: CheckpointEvent, who: Who, service: ServiceDep, idem: IdemDep
) -> Response:
    """Checkpoint operator: the movement left at this checkpoint."""
    return _json(service.exit(who, declaration_id, body, idem=idem))


@router.post("/declarations/{declaration_id}/decision", response_model=DeclarationPublic, tags=["acts"])
def decision(
    declaration_id: DeclId, body: DecisionCreate, who: Who, service: ServiceDep, idem: IdemDep
) -> Response:
    """Officer: decide on a discrepancy recorded at a checkpoint, with a reason (audited). At entry: proceed or
    refuse; at exit: discharge (guarantee released) or recover (guarantee called). Nothing else moves it."""
    return _json(service.decide(who, declaration_id, body, idem=idem))


@router.post("/declarations/{declaration_id}/slot", response_model=DeclarationPublic, tags=["capacity"])
def book_slot(
    declaration_id: DeclId, body: SlotBook, who: Who, service: ServiceDep, idem: IdemDep
) -> Response:
    """Carrier: book one unit of the day's capacity (never overbooked)."""
    return _json(service.book_slot(who, declaration_id, body, idem=idem))


@router.post("/overdue/scan", response_model=Page[DeclarationPublic], tags=["acts"])
def scan_overdue(who: Who, service: ServiceDep, idem: IdemDep) -> Page[DeclarationPublic]:
    """Officer: flag every movement in transit whose deadline has passed."""
    return service.flag_overdue(who, idem=idem)


@router.get("/slots", response_model=Page[SlotPublic], tags=["capacity"])
def list_slots(
    who: Who,
    service: ServiceDep,
    day_from: date | None = None,
    day_to: date | None = None,
    direction: Literal["westbound", "eastbound"] | None = None,
    mode: Literal["rail", "road"] | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[SlotPublic]:
    return service.list_slots(
        who, day_from=day_from, day_to=day_to, direction=direction, mode=mode, offset=offset, limit=limit
    )


@router.post("/slots", response_model=SlotPublic, tags=["capacity"])
def set_slot(body: SlotSet, who: Who, service: ServiceDep, idem: IdemDep) -> SlotPublic:
    """Corridor operator: offer capacity and set the fee for a day, direction and mode."""
    return service.set_slot(who, body, idem=idem)


@router.get("/board", response_model=BoardPublic, tags=["corridor"])
def board(who: Who, service: ServiceDep) -> BoardPublic:
    return service.board(who)


@router.get("/audit", response_model=Page[AuditRowPublic], tags=["audit"])
def audit_log(
    who: Who, service: ServiceDep, entity_id: Code = None, offset: Offset = 0, limit: Limit = 50
) -> Page[AuditRowPublic]:
    return service.audit_rows(who, entity_id=entity_id, offset=offset, limit=limit)


@router.get("/audit/verify", response_model=AuditReport, tags=["audit"])
def audit_verify(who: Who, service: ServiceDep) -> AuditReport:
    return service.verify_audit(who)


def telemetry_config(settings: Settings) -> dict:
    """FastAPI's ``telemetry`` argument for ``settings`` (everything off unless ``settings.telemetry``)."""
    on = bool(settings.telemetry)
    return {"tracing": on, "metrics": on, "logs": on, "operation_spans": on}


def create_app(
    settings: Settings | None = None, *, service: TransitService | None = None, migrate_schema: bool = True
) -> FastAPI:
    """The transit control app. Give a ready ``service`` (tests) or ``settings`` (migrates the database unless
    ``migrate_schema`` is false)."""
    if service is None:
        settings = settings or Settings()
        service = TransitService.from_settings(settings, migrate_schema=migrate_schema)
    settings = settings or Settings.model_construct(environment=service.environment)
    threads = settings.threads

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    app = FastAPI(
        telemetry=telemetry_config(settings),
        lifespan=lifespan,
        title="corridor transit control",
        version="1",
        description="Sovereign transit control of a corridor: declarations, risk, checkpoints, capacity, audit.",
        docs_url=None,  # self-hosted below: FastAPI's own pages load Swagger UI and ReDoc from a CDN
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.add_middleware(
        BodyLimits,
        default=settings.max_body_bytes,
        declarations=settings.max_declaration_bytes,
        timeout_s=settings.body_timeout_s,
    )
    app.state.service = service
    app.state.settings = settings
    app.state.login_pool = LoginPool(settings.login_threads, settings.login_queue)
    _install_handlers(app)
    app.include_router(public)
    app.include_router(router)
    from corridor.transit.web import mount_web  # the pages (login, queue, checkpoint, board) under /web

    mount_web(app)

    if settings.docs_enabled:
        mount_api_docs(app)

    @app.get("/healthz", tags=["corridor"])
    def healthz() -> dict:
        return {"ok": True}

    return app


def mount_api_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the files of the ``swagger-ui-bundle`` package, served by this app (no
    third-party origin: a CDN could serve any script on the app's origin)."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount(DOCS_STATIC, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon-32x32.png",
        )


def app_from_environment() -> FastAPI:
    """App factory for each worker process of ``corridor serve --workers N``: settings from the
    ``CORRIDOR_TRANSIT_*`` environment, schema already migrated by the parent (workers must not race on it)."""
    settings = Settings()
    uvicorn_options(settings)  # this process's request-head limits
    app = create_app(settings, migrate_schema=False)
    freeze_heap()  # this process's startup objects out of the collector's way
    return app

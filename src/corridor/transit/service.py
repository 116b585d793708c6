"""The transit service: every act of the life cycle, each in ONE transaction with its audit row.

Importable without FastAPI: the API routes and the web pages both call `TransitService`. Every public method
takes the acting `Principal` first and checks role, sovereignty and object scope before touching anything;
unknown or foreign objects answer 404 (a carrier cannot even learn that another carrier's declaration exists).
Writes may carry an `Idem` (Idempotency-Key): the key is claimed in the same transaction as the act, so a retry
returns the stored result and the same key with another body answers 422.

Every write transaction runs in `_tx`: the act's statements first, then the idempotency record, then the audit
rows (`audit.append`, which locks the chain head shared by all processes) as the last statements before
COMMIT, so the global critical section is three statements and the commit. On SQLite, writers of this process
queue on an in-process lock instead of SQLite's sleeping busy handler.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from time import monotonic
from types import SimpleNamespace
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import RootTransaction
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from corridor.transit import audit, codes, labels
from corridor.transit.auth import (
    Principal,
    Role,
    hash_password,
    new_token,
    token_digest,
    validate_user,
    verify_password,
    verify_unknown,
)
from corridor.transit.db import is_sqlite, make_engine, migrate, session_factory
from corridor.transit.errors import (
    Busy,
    Conflict,
    Forbidden,
    Missing,
    TooManyRequests,
    TransitError,
    Unauthenticated,
    Unprocessable,
)
from corridor.transit.models import (
    AuditRow,
    Booking,
    Decision,
    Declaration,
    Event,
    IdempotencyRecord,
    Inspection,
    Slot,
    Token,
    User,
)
from corridor.transit.risk import DEFAULT_RULES, Facts, RuleSet
from corridor.transit.risk import assess as choose_channel
from corridor.transit.route import Corridor, load_corridor
from corridor.transit.schemas import (
    AuditReport,
    AuditRowPublic,
    BoardPublic,
    CheckpointEvent,
    DecisionCreate,
    DecisionPublic,
    DeclarationBody,
    DeclarationCreate,
    DeclarationPublic,
    EventPublic,
    InspectionCreate,
    InspectionPublic,
    Page,
    RejectReason,
    SlotBook,
    SlotPublic,
    SlotSet,
    TokenPublic,
    UserPublic,
)
from corridor.transit.settings import Settings
from corridor.transit.states import (
    DECISIONS,
    DISCREPANCY,
    FINAL,
    IN_TRANSIT,
    Act,
    State,
    decisions_from,
    next_state,
)
from corridor.transit.throttle import LoginThrottle
from corridor.transit.writer import GroupCommit, Job

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)

#: assumption: the guarantee must cover 20% of the declared value (duties and VAT on transit goods; NCTS lets
#: each administration fix the reference amount; anchors §2).
GUARANTEE_SHARE = 0.20
#: Reject codes that count against a carrier's record (prohibited goods, failed inspection).
INCIDENT_CODES = ("R03", "R04")
MAX_PAGE = 200
#: Largest offset a list accepts (beyond it: 422, not an integer overflow in the database driver).
MAX_OFFSET = 10**9
#: assumption: capacity may be set or booked from yesterday (late corrections) to a year ahead; a day outside
#: (0001-01-01, 9999-12-31) is a typing error, not a plan.
SLOT_DAYS_BACK, SLOT_DAYS_AHEAD = 1, 366
#: Seconds between purges of expired tokens (run by a login, at most this often per process).
TOKEN_PURGE_EVERY_S = 600


def guarantee_shortfall(amount_usd: float, value_usd: float) -> str | None:
    """Why a guarantee of ``amount_usd`` does not cover goods worth ``value_usd``, or None when it does."""
    required = GUARANTEE_SHARE * value_usd
    if amount_usd >= required:
        return None
    return (
        f"guarantee {amount_usd:,.2f} USD is below the required {required:,.2f} USD "
        f"({GUARANTEE_SHARE:.0%} of the declared value {value_usd:,.2f} USD): "
        f"raise it by {required - amount_usd:,.2f} USD"
    )


OFFICIALS = (Role.OFFICER, Role.CHECKPOINT, Role.AUDITOR)  # may read declaration content besides carriers
#: Tokens kept in the principal cache of one process (cleared when full: a miss costs one SELECT).
PRINCIPAL_CACHE_MAX = 10_000
_IDEM = IdempotencyRecord.__table__
# hot-path statements built once (bound parameters: no per-call construction or cache-key work)
_FIND_IDEM = select(_IDEM.c.request_hash, _IDEM.c.response).where(
    _IDEM.c.user_id == bindparam("user_id"), _IDEM.c.key == bindparam("key")
)
_INSERT_IDEM = insert(_IDEM)
_INSERT_DECLARATION = insert(Declaration.__table__)
#: the columns a new declaration has empty (its response is built from memory, not from an ORM row)
_NEW_DECLARATION = dict.fromkeys(
    [
        "mrn",
        "channel",
        "risk_rule",
        "risk_version",
        "reject_code",
        "reject_detail",
        "deadline_at",
        "overdue_at",
        "enquiry_at",
        "slot_day",
    ]
)
#: many declarations in one statement, their ids back in the order of the rows
_INSERT_DECLARATIONS = insert(Declaration.__table__).returning(
    Declaration.__table__.c.id, sort_by_parameter_order=True
)


def _page_limit(offset: int, limit: int) -> int:
    """The page size to use; 422 for an offset no list can reach (the database driver would overflow)."""
    if not 0 <= offset <= MAX_OFFSET:
        raise Unprocessable("BAD_OFFSET", f"offset must be 0-{MAX_OFFSET}, got {offset}", field="offset")
    return max(1, min(limit, MAX_PAGE))


def _printable(text: str, limit: int = 64) -> str:
    """``text`` fit for an audit field: printable characters only, at most ``limit``."""
    return "".join(c if c.isprintable() else "?" for c in text[:limit])


@dataclass(frozen=True)
class Idem:
    """An Idempotency-Key and the digest of the request it came with."""

    key: str
    request_hash: str


def utcnow() -> datetime:
    return datetime.now(UTC)


def _settle(job: Job) -> None:
    """Run ``job`` alone and give its caller the result or the error."""
    try:
        job.future.set_result(job.run(*job.args))
    except BaseException as e:
        job.future.set_exception(e)


@dataclass(frozen=True)
class _CachedPrincipal:
    principal: Principal
    token_expires_at: datetime
    until: float  # monotonic() after which the database is asked again


@dataclass(frozen=True)
class _Submission:
    """A checked declaration ready to record: its columns but id and times, and its response with id 0."""

    who: Principal
    row: dict
    template: DeclarationPublic

    def stamped(self, now: datetime) -> dict:
        return {**self.row, "submitted_at": now, "updated_at": now, "state_at": now}

    def public(self, new_id: int, now: datetime) -> DeclarationPublic:
        return self.template.model_copy(
            update={"id": new_id, "submitted_at": now, "updated_at": now, "state_since": now}
        )

    def audit_entry(self, new_id: int, now: datetime) -> audit.Entry:
        return audit.entry(
            at=now,
            actor=self.who.username,
            act=Act.SUBMIT.value,
            entity="declaration",
            entity_id=new_id,
            before=None,
            after=State.SUBMITTED.value,
            detail={"reference": self.row["reference"], "carrier": self.row["carrier"]},
        )

    def duplicate(self) -> Conflict:
        return Conflict(
            "DUPLICATE_REFERENCE",
            f"reference {self.row['reference']!r} is already used by a declaration of {self.row['carrier']}",
            field="reference",
        )


class TransitService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        audit_key: bytes,
        corridor: Corridor | None = None,
        rules: RuleSet = DEFAULT_RULES,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = utcnow,
        token_ttl_h: float = 12.0,
        principal_cache_s: float = 5.0,
        csrf_key: bytes | None = None,
        environment: str = "development",
        throttle: LoginThrottle | None = None,
        write_batch: int = 64,
    ):
        self.sessions = sessions
        engine = self._engine = sessions.kw["bind"]
        #: read-only work: a plain deferred BEGIN on SQLite, so reads never take (or wait for) the write lock
        self.reads = sessionmaker(engine.execution_options(corridor_read_only=True), expire_on_commit=False)
        #: SQLite has one writer at a time: this process's writers queue here, not in SQLite's busy handler
        self._writer_lock: AbstractContextManager = threading.Lock() if is_sqlite(engine) else nullcontext()
        self.principal_cache_s = principal_cache_s
        self._principals: dict[str, _CachedPrincipal] = {}
        self.audit_key = audit_key
        self.corridor = corridor or load_corridor()
        self.rules = rules
        self.rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self.clock = clock
        self.token_ttl_h = token_ttl_h
        #: signs the web forms' CSRF tokens; never the audit key (a random one when none is configured)
        self.csrf_key = csrf_key or secrets.token_bytes(32)
        self.environment = environment
        self.throttle = throttle or self.default_throttle(Settings.model_construct())
        self._next_purge = 0.0
        #: group commit: write acts run on one writer thread, up to ``write_batch`` per transaction
        self._writer = GroupCommit(self._write_batch, max_batch=write_batch, name="transit-writer")

    def default_throttle(self, settings: Settings) -> LoginThrottle:
        return LoginThrottle(
            per_account=settings.login_failures_per_account,
            per_address=settings.login_failures_per_address,
            window_s=settings.login_window_s,
            lockout_s=settings.login_lockout_s,
            clock=lambda: self.clock().timestamp(),
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, engine: Engine | None = None, migrate_schema: bool = True, **kw
    ) -> TransitService:
        """Build the service for ``settings`` (migrating the database to the newest schema first, unless
        ``migrate_schema`` is false: server workers, whose parent migrated once)."""
        engine = engine or make_engine(settings.database_url, pool_size=settings.pool_size)
        if migrate_schema:
            migrate(engine)
        kw.setdefault("rng", random.Random(settings.risk_seed))
        service = cls(
            session_factory(engine),
            audit_key=settings.audit_key.encode(),
            token_ttl_h=settings.token_ttl_h,
            principal_cache_s=settings.principal_cache_s,
            csrf_key=settings.csrf_key.encode() if settings.csrf_key else None,
            environment=settings.environment,
            write_batch=settings.write_batch,
            **kw,
        )
        service.throttle = service.default_throttle(settings)
        if migrate_schema:
            with service._writer_lock, service.sessions.begin() as s:
                audit.seal_head(s, service.audit_key)
        return service

    # ----- plumbing ---------------------------------------------------------------------------------------

    def _audit(
        self,
        s: Session,
        who: Principal | str,
        act: str,
        entity: str,
        entity_id,
        before=None,
        after=None,
        **detail,
    ) -> None:
        """Queue an audit row; `_tx` chains the queued rows as the last statements of the transaction."""
        actor = who if isinstance(who, str) else who.username
        s.info["audit"].append(  # KeyError outside `_tx`: an act can never skip its audit row silently
            audit.entry(
                at=self.clock(),
                actor=actor,
                act=act,
                entity=entity,
                entity_id=entity_id,
                before=before,
                after=after,
                detail=detail,
            )
        )

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One write transaction: the body's statements, then its audit rows, then COMMIT."""
        with self._writer_lock, self.sessions.begin() as s:
            s.info["audit"] = []
            yield s
            s.flush()
            audit.append(s, self.audit_key, s.info.pop("audit", []))

    def _write(self, who: Principal, idem: Idem | None, out: type[M], fn: Callable[[Session], M]) -> M:
        """Run ``fn`` in a write transaction and store its result under the idempotency key; replay a stored
        one. The act is queued for the writer thread (group commit, `_write_batch`); this returns once the
        transaction that holds it has committed, or raises the act's own error."""
        return self._writer.submit(Job(self._write_one, (who, idem, out, fn))).result()

    def _by_writer(self, fn: Callable[[Session], None]) -> None:
        """Run ``fn`` in a transaction of the writer thread and wait for its commit. For callers on threads of
        low CPU priority (the login pool): holding the SQLite writer lock there would stall every writer behind
        a thread the OS barely schedules (priority inversion)."""
        self._writer.submit(Job(self._write_one, (None, None, None, fn))).result()

    def _run_act(self, s: Session, who: Principal, idem: Idem | None, out: type[M], fn) -> M:
        """The act's statements, then its idempotency record (the audit rows come at the end of `_tx`)."""
        result = fn(s)
        if idem is not None:
            s.flush()  # the act's own statements (and their conflicts) first
            s.execute(_INSERT_IDEM, self._idem_row(who, idem, result))
        return result

    def _idem_row(self, who: Principal, idem: Idem, result: BaseModel, response: str | None = None) -> dict:
        return {
            "user_id": who.user_id,
            "key": idem.key,
            "request_hash": idem.request_hash,
            "status_code": 200,
            "response": result.model_dump_json() if response is None else response,
            "created_at": self.clock(),
        }

    def _write_one(self, who: Principal, idem: Idem | None, out: type[M], fn: Callable[[Session], M]) -> M:
        """One act in its own transaction.

        The key is written once, after the act and before the audit rows, with no SELECT first: a retry (or a
        concurrent twin, once the first commits) fails, either in the act (the reference is taken, the state
        has moved on) or at the latest on the key's unique index, so its transaction rolls back whole; then
        it finds the stored result and replays it (422 if the key came with another request)."""
        try:
            with self._tx() as s:
                return self._run_act(s, who, idem, out, fn)
        except (IntegrityError, TransitError):
            if idem is None:
                raise
            with self.reads() as s:
                rec = s.execute(_FIND_IDEM, {"user_id": who.user_id, "key": idem.key}).one_or_none()
            if rec is None:
                raise
            return self._replay(rec, idem, out)

    def _write_batch(self, jobs: list[Job]) -> None:
        """The writer thread's batch: the acts in ONE transaction, in arrival order (each sees the ones before
        it), then all their audit rows chained in that order, then one COMMIT; each act's caller gets its result
        only after that COMMIT returned. A batch of submissions only takes the short way (`_write_bulk`).

        An act that fails rolls the whole batch back; then the acts before it run again as a batch, it runs
        alone (its own error, or the idempotent replay, exactly as without batching) and the acts after it run
        as a batch: one act's error never becomes another's. If the COMMIT itself fails, no act of the batch
        is acknowledged: each answers 503 (a retry with the same Idempotency-Key is safe)."""
        if all(j.bulk is not None for j in jobs) and self._write_bulk(jobs):
            return
        if len(jobs) == 1:
            _settle(jobs[0])
            return
        results: list = []
        with self._writer_lock, self.sessions() as s:
            try:
                s.begin()
                s.info["audit"] = []
                for job in jobs:
                    results.append(self._run_act(s, *job.args))
                    s.flush()
                    s.expire_all()  # the next act reads the database, not rows this act loaded
                audit.append(s, self.audit_key, s.info.pop("audit"))
            except Exception:
                s.rollback()
            else:
                self._commit(s, jobs, results)
                return
        k = len(results)
        if k == len(jobs):  # the audit rows failed: no act to blame, each runs alone
            for job in jobs:
                _settle(job)
            return
        if k:
            self._write_batch(jobs[:k])
        _settle(jobs[k])
        if k + 1 < len(jobs):
            self._write_batch(jobs[k + 1 :])

    @staticmethod
    def _commit(s: Session | RootTransaction, jobs: list[Job], results: list) -> None:
        """COMMIT a batch (a session's or a connection's transaction) and answer its acts: each its result, or
        all 503 if the COMMIT failed."""
        try:
            s.commit()
        except Exception:
            log.exception("the group commit of %d act(s) failed", len(jobs))
            s.rollback()
            for job in jobs:
                job.future.set_exception(
                    Busy(
                        "COMMIT_FAILED",
                        "the database did not confirm the commit: this act is not acknowledged and may not "
                        "be recorded; retry it (with the same Idempotency-Key a retry is safe)",
                        retry_after=1,
                    )
                )
            return
        for job, result in zip(jobs, results, strict=True):
            job.future.set_result(result)

    @staticmethod
    def _replay(rec, idem: Idem, out: type[M]) -> M:
        if rec.request_hash != idem.request_hash:
            raise Unprocessable(
                "IDEMPOTENCY_KEY_REUSED",
                f"Idempotency-Key {idem.key!r} was already used with a different request",
                field="Idempotency-Key",
            )
        return out.model_validate_json(rec.response)

    def _load(self, s: Session, who: Principal, declaration_id: int, *, lock: bool = False) -> Declaration:
        """The declaration if ``who`` may see it; 404 otherwise (fails closed on any unknown role or scope)."""
        if who.role is Role.OPERATOR:
            raise Forbidden(
                "ROLE_FORBIDDEN", "the corridor operator (front office) sees aggregates, not declarations"
            )
        q = select(Declaration).where(Declaration.id == declaration_id)
        d = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
        visible = d is not None and (
            (who.role is Role.CARRIER and who.scope is not None and d.carrier == who.scope)
            or who.role in (Role.OFFICER, Role.AUDITOR)
            or (who.role is Role.CHECKPOINT and who.scope in (d.entry_checkpoint, d.exit_checkpoint))
        )
        if not visible:
            raise Missing("NOT_FOUND", f"declaration {declaration_id} not found", field="declaration_id")
        return d

    def _public(self, s: Session, d: Declaration) -> DeclarationPublic:
        ins = s.execute(
            select(Inspection).where(Inspection.declaration_id == d.id).order_by(Inspection.id)
        ).scalars()
        evs = s.execute(select(Event).where(Event.declaration_id == d.id).order_by(Event.id)).scalars()
        decs = s.execute(
            select(Decision).where(Decision.declaration_id == d.id).order_by(Decision.id)
        ).scalars()
        return self._public_of(d, DeclarationBody.model_validate(d.body), ins, evs, decs)

    @staticmethod
    def _public_of(d, body: DeclarationBody, ins=(), evs=(), decs=()) -> DeclarationPublic:
        """The public view of ``d`` (an ORM row or any object with its attributes), from memory."""
        return DeclarationPublic(
            id=d.id,
            carrier=d.carrier,
            reference=d.reference,
            state=d.state,
            direction=d.direction,
            mode=d.mode,
            entry_checkpoint=d.entry_checkpoint,
            exit_checkpoint=d.exit_checkpoint,
            route_km=d.route_km,
            mrn=d.mrn,
            channel=d.channel,
            risk_rule=d.risk_rule,
            risk_version=d.risk_version,
            reject_code=d.reject_code,
            reject_detail=d.reject_detail,
            total_mass_kg=d.total_mass_kg,
            total_value_usd=d.total_value_usd,
            guarantee_reference=d.guarantee_reference,
            guarantee_usd=d.guarantee_usd,
            guarantee_released=d.guarantee_released,
            deadline_at=d.deadline_at,
            overdue=d.overdue_at is not None,
            enquiry_opened=d.enquiry_at is not None,
            slot_day=d.slot_day,
            submitted_at=d.submitted_at,
            updated_at=d.updated_at,
            state_since=d.state_at or d.updated_at,
            body=body,
            inspections=[
                InspectionPublic(
                    outcome=i.outcome,
                    findings=i.findings,
                    seals_intact=i.seals_intact,
                    officer=i.officer,
                    at=i.at,
                )
                for i in ins
            ],
            events=[
                EventPublic(
                    kind=e.kind,
                    checkpoint=e.checkpoint,
                    seals_intact=e.seals_intact,
                    discrepancies=(e.discrepancies or "").split(),
                    note=e.note,
                    by=e.by,
                    at=e.at,
                )
                for e in evs
            ],
            decisions=[DecisionPublic.model_validate(x, from_attributes=True) for x in decs],
        )

    def _transition(self, s: Session, who: Principal, d: Declaration, act: Act, **detail) -> State:
        before = State(d.state)
        after = next_state(before, act)
        d.state, d.updated_at = after.value, self.clock()
        if after is not before:
            d.state_at = d.updated_at
        self._audit(s, who, act.value, "declaration", d.id, before.value, after.value, **detail)
        return after

    def _act(
        self,
        who: Principal,
        declaration_id: int,
        idem: Idem | None,
        fn: Callable[[Session, Declaration], None],
    ) -> DeclarationPublic:
        def run(s: Session) -> DeclarationPublic:
            d = self._load(s, who, declaration_id, lock=True)
            fn(s, d)
            s.flush()
            return self._public(s, d)

        return self._write(who, idem, DeclarationPublic, run)

    # ----- users and tokens -------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        role: Role | str,
        *,
        country: str,
        agency: str,
        scope: str | None = None,
        actor: str = "cli",
    ) -> UserPublic:
        role = Role(role)
        validate_user(role, country, agency, scope, {c.code for c in self.corridor.all_checkpoints})
        if len(password) < 8:
            raise Unprocessable("WEAK_PASSWORD", "password must have at least 8 characters", field="password")
        try:
            with self._tx() as s:
                u = User(
                    username=username,
                    password_hash=hash_password(password),
                    role=role.value,
                    country=country,
                    agency=agency,
                    scope=scope,
                    active=True,
                    created_at=self.clock(),
                )
                s.add(u)
                s.flush()
                self._audit(
                    s,
                    actor,
                    "user_add",
                    "user",
                    username,
                    role=role.value,
                    country=country,
                    agency=agency,
                    scope=scope,
                )
        except IntegrityError:
            raise Conflict("DUPLICATE_USER", f"user {username!r} already exists", field="username") from None
        return UserPublic(username=username, role=role.value, country=country, agency=agency, scope=scope)

    def login(self, username: str, password: str, *, client: str = "local") -> TokenPublic:
        """A new token for a right password. Throttled per account and per ``client`` address (429 with
        Retry-After while locked, before any hashing); the password is checked outside any transaction, at
        the same cost for unknown users; success, failure and lockout are audited."""
        account = self.refuse_locked(username, client)
        with self.reads() as s:
            u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        # no transaction is open here: hashing holds no lock and no connection
        ok = verify_password(u.password_hash, password) if u is not None else verify_unknown(password)
        if not ok or not u.active:
            lockouts = self.throttle.failure(account, client)

            def failed(s: Session) -> None:
                self._audit(s, account, "login_failed", "user", account, client=client)
                for lo in lockouts:
                    until = datetime.fromtimestamp(lo.until, UTC).isoformat(timespec="seconds")
                    self._audit(s, "system", "login_lockout", lo.kind, lo.key, client=client, until=until)

            self._by_writer(failed)
            raise Unauthenticated("BAD_CREDENTIALS", "unknown user or wrong password")
        self.throttle.success(account)
        token, now = new_token(), self.clock()
        expires = now + timedelta(hours=self.token_ttl_h)

        def issued(s: Session) -> None:
            s.add(Token(token_hash=token_digest(token), user_id=u.id, created_at=now, expires_at=expires))
            self._audit(s, u.username, "login", "user", u.username, client=client)
            if monotonic() >= self._next_purge:
                s.execute(delete(Token).where(Token.expires_at <= now))
                self._next_purge = monotonic() + TOKEN_PURGE_EVERY_S

        self._by_writer(issued)
        return TokenPublic(access_token=token, expires_at=expires)

    def refuse_locked(self, username: str, client: str) -> str:
        """429 `TooManyRequests` while the account or the address is locked out (no database, no hashing:
        callers check this before queueing for the login pool); else the account key."""
        account = _printable(username)
        wait = self.throttle.retry_after(account, client)
        if wait is not None:
            raise TooManyRequests(
                "LOGIN_LOCKED",
                "too many failed logins for this account or from this address; try again later",
                retry_after=wait,
            )
        return account

    def purge_tokens(self) -> int:
        """Delete every expired token; how many."""
        with self._tx() as s:
            return s.execute(delete(Token).where(Token.expires_at <= self.clock())).rowcount

    def authenticate(self, token: str) -> Principal:
        """The principal of a bearer token. Cached per process for ``principal_cache_s`` seconds; `logout` and
        `set_active` drop the entries of this process at once (other server processes within the TTL)."""
        digest = token_digest(token)
        hit = self._principals.get(digest)
        if hit is None or hit.until <= monotonic():
            hit = self._principal_from_db(digest)
        if hit.token_expires_at <= self.clock():
            raise Unauthenticated("BAD_TOKEN", "missing, unknown or expired bearer token")
        return hit.principal

    def cached_principal(self, token: str) -> Principal | None:
        """The principal of ``token`` if the cache answers without the database (else None: call
        `authenticate`). Lets async callers skip a thread hop on the common path."""
        hit = self._principals.get(token_digest(token))
        if hit is None or hit.until <= monotonic() or hit.token_expires_at <= self.clock():
            return None
        return hit.principal

    def _principal_from_db(self, digest: str) -> _CachedPrincipal:
        with self.reads() as s:
            row = s.execute(
                select(User, Token.expires_at)
                .join(Token, Token.user_id == User.id)
                .where(Token.token_hash == digest)
            ).one_or_none()
        if row is None or not row[0].active:
            self._principals.pop(digest, None)
            raise Unauthenticated("BAD_TOKEN", "missing, unknown or expired bearer token")
        u = row[0]
        hit = _CachedPrincipal(
            Principal(u.id, u.username, Role(u.role), u.country, u.agency, u.scope),
            row[1],
            monotonic() + self.principal_cache_s,
        )
        if self.principal_cache_s > 0:
            if len(self._principals) >= PRINCIPAL_CACHE_MAX:
                self._principals.clear()
            self._principals[digest] = hit
        return hit

    def _forget_principals(self, *, digest: str | None = None, user_id: int | None = None) -> None:
        if digest is not None:
            self._principals.pop(digest, None)
        if user_id is not None:
            for k, v in list(self._principals.items()):
                if v.principal.user_id == user_id:
                    self._principals.pop(k, None)

    def logout(self, token: str, *, who: Principal | None = None, client: str = "local") -> None:
        """Revoke ``token`` (its row is deleted, so it can never authenticate again). Audited."""
        digest = token_digest(token)
        who = who or self.authenticate(token)
        self._forget_principals(digest=digest)
        with self._tx() as s:
            s.execute(delete(Token).where(Token.token_hash == digest))
            self._audit(s, who, "logout", "user", who.username, client=client)
        self._forget_principals(digest=digest)

    def set_active(self, username: str, active: bool, *, actor: str = "cli") -> UserPublic:
        """(De)activate a user; deactivation also revokes every token of the user. Audited."""
        with self._tx() as s:
            u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if u is None:
                raise Missing("NOT_FOUND", f"user {username!r} not found", field="username")
            u.active = active
            if not active:
                s.execute(delete(Token).where(Token.user_id == u.id))
            self._audit(s, actor, "user_activate" if active else "user_deactivate", "user", username)
            out = UserPublic(
                username=u.username, role=u.role, country=u.country, agency=u.agency, scope=u.scope
            )
            user_id = u.id
        self._forget_principals(user_id=user_id)
        return out

    # ----- declarations -----------------------------------------------------------------------------------

    def submit(
        self, who: Principal, data: DeclarationCreate, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        return self._writer.submit(self._submit_job(who, data, idem)).result()

    async def submit_async(
        self, who: Principal, data: DeclarationCreate, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        """`submit` from the event loop: the checks here, the transaction on the writer thread, and no
        request thread held meanwhile."""
        return await asyncio.wrap_future(self._writer.submit(self._submit_job(who, data, idem)))

    async def submit_json_async(
        self, who: Principal, data: DeclarationCreate, *, idem: Idem | None = None
    ) -> str:
        """`submit_async`, answered as the JSON text of the new declaration (the text stored for its
        Idempotency-Key when there is one: it is made once)."""
        job = self._submit_job(who, data, idem)
        result = await asyncio.wrap_future(self._writer.submit(job))
        return result.model_dump_json() if job.json is None else job.json

    def _submission(self, who: Principal, data: DeclarationCreate) -> _Submission:
        """Check a submission (role, scope, guarantee) and prepare its record, outside any transaction."""
        who.require(Role.CARRIER, action="submit declarations")
        if not who.scope:
            raise Forbidden("SCOPE_MISSING", "carrier user has no carrier code")
        short = guarantee_shortfall(data.guarantee.amount_usd, data.total_value_usd)
        if short:
            raise Unprocessable("GUARANTEE_INSUFFICIENT", short, field="/guarantee/amount_usd")
        mode = data.transport.mode
        seg = self.corridor.segment(mode)
        entry, exit_ = seg.checkpoints(data.direction)
        body = data.model_dump(mode="json")
        row = dict(
            carrier=who.scope,
            reference=data.reference,
            state=State.SUBMITTED.value,
            direction=data.direction.value,
            mode=mode,
            entry_checkpoint=entry.code,
            exit_checkpoint=exit_.code,
            route_km=seg.length_km,
            total_mass_kg=data.total_mass_kg,
            total_value_usd=data.total_value_usd,
            guarantee_reference=data.guarantee.reference,
            guarantee_usd=data.guarantee.amount_usd,
            guarantee_released=False,
            body=body,
        )
        # the response from memory: a new declaration has no events, inspections, MRN or channel yet; its id
        # and times are filled in when it is recorded
        sub = _Submission(who, row, None)
        fresh = SimpleNamespace(id=0, **_NEW_DECLARATION, **sub.stamped(self.clock()))
        return replace(sub, template=self._public_of(fresh, DeclarationBody.model_validate(body)))

    def _record(self, sub: _Submission, s: Session) -> DeclarationPublic:
        """Record a prepared submission in ``s`` (the act of `submit`)."""
        now = self.clock()
        try:  # the unique (carrier, reference) constraint answers duplicates: no SELECT first
            (new_id,) = s.execute(_INSERT_DECLARATION, sub.stamped(now)).inserted_primary_key
        except IntegrityError:
            raise sub.duplicate() from None
        s.info["audit"].append(sub.audit_entry(new_id, now))
        return sub.public(new_id, now)

    def _submit_job(self, who: Principal, data: DeclarationCreate, idem: Idem | None) -> Job:
        sub = self._submission(who, data)
        fn = partial(self._record, sub)
        return Job(self._write_one, (who, idem, DeclarationPublic, fn), bulk=(sub, idem))

    def _write_bulk(self, jobs: list[Job]) -> bool:
        """Submissions only: the whole batch in five statements (all declarations in one INSERT ... RETURNING,
        their idempotency records in one, then the audit head, rows and head move), then one COMMIT. True when
        every job is settled; False, with nothing written, when one of them failed (a duplicate reference, a
        reused key...): `_write_batch` then runs them the ordinary way, which gives each its own answer.

        On a Core connection, not an ORM session: these statements load no objects, and the session's own
        bookkeeping (its transaction states, identity map, flush) was a third of this path's Python time."""
        now = self.clock()
        with self._writer_lock, self._engine.connect() as c:
            tx = c.begin()
            try:
                ids = c.execute(_INSERT_DECLARATIONS, [sub.stamped(now) for sub, _ in (j.bulk for j in jobs)])
                ids = ids.scalars().all()
                results = [j.bulk[0].public(i, now) for j, i in zip(jobs, ids, strict=True)]
                keyed = []
                for job, r in zip(jobs, results, strict=True):
                    sub, idem = job.bulk
                    if idem is not None:  # the stored response is the answer: its JSON is made once
                        job.json = r.model_dump_json()
                        keyed.append(self._idem_row(sub.who, idem, r, job.json))
                if keyed:
                    c.execute(_INSERT_IDEM, keyed)
                entries = [j.bulk[0].audit_entry(i, now) for j, i in zip(jobs, ids, strict=True)]
                audit.append(c, self.audit_key, entries)
            except Exception:
                tx.rollback()
                for job in jobs:  # the ordinary way may answer otherwise (a replay, an error)
                    job.json = None
                return False
            self._commit(tx, jobs, results)
        return True

    def get(self, who: Principal, declaration_id: int) -> DeclarationPublic:
        with self.reads() as s:
            return self._public(s, self._load(s, who, declaration_id))

    def list(
        self,
        who: Principal,
        *,
        state: str | None = None,
        channel: str | None = None,
        carrier: str | None = None,
        mrn: str | None = None,
        overdue: bool | None = None,
        search: str | None = None,
        states: tuple[str, ...] | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[DeclarationPublic]:
        """Declarations ``who`` may see, newest first. ``search`` matches part of the MRN or of the carrier's
        reference (case-insensitive); ``states`` keeps any of several states."""
        if who.role is Role.OPERATOR:
            raise Forbidden(
                "ROLE_FORBIDDEN", "the corridor operator (front office) sees aggregates, not declarations"
            )
        q = select(Declaration)
        if who.role is Role.CARRIER:
            q = q.where(Declaration.carrier == (who.scope or "\x00"))
        elif who.role is Role.CHECKPOINT:
            q = q.where(
                (Declaration.entry_checkpoint == who.scope) | (Declaration.exit_checkpoint == who.scope)
            )
        elif who.role not in (Role.OFFICER, Role.AUDITOR):  # pragma: no cover - every role is handled above
            raise Forbidden("ROLE_FORBIDDEN", "not allowed")
        for col, val in (
            (Declaration.state, state),
            (Declaration.channel, channel),
            (Declaration.carrier, carrier),
            (Declaration.mrn, mrn),
        ):
            if val is not None:
                q = q.where(col == val)
        if overdue is not None:
            q = q.where(Declaration.overdue_at.is_not(None) if overdue else Declaration.overdue_at.is_(None))
        if states is not None:
            q = q.where(Declaration.state.in_(states))
        if search:
            term = search.strip().upper()
            q = q.where(
                func.upper(Declaration.mrn).contains(term, autoescape=True)
                | func.upper(Declaration.reference).contains(term, autoescape=True)
            )
        limit = _page_limit(offset, limit)
        with self.reads() as s:
            total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
            rows = s.execute(q.order_by(Declaration.id.desc()).offset(offset).limit(limit)).scalars().all()
            return Page[DeclarationPublic](
                items=[self._public(s, d) for d in rows], total=total, offset=offset, limit=limit
            )

    def _officer(self, who: Principal, action: str) -> None:
        who.require(Role.OFFICER, action=action)
        who.require_sovereign(action)

    def accept(self, who: Principal, declaration_id: int, *, idem: Idem | None = None) -> DeclarationPublic:
        self._officer(who, "accept declarations")

        def fn(s: Session, d: Declaration) -> None:
            next_state(d.state, Act.ACCEPT)
            short = guarantee_shortfall(d.guarantee_usd, d.total_value_usd)
            if short:  # submitted before the check at submission, or under another share
                raise Conflict("GUARANTEE_INSUFFICIENT", short, field="guarantee/amount_usd")
            d.mrn = codes.movement_reference(self.clock().year, "AM", d.id)
            self._transition(s, who, d, Act.ACCEPT, mrn=d.mrn)

        return self._act(who, declaration_id, idem, fn)

    def reject(
        self, who: Principal, declaration_id: int, reason: RejectReason, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        self._officer(who, "reject declarations")

        def fn(s: Session, d: Declaration) -> None:
            self._transition(s, who, d, Act.REJECT, code=reason.code, detail=reason.detail)
            d.reject_code, d.reject_detail = reason.code, reason.detail
            self._free_slot(s, d)

        return self._act(who, declaration_id, idem, fn)

    def assess(self, who: Principal, declaration_id: int, *, idem: Idem | None = None) -> DeclarationPublic:
        self._officer(who, "risk-assess declarations")

        def fn(s: Session, d: Declaration) -> None:
            next_state(d.state, Act.ASSESS)
            body = DeclarationBody.model_validate(d.body)
            incidents = s.execute(
                select(func.count())
                .select_from(Declaration)
                .where(Declaration.carrier == d.carrier, Declaration.reject_code.in_(INCIDENT_CODES))
            ).scalar_one()
            now = self.clock()
            day0 = datetime.combine(now.date(), time(0), UTC)
            used = dict(
                s.execute(
                    select(Declaration.channel, func.count())
                    .where(Declaration.assessed_at >= day0, Declaration.risk_rule.like("RANDOM-%"))
                    .group_by(Declaration.channel)
                ).all()
            )
            facts = Facts(
                tuple(c.hs_code for c in body.consignments),
                d.total_mass_kg,
                d.total_value_usd,
                body.transport.payload_kg,
                incidents,
            )
            with self._rng_lock:
                decision = choose_channel(facts, self.rules, rng=self.rng, random_used_today=used)
            d.channel, d.risk_rule, d.risk_version, d.assessed_at = (
                decision.channel,
                decision.rule,
                decision.version,
                now,
            )
            self._transition(
                s,
                who,
                d,
                Act.ASSESS,
                channel=decision.channel,
                rule=decision.rule,
                version=decision.version,
                hits=list(decision.hits),
            )

        return self._act(who, declaration_id, idem, fn)

    def _start_transit(self, d: Declaration) -> None:
        now = self.clock()
        d.released_at = now
        d.deadline_at = self.corridor.segment(d.mode).deadline(now)

    def release(self, who: Principal, declaration_id: int, *, idem: Idem | None = None) -> DeclarationPublic:
        self._officer(who, "release for transit")

        def fn(s: Session, d: Declaration) -> None:
            next_state(d.state, Act.RELEASE)
            if d.channel == "red":
                raise Conflict(
                    "INSPECTION_REQUIRED",
                    "a red-channel movement must be held and inspected first",
                    field="channel",
                )
            self._start_transit(d)
            self._transition(s, who, d, Act.RELEASE, channel=d.channel, deadline=d.deadline_at.isoformat())

        return self._act(who, declaration_id, idem, fn)

    def hold(self, who: Principal, declaration_id: int, *, idem: Idem | None = None) -> DeclarationPublic:
        self._officer(who, "hold for inspection")
        return self._act(who, declaration_id, idem, lambda s, d: self._transition(s, who, d, Act.HOLD))

    def inspect(
        self, who: Principal, declaration_id: int, result: InspectionCreate, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        self._officer(who, "record inspections")

        def fn(s: Session, d: Declaration) -> None:
            act = Act.INSPECT_PASS if result.outcome == "pass" else Act.INSPECT_FAIL
            next_state(d.state, act)
            s.add(
                Inspection(
                    declaration_id=d.id,
                    outcome=result.outcome,
                    findings=result.findings,
                    seals_intact=result.seals_intact,
                    officer=who.username,
                    at=self.clock(),
                )
            )
            if act is Act.INSPECT_PASS:
                self._start_transit(d)
            else:
                d.reject_code, d.reject_detail = result.reject_code, result.findings
                self._free_slot(s, d)
            self._transition(s, who, d, act, findings=result.findings, seals_intact=result.seals_intact)

        return self._act(who, declaration_id, idem, fn)

    def _checkpoint_event(
        self, who: Principal, declaration_id: int, ev: CheckpointEvent, act: Act, idem: Idem | None
    ) -> DeclarationPublic:
        who.require(Role.CHECKPOINT, action=f"record {act.value} events")
        who.require_sovereign(f"record {act.value} events")
        place = self.corridor.place
        if ev.checkpoint != who.scope:
            raise Forbidden(
                "WRONG_CHECKPOINT",
                f"you record events at {place(who.scope)}, not at {place(ev.checkpoint)}",
                field="checkpoint",
            )
        # a discrepancy stops the ordinary path: the movement waits for an officer's decision
        found = {Act.ENTER: Act.ENTER_DISCREPANCY, Act.EXIT: Act.EXIT_DISCREPANCY}[act]
        step = found if ev.discrepancies else act

        def fn(s: Session, d: Declaration) -> None:
            expected = d.entry_checkpoint if act is Act.ENTER else d.exit_checkpoint
            if ev.checkpoint != expected:
                raise Forbidden(
                    "WRONG_CHECKPOINT",
                    f"declaration {d.id} {'enters' if act is Act.ENTER else 'leaves'} at {place(expected)}, "
                    f"not at {place(ev.checkpoint)}",
                    field="checkpoint",
                )
            self._transition(
                s,
                who,
                d,
                step,
                checkpoint=ev.checkpoint,
                seals_intact=ev.seals_intact,
                discrepancies=ev.discrepancies,
                note=ev.note,
            )
            now = self.clock()
            if act is Act.EXIT:
                d.exited_at = now
            s.add(
                Event(
                    declaration_id=d.id,
                    kind="entry" if act is Act.ENTER else "exit",
                    checkpoint=ev.checkpoint,
                    seals_intact=ev.seals_intact,
                    discrepancies=" ".join(ev.discrepancies),
                    note=ev.note,
                    by=who.username,
                    at=now,
                )
            )

        return self._act(who, declaration_id, idem, fn)

    def enter(
        self, who: Principal, declaration_id: int, ev: CheckpointEvent, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        return self._checkpoint_event(who, declaration_id, ev, Act.ENTER, idem)

    def exit(
        self, who: Principal, declaration_id: int, ev: CheckpointEvent, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        return self._checkpoint_event(who, declaration_id, ev, Act.EXIT, idem)

    def discharge(
        self, who: Principal, declaration_id: int, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        self._officer(who, "discharge movements")

        def fn(s: Session, d: Declaration) -> None:
            if State(d.state) in DISCREPANCY:
                raise Conflict(
                    "DISCREPANCY_UNDECIDED",
                    f"declaration {d.id} has a discrepancy ({self._found(s, d)}): record an officer's decision "
                    f"with its reason first (POST /declarations/{d.id}/decision)",
                    field="state",
                )
            self._transition(s, who, d, Act.DISCHARGE, guarantee=d.guarantee_reference)
            d.guarantee_released = True

        return self._act(who, declaration_id, idem, fn)

    def _found(self, s: Session, d: Declaration) -> str:
        """'seal broken at <place> road checkpoint' for the events with discrepancies of ``d``."""
        evs = s.execute(select(Event).where(Event.declaration_id == d.id).order_by(Event.id)).scalars()
        parts = [
            f"{labels.discrepancies(e.discrepancies.split())} at {self.corridor.place(e.checkpoint)}"
            for e in evs
            if e.discrepancies
        ]
        return "; ".join(parts) or "recorded at a checkpoint"

    def decide(
        self, who: Principal, declaration_id: int, decision: DecisionCreate, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        """Record an officer's decision on a discrepancy (with its reason, audited) and move the movement on:
        at entry ``proceed`` (it continues) or ``refuse`` (rejected, R04); at exit ``discharge`` (guarantee
        released) or ``recover`` (the guarantee is kept to recover duties)."""
        self._officer(who, "decide on discrepancies")
        act = DECISIONS[decision.outcome]

        def fn(s: Session, d: Declaration) -> None:
            state = State(d.state)
            if state not in DISCREPANCY:
                raise Conflict(
                    "NO_DISCREPANCY",
                    f"declaration {d.id} is {labels.state(state.value)}: there is no discrepancy to decide",
                    field="state",
                )
            allowed = decisions_from(state)
            if decision.outcome not in allowed:
                raise Conflict(
                    "DECISION_NOT_ALLOWED",
                    f"a discrepancy at {'entry' if state is State.ENTRY_DISCREPANCY else 'exit'} is decided "
                    f"with {' or '.join(allowed)}, not {decision.outcome}",
                    field="outcome",
                )
            where = "entry" if state is State.ENTRY_DISCREPANCY else "exit"
            s.add(
                Decision(
                    declaration_id=d.id,
                    at_checkpoint=where,
                    outcome=decision.outcome,
                    reason=decision.reason,
                    officer=who.username,
                    at=self.clock(),
                )
            )
            if act is Act.DECIDE_REFUSE:
                d.reject_code, d.reject_detail = "R04", f"refused at entry: {decision.reason}"
            elif act is Act.DECIDE_DISCHARGE:
                d.guarantee_released = True
            self._transition(
                s,
                who,
                d,
                act,
                outcome=decision.outcome,
                reason=decision.reason,
                guarantee=d.guarantee_reference,
            )

        return self._act(who, declaration_id, idem, fn)

    def cancel(self, who: Principal, declaration_id: int, *, idem: Idem | None = None) -> DeclarationPublic:
        who.require(Role.CARRIER, action="cancel declarations")

        def fn(s: Session, d: Declaration) -> None:
            if d.state == State.HELD.value or (d.state == State.ASSESSED.value and d.channel == "red"):
                # once the goods are selected for examination the declarant may not withdraw them from it
                # (compare EU Union Customs Code, Regulation 952/2013, art. 174(2))
                raise Conflict(
                    "UNDER_CONTROL",
                    f"declaration {d.id} is selected for control ({d.state}, {d.channel} channel); it cannot "
                    "be cancelled before the examination is done",
                    field="state",
                )
            self._transition(s, who, d, Act.CANCEL)
            self._free_slot(s, d)

        return self._act(who, declaration_id, idem, fn)

    def flag_overdue(self, who: Principal, *, idem: Idem | None = None) -> Page[DeclarationPublic]:
        """Flag every movement under transit whose deadline has passed (each flag audited)."""
        self._officer(who, "flag overdue movements")

        def run(s: Session) -> Page[DeclarationPublic]:
            now = self.clock()
            rows = (
                s.execute(
                    select(Declaration)
                    .where(
                        Declaration.state.in_([st.value for st in IN_TRANSIT]),
                        Declaration.overdue_at.is_(None),
                        Declaration.deadline_at < now,
                    )
                    .order_by(Declaration.id)
                    .with_for_update()
                )
                .scalars()
                .all()
            )
            for d in rows:
                d.overdue_at = now
                self._transition(s, who, d, Act.FLAG_OVERDUE, deadline=d.deadline_at.isoformat())
            s.flush()
            items = [self._public(s, d) for d in rows]
            return Page[DeclarationPublic](items=items, total=len(items), offset=0, limit=max(1, len(items)))

        return self._write(who, idem, Page[DeclarationPublic], run)

    def enquire(self, who: Principal, declaration_id: int, *, idem: Idem | None = None) -> DeclarationPublic:
        self._officer(who, "open enquiries")

        def fn(s: Session, d: Declaration) -> None:
            next_state(d.state, Act.ENQUIRE)
            if d.overdue_at is None:
                raise Conflict("NOT_OVERDUE", f"declaration {d.id} is not flagged overdue", field="overdue")
            if d.enquiry_at is not None:
                raise Conflict(
                    "ENQUIRY_OPEN", f"an enquiry on declaration {d.id} is already open", field="enquiry"
                )
            d.enquiry_at = self.clock()
            self._transition(s, who, d, Act.ENQUIRE)

        return self._act(who, declaration_id, idem, fn)

    # ----- capacity slots (front office) -------------------------------------------------------------------

    @staticmethod
    def _slot_public(x: Slot) -> SlotPublic:
        return SlotPublic(
            day=x.day,
            direction=x.direction,
            mode=x.mode,
            capacity=x.capacity,
            booked=x.booked,
            fee_usd=x.fee_usd,
        )

    def _slot_day_ok(self, day: date) -> None:
        today = self.clock().date()
        first, last = today - timedelta(days=SLOT_DAYS_BACK), today + timedelta(days=SLOT_DAYS_AHEAD)
        if not first <= day <= last:
            raise Unprocessable("BAD_DAY", f"day must be between {first} and {last}, got {day}", field="day")

    def set_slot(self, who: Principal, data: SlotSet, *, idem: Idem | None = None) -> SlotPublic:
        who.require(Role.OPERATOR, action="set capacity and fees")
        self._slot_day_ok(data.day)

        def run(s: Session) -> SlotPublic:
            q = (
                select(Slot)
                .where(Slot.day == data.day, Slot.direction == data.direction.value, Slot.mode == data.mode)
                .with_for_update()
            )
            x = s.execute(q).scalar_one_or_none()
            if x is None:
                x = Slot(
                    day=data.day,
                    direction=data.direction.value,
                    mode=data.mode,
                    capacity=data.capacity,
                    booked=0,
                    fee_usd=data.fee_usd,
                )
                s.add(x)
            elif data.capacity < x.booked:
                raise Conflict(
                    "CAPACITY_BELOW_BOOKED",
                    f"{x.booked} slots are already booked; capacity cannot drop to {data.capacity}",
                    field="capacity",
                )
            else:
                x.capacity, x.fee_usd = data.capacity, data.fee_usd
            s.flush()
            self._audit(
                s,
                who,
                "slot_set",
                "slot",
                f"{data.day}/{data.direction.value}/{data.mode}",
                capacity=data.capacity,
                fee_usd=data.fee_usd,
            )
            return self._slot_public(x)

        return self._write(who, idem, SlotPublic, run)

    def list_slots(
        self,
        who: Principal,
        *,
        day_from: date | None = None,
        day_to: date | None = None,
        direction: str | None = None,
        mode: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[SlotPublic]:
        who.require(
            Role.OPERATOR, Role.CARRIER, Role.OFFICER, Role.CHECKPOINT, Role.AUDITOR, action="see slots"
        )
        q = select(Slot)
        if day_from is not None:
            q = q.where(Slot.day >= day_from)
        if day_to is not None:
            q = q.where(Slot.day <= day_to)
        if direction is not None:
            q = q.where(Slot.direction == direction)
        if mode is not None:
            q = q.where(Slot.mode == mode)
        limit = _page_limit(offset, limit)
        with self.reads() as s:
            total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
            rows = s.execute(
                q.order_by(Slot.day, Slot.direction, Slot.mode).offset(offset).limit(limit)
            ).scalars()
            return Page[SlotPublic](
                items=[self._slot_public(x) for x in rows], total=total, offset=offset, limit=limit
            )

    def book_slot(
        self, who: Principal, declaration_id: int, data: SlotBook, *, idem: Idem | None = None
    ) -> DeclarationPublic:
        """Book one unit of the day's capacity in the declaration's direction and mode.

        The conditional UPDATE (``booked < capacity``) is atomic on both databases, so concurrent bookings can
        never overbook (OWASP ASVS 2.3.4)."""
        who.require(Role.CARRIER, action="book slots")
        self._slot_day_ok(data.day)

        def fn(s: Session, d: Declaration) -> None:
            if State(d.state) in FINAL or State(d.state) not in (
                State.SUBMITTED,
                State.ACCEPTED,
                State.ASSESSED,
                State.HELD,
                State.RELEASED,
            ):
                raise Conflict(
                    "OUT_OF_SEQUENCE",
                    f"declaration {d.id} is {d.state}; no slot can be booked",
                    field="state",
                )
            if d.slot_day is not None:
                raise Conflict(
                    "SLOT_ALREADY_BOOKED",
                    f"declaration {d.id} already has a slot on {d.slot_day}",
                    field="day",
                )
            where = (Slot.day == data.day, Slot.direction == d.direction, Slot.mode == d.mode)
            done = s.execute(
                update(Slot).where(*where, Slot.booked < Slot.capacity).values(booked=Slot.booked + 1)
            ).rowcount
            x = s.execute(select(Slot).where(*where)).scalar_one_or_none()
            if x is None:
                raise Missing(
                    "NO_SLOT", f"no {d.mode} {d.direction} capacity is offered on {data.day}", field="day"
                )
            if done != 1:
                raise Conflict(
                    "SLOT_FULL",
                    f"all {x.capacity} {d.mode} {d.direction} slots on {data.day} are booked",
                    field="day",
                )
            s.add(Booking(declaration_id=d.id, slot_id=x.id, fee_usd=x.fee_usd, at=self.clock()))
            d.slot_day, d.updated_at = data.day, self.clock()
            self._audit(
                s,
                who,
                "slot_book",
                "declaration",
                d.id,
                d.state,
                d.state,
                day=str(data.day),
                fee_usd=x.fee_usd,
            )

        return self._act(who, declaration_id, idem, fn)

    def _free_slot(self, s: Session, d: Declaration) -> None:
        b = s.get(Booking, d.id)
        if b is not None:
            s.execute(update(Slot).where(Slot.id == b.slot_id).values(booked=Slot.booked - 1))
            s.delete(b)
            d.slot_day = None

    # ----- aggregates and audit ----------------------------------------------------------------------------

    def board(self, who: Principal) -> BoardPublic:
        who.require(
            Role.OPERATOR, Role.OFFICER, Role.CHECKPOINT, Role.AUDITOR, action="see the corridor board"
        )
        now = self.clock()
        day0 = datetime.combine(now.date(), time(0), UTC)
        with self.reads() as s:
            by_state = dict(
                s.execute(select(Declaration.state, func.count()).group_by(Declaration.state)).all()
            )
            by_channel = dict(
                s.execute(
                    select(Declaration.channel, func.count())
                    .where(Declaration.channel.is_not(None))
                    .group_by(Declaration.channel)
                ).all()
            )
            overdue = s.execute(
                select(func.count())
                .select_from(Declaration)
                .where(
                    Declaration.overdue_at.is_not(None), Declaration.state.in_([x.value for x in IN_TRANSIT])
                )
            ).scalar_one()
            today = s.execute(
                select(func.count()).select_from(Declaration).where(Declaration.exited_at >= day0)
            ).scalar_one()
        return BoardPublic(
            by_state={st.value: by_state.get(st.value, 0) for st in State},
            by_channel={c: by_channel.get(c, 0) for c in ("green", "yellow", "red")},
            in_transit=sum(by_state.get(st.value, 0) for st in IN_TRANSIT),
            overdue=overdue,
            held=by_state.get(State.HELD.value, 0),
            throughput_today=today,
            at=now,
        )

    def audit_rows(
        self, who: Principal, *, entity_id: str | None = None, offset: int = 0, limit: int = 50
    ) -> Page[AuditRowPublic]:
        who.require(Role.AUDITOR, action="read the audit log")
        q = select(AuditRow)
        if entity_id is not None:
            q = q.where(AuditRow.entity_id == entity_id)
        limit = _page_limit(offset, limit)
        with self.reads() as s:
            total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
            rows = s.execute(q.order_by(AuditRow.seq).offset(offset).limit(limit)).scalars()
            items = [
                AuditRowPublic(
                    seq=r.seq,
                    at=r.at,
                    actor=r.actor,
                    act=r.act,
                    entity=r.entity,
                    entity_id=r.entity_id,
                    before=r.before,
                    after=r.after,
                    detail=json.loads(r.detail),
                    hash=r.hash,
                )
                for r in rows
            ]
        return Page[AuditRowPublic](items=items, total=total, offset=offset, limit=limit)

    def verify_audit(
        self, who: Principal | None = None, *, anchors: Sequence[audit.Anchor] = ()
    ) -> AuditReport:
        """Check the whole chain, its keyed head, the ``anchors`` given, and that the business tables agree
        with the log. ``who`` None means the local administrator (CLI)."""
        if who is not None:
            who.require(Role.AUDITOR, action="verify the audit log")
        with self.reads() as s:
            v = audit.verify(s, self.audit_key, anchors)
            business = audit.business_problems(s)
        problems = v.problems + business
        return AuditReport(ok=not problems, rows=v.rows, problems=problems)

    def anchor(self) -> audit.Anchor:
        """A signed checkpoint of the audit chain now (`corridor audit anchor`)."""
        with self.reads() as s:
            return audit.checkpoint(s, self.audit_key, self.clock())

"""A realistic day of traffic on the corridor, seeded, played through the real service (every act audited).

The day is the 24 hours ending now: carriers lodge declarations through the day, officers accept, assess and
release or hold them, checkpoints record entry and exit (a few with a broken seal or a count mismatch, which an
officer then decides on), some movements are rejected or cancelled, and a few run past their deadline and are
flagged overdue. Volumes are an assumption (a start-up corridor: tens of trucks and a
handful of block trains a day, far below the ~1,100 vehicles/day of the Araz corridor's Aras road bridge, facts[56]).
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import MetaData, func, select
from stdnum import iso6346, luhn

from corridor._errors import CorridorError, ValidationError
from corridor.transit.auth import Principal, Role
from corridor.transit.db import migrate
from corridor.transit.errors import Conflict
from corridor.transit.models import AuditRow, Declaration, User
from corridor.transit.schemas import (
    CheckpointEvent,
    DecisionCreate,
    DeclarationCreate,
    InspectionCreate,
    RejectReason,
    SlotBook,
    SlotSet,
)
from corridor.transit.service import TransitService
from corridor.transit.traffic import (
    BREAKDOWN_MIN,
    BREAKDOWN_SHARE,
    CANCEL_SHARE,
    CARGO,
    DISCHARGE_MIN,
    DOCUMENT_CHECK_MIN,
    INSPECTION_MIN,
    INSPECTION_PASS_SHARE,
    OVERLOAD_MASS_KG,
    OVERLOAD_SHARE,
    REJECT_SHARE,
    REVIEW_MIN,
    RUNNING_FACTOR,
    TO_BORDER_MIN,
    TRAIN_CARGO,
    TRAIN_WAGONS,
    YELLOW_INSPECTED_SHARE,
)

DEMO_PASSWORD = "demo-password"

#: (username, role, country, agency, scope)
CARRIERS = (
    ("ady-express", "AZ", "ADY Express", "ADYEXP"),
    ("caspian-haulage", "AZ", "Caspian Haulage", "CASPHL"),
    ("anatolia-lojistik", "TR", "Anatolia Lojistik", "ANATLJ"),
    ("silkway-trans", "KZ", "Silkway Trans", "SLKWAY"),
)
AM_PLATE_LETTERS = "ABCDEHKMOPSTXY"
#: assumption: share of movements with a discrepancy (a few per cent; none is sourced for the corridor).
ENTRY_DISCREPANCY_SHARE = 0.03
EXIT_DISCREPANCY_SHARE = 0.06


class DatabaseNotEmpty(CorridorError):
    """The demo only fills an empty database (it would mix invented traffic with real records)."""


def held_data(service: TransitService) -> dict[str, int]:
    """How many users, declarations and audit rows the service's database already holds."""
    with service.reads() as s:
        return {
            "users": s.execute(select(func.count()).select_from(User)).scalar_one(),
            "declarations": s.execute(select(func.count()).select_from(Declaration)).scalar_one(),
            "audit rows": s.execute(select(func.count()).select_from(AuditRow)).scalar_one(),
        }


def prepare_database(service: TransitService, *, reset: bool) -> None:
    """Refuse a database that holds data, unless ``reset``: then drop every table and migrate afresh."""
    held = held_data(service)
    if not any(held.values()):
        return
    engine = service.sessions.kw["bind"]
    if not reset:
        url = engine.url.render_as_string(hide_password=True)
        counts = ", ".join(f"{n} {what}" for what, n in held.items() if n)
        raise DatabaseNotEmpty(
            f"database {url} already holds data ({counts}); the demo fills only an empty database: "
            "give --reset to delete everything in it first (cannot be undone), or another --database-url"
        )
    tables = MetaData()
    tables.reflect(engine)  # every table there, whatever revision made it (alembic_version included)
    tables.drop_all(engine)
    migrate(engine)


@dataclass
class MutableClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class DemoSummary:
    seed: int
    declarations: int
    users: list[str]
    password: str
    by_state: dict[str, int] = field(default_factory=dict)


def _container(rng: random.Random) -> str:
    body = rng.choice(("CSQU", "MSCU", "TGHU", "CMAU")) + f"{rng.randrange(10**6):06d}"
    return body + iso6346.calc_check_digit(body)


def _wagon(rng: random.Random) -> str:
    body = f"{rng.choice(('31', '33'))}57{rng.randrange(10**7):07d}"  # 57: Azerbaijan (anchors §4)
    return body + luhn.calc_check_digit(body)


def _plate(rng: random.Random, country: str) -> str:
    if country == "AZ":
        return f"{rng.randrange(10, 99)}-{rng.choice('ABCDEKLMNPRST')}{rng.choice('ABCDEKLMNPRST')}-{rng.randrange(100, 999)}"
    if country == "TR":
        return f"{rng.randrange(1, 81):02d} {rng.choice('ABCDEFG')}{rng.choice('HJKLMN')} {rng.randrange(100, 9999)}"
    return f"{rng.randrange(10, 99)} {rng.choice(AM_PLATE_LETTERS)}{rng.choice(AM_PLATE_LETTERS)} {rng.randrange(100, 999)}"


def _body(rng: random.Random, n: int, train: bool, country: str) -> dict:
    if train:
        wagons = [_wagon(rng) for _ in range(rng.randint(*TRAIN_WAGONS))]
        containers = [_container(rng) for _ in range(len(wagons))]
        consignments = []
        for c in containers:
            hs, desc, kg, usd = rng.choice(TRAIN_CARGO)
            mass = rng.uniform(*kg)
            consignments.append(
                {
                    "hs_code": hs,
                    "description": desc,
                    "gross_mass_kg": round(mass),
                    "value_usd": round(mass * rng.uniform(*usd), 2),
                    "container": c,
                }
            )
        transport = {"kind": "train", "wagons": wagons}
    else:
        containers = [_container(rng)]
        hs, desc, kg, usd = rng.choice(CARGO)
        mass = rng.uniform(*kg)
        if rng.random() < OVERLOAD_SHARE:
            mass = OVERLOAD_MASS_KG  # an overloaded truck: the OVERLOAD rule sends it red
        consignments = [
            {
                "hs_code": hs,
                "description": desc,
                "gross_mass_kg": round(mass),
                "value_usd": round(mass * rng.uniform(*usd), 2),
                "container": containers[0],
            }
        ]
        transport = {"kind": "truck", "plates": [_plate(rng, country), _plate(rng, country)]}
    value = sum(c["value_usd"] for c in consignments)
    seals = [f"AM{n:05d}{i}" for i in range(len(containers))]
    return {
        "reference": f"LRN-{n:05d}",
        "direction": rng.choice(("westbound", "eastbound")),
        "transport": transport,
        "containers": containers,
        "consignments": consignments,
        "seal_count": len(seals),
        "seals": seals,
        "guarantee": {"reference": f"GRN{n:08d}", "amount_usd": round(value * rng.uniform(0.22, 0.4), 2)},
    }


def _ensure_users(service: TransitService) -> list[str]:
    people = [(u, Role.CARRIER, c, a, s) for u, c, a, s in CARRIERS]
    people += [
        ("am-customs", Role.OFFICER, "AM", "customs", None),
        ("am-border", Role.OFFICER, "AM", "border", None),
    ]
    for cp in service.corridor.all_checkpoints:
        people.append((f"cp-{cp.code}".replace("_", "-"), Role.CHECKPOINT, "AM", "border", cp.code))
    people += [
        (service.corridor.operator_user, Role.OPERATOR, "AM", service.corridor.operator_agency, None),
        ("auditor", Role.AUDITOR, "AM", "audit chamber", None),
    ]
    for username, role, country, agency, scope in people:
        with contextlib.suppress(Conflict):  # already there from an earlier run
            service.add_user(
                username, DEMO_PASSWORD, role, country=country, agency=agency, scope=scope, actor="demo"
            )
    return [p[0] for p in people]


def _who(service: TransitService, username: str) -> Principal:
    return service.authenticate(service.login(username, DEMO_PASSWORD).access_token)


def seed_demo(
    service: TransitService,
    *,
    seed: int = 1,
    trucks: int = 60,
    trains: int = 8,
    queue: int = 8,
    now: datetime | None = None,
) -> DemoSummary:
    """Play one day of traffic into ``service``'s database. Deterministic in content for a given ``seed``.

    ``queue`` more trucks arrive in the day's last 40 minutes, so an officer who logs in finds declarations waiting
    in the channel lanes (submitted, or assessed and waiting for release or hold).
    Refused in a production environment: it adds officers with a published password.
    """
    if service.environment == "production":
        raise ValidationError(
            "transit demo: refused in environment 'production' (it adds users with a known password)"
        )
    rng = random.Random(seed)
    end = now or datetime.now(UTC)
    start = end - timedelta(hours=24)
    real_clock, real_rng = service.clock, service.rng
    clock = MutableClock(start)
    service.clock, service.rng = clock, random.Random(seed)
    try:
        users = _ensure_users(service)
        who = {u: _who(service, u) for u in users}
        officer, operator = who["am-customs"], who[service.corridor.operator_user]
        for day in (start.date(), end.date(), (end + timedelta(days=1)).date()):
            for direction in ("westbound", "eastbound"):
                service.set_slot(
                    operator, SlotSet(day=day, direction=direction, mode="road", capacity=80, fee_usd=120.0)
                )
                service.set_slot(
                    operator, SlotSet(day=day, direction=direction, mode="rail", capacity=8, fee_usd=1500.0)
                )
        plan = sorted(
            [(rng.uniform(0, 22), False) for _ in range(trucks)]
            + [(rng.uniform(0, 24), True) for _ in range(trains)]
            + [(rng.uniform(23.33, 23.98), False) for _ in range(queue)]
        )
        base = service.list(officer, limit=1).total
        count = 0
        for i, (hour, train) in enumerate(plan):
            clock.now = start + timedelta(hours=hour)
            username, country, _agency, _scope = rng.choice(CARRIERS)
            carrier = who[username]
            body = DeclarationCreate.model_validate(_body(rng, base + i + 1, train, country))
            d = service.submit(carrier, body)
            count += 1
            _play(service, rng, clock, end, who, carrier, officer, d.id)
        clock.now = end
        service.flag_overdue(officer)
        board = service.board(officer)
    finally:
        service.clock, service.rng = real_clock, real_rng
    return DemoSummary(seed, count, users, DEMO_PASSWORD, {k: v for k, v in board.by_state.items() if v})


def _play(
    service: TransitService,
    rng: random.Random,
    clock: MutableClock,
    end: datetime,
    who: dict,
    carrier: Principal,
    officer: Principal,
    declaration_id: int,
) -> None:
    """Move one declaration as far through its life cycle as the day allows."""

    def wait(minutes: tuple[float, float]) -> bool:
        clock.now += timedelta(minutes=rng.uniform(*minutes))
        return clock.now < end

    fate = rng.random()
    if fate < CANCEL_SHARE:
        service.cancel(carrier, declaration_id)
        return
    service.book_slot(carrier, declaration_id, _slot_day(clock.now))
    if not wait(REVIEW_MIN):
        return  # still waiting for an officer
    if fate < REJECT_SHARE:
        service.reject(
            officer, declaration_id, RejectReason(code="R02", detail="invoice and manifest disagree")
        )
        return
    service.accept(officer, declaration_id)
    d = service.assess(officer, declaration_id)
    if not wait(DOCUMENT_CHECK_MIN):
        return
    if d.channel == "red" or (d.channel == "yellow" and rng.random() < YELLOW_INSPECTED_SHARE):
        service.hold(officer, declaration_id)
        if not wait(INSPECTION_MIN):
            return  # held, awaiting inspection
        ok = rng.random() < INSPECTION_PASS_SHARE
        d = service.inspect(
            officer,
            declaration_id,
            InspectionCreate(
                outcome="pass" if ok else "fail",
                seals_intact=True,
                findings="goods match the declaration" if ok else "undeclared goods found in container",
            ),
        )
        if not ok:
            return
    else:
        d = service.release(officer, declaration_id)
    seg = service.corridor.segment(d.mode)
    entry, exit_ = seg.checkpoints(d.direction)
    if not wait(TO_BORDER_MIN):
        return  # released, not yet at the border
    if rng.random() < ENTRY_DISCREPANCY_SHARE:
        found = CheckpointEvent(
            checkpoint=entry.code, discrepancies=["count_mismatch"], note="one package more than declared"
        )
        service.enter(who[_cp_user(entry.code)], declaration_id, found)
        if not wait((20.0, 90.0)):
            return  # stopped at entry, waiting for an officer's decision
        reason = "extra package is the driver's spare tyre, checked; goods as declared"
        service.decide(officer, declaration_id, DecisionCreate(outcome="proceed", reason=reason))
    else:
        service.enter(who[_cp_user(entry.code)], declaration_id, CheckpointEvent(checkpoint=entry.code))
    running_min = 60 * seg.length_km / seg.speed_kmh
    if rng.random() < BREAKDOWN_SHARE:
        running_min += BREAKDOWN_MIN  # a breakdown: this one runs past its deadline
    if not wait((RUNNING_FACTOR[0] * running_min, RUNNING_FACTOR[1] * running_min)):
        return
    if rng.random() < EXIT_DISCREPANCY_SHARE:
        found = CheckpointEvent(checkpoint=exit_.code, seals_intact=False, note="seal cut")
        service.exit(who[_cp_user(exit_.code)], declaration_id, found)
        if wait((120.0, 720.0)):  # the officer asks the carrier and the police first
            reason = "seal cut for a police check on the way (report attached); goods counted, as declared"
            service.decide(officer, declaration_id, DecisionCreate(outcome="discharge", reason=reason))
        return
    service.exit(who[_cp_user(exit_.code)], declaration_id, CheckpointEvent(checkpoint=exit_.code))
    if wait(DISCHARGE_MIN):
        service.discharge(officer, declaration_id)


def _slot_day(now: datetime) -> SlotBook:
    return SlotBook(day=now.date())


def _cp_user(code: str) -> str:
    return f"cp-{code}".replace("_", "-")

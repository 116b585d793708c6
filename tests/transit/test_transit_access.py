"""Every role x endpoint pair (the access matrix), on SQLite and PostgreSQL, over HTTP.

Each pair gets a fresh declaration in the state the act needs, so an allowed role must get 2xx (not merely
"not 403"), a role without the right gets 403, a carrier asking for another carrier's declaration gets 404
(object-level check: existence is not revealed), and no token gets 401.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update
from transit_factories import PASSWORD, FakeClock, add_people, client_class, train_body

from corridor.transit.api import create_app
from corridor.transit.models import Declaration
from corridor.transit.risk import DEFAULT_RULES, RuleSet
from corridor.transit.schemas import CheckpointEvent, DeclarationCreate, SlotSet

ROLES = ("owner", "other_carrier", "officer", "checkpoint", "operator", "auditor", "anonymous")
#: the user acting for each role; "checkpoint" is the operator at the checkpoint the act happens at
USER = {
    "owner": "carrier",
    "other_carrier": "carrier2",
    "officer": "officer",
    "operator": "operator",
    "auditor": "auditor",
}
TODAY = date(2026, 3, 2)

R, C = "{id}", None
#: (name, method, path, state the declaration must be in (None: no declaration), body, roles allowed)
ENDPOINTS = [
    ("me", "GET", "/api/v1/me", None, None, set(ROLES) - {"anonymous"}),
    ("logout", "POST", "/api/v1/auth/logout", None, None, set(ROLES) - {"anonymous"}),
    ("checkpoints", "GET", "/api/v1/checkpoints", None, None, set(ROLES) - {"anonymous"}),
    ("submit", "POST", "/api/v1/declarations", None, "new", {"owner", "other_carrier"}),
    (
        "list",
        "GET",
        "/api/v1/declarations",
        None,
        None,
        {"owner", "other_carrier", "officer", "checkpoint", "auditor"},
    ),
    (
        "get",
        "GET",
        "/api/v1/declarations/{id}",
        "submitted",
        None,
        {"owner", "officer", "checkpoint", "auditor"},
    ),
    ("accept", "POST", "/api/v1/declarations/{id}/accept", "submitted", None, {"officer"}),
    ("assess", "POST", "/api/v1/declarations/{id}/assess", "accepted", None, {"officer"}),
    ("release", "POST", "/api/v1/declarations/{id}/release", "assessed", None, {"officer"}),
    ("hold", "POST", "/api/v1/declarations/{id}/hold", "assessed", None, {"officer"}),
    (
        "reject",
        "POST",
        "/api/v1/declarations/{id}/reject",
        "submitted",
        {"code": "R99", "detail": "test"},
        {"officer"},
    ),
    (
        "inspection",
        "POST",
        "/api/v1/declarations/{id}/inspection",
        "held",
        {"outcome": "pass", "findings": "as declared"},
        {"officer"},
    ),
    (
        "entry",
        "POST",
        "/api/v1/declarations/{id}/entry",
        "released",
        {"checkpoint": "nrnadzor_rail"},
        {"checkpoint"},
    ),
    (
        "exit",
        "POST",
        "/api/v1/declarations/{id}/exit",
        "entered",
        {"checkpoint": "agarak_rail"},
        {"checkpoint"},
    ),
    ("discharge", "POST", "/api/v1/declarations/{id}/discharge", "exited", None, {"officer"}),
    (
        "decision",
        "POST",
        "/api/v1/declarations/{id}/decision",
        "exit_discrepancy",
        {"outcome": "discharge", "reason": "seal replaced by customs at Meghri, goods checked"},
        {"officer"},
    ),
    ("cancel", "POST", "/api/v1/declarations/{id}/cancel", "submitted", None, {"owner"}),
    ("enquiry", "POST", "/api/v1/declarations/{id}/enquiry", "overdue", None, {"officer"}),
    ("book_slot", "POST", "/api/v1/declarations/{id}/slot", "submitted", {"day": str(TODAY)}, {"owner"}),
    ("scan_overdue", "POST", "/api/v1/overdue/scan", None, None, {"officer"}),
    ("list_slots", "GET", "/api/v1/slots", None, None, set(ROLES) - {"anonymous"}),
    (
        "set_slot",
        "POST",
        "/api/v1/slots",
        None,
        {"day": "2026-03-03", "direction": "eastbound", "mode": "road", "capacity": 5, "fee_usd": 10},
        {"operator"},
    ),
    ("board", "GET", "/api/v1/board", None, None, {"officer", "checkpoint", "operator", "auditor"}),
    ("audit", "GET", "/api/v1/audit", None, None, {"auditor"}),
    ("audit_verify", "GET", "/api/v1/audit/verify", None, None, {"auditor"}),
]
OBJECT_HIDDEN = {"other_carrier"}  # carriers get 404 on others' declarations when their role may act at all


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    import conftest

    if request.param == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path_factory.mktemp('access') / 't.db'}", None
    else:
        base, schema, url = conftest._postgres_schema_url()
        cleanup = (base, schema)
    mp = pytest.MonkeyPatch()
    from argon2 import PasswordHasher

    from corridor.transit import auth

    mp.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    clock = FakeClock()
    svc = conftest.build_service(url, clock)
    svc.rules = RuleSet(version="test", rules=DEFAULT_RULES.rules)  # no random selection: wheat stays green
    people = add_people(svc)
    svc.set_slot(
        people.operator, SlotSet(day=TODAY, direction="westbound", mode="rail", capacity=10_000, fee_usd=1)
    )
    with client_class()(create_app(service=svc)) as client:
        yield svc, people, client
    svc.sessions.kw["bind"].dispose()
    mp.undo()
    if cleanup:
        conftest._drop_schema(*cleanup)


_counter = iter(range(1, 10**6))


def _prepare(svc, people, state: str) -> int:
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body(f"ACC-{next(_counter)}")))
    steps = {
        "accepted": ["accept"],
        "assessed": ["accept", "assess"],
        "held": ["accept", "assess", "hold"],
        "released": ["accept", "assess", "release"],
        "entered": ["accept", "assess", "release", "enter"],
        "exited": ["accept", "assess", "release", "enter", "exit"],
        "exit_discrepancy": ["accept", "assess", "release", "enter", "exit_broken"],
        "overdue": ["accept", "assess", "release"],
    }.get(state, [])
    for step in steps:
        if step == "enter":
            svc.enter(people.entry_rail, d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
        elif step == "exit":
            svc.exit(people.exit_rail, d.id, CheckpointEvent(checkpoint="agarak_rail"))
        elif step == "exit_broken":
            ev = CheckpointEvent(checkpoint="agarak_rail", seals_intact=False, note="seal cut")
            svc.exit(people.exit_rail, d.id, ev)
        else:
            getattr(svc, step)(people.officer, d.id)
    if state == "overdue":
        with svc.sessions.begin() as s:
            s.execute(update(Declaration).where(Declaration.id == d.id).values(overdue_at=svc.clock()))
    return d.id


def _headers(svc, people, role: str, name: str) -> dict:
    if role == "anonymous":
        return {}
    user = ("exit_rail" if name == "exit" else "entry_rail") if role == "checkpoint" else USER[role]
    token = svc.login(user, PASSWORD).access_token if name == "logout" else people.tokens[user]  # revoked
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "path", "state", "body", "allowed"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_access_matrix(world, role, name, method, path, state, body, allowed):
    svc, people, client = world
    did = _prepare(svc, people, state) if state else None
    if body == "new":
        body = train_body(f"NEW-{next(_counter)}")
    r = client.request(method, path.format(id=did), json=body, headers=_headers(svc, people, role, name))
    if role == "anonymous":
        expected = {401}
    elif role in allowed:
        expected = {200, 201, 204}
    elif role in OBJECT_HIDDEN and did is not None and "owner" in allowed:
        expected = {404}
    else:
        expected = {403}
    assert r.status_code in expected, (name, role, r.status_code, r.text)
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == r.status_code


def test_every_api_route_is_in_the_matrix(world):
    _, _, client = world
    spec = client.get("/openapi.json").json()
    routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    covered = {(m, p.replace("{id}", "{declaration_id}")) for _, m, p, *_ in ENDPOINTS}
    public = {("POST", "/api/v1/auth/token"), ("GET", "/healthz")}
    assert routes - public == covered


def test_foreign_or_non_sovereign_staff_cannot_be_officers(world):
    from corridor.transit.errors import Unprocessable

    svc, _, _ = world
    for country, agency in (("AZ", "customs"), ("US", "border"), ("AM", "TRIPP Development Company")):
        with pytest.raises(Unprocessable, match="must be AM staff"):
            svc.add_user(
                f"x-{country}-{agency[:3]}", "password123", "officer", country=country, agency=agency
            )

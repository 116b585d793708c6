"""Builders of valid transit test data (check digits computed, not hard-coded)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stdnum import iso6346, luhn

from corridor.transit.auth import Principal
from corridor.transit.service import TransitService

PASSWORD = "correct horse battery"


def container(serial: int, owner: str = "CSQU") -> str:
    body = f"{owner}{serial:06d}"
    return body + iso6346.calc_check_digit(body)


def wagon(serial: int) -> str:
    body = f"3157{serial:07d}"
    return body + luhn.calc_check_digit(body)


def train_body(
    ref: str = "LRN-1",
    *,
    wagons: int = 2,
    hs: str = "100199",
    mass_kg: float = 50_000.0,
    value_usd: float = 12_000.0,
    direction: str = "westbound",
) -> dict:
    boxes = [container(100 + i) for i in range(wagons)]
    return {
        "reference": ref,
        "direction": direction,
        "transport": {"kind": "train", "wagons": [wagon(i + 1) for i in range(wagons)]},
        "containers": boxes,
        "consignments": [
            {
                "hs_code": hs,
                "description": "wheat",
                "gross_mass_kg": mass_kg / wagons,
                "value_usd": value_usd / wagons,
                "container": c,
            }
            for c in boxes
        ],
        "seal_count": 2,
        "seals": ["AMS0001", "AMS0002"],
        "guarantee": {"reference": "GRN0001", "amount_usd": value_usd * 0.3},
    }


def truck_body(
    ref: str = "LRN-T1",
    *,
    plates=("51 OT 123", "52 SS 456"),
    hs: str = "081010",
    mass_kg: float = 12_000.0,
    value_usd: float = 30_000.0,
    direction: str = "eastbound",
) -> dict:
    return {
        "reference": ref,
        "direction": direction,
        "transport": {"kind": "truck", "plates": list(plates)},
        "containers": [],
        "consignments": [
            {"hs_code": hs, "description": "strawberries", "gross_mass_kg": mass_kg, "value_usd": value_usd}
        ],
        "seal_count": 1,
        "seals": ["AMT0001"],
        "guarantee": {"reference": "GRN0002", "amount_usd": value_usd * 0.3},
    }


def changed(body: dict, **paths) -> dict:
    """A deep copy of ``body`` with dotted paths replaced: changed(b, **{"guarantee.amount_usd": 1})."""
    out = copy.deepcopy(body)
    for path, value in paths.items():
        node = out
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return out


@dataclass
class FakeClock:
    now: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@dataclass
class People:
    """One user per role (and a second carrier, and a foreign officer) with principals and tokens."""

    carrier: Principal
    carrier2: Principal
    officer: Principal
    entry_rail: Principal  # checkpoint operator at nrnadzor_rail (westbound rail entry)
    exit_rail: Principal  # at agarak_rail
    operator: Principal
    auditor: Principal
    tokens: dict[str, str]


#: username -> (role, country, agency, scope)
USERS = {
    "carrier": ("carrier", "AZ", "ADY Express", "ADYEXP"),
    "carrier2": ("carrier", "TR", "Anatolia Lojistik", "ANATLJ"),
    "officer": ("officer", "AM", "customs", None),
    "entry_rail": ("checkpoint", "AM", "border", "nrnadzor_rail"),
    "exit_rail": ("checkpoint", "AM", "border", "agarak_rail"),
    "operator": ("operator", "AM", "TRIPP Development Company", None),
    "auditor": ("auditor", "AM", "audit chamber", None),
}


def add_people(service: TransitService) -> People:
    tokens, who = {}, {}
    for name, (role, country, agency, scope) in USERS.items():
        service.add_user(name, PASSWORD, role, country=country, agency=agency, scope=scope, actor="test")
        tokens[name] = service.login(name, PASSWORD).access_token
        who[name] = service.authenticate(tokens[name])
    return People(**who, tokens=tokens)


def bearer(people: People, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {people.tokens[name]}"}


def client_class():
    """Starlette's TestClient (its import warns that it prefers the httpx2 fork; httpx works the same here)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2.*")
        from starlette.testclient import TestClient
    return TestClient

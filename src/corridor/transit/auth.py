"""Who may do what: roles scoped by country and agency, argon2 passwords, opaque bearer tokens stored hashed.

Roles (front office - back office, facts §1 [26][27][28]): the sovereign side (Armenian customs/border officers
and checkpoint operators) decides and records; the corridor operator (front office) runs capacity and fees and
sees aggregates only; carriers see their own declarations; auditors read everything and change nothing.
Every check fails closed: a missing or unknown scope means no.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from corridor.transit.errors import Forbidden

#: The state whose officers decide on this corridor (the bundled corridor crosses Armenia; facts §1 [26]).
SOVEREIGN_COUNTRY = "AM"
SOVEREIGN_AGENCIES = ("customs", "border")

_hasher = PasswordHasher()


class Role(StrEnum):
    CARRIER = "carrier"
    OFFICER = "officer"  # sovereign customs or border officer
    CHECKPOINT = "checkpoint"  # sovereign checkpoint operator
    OPERATOR = "operator"  # corridor operator, front office
    AUDITOR = "auditor"


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    country: str
    agency: str
    scope: str | None = None  # carrier code (carrier) or checkpoint code (checkpoint)

    def require(self, *roles: Role, action: str) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden("ROLE_FORBIDDEN", f"{self.role.value} may not {action} (needs: {allowed})")

    def require_sovereign(self, action: str) -> None:
        """Officer or checkpoint operator of the corridor state's own agencies."""
        if self.country != SOVEREIGN_COUNTRY or self.agency not in SOVEREIGN_AGENCIES:
            raise Forbidden(
                "NOT_SOVEREIGN",
                f"only {SOVEREIGN_COUNTRY} {'/'.join(SOVEREIGN_AGENCIES)} staff may {action} "
                f"(you are {self.country} {self.agency})",
            )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_dummy: dict[int, str] = {}


def verify_unknown(password: str) -> bool:
    """Spend what checking a real password costs, for a user that does not exist (no timing oracle); False."""
    h = _dummy.get(id(_hasher))
    if h is None:
        h = _dummy[id(_hasher)] = _hasher.hash(secrets.token_urlsafe(16))
    verify_password(h, password)
    return False


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A 256-bit random bearer token (only its SHA-256 is stored)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_user(role: Role, country: str, agency: str, scope: str | None, checkpoints: set[str]) -> None:
    """Refuse user records that could never pass the object checks (fail closed at creation too)."""
    from corridor.transit.errors import Unprocessable

    if len(country) != 2 or not country.isalpha() or not country.isupper():
        raise Unprocessable(
            "BAD_COUNTRY", f"country must be ISO 3166-1 alpha-2, got {country!r}", field="country"
        )
    if role is Role.CARRIER and not scope:
        raise Unprocessable("SCOPE_REQUIRED", "a carrier user needs --scope CARRIER_CODE", field="scope")
    if role is Role.CHECKPOINT and scope not in checkpoints:
        raise Unprocessable(
            "SCOPE_REQUIRED",
            f"a checkpoint user needs --scope set to one of {', '.join(sorted(checkpoints))}; got {scope!r}",
            field="scope",
        )
    if role in (Role.OFFICER, Role.CHECKPOINT) and (
        country != SOVEREIGN_COUNTRY or agency not in SOVEREIGN_AGENCIES
    ):
        raise Unprocessable(
            "NOT_SOVEREIGN",
            f"{role.value} users must be {SOVEREIGN_COUNTRY} staff of {' or '.join(SOVEREIGN_AGENCIES)}",
            field="agency",
        )

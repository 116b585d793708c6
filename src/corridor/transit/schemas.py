"""Request and response schemas (pydantic), apart from the ORM rows. Unknown fields are rejected everywhere.

Cross-field rules follow NCTS phase 5 (anchors §2): seals unique (R0107), their count matching the list (R0106),
containers referenced by consignments declared on the movement.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from corridor.transit import codes, labels
from corridor.transit.route import Direction

T = TypeVar("T")

#: assumption: nominal payload of a 4-axle 1520 mm freight wagon (~69-70 t on Soviet-standard stock).
WAGON_PAYLOAD_KG = 70_000.0
#: assumption: payload of a 40-44 t articulated truck (tare ~14-17 t).
TRUCK_PAYLOAD_KG = 27_000.0
#: Declared mass above this multiple of the nominal payload is physically implausible and rejected outright;
#: between 1x and this multiple the risk rule OVERLOAD sends the movement to the red channel.
IMPLAUSIBLE_FACTOR = 1.5
#: assumption: above this a single consignment's value is a typing error, not a real cargo (USD).
MAX_CONSIGNMENT_VALUE_USD = 1e9
#: assumption: a consignment under 1 kg is no freight for a transit corridor (and 5e-324 kg is a typing or
#: fuzzing artefact); parcels are consolidated into one consignment.
MIN_CONSIGNMENT_MASS_KG = 1.0
#: assumption: one cent, the smallest amount a customs value or guarantee is stated in.
MIN_AMOUNT_USD = 0.01


def _canonical(problem, normalise):
    """Normalise first (so length limits apply to what is stored), then check the canonical form.

    ``normalise`` is idempotent (`codes.canonical`), so a stored value passes this check again on any read."""

    def before(v):
        return normalise(v) if isinstance(v, str) else v

    def check(v: str) -> str:
        why = problem(v)
        if why:
            raise ValueError(why)
        return v

    return BeforeValidator(before), AfterValidator(check)


ContainerNo = Annotated[
    str, Field(max_length=20), *_canonical(codes.container_problem, codes.normalise_container)
]
WagonNo = Annotated[str, Field(max_length=20), *_canonical(codes.wagon_problem, codes.normalise_wagon)]
Plate = Annotated[str, Field(max_length=20), *_canonical(codes.plate_problem, codes.normalise_plate)]
HsCode = Annotated[str, Field(max_length=13), *_canonical(codes.hs_problem, codes.normalise_hs)]
Mrn = Annotated[str, Field(max_length=18), *_canonical(codes.mrn_problem, codes.normalise_mrn)]
Text = Annotated[str, Field(min_length=1, max_length=500)]

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]*$")
_GUARANTEE_REFERENCE = re.compile(r"^[A-Z0-9]+$")


def _odd_characters(value: str, allowed: str) -> str:
    odd = sorted({c for c in value if not (c.isascii() and c.isalnum()) and c not in allowed})
    return " ".join(repr(c) for c in odd)


def reference_problem(value: str) -> str | None:
    """Why ``value`` cannot be a carrier's reference or a seal number (words, not the regular expression)."""
    if _REFERENCE.match(value):
        return None
    odd = _odd_characters(value, "/._-")
    if odd:
        return f"use Latin letters, digits and / . _ - only; {value!r} has {odd}"
    return f"must start with a letter or a digit, not {value[:1]!r}"


def guarantee_reference_problem(value: str) -> str | None:
    """Why ``value`` cannot be a guarantee reference (as printed on the certificate: capitals and digits)."""
    if _GUARANTEE_REFERENCE.match(value):
        return None
    odd = _odd_characters(value.upper(), "")
    hint = "".join(c for c in value.upper() if c.isascii() and c.isalnum())
    if odd:
        return (
            f"use capital letters A-Z and digits only, as on the guarantee certificate (e.g. GRN0001); "
            f"{value!r} has {odd}" + (f" (did you mean {hint}?)" if hint else "")
        )
    return f"use capital letters (e.g. GRN0001): {value!r} has lower-case letters (did you mean {hint}?)"


def _shown_pattern(regex: re.Pattern) -> dict:
    return {"pattern": regex.pattern}  # kept in the OpenAPI schema; the check itself is `_canonical`


Reference = Annotated[
    str,
    Field(min_length=1, max_length=35, json_schema_extra=_shown_pattern(_REFERENCE)),
    *_canonical(reference_problem, lambda v: v),
]
SealId = Reference
GuaranteeReference = Annotated[
    str,
    Field(min_length=1, max_length=24, json_schema_extra=_shown_pattern(_GUARANTEE_REFERENCE)),
    *_canonical(guarantee_reference_problem, lambda v: v),
]


def text_problem(value: str) -> str | None:
    """NUL characters and lone surrogates cannot be stored (PostgreSQL refuses them): reject them as input."""
    if "\x00" in value:
        return "text must not contain NUL characters"
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text must be valid Unicode (no lone surrogates)"
    return None


def _storable(obj) -> bool:
    """True when no string in ``obj`` (keys included) has a `text_problem` (the fast walk, no paths)."""
    if isinstance(obj, str):
        return text_problem(obj) is None
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not (_storable(k) and _storable(v)):
                return False
    elif isinstance(obj, list | tuple):
        for v in obj:
            if not _storable(v):
                return False
    return True


def _scan(obj, path: str = "") -> None:
    """Raise for the first string in ``obj`` that cannot be stored, naming where it is (the path is only built
    for an input that has one: this runs on every submission)."""
    if _storable(obj):
        return
    if isinstance(obj, str):
        raise ValueError(f"{path or 'value'}: {text_problem(obj)}")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _scan(k, path)
            _scan(v, f"{path}/{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            _scan(v, f"{path}/{i}")


#: validation context key: the caller has already made sure that every string of the input is storable (see
#: `json_text_storable`), so the models skip their own `_scan` of it
TEXT_CHECKED = "corridor_text_checked"


def json_text_storable(raw: bytes) -> bool:
    """True when every string that ``json.loads(raw)`` can give is storable (no NUL, no lone surrogate), judged
    from the bytes alone: a UTF-8 JSON text without ``\\u`` escapes and without the byte 0xED (the lead byte of
    U+D000-U+DFFF, under which ``json.loads`` lets surrogates through with 'surrogatepass') has neither, since a
    raw control character inside a string is a JSON syntax error. False means "walk the parsed value" (the input
    may well be fine). Bytes with a NUL are never judged so (UTF-16/32 texts)."""
    return raw[:1] == b"{" and b"\\u" not in raw and b"\xed" not in raw and b"\x00" not in raw


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data, info: ValidationInfo):
        if not (info.context and info.context.get(TEXT_CHECKED)):
            _scan(data)
        return data


class Train(Strict):
    kind: Literal["train"]
    wagons: list[WagonNo] = Field(min_length=1, max_length=120)

    @property
    def payload_kg(self) -> float:
        return WAGON_PAYLOAD_KG * len(self.wagons)

    @property
    def mode(self) -> str:
        return "rail"


class Truck(Strict):
    kind: Literal["truck"]
    plates: list[Plate] = Field(min_length=1, max_length=3, description="tractor first, then trailers")

    @property
    def payload_kg(self) -> float:
        return TRUCK_PAYLOAD_KG

    @property
    def mode(self) -> str:
        return "road"


class Consignment(Strict):
    hs_code: HsCode
    description: Text
    gross_mass_kg: float = Field(ge=MIN_CONSIGNMENT_MASS_KG, le=10_000_000)
    value_usd: float = Field(ge=MIN_AMOUNT_USD, le=MAX_CONSIGNMENT_VALUE_USD)
    container: ContainerNo | None = None


class Guarantee(Strict):
    reference: GuaranteeReference
    amount_usd: float = Field(ge=MIN_AMOUNT_USD, le=1e10)


class DeclarationCreate(Strict):
    """A transit declaration as a carrier lodges it (the carrier comes from the credentials, not the body)."""

    reference: Reference = Field(description="the carrier's own reference (LRN), unique per carrier")
    direction: Direction
    transport: Annotated[Train | Truck, Field(discriminator="kind")]
    containers: list[ContainerNo] = Field(default_factory=list, max_length=240)
    consignments: list[Consignment] = Field(min_length=1, max_length=200)
    seal_count: int = Field(ge=0, le=999)
    seals: list[SealId] = Field(default_factory=list, max_length=999)
    guarantee: Guarantee

    @model_validator(mode="after")
    def _cross_fields(self) -> DeclarationCreate:
        if len(set(self.seals)) != len(self.seals):
            dup = sorted({s for s in self.seals if self.seals.count(s) > 1})
            raise ValueError(f"seals must be unique; repeated: {', '.join(dup)}")
        if len(self.seals) != self.seal_count:
            raise ValueError(f"seal_count is {self.seal_count} but {len(self.seals)} seal(s) are listed")
        if len(set(self.containers)) != len(self.containers):
            raise ValueError("containers must be unique")
        unknown = sorted({c.container for c in self.consignments if c.container} - set(self.containers))
        if unknown:
            raise ValueError(f"consignments refer to undeclared container(s): {', '.join(unknown)}")
        if isinstance(self.transport, Train) and len(set(self.transport.wagons)) != len(
            self.transport.wagons
        ):
            raise ValueError("wagon numbers must be unique")
        limit = self.transport.payload_kg * IMPLAUSIBLE_FACTOR
        if self.total_mass_kg > limit:
            raise ValueError(
                f"declared gross mass {self.total_mass_kg:,.0f} kg is implausible for this transport "
                f"(more than {IMPLAUSIBLE_FACTOR} x its {self.transport.payload_kg:,.0f} kg payload)"
            )
        return self

    @property
    def total_mass_kg(self) -> float:
        return float(sum(c.gross_mass_kg for c in self.consignments))

    @property
    def total_value_usd(self) -> float:
        return float(sum(c.value_usd for c in self.consignments))


class RejectReason(Strict):
    code: Literal["R01", "R02", "R03", "R04", "R05", "R99"] = Field(
        description="R01 guarantee invalid or insufficient, R02 documents inconsistent, R03 prohibited or "
        "restricted goods, R04 inspection found irregularities, R05 carrier not authorised, R99 other"
    )
    detail: Text


class InspectionCreate(Strict):
    outcome: Literal["pass", "fail"]
    findings: Text
    seals_intact: bool = True
    reject_code: Literal["R02", "R03", "R04", "R99"] = "R04"


Discrepancy = Literal["seal_broken", "seal_missing", "mass_mismatch", "count_mismatch"]


class CheckpointEvent(Strict):
    """What a checkpoint saw. Any discrepancy (``seals_intact`` false counts as ``seal_broken``) stops the
    ordinary path until an officer decides."""

    checkpoint: Annotated[str, Field(min_length=1, max_length=64)]
    seals_intact: bool = True
    discrepancies: list[Discrepancy] = Field(
        default_factory=list,
        max_length=len(labels.DISCREPANCIES),
        description="seal_broken, seal_missing, mass_mismatch, count_mismatch",
    )
    note: Annotated[str, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def _seals(self) -> CheckpointEvent:
        found = list(dict.fromkeys(self.discrepancies))  # unique, in the order given
        seal_codes = {"seal_broken", "seal_missing"}
        if not self.seals_intact and not seal_codes & set(found):
            found.insert(0, "seal_broken")
        if seal_codes & set(found):
            self.seals_intact = False
        self.discrepancies = found
        return self


class DecisionCreate(Strict):
    """An officer's decision on a discrepancy: at entry ``proceed`` or ``refuse``; at exit ``discharge`` or
    ``recover`` (call the guarantee). The reason is required and goes to the audit chain."""

    outcome: Literal["proceed", "refuse", "discharge", "recover"]
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class SlotSet(Strict):
    day: date
    direction: Direction
    mode: Literal["rail", "road"]
    capacity: int = Field(ge=0, le=10_000)
    fee_usd: float = Field(ge=0, le=1e6)


class SlotBook(Strict):
    day: date


class TokenRequest(Strict):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class Empty(Strict):
    """A body with nothing in it (acts that need no data)."""


# ----- responses -----------------------------------------------------------------------------------------


class InspectionPublic(BaseModel):
    outcome: str
    findings: str
    seals_intact: bool
    officer: str
    at: datetime


class EventPublic(BaseModel):
    kind: str
    checkpoint: str
    seals_intact: bool
    discrepancies: list[str] = []
    note: str
    by: str
    at: datetime


class _Vehicle:
    @property
    def payload_kg(self) -> float:
        return WAGON_PAYLOAD_KG * len(self.wagons) if self.kind == "train" else TRUCK_PAYLOAD_KG


class TrainStored(_Vehicle, BaseModel):
    kind: Literal["train"]
    wagons: list[str]


class TruckStored(_Vehicle, BaseModel):
    kind: Literal["truck"]
    plates: list[str]


class ConsignmentStored(BaseModel):
    hs_code: str
    description: str
    gross_mass_kg: float
    value_usd: float
    container: str | None = None


class GuaranteeStored(BaseModel):
    reference: str
    amount_usd: float


class DeclarationBody(BaseModel):
    """A declaration body as stored: what `DeclarationCreate` accepted and canonicalised at submission.

    Reads use this plain shape and never re-run the submission checks: a stored declaration is a record, and a
    rule tightened later (or a value stored by an older version) must not turn every page that lists it into
    an error."""

    reference: str
    direction: str
    transport: Annotated[TrainStored | TruckStored, Field(discriminator="kind")]
    containers: list[str] = []
    consignments: list[ConsignmentStored]
    seal_count: int
    seals: list[str] = []
    guarantee: GuaranteeStored


class DecisionPublic(BaseModel):
    at_checkpoint: str
    outcome: str
    reason: str
    officer: str
    at: datetime


class DeclarationPublic(BaseModel):
    id: int
    carrier: str
    reference: str
    state: str
    direction: str
    mode: str
    entry_checkpoint: str
    exit_checkpoint: str
    route_km: float
    mrn: str | None
    channel: str | None
    risk_rule: str | None
    risk_version: str | None
    reject_code: str | None
    reject_detail: str | None
    total_mass_kg: float
    total_value_usd: float
    guarantee_reference: str
    guarantee_usd: float
    guarantee_released: bool
    deadline_at: datetime | None
    overdue: bool
    enquiry_opened: bool
    slot_day: date | None
    submitted_at: datetime
    updated_at: datetime
    state_since: datetime | None = None
    body: DeclarationBody
    inspections: list[InspectionPublic] = []
    events: list[EventPublic] = []
    decisions: list[DecisionPublic] = []


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class SlotPublic(BaseModel):
    day: date
    direction: str
    mode: str
    capacity: int
    booked: int
    fee_usd: float


class BoardPublic(BaseModel):
    """Aggregates only: what the front office may see (no declaration content)."""

    by_state: dict[str, int]
    by_channel: dict[str, int]
    in_transit: int
    overdue: int
    held: int
    throughput_today: int
    at: datetime


class AuditRowPublic(BaseModel):
    seq: int
    at: datetime
    actor: str
    act: str
    entity: str
    entity_id: str
    before: str | None
    after: str | None
    detail: dict
    hash: str


class AuditReport(BaseModel):
    ok: bool
    rows: int
    problems: list[str]


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserPublic(BaseModel):
    username: str
    role: str
    country: str
    agency: str
    scope: str | None

"""Words for people: what states, discrepancies, decisions and reject codes are called on pages and in messages.

The API keeps the stable codes (``entry_discrepancy``, ``seal_broken``, ``R04``); pages and error messages use
these labels, so a person never has to read an internal id.
"""

from __future__ import annotations

STATES = {
    "submitted": "submitted, waiting for acceptance",
    "accepted": "accepted, waiting for risk assessment",
    "assessed": "risk-assessed, waiting for release or hold",
    "held": "held for inspection",
    "released": "released for transit",
    "entered": "in the corridor",
    "exited": "left the corridor, waiting for discharge",
    "discharged": "discharged, guarantee released",
    "rejected": "rejected",
    "cancelled": "cancelled",
    "entry_discrepancy": "stopped at entry: discrepancy, waiting for an officer's decision",
    "exit_discrepancy": "discrepancy at exit, waiting for an officer's decision",
    "recovery": "recovery: the guarantee is called",
}

#: Discrepancies a checkpoint can record (NCTS unloading remarks: seals, quantity, mass).
DISCREPANCIES = {
    "seal_broken": "seal broken",
    "seal_missing": "seal missing",
    "mass_mismatch": "mass does not match the declaration",
    "count_mismatch": "number of packages or containers does not match",
}

#: decision outcome -> (label on the button, what it does)
DECISIONS = {
    "proceed": (
        "Let it proceed",
        "the discrepancy is explained; the movement continues through the corridor",
    ),
    "refuse": ("Refuse entry", "the movement is rejected at entry (R04); it does not cross"),
    "discharge": (
        "Accept and discharge",
        "the discrepancy is explained; discharge and release the guarantee",
    ),
    "recover": ("Call the guarantee", "not explained: the guarantee is kept to recover duties and taxes"),
}

REJECT_CODES = {
    "R01": "guarantee invalid or insufficient",
    "R02": "documents inconsistent",
    "R03": "prohibited or restricted goods",
    "R04": "inspection found irregularities",
    "R05": "carrier not authorised",
    "R99": "other",
}


def state(code: str) -> str:
    return STATES.get(code, code)


def discrepancies(codes: list[str] | tuple[str, ...]) -> str:
    return ", ".join(DISCREPANCIES.get(c, c) for c in codes)


def reject(code: str | None, detail: str | None) -> str:
    """'R02 documents inconsistent: invoice and manifest disagree'."""
    if not code:
        return detail or ""
    words = REJECT_CODES.get(code, "")
    return f"{code} {words}: {detail}" if detail else f"{code} {words}"

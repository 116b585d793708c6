"""Turn the declaration form into the API's `DeclarationCreate` and pydantic errors into readable messages."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from corridor.transit.schemas import DeclarationCreate

#: Consignment rows offered by the form (blank rows are ignored).
CONSIGNMENT_ROWS = 5

_LABELS = {
    "reference": "Reference",
    "direction": "Direction",
    "transport": "Transport",
    "wagons": "Wagon numbers",
    "plates": "Plates",
    "containers": "Containers",
    "consignments": "Consignments",
    "hs_code": "HS code",
    "description": "Description",
    "gross_mass_kg": "Gross mass (kg)",
    "value_usd": "Value (USD)",
    "container": "Container",
    "seal_count": "Seal count",
    "seals": "Seals",
    "guarantee": "Guarantee",
    "reference_g": "Guarantee reference",
    "amount_usd": "Guarantee amount (USD)",
}


def _lines(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").replace(",", "\n").splitlines() if x.strip()]


def declaration_payload(form: Mapping[str, str]) -> dict:
    """The JSON body the API would receive for this form (validation is left to `DeclarationCreate`)."""
    kind = form.get("kind", "truck")
    vehicles = _lines(form.get("vehicles"))
    transport = {"kind": kind, "wagons" if kind == "train" else "plates": vehicles}
    consignments = []
    for i in range(CONSIGNMENT_ROWS):
        row = {
            k: (form.get(f"c{i}_{k}") or "").strip()
            for k in ("hs_code", "description", "mass", "value", "container")
        }
        if not any(row.values()):
            continue
        c = {
            "hs_code": row["hs_code"],
            "description": row["description"],
            "gross_mass_kg": row["mass"] or None,
            "value_usd": row["value"] or None,
        }
        if row["container"]:
            c["container"] = row["container"]
        consignments.append(c)
    seals = _lines(form.get("seals"))
    count = (form.get("seal_count") or "").strip()
    return {
        "reference": (form.get("reference") or "").strip(),
        "direction": form.get("direction", ""),
        "transport": transport,
        "containers": _lines(form.get("containers")),
        "consignments": consignments,
        "seal_count": count if count else len(seals),
        "seals": seals,
        "guarantee": {
            "reference": (form.get("guarantee_reference") or "").strip(),
            "amount_usd": (form.get("guarantee_amount_usd") or "").strip() or None,
        },
    }


def parse_declaration(form: Mapping[str, str]) -> DeclarationCreate:
    return DeclarationCreate.model_validate(declaration_payload(form))


def _where(loc: tuple) -> str:
    parts: list[str] = []
    items = list(loc)
    for i, p in enumerate(items):
        if p in ("train", "truck"):  # discriminated-union tag in the location
            continue
        if isinstance(p, int):
            prev = items[i - 1] if i else ""
            parts.append(f"{'row' if prev == 'consignments' else 'item'} {p + 1}")
        elif p == "reference" and "guarantee" in items:
            parts.append(_LABELS["reference_g"])
        elif p == "guarantee" and "reference" in items:
            continue
        else:
            parts.append(_LABELS.get(str(p), str(p)))
    return " › ".join(parts) or "Declaration"


def error_messages(e: ValidationError) -> list[str]:
    """One line per problem, naming the form field (e.g. 'Consignments › row 2 › HS code: ...')."""
    out = []
    for err in e.errors():
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        out.append(f"{_where(tuple(err.get('loc', ())))}: {msg}")
    return out


def field_label(field: str | None) -> str:
    """The form's name for a service error's field ('/guarantee/amount_usd' -> 'Guarantee › Guarantee amount
    (USD)'); empty when the error names no field of the form."""
    if not field or not field.startswith("/"):
        return ""
    parts = tuple(int(p) if p.isdigit() else p for p in field.strip("/").split("/"))
    return _where(parts)

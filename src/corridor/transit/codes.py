"""Identifiers and their check digits: ISO 6346 containers, UIC wagons, HS codes, plates, movement references.

Check-digit arithmetic comes from python-stdnum (``stdnum.iso6346``, ``stdnum.luhn``); this module only says which
rule applies to which identifier and turns failures into messages that name the value and the expectation.

- ISO 6346 container: owner code (3 letters) + category (U, J, Z or R) + 6 digits + check digit
  (``CSQU3054383``; transit-anchors §4).
- UIC wagon (12 digits): the 12th digit is a Luhn check over the first 11 (``21 81 2471 217-3``; anchors §4).
- Plates: capital Latin letters and Arabic numerals, as the 1968 Vienna Convention on Road Traffic requires of
  the registration number of a vehicle in international traffic (Annex 2, para. 1; plates in another script must
  repeat the number in that alphabet). Look-alikes from other scripts (Cyrillic А, Armenian Օ) are refused, not
  folded: a confusable plate is a different string and would defeat matching at the checkpoint.
- Movement reference (MRN-like, an18): year (2) + country (2) + 12 alphanumerics + procedure letter + check
  character computed as in NCTS rules R0028/R0410: the ISO 6346 weighted sum (powers of two, letters A=10
  skipping multiples of 11), mod 11, mod 10 (anchors §2 and §4).
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import iso6346, luhn
from stdnum.exceptions import ValidationError as StdnumError

# explicit ASCII classes: ``\d`` would also match Arabic-Indic, Devanagari ... digits
_CONTAINER = re.compile(r"^[A-Z]{3}[UJZR][0-9]{7}$")
_WAGON = re.compile(r"^[0-9]{12}$")
_MRN = re.compile(r"^[0-9]{2}[A-Z]{2}[A-Z0-9]{12}[A-Z][0-9]$")
_HS = re.compile(r"^[0-9]{6}([0-9]{2}){0,2}$")
#: Plates: capital Latin letters and Arabic numerals (Vienna Convention 1968, Annex 2), groups separated by
#: single spaces or hyphens.
_PLATE_CHARS = re.compile(r"^[A-Z0-9]+(?:[ -][A-Z0-9]+)*$")
#: Rounds of NFKC + upper case tried before a value is declared to have no stable canonical form.
_CANON_ROUNDS = 4

#: HS chapter 77 is reserved for future use in the Harmonized System; 01-97 are the valid chapters.
HS_CHAPTERS = frozenset(range(1, 98)) - {77}
#: NCTS procedure letters for transit declarations (anchors §2: char 17 is J, K, L or M).
TRANSIT_PROCEDURE = "J"


def canonical(value: str) -> str:
    """NFKC, then upper case, repeated until stable, then trimmed of outer spaces: ``canonical(canonical(x)) == canonical(x)``
    whenever a value has a canonical form at all (``problem`` functions refuse one that has none).

    Upper case alone is not idempotent under normalisation (``ß`` -> ``SS``, ``ǰ`` -> ``J`` + combining caron,
    ligatures and full-width forms only fold under NFKC), so a value normalised once could fail its own check
    when read back."""
    v = str(value)
    if v.isascii():  # NFKC leaves ASCII as it is: one round of upper case and trimming, and it is stable
        return v.upper().strip()
    for _ in range(_CANON_ROUNDS):
        w = unicodedata.normalize("NFKC", v).upper().strip()
        if w == v:
            break
        v = w
    return v


def _unstable(v: str) -> bool:
    return canonical(v) != v


_SEPARATORS = re.compile(r"[\s\-]")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", canonical(value))


def container_problem(value: str) -> str | None:
    """Why ``value`` is not a valid ISO 6346 container number, or None when it is."""
    v = _compact(value)
    if not _CONTAINER.match(v):
        return "expected an ISO 6346 container number: 3-letter owner, U/J/Z/R, 6 digits, check digit"
    check = iso6346.calc_check_digit(v[:10])
    if v[10] != check:
        return f"ISO 6346 check digit is {v[10]}, expected {check}"
    return None


def wagon_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 12-digit UIC wagon number (Luhn check digit), or None."""
    v = _compact(value)
    if not _WAGON.match(v):
        return "expected a 12-digit UIC wagon number (e.g. '21 81 2471 217-3')"
    if not luhn.is_valid(v):
        return f"UIC check digit is {v[11]}, expected {luhn.calc_check_digit(v[:11])}"
    return None


def hs_problem(value: str) -> str | None:
    """Why ``value`` is not a valid HS code (6, 8 or 10 ASCII digits, a real chapter), or None."""
    v = normalise_hs(value)
    if not _HS.match(v):
        return "expected an HS code of 6, 8 or 10 digits 0-9"
    if int(v[:2]) not in HS_CHAPTERS:
        return f"HS chapter {v[:2]} does not exist (chapters are 01-97, 77 reserved)"
    return None


def plate_problem(value: str) -> str | None:
    """Why ``value`` is not a plausible international plate (2-12 Latin letters A-Z or digits 0-9), or None."""
    v = normalise_plate(value)
    letters = [c for c in v if c.isalnum()]
    if _unstable(v) or not 2 <= len(letters) <= 12 or not _PLATE_CHARS.match(v):
        return (
            "expected a plate of 2-12 Latin letters A-Z or digits 0-9 in groups separated by single spaces or "
            "hyphens (international traffic: Vienna Convention 1968, Annex 2)"
        )
    return None


def normalise_container(value: str) -> str:
    return _compact(value)


def normalise_wagon(value: str) -> str:
    return _compact(value)


def normalise_plate(value: str) -> str:
    return canonical(value)


def normalise_hs(value: str) -> str:
    return canonical(value).replace(".", "").strip()


def normalise_mrn(value: str) -> str:
    return canonical(value)


def movement_reference(year: int, country: str, serial: int, *, procedure: str = TRANSIT_PROCEDURE) -> str:
    """Build an 18-character movement reference with its check character (MRN-like)."""
    body = f"{year % 100:02d}{country.upper()}{serial:012d}{procedure}"
    return body + iso6346.calc_check_digit(body)


def mrn_problem(value: str) -> str | None:
    """Why ``value`` is not a valid movement reference, or None."""
    v = normalise_mrn(value)
    if not _MRN.match(v):
        return "expected an 18-character movement reference: YY, country, 12 alphanumerics, procedure, check"
    try:
        check = iso6346.calc_check_digit(v[:17])
    except (ValueError, StdnumError):  # pragma: no cover - the regex admits only mapped characters
        return "movement reference contains characters outside 0-9 and A-Z"
    if v[17] != check:
        return f"movement reference check digit is {v[17]}, expected {check}"
    return None

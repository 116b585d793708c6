"""Identifiers and their check digits: ISO 6346 containers, UIC wagons, HS codes, plates, movement references.

Check-digit arithmetic comes from python-stdnum (``stdnum.iso6346``, ``stdnum.luhn``); this module only says which
rule applies to which identifier and turns failures into messages that name the value and the expectation.

- ISO 6346 container: owner code (3 letters) + category (U, J, Z or R) + 6 digits + check digit
  (``CSQU3054383``; transit-anchors §4).
- UIC wagon (12 digits): the 12th digit is a Luhn check over the first 11 (``21 81 2471 217-3``; anchors §4).
- Movement reference (MRN-like, an18): year (2) + country (2) + 12 alphanumerics + procedure letter + check
  character computed as in NCTS rules R0028/R0410: the ISO 6346 weighted sum (powers of two, letters A=10
  skipping multiples of 11), mod 11, mod 10 (anchors §2 and §4).
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import iso6346, luhn
from stdnum.exceptions import ValidationError as StdnumError

_CONTAINER = re.compile(r"^[A-Z]{3}[UJZR]\d{7}$")
_WAGON = re.compile(r"^\d{12}$")
_MRN = re.compile(r"^\d{2}[A-Z]{2}[A-Z0-9]{12}[A-Z]\d$")
_HS = re.compile(r"^\d{6}(\d{2}){0,2}$")
#: Plates: letters of any script (Armenian Օ Տ Ս included), digits, single spaces or hyphens between groups.
_PLATE_CHARS = re.compile(r"^[^\W_](?:[^\W_]|[ -](?=[^\W_]))*$")

#: HS chapter 77 is reserved for future use in the Harmonized System; 01-97 are the valid chapters.
HS_CHAPTERS = frozenset(range(1, 98)) - {77}
#: NCTS procedure letters for transit declarations (anchors §2: char 17 is J, K, L or M).
TRANSIT_PROCEDURE = "J"


def _compact(value: str) -> str:
    return re.sub(r"[\s\-]", "", str(value)).upper()


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
    """Why ``value`` is not a valid HS code (6, 8 or 10 digits, a real chapter), or None."""
    v = str(value).replace(".", "").strip()
    if not _HS.match(v):
        return "expected an HS code of 6, 8 or 10 digits"
    if int(v[:2]) not in HS_CHAPTERS:
        return f"HS chapter {v[:2]} does not exist (chapters are 01-97, 77 reserved)"
    return None


def plate_problem(value: str) -> str | None:
    """Why ``value`` is not a plausible vehicle plate (2-12 letters/digits of any script), or None."""
    v = unicodedata.normalize("NFC", str(value)).strip()
    letters = [c for c in v if c.isalnum()]
    if not 2 <= len(letters) <= 12 or not _PLATE_CHARS.match(v):
        return "expected a plate of 2-12 letters or digits (any script) separated by single spaces or hyphens"
    return None


def normalise_container(value: str) -> str:
    return _compact(value)


def normalise_wagon(value: str) -> str:
    return _compact(value)


def normalise_plate(value: str) -> str:
    return unicodedata.normalize("NFC", str(value)).strip().upper()


def movement_reference(year: int, country: str, serial: int, *, procedure: str = TRANSIT_PROCEDURE) -> str:
    """Build an 18-character movement reference with its check character (MRN-like)."""
    body = f"{year % 100:02d}{country.upper()}{serial:012d}{procedure}"
    return body + iso6346.calc_check_digit(body)


def mrn_problem(value: str) -> str | None:
    """Why ``value`` is not a valid movement reference, or None."""
    v = str(value).strip().upper()
    if not _MRN.match(v):
        return "expected an 18-character movement reference: YY, country, 12 alphanumerics, procedure, check"
    try:
        check = iso6346.calc_check_digit(v[:17])
    except (ValueError, StdnumError):  # pragma: no cover - the regex admits only mapped characters
        return "movement reference contains characters outside 0-9 and A-Z"
    if v[17] != check:
        return f"movement reference check digit is {v[17]}, expected {check}"
    return None

"""The country vocabulary (ISO 3166-1 alpha-2 codes and English names): 'Iran', 'ir', 'IR' → 'IR'."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from rapidfuzz import process

from corridor._errors import NotFoundError
from corridor._names import normalise


@cache
def country_names() -> dict[str, str]:
    """Code → English short name of every country the tables accept (``data/countries.csv``)."""
    with (resources.files("corridor.network") / "data" / "countries.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


@cache
def _index() -> dict[str, str]:
    """Normalised code, name or alternative name → code."""
    index: dict[str, str] = {}
    with (resources.files("corridor.network") / "data" / "countries.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for key in (row["code"], row["name"], *row["alt_names"].split(";")):
                if key:
                    index.setdefault(normalise(key), row["code"])
    return index


def resolve_country(query: str) -> str:
    """The ISO alpha-2 code for a code or a name in any case ('Iran', 'ir', 'Islamic Republic of Iran').

    Raises
    ------
    NotFoundError
        Naming up to three close matches, or the accepted codes when nothing is close.
    """
    index = _index()
    key = normalise(query)
    if key in index:
        return index[key]
    names = country_names()
    hits = process.extract(key, list(index), limit=6, score_cutoff=75)
    close = list(dict.fromkeys(f"{names[index[k]]} ({index[k]})" for k, _, _ in hits))[:3]
    hint = f"did you mean {', '.join(close)}?" if close else f"accepted: {', '.join(names)} or their names"
    raise NotFoundError(f"unknown country {query!r}; {hint}")

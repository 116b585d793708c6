"""Loose matching of place names: case, diacritics, alternative spellings; suggestions for unknown names."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from rapidfuzz import process

from corridor._errors import NotFoundError
from corridor._names import normalise
from corridor.network.model import Network

#: normalised name → place id, per network (networks are immutable, so the index never goes stale)
_INDEXES: WeakKeyDictionary[Network, dict[str, str]] = WeakKeyDictionary()


def _index(net: Network) -> dict[str, str]:
    index = _INDEXES.get(net)
    if index is not None:
        return index
    index = {}
    for row in net.places.itertuples(index=False):
        keys = [row.place, row.name, *row.alt_names.split(";"), *row.node_ids]
        for k in keys:
            if k:
                index.setdefault(normalise(k), row.place)
    _INDEXES[net] = index
    return index


def resolve_place(net: Network, query: str) -> str:
    """The place id for a name, id or alternative spelling.

    Raises
    ------
    NotFoundError
        With up to five close matches as suggestions.
    """
    index = _index(net)
    key = normalise(query)
    if key in index:
        return index[key]
    names = {normalise(n): n for n in net.places["name"]}
    hits = process.extract(key, list(index), limit=8, score_cutoff=55)
    seen: list[str] = []
    for k, _, _ in hits:
        label = net.places.loc[net.places["place"] == index[k], "name"].iat[0]
        if label not in seen:
            seen.append(label)
    hint = f"; did you mean: {', '.join(seen[:5])}?" if seen else f"; known places include {', '.join(list(names.values())[:8])} …"
    raise NotFoundError(f"no place named {query!r}{hint}")

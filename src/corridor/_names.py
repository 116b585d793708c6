"""Loose matching of human-typed names (places, countries): case, diacritics, punctuation."""

from __future__ import annotations

import unicodedata

# Letters NFKD does not decompose to ASCII (Azerbaijani, Turkish, Armenian transliteration).
_FOLD = str.maketrans({"ı": "i", "ə": "e", "Ə": "e", "ʼ": "", "’": "", "'": "", "‘": "", "-": " ", "_": " ",
                       "ß": "ss", "ø": "o", "ł": "l"})


def normalise(name: str) -> str:
    """Case-folded ASCII form used for matching: 'Naxçıvan' → 'naxcivan', 'Iğdır' → 'igdir'."""
    s = unicodedata.normalize("NFKD", name.strip().translate(_FOLD))
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold().translate(_FOLD)
    return " ".join(s.split())

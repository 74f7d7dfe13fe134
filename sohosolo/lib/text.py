"""Text helpers that know nothing of the domain: accent- and case-free forms for matching and searching."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers


def fold(text: str) -> str:
    """Lower case, without accents, single spaces: "  Hélène  LÉGER " → "helene leger"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("œ", "oe").replace("æ", "ae").split())


def name_key(text: str) -> str:
    """A name reduced for comparison: folded, hyphens and apostrophes as spaces ("Saint-Clar" = "saint clar")."""
    return " ".join(re.sub(r"[-'’.]", " ", fold(text)).split())


def phone_key(phone: str, region: str = "FR") -> str:
    """A phone number in E.164 form for comparison ("06 12 34 56 78" and "+33 6 12 34 56 78" both give
    "+33612345678"); "" when there is none or it is not a valid number ("00 00 00 00 00" must match nobody)."""
    if not phone or not phone.strip():
        return ""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

"""Phone numbers: Indonesian-first normalisation to wa.me digits.

`normalize_phone` turns whatever a customer file holds in a phone column into
E.164 digits without the plus (`6281234567890`), or None when it is not a
phone number. The common Indonesian mobile forms take a fast path of plain
string operations (an import calls this once per row); everything else goes
through `phonenumbers` with region ID.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

import phonenumbers

__all__ = ["normalize_phone", "wa_link"]

# Separators people and spreadsheets put in phone numbers; "'" is Excel's
# "store as text" prefix (our own exports add it before a leading "+").
_SEPARATORS = str.maketrans("", "", " -().'/\t\u00a0\u2010\u2011\u2012\u2013\u2014\u2212")
# Indonesian mobile: 8 followed by 7–11 digits (after the 62 / 0 prefix).
_MOBILE_MIN = 8
_MOBILE_MAX = 12
_MIN_SIGNIFICANT = 9  # fewer than this in "6.28123E+12" means Excel rounded the number
_SCIENTIFIC = re.compile(r"[+]?\d+(?:\.\d+)?[eE][+]?\d+")
_E164 = phonenumbers.PhoneNumberFormat.E164


def normalize_phone(raw: object) -> str | None:
    """E.164 digits without "+" (wa.me form) for `raw`, or None if it is not a phone number."""
    if type(raw) is not str:
        if raw is None:
            return None
        raw = _number_to_text(raw)
        if raw is None:
            return None
    elif raw.endswith(".0"):
        raw = _strip_float_suffix(raw)
    s = raw
    if not s.isdigit():
        # Cheapest first: most inputs only use spaces and dashes.
        s = s.replace(" ", "").replace("-", "")
        if not s.isdigit():
            s = s.translate(_SEPARATORS)
            if not s:
                return None
    if s[0] == "+":
        plus = True
        s = s[1:]
    else:
        plus = False
    if s.isdigit() and s.isascii():
        first = s[0]
        if first == "6" and s.startswith("62"):
            national = s[2:]
            if national.startswith("08"):  # "+62 0812…": trunk 0 kept by mistake
                national = national[1:]
        elif plus:
            national = ""
        elif first == "0":
            national = s[1:]
        elif first == "8":
            national = s
        else:
            national = ""
        if national.startswith("8") and _MOBILE_MIN <= len(national) <= _MOBILE_MAX:
            return "62" + national
    return _slow_path(raw)


def _number_to_text(value: object) -> str | None:
    """Excel hands phone columns over as numbers: 81234567890.0 → '81234567890'."""
    if type(value) is float:
        if not value.is_integer():  # also False for inf and nan
            return None
        return str(int(value))
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _decimal_to_text(value)
    return str(value)


def _strip_float_suffix(text: str) -> str:
    """'81234567890.0' (a float written out as text) → '81234567890'."""
    head = text.strip()[:-2]
    if head.isdigit() or (head.startswith("+") and head[1:].isdigit()):
        return head
    return text


def _decimal_to_text(value: Decimal) -> str | None:
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return str(int(value))


def _scientific_to_text(text: str) -> str | None:
    """'6.28123456789E+12' → '6281234567890'; None if digits were lost ('6.28123E+12')."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    digits = _decimal_to_text(value)
    if digits is None:
        return None
    mantissa = text.lstrip("+").lower().split("e")[0]
    significant = len(mantissa.replace(".", "").strip("0"))
    # Excel's CSV export writes "6.28123E+12": six digits kept, the rest lost.
    # Only trust a mantissa that spells out the whole number (bar trailing zeros).
    if significant < len(digits.rstrip("0")) or significant < _MIN_SIGNIFICANT:
        return None
    return digits


def _slow_path(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    if _SCIENTIFIC.fullmatch(text):
        digits = _scientific_to_text(text)
        return normalize_phone(digits) if digits else None
    if any(ch.isalpha() for ch in text):
        return None  # names, "ext.", vanity letters: not a number we can dial
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, _E164).lstrip("+")


def wa_link(phone_digits: str, message: str = "") -> str:
    """https://wa.me/<digits>?text=<message>, the message fully percent-encoded."""
    digits = phone_digits.lstrip("+")
    if not (digits.isdigit() and digits.isascii()):
        raise ValueError(f"not a normalised phone number: {phone_digits!r}")
    url = f"https://wa.me/{digits}"
    if message:
        url += "?text=" + quote(message, safe="")
    return url

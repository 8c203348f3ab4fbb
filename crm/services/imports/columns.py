"""Recognising a file's columns: header normalisation and synonyms (the
suggested mapping), and bank-account ("rekening") columns, by their header
words or by their values. Bank-account columns are never stored or shown."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from crm.services.phones import normalize_phone


def norm_header(h: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (h or "").lower())


# Normalised header names per field, best first; the order of the fields is
# the order in which they pick their column.
SYNONYMS: dict[str, list[str]] = {
    "username": ["username", "user", "userid", "usernames", "idusername", "useridlogin", "iduser", "login", "akun", "idakun",
                 "memberid", "idmember", "member", "userlogin", "namaakun", "usernamemember", "id"],
    "phone": ["phone", "phonenumber", "nohp", "nomorhp", "hp", "handphone", "whatsapp", "wa", "nowa", "nomorwa", "telepon",
              "telp", "notelp", "notelepon", "nomortelepon", "mobile", "mobilephone", "nohandphone", "kontak", "contact", "nomor"],
    "name": ["name", "nama", "namalengkap", "fullname", "customername", "namapelanggan", "namamember", "namacustomer",
             "pelanggan", "customer", "nasabah", "namanasabah"],
}


def is_bank_column(header: str) -> bool:
    """Bank-account numbers (rekening) are never stored or shown. Recognised by
    the header's words: a word starting with "rek" (rek, rekening, rek_bca,
    norek), IBAN, a bank word with a number or account word (no bank, bank
    account, akun bank), or an account word with a number word (acc no)."""
    words = [w for w in re.split(r"[^a-z0-9]+", (header or "").lower()) if w]
    if not words:
        return False
    joined = "".join(words)
    if any(w.startswith(("rek", "norek", "nomorrek", "nomerrek")) for w in words) or "iban" in words:
        return True
    if joined in {"accno", "acctno", "accountno", "accountnumber", "bankaccount", "banknumber", "norekening"}:
        return True
    bank = any(w.startswith("bank") for w in words)
    account = any(w in ("acc", "acct", "account") for w in words)
    number = any(w in ("no", "nomor", "nomer", "number", "num", "nr") for w in words)
    return (bank and (number or account or "akun" in words)) or (account and number)


_DIGITS = re.compile(r"^[0-9][0-9 .-]{8,22}$")


def looks_like_bank_numbers(values: list[str]) -> bool:
    """A column of mostly 10–18-digit numbers that are not phone numbers (from
    the preview rows): treated as bank accounts whatever its header says."""
    filled = [v for v in values if v]
    if len(filled) < 2:
        return False
    hits = 0
    for v in filled:
        digits = re.sub(r"[ .-]", "", v)
        if _DIGITS.match(v) and 10 <= len(digits) <= 18 and normalize_phone(v) is None:
            hits += 1
    return hits / len(filled) >= 0.6


def bank_columns(headers: list[str], rows: list[list[str]]) -> list[str]:
    """The columns to drop: bank-account headers, or bank-account-like values in the first rows."""
    return [h for i, h in enumerate(headers) if is_bank_column(h) or looks_like_bank_numbers([r[i] for r in rows])]


def suggest_mapping(headers: list[str], synonyms: Mapping[str, Sequence[str]] = SYNONYMS) -> dict[str, str | None]:
    """A column per field (None: no good guess): an exact synonym first, then a
    header containing one of the field's first three synonyms."""
    normed = [(norm_header(h), h) for h in headers if not is_bank_column(h)]
    result: dict[str, str | None] = {}
    used: set[str] = set()
    for target, names in synonyms.items():
        choice = None
        for syn in names:
            for n, h in normed:
                if n == syn and h not in used:
                    choice = h
                    break
            if choice:
                break
        if choice is None:  # looser: contains
            for n, h in normed:
                if h in used:
                    continue
                if any(s in n for s in names[:3]):
                    choice = h
                    break
        if choice:
            used.add(choice)
        result[target] = choice
    return result

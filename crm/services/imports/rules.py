"""Row rules: what a cell must hold to be imported, and why a row is rejected.

A rule takes a cell (stripped text) and returns the value to store, or raises
`Rejected(reason)`; the first rule of a row that rejects decides its reason.
Every reason has a stable key (the report's `reason` column, the database
row's counts) and a label in the uploader's language. Later specs register
their own reasons (register_reason) next to their rules.
"""

from __future__ import annotations

from crm.i18n import N_
from crm.services.phones import normalize_phone

USERNAME_MAX = 100
NAME_MAX = 200

REJECT_REASONS: dict[str, str] = {
    "missing_username": N_("Missing username"),
    "username_too_long": N_("Username too long"),
    "bad_phone": N_("Invalid phone number"),
    "duplicate_in_file": N_("Duplicate in the file"),
    "already_in_product": N_("Already in this product"),
}


class Rejected(Exception):
    """This row is not imported; `reason` is a key of REJECT_REASONS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def register_reason(key: str, label: str) -> None:
    """A later spec's own reason (label: an N_() msgid)."""
    REJECT_REASONS[key] = label


def username(cell: str) -> str:
    """Usernames match case-insensitively and without surrounding spaces (cells come stripped)."""
    value = cell.lower()
    if not value:
        raise Rejected("missing_username")
    if len(value) > USERNAME_MAX:
        raise Rejected("username_too_long")
    return value


def name(cell: str) -> str:
    return cell[:NAME_MAX]


def phone(cell: str) -> str | None:
    """E.164 digits of an Indonesian number; an empty cell is no phone, not a bad one."""
    if not cell:
        return None
    value = normalize_phone(cell)
    if value is None:
        raise Rejected("bad_phone")
    return value

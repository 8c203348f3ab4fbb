"""The status vocabulary of a customer record, with its labels: the one place
every page, filter, count chip and toggle takes them from.

Labels are msgids (shown through the `status_label(field, value)` template
global); "ada" and "ceklis1" are the team's own words and read the same in
both languages. A record whose status is unset matches the filter value
"none", labelled "not set".
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.i18n import N_
from crm.models.records import RESPOND_STATUSES, WA_STATUSES

NOT_SET = "none"
NOT_SET_LABEL = N_("not set")


@dataclass(frozen=True)
class StatusField:
    """One status of a record: `name` is the form key and the event's field."""

    name: str
    label: str  # msgid of the group ("WhatsApp status")
    any_label: str  # msgid of the filter's "no filter" choice
    options: tuple[tuple[str, str], ...]  # (value, msgid of its label), in the order shown

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.options)

    @property
    def filters(self) -> tuple[str, ...]:
        """The values a list can be filtered on: each status, and "not set"."""
        return (*self.values, NOT_SET)

    @property
    def filter_options(self) -> tuple[tuple[str, str], ...]:
        return (*self.options, (NOT_SET, NOT_SET_LABEL))


WA = StatusField("wa", N_("WhatsApp status"), N_("All WA statuses"),
                 (("ada", N_("ada")), ("ceklis1", N_("ceklis1")), ("tidak", N_("no WA"))))
RESPOND = StatusField("respond", N_("Response"), N_("All responses"),
                      (("ya", N_("replied")), ("tidak", N_("no reply"))))
FIELDS: tuple[StatusField, ...] = (WA, RESPOND)
BY_NAME = {f.name: f for f in FIELDS}
# The columns store these values (crm.models.records keeps them beside the columns).
assert WA.values == WA_STATUSES and RESPOND.values == RESPOND_STATUSES

WA_FILTERS = WA.filters
RESPOND_FILTERS = RESPOND.filters

_LABELS = {(f.name, value): label for f in FIELDS for value, label in f.filter_options}


def label(field: str, value: str | None) -> str:
    """The msgid of a status as staff call it; unset (None or "none") is "not set";
    an unknown value is shown as stored."""
    return _LABELS.get((field, value or NOT_SET), value or NOT_SET_LABEL)


def parse_choice(choice: str) -> tuple[str, str | None]:
    """A tapped toggle posts "<field>:<value>"; an empty value clears (None).
    Anything else gives field "" (an unknown status)."""
    field, sep, value = (choice or "").partition(":")
    return (field if sep else ""), value or None


def status_filter(stmt, column, value, allowed):
    if value not in allowed:
        return stmt
    return stmt.where(column.is_(None) if value == NOT_SET else column == value)

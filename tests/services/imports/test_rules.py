"""crm.services.imports.rules: what a cell must hold, and the reason when it does not."""

import pytest

from crm.services.imports import rules
from crm.services.imports.rules import Rejected


def reason(rule, cell):
    with pytest.raises(Rejected) as caught:
        rule(cell)
    return caught.value.reason


def test_username():
    assert rules.username("Budi01") == "budi01"
    assert rules.username("x" * 100) == "x" * 100
    assert reason(rules.username, "") == "missing_username"
    assert reason(rules.username, "x" * 101) == "username_too_long"


def test_phone():
    assert rules.phone("0812-3456-7890") == "6281234567890"
    assert rules.phone("+62 813 1111 2222") == "6281311112222"
    assert rules.phone("") is None  # no phone is not a bad phone
    assert reason(rules.phone, "12345") == "bad_phone"


def test_name_is_cut_to_its_column():
    assert rules.name("Siti") == "Siti"
    assert rules.name("x" * 300) == "x" * rules.NAME_MAX


def test_every_reason_has_a_label(monkeypatch):
    assert set(rules.REJECT_REASONS) >= {"missing_username", "username_too_long", "bad_phone", "duplicate_in_file",
                                         "already_in_product"}
    monkeypatch.setattr(rules, "REJECT_REASONS", dict(rules.REJECT_REASONS))
    rules.register_reason("bad_amount", "Invalid amount")  # a later spec's own reason
    assert rules.REJECT_REASONS["bad_amount"] == "Invalid amount"

"""crm.services.imports.spec: an upload kind is declared by an ImportSpec, and
every spec runs through the same pipeline (pipeline.run_import)."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from crm.models import CustomerRecord, Product
from crm.services.databases import CUSTOMER_DATABASE, Mapping
from crm.services.imports import rules, spec as spec_module
from crm.services.imports.rules import Rejected
from crm.services.imports.spec import DuplicateScope, Field, ImportSpec, spec_for
from tests.conftest import make_product, make_records
from tests.services.imports.uploads import full_import, records, write_csv


def rejected_rows(database) -> list[tuple[str, str]]:
    if not database.rejected_path:
        return []
    with open(database.rejected_path, encoding="utf-8-sig", newline="") as fh:
        return sorted(((r[-3], r[-2]) for r in list(csv.reader(fh))[1:]), key=lambda r: int(r[0]))


def test_the_customer_database_is_a_spec():
    assert spec_for("customer") is CUSTOMER_DATABASE
    assert CUSTOMER_DATABASE.table.name == "customer_records"
    assert [f.name for f in CUSTOMER_DATABASE.fields] == ["username", "phone", "name"]
    assert CUSTOMER_DATABASE.unique == DuplicateScope("username", within=("product_id",), reason="already_in_product")
    with pytest.raises(LookupError):
        spec_for("no-such-kind")


def test_customer_scope_rejects_a_username_already_in_this_product_only(db, ctx):
    other = make_product(db, "Nusantara")
    make_records(db, ctx["product"], 1, prefix="old")  # "old-000000" in Gemilang
    rows = [["username"], ["old-000000"], ["new1"]]
    here = full_import(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "here.csv", rows))
    assert here.rows_imported == 1 and here.rejected_by_reason == {"already_in_product": 1}
    assert rejected_rows(here) == [("2", "already_in_product")]
    there = full_import(db, ctx["admin"], other, write_csv(ctx["dir"] / "there.csv", rows))
    assert there.rows_imported == 2 and there.rows_rejected == 0  # unique per product, not everywhere


def _toy(kind: str, **changes) -> ImportSpec:
    """A spec declared in the test against the existing records table."""
    declared = dict(
        kind=kind,
        table=CustomerRecord.__table__,
        fields=(Field("username", rules.username, required="Choose the column that holds the username.",
                      synonyms=("username",)),),
        context={"product_id": lambda db: db.product_id, "database_id": lambda db: db.id},
        constants={"name": "", "extra": "{}", "ever_assigned": False},
    )
    declared.update(changes)
    return ImportSpec(**declared)


def test_a_spec_with_another_scope_runs_through_the_same_path(db, ctx, monkeypatch):
    """Unique everywhere (not per product): a username held by another product is refused."""
    monkeypatch.setitem(rules.REJECT_REASONS, "already_imported", "Already imported")
    toy = _toy("toy_global", unique=DuplicateScope("username", within=(), reason="already_imported"))
    monkeypatch.setitem(spec_module._SPECS, toy.kind, toy)
    other = make_product(db, "Nusantara")
    make_records(db, other, 1, prefix="old")  # "old-000000" in another product
    rows = [["username", "kota"], ["old-000000", "x"], ["fresh", "y"], ["FRESH", "z"], ["", "w"]]
    database = full_import(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "toy.csv", rows),
                           mapping={"username": "username"}, kind=toy.kind)
    assert database.rows_imported == 1
    assert database.rejected_by_reason == {"already_imported": 1, "duplicate_in_file": 1, "missing_username": 1}
    assert rejected_rows(database) == [("2", "already_imported"), ("4", "duplicate_in_file"), ("5", "missing_username")]
    assert [(r.username, r.name, r.extra, r.product_id) for r in records(db, database)] == [("fresh", "", {}, ctx["product"].id)]


def test_a_scope_on_a_field_with_a_rule_that_needs_the_database(db, ctx, monkeypatch):
    """Like a reservation upload: the product is a column of the file (looked up by name,
    once per run), and the username is unique per that product."""
    monkeypatch.setitem(rules.REJECT_REASONS, "unknown_product", "Unknown product")
    monkeypatch.setitem(rules.REJECT_REASONS, "already_reserved", "Already reserved")

    def product_by_name(session, upload):
        ids = {p.name.lower(): p.id for p in session.scalars(select(Product))}

        def rule(cell: str) -> int:
            if cell.lower() not in ids:
                raise Rejected("unknown_product")
            return ids[cell.lower()]
        return rule

    toy = _toy(
        "toy_reserve",
        fields=(Field("username", rules.username, required="Choose the column that holds the username."),
                Field("product_id", bind=product_by_name, required="Choose the column that holds the username.")),
        context={"database_id": lambda db: db.id},
        unique=DuplicateScope("username", within=("product_id",), reason="already_reserved"),
    )
    monkeypatch.setitem(spec_module._SPECS, toy.kind, toy)
    other = make_product(db, "Nusantara")
    make_records(db, ctx["product"], 1, prefix="old")
    rows = [["user", "brand"], ["old-000000", "Gemilang"], ["old-000000", "nusantara"], ["siti", "Nusantara"],
            ["SITI", "nusantara"], ["siti", "Gemilang"], ["x", "Nope"]]
    database = full_import(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "reserve.csv", rows),
                           mapping={"username": "user", "product_id": "brand"}, kind=toy.kind)
    assert rejected_rows(database) == [("2", "already_reserved"), ("5", "duplicate_in_file"), ("7", "unknown_product")]
    got = sorted((r.username, r.product_id) for r in records(db, database))
    assert got == sorted([("old-000000", other.id), ("siti", other.id), ("siti", ctx["product"].id)])


def test_mapping_follows_the_spec(db, ctx, monkeypatch):
    from crm.services.errors import ValidationFailed
    from crm.services.imports import pipeline
    from tests.services.imports.uploads import upload

    toy = _toy("toy_map", unique=DuplicateScope("username", within=("product_id",)))
    monkeypatch.setitem(spec_module._SPECS, toy.kind, toy)
    database = upload(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "m.csv", [["Username", "Nama"], ["a", "b"]]),
                      kind=toy.kind)
    pipeline.inspect_database(db, database.id)
    assert database.mapping["suggested"] == {"username": "Username"}  # the spec's fields only
    with pytest.raises(ValidationFailed) as caught:
        pipeline.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping={"username": ""})
    assert caught.value.field == "username"
    pipeline.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=Mapping(username="Username"))
    assert database.mapping["username"] == "Username"


def test_a_spec_is_checked_when_declared():
    with pytest.raises(ValueError):
        _toy("bad", unique=DuplicateScope("email"))  # not a field
    with pytest.raises(ValueError):
        _toy("bad", unique=DuplicateScope("username", within=("list_id",)))  # neither field nor context
    with pytest.raises(ValueError):
        _toy("bad", context={"product_id": lambda db: db.product_id})  # no upload id column

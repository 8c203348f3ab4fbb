"""The record row's domain: the status vocabulary, the regions registry and
one tap (status change + the region's counts) — no HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.models import CustomerRecord, RecordStatusEvent
from crm.models.records import RESPOND_STATUSES, WA_STATUSES
from crm.services.distribution import assignments as assignments_svc
from crm.services.distribution import batches as batches_svc
from crm.services.distribution import requests as requests_svc
from crm.services.errors import NotFound, ValidationFailed
from crm.services.records import regions, statuses, toggles
from crm.services.records.counts import StatusCounts
from tests.conftest import make_product, make_records, make_user


def _world(db, n=4, prefix="rec"):
    product = make_product(db, f"P {prefix}")
    make_records(db, product, n + 2, prefix=prefix)
    staff, admin = make_user(db, "staff"), make_user(db, "admin")
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=n)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    return staff, admin, batch, batches_svc.list_batch_records(db, staff=staff, batch=batch).items


def _events(db) -> int:
    return db.scalar(select(func.count()).select_from(RecordStatusEvent))


def test_vocabulary_and_labels():
    assert statuses.WA.values == WA_STATUSES and statuses.RESPOND.values == RESPOND_STATUSES
    assert statuses.WA_FILTERS == ("ada", "ceklis1", "tidak", "none") and statuses.RESPOND_FILTERS == ("ya", "tidak", "none")
    assert [statuses.label("wa", v) for v in (*WA_STATUSES, None, "none")] == ["ada", "ceklis1", "no WA", "not set", "not set"]
    assert [statuses.label("respond", v) for v in RESPOND_STATUSES] == ["replied", "no reply"]
    assert statuses.label("wa", "odd") == "odd"  # a stored value the vocabulary does not know is shown as is
    assert statuses.parse_choice("wa:ada") == ("wa", "ada") and statuses.parse_choice("respond:") == ("respond", None)
    assert statuses.parse_choice("wa")[0] == "" and statuses.parse_choice("")[0] == ""


def test_region_keys_parse_only_for_registered_kinds():
    assert "batch" in regions.kinds()
    assert regions.parse("batch:42") == regions.Region("batch", 42) and regions.Region("batch", 42).key == "batch:42"
    for key in (None, "", "batch", "batch:", "batch:x", "batch:-1", "batch:١٢", "nope:1", "batch:1:2", "batch:" + "9" * 19):
        with pytest.raises(regions.RegionRefused):
            regions.parse(key)


def test_tap_sets_status_and_answers_the_region_counts(db):
    staff, admin, batch, records = _world(db)
    region = f"batch:{batch.id}"
    tap = toggles.tap(db, actor=staff, record_id=records[0].id, choice="wa:ada", region=region)
    assert tap.record.wa_status == "ada" and tap.region == regions.Region("batch", batch.id) and tap.product.id == batch.product_id
    assert (tap.counts.size, tap.counts.count("wa", "ada"), tap.counts.worked, tap.counts.percent) == (4, 1, 1, 25)
    toggles.tap(db, actor=staff, record_id=records[1].id, choice="wa:tidak", region=region)
    tap = toggles.tap(db, actor=staff, record_id=records[1].id, choice="respond:ya", region=region)
    assert list(tap.counts.chips()) == [("wa", "ada", 1), ("wa", "ceklis1", 0), ("wa", "tidak", 1), ("respond", "ya", 1), ("respond", "tidak", 0)]
    # the same counts as the batch card
    card, _product = batches_svc.open_batch(db, staff=staff, batch_id=batch.id)
    assert card.counts == tap.counts
    # tapping the set value clears it
    tap = toggles.tap(db, actor=staff, record_id=records[0].id, choice="wa:", region=region)
    assert tap.record.wa_status is None and tap.counts.count("wa", "ada") == 0


def test_refused_taps_change_nothing(db):
    staff, admin, batch, records = _world(db)
    other_staff, _a, other_batch, other_records = _world(db, prefix="oth")
    rid = records[0].id
    before = _events(db)
    for choice, region, error in (
        ("wa:ada", f"batch:{other_batch.id}", regions.RegionRefused),  # someone else's batch
        ("wa:ada", "list:1", regions.RegionRefused),  # an unknown kind
        ("wa:ada", None, regions.RegionRefused),
        ("wa:maybe", f"batch:{batch.id}", ValidationFailed),
        ("colour:red", f"batch:{batch.id}", ValidationFailed),
    ):
        with pytest.raises(error):
            toggles.tap(db, actor=staff, record_id=rid, choice=choice, region=region)
    with pytest.raises(NotFound):  # not theirs, whatever the region says
        toggles.tap(db, actor=staff, record_id=other_records[0].id, choice="wa:ada", region=f"batch:{other_batch.id}")
    db.expire_all()
    assert db.get(CustomerRecord, rid).wa_status is None and _events(db) == before
    assert db.get(CustomerRecord, other_records[0].id).wa_status is None


def test_a_record_moved_to_another_batch_is_not_counted_in_the_old_one(db):
    staff, admin, batch, records = _world(db)
    other = make_user(db, "staff")
    assignments_svc.reassign(db, actor=admin, record_ids=[records[0].id], to_staff_id=other.id)
    with pytest.raises(NotFound):
        toggles.tap(db, actor=staff, record_id=records[0].id, choice="wa:ada", region=f"batch:{batch.id}")
    # the new holder's region is their manual batch, not the old one
    moved = db.get(CustomerRecord, records[0].id)
    with pytest.raises(regions.RegionRefused):
        toggles.tap(db, actor=other, record_id=moved.id, choice="wa:ada", region=f"batch:{batch.id}")
    tap = toggles.tap(db, actor=other, record_id=moved.id, choice="wa:ada", region=f"batch:{moved.batch_id}")
    assert tap.counts.size == 1 and tap.counts.count("wa", "ada") == 1


def test_the_registry_dispatches_by_kind(db):
    """A later page (reserved members, a special list) registers its own kind."""
    staff, admin, batch, records = _world(db)
    seen = []

    def contains(session, actor, record, region_id):
        seen.append(("contains", actor.id, record.id, region_id))
        return region_id == 7

    def counts(session, actor, region_id):
        seen.append(("counts", actor.id, region_id))
        return StatusCounts.from_row((3, 1, 0, 0, 0, 0))

    regions.register("probe", contains=contains, counts=counts)
    try:
        tap = toggles.tap(db, actor=staff, record_id=records[0].id, choice="respond:ya", region="probe:7")
        assert tap.region.kind == "probe" and tap.counts.size == 3 and tap.counts.worked == 1
        assert seen == [("contains", staff.id, records[0].id, 7), ("counts", staff.id, 7)]
        with pytest.raises(regions.RegionRefused):
            toggles.tap(db, actor=staff, record_id=records[0].id, choice="respond:tidak", region="probe:8")
    finally:
        regions._KINDS.pop("probe")
    with pytest.raises(ValueError):
        regions.register("not a word", contains=contains, counts=counts)

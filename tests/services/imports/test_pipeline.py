"""The import pipeline end to end, without HTTP: upload → inspect → map → import."""

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.models import AuditEntry, CustomerDatabase, CustomerRecord, JobRun
from crm.services import jobs
from crm.services.databases import Mapping
from crm.services.errors import Conflict, ValidationFailed
from crm.services.imports import pipeline, rules
from tests.conftest import make_records, make_user
from tests.services.imports.files import make_xls, make_xlsx, rewrite_entry, write_bomb
from tests.services.imports.uploads import HEADER, ROWS, full_import, records, upload, write_csv


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_csv_every_delimiter_and_encoding(db, ctx, delimiter, encoding):
    rows = [HEADER] + ROWS + [["jose04", "José Müller €", "0857 1234 5678", "Medan", ""]]
    path = write_csv(ctx["dir"] / "data.csv", rows, delimiter, encoding)
    database = full_import(db, ctx["admin"], ctx["product"], path)
    assert database.status == CustomerDatabase.DONE and database.rows_imported == 4 and database.rows_rejected == 0
    got = [(r.username, r.name, r.phone, r.extra) for r in records(db, database)]
    assert got == [
        ("budi01", "Budi Santoso", "6281234567890", {"Kota": "Jakarta"}),
        ("siti_02", "Siti Aminah", "6281311112222", {"Kota": "Bandung"}),
        ("andi03", "Andi", None, {"Kota": "Surabaya"}),
        ("jose04", "José Müller €", "6285712345678", {"Kota": "Medan"}),
    ]
    assert database.dropped_columns == ["No Rekening"] and database.missing_phone == 1


def test_xlsx_and_xls(db, ctx):
    path = make_xlsx(ctx["dir"] / "data.xlsx", [HEADER, ["Budi01", "Budi", 81234567890, "Jakarta", 1234567890123]])
    database = full_import(db, ctx["admin"], ctx["product"], path)
    assert [(r.username, r.phone) for r in records(db, database)] == [("budi01", "6281234567890")]
    xls = make_xls(ctx["dir"] / "legacy.xls")
    database = full_import(db, ctx["admin"], ctx["product"], xls,
                           mapping=Mapping(username="Nama", phone="Telepon"))
    got = [(r.username, r.phone, r.extra.get("Kota")) for r in records(db, database)]
    assert got == [("josé müller", "6281234567890", "Jakarta"), ("siti", "6281311112222", None)]


def test_manual_mapping(db, ctx):
    path = write_csv(ctx["dir"] / "m.csv", [["kode", "pelanggan", "kontak wa", "catatan"], ["A1", "Ani", "0812-0000-1111", "vip"]])
    database = full_import(db, ctx["admin"], ctx["product"], path,
                           mapping=Mapping(username="kode", name="pelanggan", phone="kontak wa"))
    assert [(r.username, r.name, r.phone, r.extra) for r in records(db, database)] == [("a1", "Ani", "6281200001111", {"catatan": "vip"})]


def test_mapping_validation(db, ctx):
    path = write_csv(ctx["dir"] / "v.csv", [HEADER] + ROWS)
    database = upload(db, ctx["admin"], ctx["product"], path)
    pipeline.inspect_database(db, database.id)
    for bad in (Mapping(username=""), Mapping(username="nope"), Mapping(username="No Rekening"),
                Mapping(username="User ID", name="User ID")):
        with pytest.raises(ValidationFailed):
            pipeline.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=bad)
    assert database.status == CustomerDatabase.MAPPING


def test_bank_account_values_never_stored_or_shown(db, ctx):
    path = write_csv(ctx["dir"] / "r.csv", [HEADER] + ROWS + [["", "no user", "0812", "x", "4444333322221111"]])
    database = upload(db, ctx["admin"], ctx["product"], path)
    pipeline.inspect_database(db, database.id)
    assert "1234567890123" not in json.dumps(database.preview)
    pipeline.confirm_mapping(db, actor=ctx["admin"], database_id=database.id,
                        mapping=Mapping(username="User ID", name="Nama Lengkap", phone="No HP"))
    pipeline.run_import(db, database.id, reject_dir=ctx["dir"] / "rejected")
    stored = json.dumps([r.extra for r in records(db, database)]) + json.dumps(database.preview)
    for secret in ("1234567890123", "9876543210987", "5555666677778", "4444333322221111"):
        assert secret not in stored
        assert secret not in Path(database.rejected_path).read_text(encoding="utf-8-sig")
    assert database.stored_path is None and not list((ctx["dir"] / "uploads").iterdir())  # original file removed
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "database.import"))
    assert entry.after["dropped_columns"] == ["No Rekening"]


def test_upload_refusals(db, ctx):
    admin, product = ctx["admin"], ctx["product"]
    path = write_csv(ctx["dir"] / "ok.csv", [["username"], ["a"]])
    with pytest.raises(ValidationFailed):
        upload(db, admin, product, path, name="data.pdf")
    with pytest.raises(ValidationFailed):
        with open(path, "rb") as fh:
            pipeline.store_upload(db, actor=admin, product_id=product.id, file_name="ok.csv", stream=fh, upload_dir=ctx["dir"] / "up", max_bytes=3)
    product.archived = True
    with pytest.raises(Conflict):
        upload(db, admin, product, path)
    staff = make_user(db, "staff")
    product.archived = False
    with pytest.raises(Exception):
        upload(db, staff, product, path)
    png = ctx["dir"] / "fake.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    with pytest.raises(ValidationFailed):
        upload(db, admin, product, png)
    assert db.scalar(select(func.count()).select_from(CustomerDatabase)) == 0
    assert not list((ctx["dir"] / "uploads").iterdir())


def _job(db, admin, kind, database):
    run = jobs.create(db, actor=admin, kind=kind, params={"database_id": database.id})
    db.flush()
    return run


def _bad_files(d: Path):
    bomb = write_bomb(d / "bomb.xlsx", 64 << 20)
    dims = make_xlsx(d / "dims.xlsx", [["username", "phone"], ["a", 812]])
    rewrite_entry(dims, "xl/worksheets/sheet1.xml", lambda x: x.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:XFD1048576"'))
    corrupt = make_xlsx(d / "corrupt.xlsx", [["username"], ["a"]])
    rewrite_entry(corrupt, "xl/worksheets/sheet1.xml", lambda x: x[: len(x) // 2])
    noheader = write_csv(d / "noheader.csv", [["081234567890", "12345", "67890"], ["081234567891", "1", "2"]])
    empty = d / "empty.csv"
    empty.write_bytes(b"   \n")
    return {"bomb": bomb, "dims": dims, "corrupt": corrupt, "noheader": noheader, "empty": empty}


def test_bad_files_fail_cleanly_with_a_message(db, ctx):
    from crm.jobs.imports import inspect_database

    admin, product = ctx["admin"], ctx["product"]
    for key, path in _bad_files(ctx["dir"]).items():
        try:
            database = upload(db, admin, product, path)
        except ValidationFailed as exc:  # refused at upload (e.g. the empty file): nothing stored
            assert key == "empty", (key, exc.message)
            continue
        run = _job(db, admin, "inspect_database", database)
        inspect_database(run.id)
        db.refresh(database)
        db.refresh(run)
        assert database.status == CustomerDatabase.FAILED, key
        assert database.error and run.status == JobRun.FAILED, key
        assert database.stored_path is None
        assert records(db, database) == []


def test_failure_mid_import_leaves_nothing(db, ctx, monkeypatch):
    from crm.jobs.imports import import_database

    admin, product = ctx["admin"], ctx["product"]
    rows = [["username", "phone"]] + [[f"user{i}", "08123456789"] for i in range(12000)]
    database = upload(db, admin, product, write_csv(ctx["dir"] / "big.csv", rows))
    pipeline.inspect_database(db, database.id)
    pipeline.confirm_mapping(db, actor=admin, database_id=database.id, mapping=Mapping(username="username", phone="phone"))
    run = _job(db, admin, "import_database", database)
    calls = {"n": 0}
    real = rules.normalize_phone

    def flaky(value):
        calls["n"] += 1
        if calls["n"] == 11000:
            raise RuntimeError("disk on fire")
        return real(value)

    monkeypatch.setattr(rules, "normalize_phone", flaky)
    with pytest.raises(RuntimeError):
        import_database(run.id)
    db.expire_all()
    database = db.get(CustomerDatabase, database.id)
    assert database.status == CustomerDatabase.FAILED and "unexpected" in database.error
    assert db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.database_id == database.id)) == 0
    # a rerun of the failed job does nothing
    import_database(run.id)


def test_abandoned_uploads_expire_and_lose_their_file(db, ctx):
    from datetime import timedelta

    path = write_csv(ctx["dir"] / "wait.csv", [HEADER] + ROWS)
    database = upload(db, ctx["admin"], ctx["product"], path)
    pipeline.inspect_database(db, database.id)
    stored = Path(database.stored_path)
    assert stored.exists()
    assert pipeline.purge_abandoned_uploads(db) == 0  # fresh: kept
    assert pipeline.purge_abandoned_uploads(db, older_than=timedelta(seconds=-1)) == 1
    assert database.status == CustomerDatabase.FAILED and not stored.exists() and "expired" in database.error


def test_duplicates_across_chunks_are_duplicates_in_the_file(db, ctx, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK", 3)
    make_records(db, ctx["product"], 1, prefix="old")
    rows = [["username"], ["a"], ["b"], ["c"], ["d"], ["A"], ["old-000000"], ["e"], ["b"]]
    database = full_import(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "chunks.csv", rows))
    assert database.rows_imported == 5
    assert database.rejected_by_reason == {"duplicate_in_file": 2, "already_in_product": 1}
    with open(database.rejected_path, encoding="utf-8-sig", newline="") as fh:
        rejected = sorted((r[1], r[2]) for r in list(csv.reader(fh))[1:])
    assert rejected == [("6", "duplicate_in_file"), ("7", "already_in_product"), ("9", "duplicate_in_file")]


def test_bank_numbers_under_an_innocent_header_are_dropped(db, ctx):
    rows = [["username", "no hp", "catatan", "kode"],
            ["a1", "0812 1111 2222", "1370012345678", "A-1"],
            ["a2", "0812 1111 3333", "0987654321", "A-2"],
            ["a3", "0812 1111 4444", "5220 3344 1122", "A-3"]]
    database = upload(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "sneaky.csv", rows))
    pipeline.inspect_database(db, database.id)
    assert database.dropped_columns == ["catatan"]  # the phone column stays
    assert "1370012345678" not in json.dumps(database.preview)
    pipeline.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=Mapping(username="username", phone="no hp"))
    pipeline.run_import(db, database.id, reject_dir=ctx["dir"] / "rejected")
    assert [r.extra for r in records(db, database)] == [{"kode": "A-1"}, {"kode": "A-2"}, {"kode": "A-3"}]


def test_mapping_is_confirmed_once(db, ctx):
    database = upload(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "twice.csv", [["username"], ["x"]]))
    pipeline.inspect_database(db, database.id)
    pipeline.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=Mapping(username="username"))
    with pytest.raises(Conflict):
        pipeline.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=Mapping(username="username"))
    pipeline.run_import(db, database.id, reject_dir=ctx["dir"] / "rejected")
    pipeline.mark_failed(db, database.id, RuntimeError("late failure of a duplicate job"))
    assert database.status == CustomerDatabase.DONE  # a finished import never turns into a failed one


def test_progress_is_reported_with_an_estimated_total(db, ctx, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK", 100)
    rows = [["username", "phone"]] + [[f"user{i:05d}", "08123456789"] for i in range(1000)]
    database = upload(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "p.csv", rows))
    pipeline.inspect_database(db, database.id)
    pipeline.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=Mapping(username="username", phone="phone"))
    seen = []
    pipeline.run_import(db, database.id, reject_dir=ctx["dir"] / "rejected", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (1000, 1000)
    done, estimate = seen[0]
    assert done == 100 and 900 <= estimate <= 1100  # from the file size and the first rows

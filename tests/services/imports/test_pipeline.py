"""The import pipeline end to end, without HTTP: upload → inspect → map → import → report/revert."""

import codecs
import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.models import AuditEntry, CustomerDatabase, CustomerRecord, JobRun
from crm.services.imports import pipeline as svc
from crm.services import jobs
from crm.services.distribution import assignments as assignments_svc
from crm.services.distribution import requests as requests_svc
from crm.services.errors import Conflict, ValidationFailed
from tests.conftest import make_product, make_records, make_user
from tests.services.imports.test_tabular import make_xls, make_xlsx, rewrite_entry, write_bomb

HEADER = ["User ID", "Nama Lengkap", "No HP", "Kota", "No Rekening"]
ROWS = [
    ["Budi01", "Budi Santoso", "0812-3456-7890", "Jakarta", "1234567890123"],
    [" SITI_02 ", "Siti Aminah", "+62 813 1111 2222", "Bandung", "9876543210987"],
    ["andi03", "Andi", "", "Surabaya", "5555666677778"],
]


def write_csv(path: Path, rows, delimiter=",", encoding="utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue()
    if encoding == "utf-8-sig":
        path.write_bytes(codecs.BOM_UTF8 + data.encode("utf-8"))
    elif encoding == "utf-16":
        path.write_bytes(data.encode("utf-16"))  # with BOM
    else:
        path.write_bytes(data.encode(encoding))
    return path


def upload(db, admin, product, path: Path, name=None):
    with open(path, "rb") as fh:
        return svc.store_upload(db, actor=admin, product_id=product.id, file_name=name or path.name, stream=fh,
                                upload_dir=path.parent / "uploads", max_bytes=50 << 20)


def full_import(db, admin, product, path: Path, mapping=None, name=None):
    database = upload(db, admin, product, path, name)
    svc.inspect_database(db, database.id)
    assert database.status == CustomerDatabase.MAPPING, database.error
    suggested = database.mapping["suggested"]
    chosen = mapping or svc.Mapping(username=suggested["username"], name=suggested["name"], phone=suggested["phone"])
    svc.confirm_mapping(db, actor=admin, database_id=database.id, mapping=chosen)
    svc.run_import(db, database.id, reject_dir=path.parent / "rejected")
    return database


@pytest.fixture
def ctx(db, tmp_path):
    return {"admin": make_user(db, "admin"), "product": make_product(db, "Gemilang"), "dir": tmp_path}


def records(db, database):
    return db.scalars(select(CustomerRecord).where(CustomerRecord.database_id == database.id).order_by(CustomerRecord.id)).all()


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
                           mapping=svc.Mapping(username="Nama", phone="Telepon"))
    got = [(r.username, r.phone, r.extra.get("Kota")) for r in records(db, database)]
    assert got == [("josé müller", "6281234567890", "Jakarta"), ("siti", "6281311112222", None)]


def test_mapping_suggestions_and_manual_mapping(db, ctx):
    assert svc.suggest_mapping(["Username", "Nama", "WhatsApp", "Rekening"]) == {"username": "Username", "name": "Nama", "phone": "WhatsApp"}
    assert svc.suggest_mapping(["user id", "customer name", "no. hp"]) == {"username": "user id", "name": "customer name", "phone": "no. hp"}
    assert svc.suggest_mapping(["Nama", "HP", "Rekening Bank", "ID"]) == {"username": "ID", "name": "Nama", "phone": "HP"}
    assert svc.suggest_mapping(["Nama", "HP"]) == {"username": None, "name": "Nama", "phone": "HP"}
    for col in ("No Rek", "rekening bank", "Account Number", "Bank Account", "norek", "Rek BCA", "rek_bca", "Nomer Rek",
                "Acc Number", "Acct Number", "No Bank", "Nomor Bank", "Bank Number", "Akun Bank", "IBAN"):
        assert svc.is_bank_column(col), col
    for col in ("Kota", "Nama", "Account ID status", "Nama Bank", "No HP", "No Akun", "User ID"):
        assert not svc.is_bank_column(col), col
    path = write_csv(ctx["dir"] / "m.csv", [["kode", "pelanggan", "kontak wa", "catatan"], ["A1", "Ani", "0812-0000-1111", "vip"]])
    database = full_import(db, ctx["admin"], ctx["product"], path,
                           mapping=svc.Mapping(username="kode", name="pelanggan", phone="kontak wa"))
    assert [(r.username, r.name, r.phone, r.extra) for r in records(db, database)] == [("a1", "Ani", "6281200001111", {"catatan": "vip"})]


def test_mapping_validation(db, ctx):
    path = write_csv(ctx["dir"] / "v.csv", [HEADER] + ROWS)
    database = upload(db, ctx["admin"], ctx["product"], path)
    svc.inspect_database(db, database.id)
    for bad in (svc.Mapping(username=""), svc.Mapping(username="nope"), svc.Mapping(username="No Rekening"),
                svc.Mapping(username="User ID", name="User ID")):
        with pytest.raises(ValidationFailed):
            svc.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=bad)
    assert database.status == CustomerDatabase.MAPPING


def test_bank_account_values_never_stored_or_shown(db, ctx):
    path = write_csv(ctx["dir"] / "r.csv", [HEADER] + ROWS + [["", "no user", "0812", "x", "4444333322221111"]])
    database = upload(db, ctx["admin"], ctx["product"], path)
    svc.inspect_database(db, database.id)
    assert "1234567890123" not in json.dumps(database.preview)
    svc.confirm_mapping(db, actor=ctx["admin"], database_id=database.id,
                        mapping=svc.Mapping(username="User ID", name="Nama Lengkap", phone="No HP"))
    svc.run_import(db, database.id, reject_dir=ctx["dir"] / "rejected")
    stored = json.dumps([r.extra for r in records(db, database)]) + json.dumps(database.preview)
    for secret in ("1234567890123", "9876543210987", "5555666677778", "4444333322221111"):
        assert secret not in stored
        assert secret not in Path(database.rejected_path).read_text(encoding="utf-8-sig")
    assert database.stored_path is None and not list((ctx["dir"] / "uploads").iterdir())  # original file removed
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "database.import"))
    assert entry.after["dropped_columns"] == ["No Rekening"]


def test_every_rejection_reason_and_the_rejected_file(db, ctx):
    product = ctx["product"]
    make_records(db, product, 1, prefix="old")  # "old-000000" already in the product
    rows = [
        ["username", "name", "phone", "note"],
        ["good1", "A", "08123456789", "=HYPERLINK(\"http://x\")"],
        ["", "B", "08123456789", ""],
        ["x" * 101, "C", "08123456789", ""],
        ["badphone", "D", "12345", ""],
        ["GOOD1", "E", "08123456789", ""],
        ["old-000000", "F", "08123456789", ""],
    ]
    database = full_import(db, ctx["admin"], product, write_csv(ctx["dir"] / "rej.csv", rows))
    assert database.rows_total == 6 and database.rows_imported == 1 and database.rows_rejected == 5
    assert database.rejected_by_reason == {"missing_username": 1, "username_too_long": 1, "bad_phone": 1,
                                           "duplicate_in_file": 1, "already_in_product": 1}
    with open(database.rejected_path, encoding="utf-8-sig", newline="") as fh:
        rejected = list(csv.reader(fh))
    assert rejected[0] == ["username", "name", "phone", "note", "row", "reason", "Reason"]  # the admin reads English
    assert rejected[3][6] == "Invalid phone number"
    assert [(r[4], r[5]) for r in rejected[1:]] == [("3", "missing_username"), ("4", "username_too_long"), ("5", "bad_phone"),
                                                   ("6", "duplicate_in_file"), ("7", "already_in_product")]
    assert records(db, database)[0].extra == {"note": '=HYPERLINK("http://x")'}
    q = svc.quality(db, database)
    assert (q.invalid_phone, q.duplicates_in_file, q.already_in_product, q.missing_username) == (1, 1, 1, 1)


def test_revert_and_refusal_after_hand_out(db, ctx):
    admin, product = ctx["admin"], ctx["product"]
    a = full_import(db, admin, product, write_csv(ctx["dir"] / "a.csv", [["username"], ["a1"], ["a2"]]))
    assert svc.revert_import(db, actor=admin, database_id=a.id) == 2
    assert a.status == CustomerDatabase.REVERTED and records(db, a) == []
    with pytest.raises(Conflict):
        svc.revert_import(db, actor=admin, database_id=a.id)
    b = full_import(db, admin, product, write_csv(ctx["dir"] / "b.csv", [["username"], ["b1"], ["b2"]]))
    staff = make_user(db, "staff")
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=1)
    requests_svc.approve_request(db, actor=admin, request_id=req.id)
    with pytest.raises(Conflict) as exc:
        svc.revert_import(db, actor=admin, database_id=b.id)
    assert "handed out" in exc.value.message
    assert len(records(db, b)) == 2
    # a record returned to the pool still counts as handed out once
    rec = db.scalars(select(CustomerRecord).where(CustomerRecord.assigned_to_id == staff.id)).one()
    assignments_svc.return_to_pool(db, actor=admin, record_ids=[rec.id])
    with pytest.raises(Conflict):
        svc.revert_import(db, actor=admin, database_id=b.id)
    assert db.scalars(select(AuditEntry.action).where(AuditEntry.action == "database.revert")).all() == ["database.revert"]


def test_upload_refusals(db, ctx):
    admin, product = ctx["admin"], ctx["product"]
    path = write_csv(ctx["dir"] / "ok.csv", [["username"], ["a"]])
    with pytest.raises(ValidationFailed):
        upload(db, admin, product, path, name="data.pdf")
    with pytest.raises(ValidationFailed):
        with open(path, "rb") as fh:
            svc.store_upload(db, actor=admin, product_id=product.id, file_name="ok.csv", stream=fh, upload_dir=ctx["dir"] / "up", max_bytes=3)
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
    svc.inspect_database(db, database.id)
    svc.confirm_mapping(db, actor=admin, database_id=database.id, mapping=svc.Mapping(username="username", phone="phone"))
    run = _job(db, admin, "import_database", database)
    calls = {"n": 0}
    real = svc.normalize_phone

    def flaky(value):
        calls["n"] += 1
        if calls["n"] == 11000:
            raise RuntimeError("disk on fire")
        return real(value)

    monkeypatch.setattr(svc, "normalize_phone", flaky)
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
    svc.inspect_database(db, database.id)
    stored = Path(database.stored_path)
    assert stored.exists()
    assert svc.purge_abandoned_uploads(db) == 0  # fresh: kept
    assert svc.purge_abandoned_uploads(db, older_than=timedelta(seconds=-1)) == 1
    assert database.status == CustomerDatabase.FAILED and not stored.exists() and "expired" in database.error


def test_duplicates_across_chunks_are_duplicates_in_the_file(db, ctx, monkeypatch):
    monkeypatch.setattr(svc, "CHUNK", 3)
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
    svc.inspect_database(db, database.id)
    assert database.dropped_columns == ["catatan"]  # the phone column stays
    assert "1370012345678" not in json.dumps(database.preview)
    svc.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=svc.Mapping(username="username", phone="no hp"))
    svc.run_import(db, database.id, reject_dir=ctx["dir"] / "rejected")
    assert [r.extra for r in records(db, database)] == [{"kode": "A-1"}, {"kode": "A-2"}, {"kode": "A-3"}]


def test_mapping_is_confirmed_once(db, ctx):
    database = upload(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "twice.csv", [["username"], ["x"]]))
    svc.inspect_database(db, database.id)
    svc.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=svc.Mapping(username="username"))
    with pytest.raises(Conflict):
        svc.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=svc.Mapping(username="username"))
    svc.run_import(db, database.id, reject_dir=ctx["dir"] / "rejected")
    svc.mark_failed(db, database.id, RuntimeError("late failure of a duplicate job"))
    assert database.status == CustomerDatabase.DONE  # a finished import never turns into a failed one


def test_progress_is_reported_with_an_estimated_total(db, ctx, monkeypatch):
    monkeypatch.setattr(svc, "CHUNK", 100)
    rows = [["username", "phone"]] + [[f"user{i:05d}", "08123456789"] for i in range(1000)]
    database = upload(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "p.csv", rows))
    svc.inspect_database(db, database.id)
    svc.confirm_mapping(db, actor=ctx["admin"], database_id=database.id, mapping=svc.Mapping(username="username", phone="phone"))
    seen = []
    svc.run_import(db, database.id, reject_dir=ctx["dir"] / "rejected", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (1000, 1000)
    done, estimate = seen[0]
    assert done == 100 and 900 <= estimate <= 1100  # from the file size and the first rows

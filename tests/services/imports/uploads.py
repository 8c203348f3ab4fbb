"""Helpers for the pipeline tests: a customer file, an upload, a whole import."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.models import CustomerDatabase, CustomerRecord
from crm.services.databases import Mapping
from crm.services.imports import pipeline
from tests.conftest import make_product, make_user

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


def upload(db, admin, product, path: Path, name=None, kind="customer"):
    with open(path, "rb") as fh:
        return pipeline.store_upload(db, actor=admin, product_id=product.id, file_name=name or path.name, stream=fh,
                                     upload_dir=path.parent / "uploads", max_bytes=50 << 20, kind=kind)


def full_import(db, admin, product, path: Path, mapping=None, name=None, kind="customer"):
    database = upload(db, admin, product, path, name, kind)
    pipeline.inspect_database(db, database.id)
    assert database.status == CustomerDatabase.MAPPING, database.error
    suggested = database.mapping["suggested"]
    chosen = mapping or Mapping(username=suggested["username"], name=suggested["name"], phone=suggested["phone"])
    pipeline.confirm_mapping(db, actor=admin, database_id=database.id, mapping=chosen)
    pipeline.run_import(db, database.id, reject_dir=path.parent / "rejected")
    return database


@pytest.fixture
def ctx(db, tmp_path):
    return {"admin": make_user(db, "admin"), "product": make_product(db, "Gemilang"), "dir": tmp_path}


def records(db, database):
    return db.scalars(select(CustomerRecord).where(CustomerRecord.database_id == database.id).order_by(CustomerRecord.id)).all()

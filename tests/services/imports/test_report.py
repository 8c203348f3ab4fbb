"""crm.services.imports.report: the rejected rows, their reasons and the file."""

import csv

from crm.services.databases import stats
from tests.conftest import make_records
from tests.services.imports.uploads import full_import, records, write_csv


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
    q = stats.quality(db, database)
    assert (q.invalid_phone, q.duplicates_in_file, q.already_in_product, q.missing_username) == (1, 1, 1, 1)


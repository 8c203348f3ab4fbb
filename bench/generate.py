"""Benchmark data: 3 products (1,000,000 + 150,000 + 50,000 records), 300 staff,
a realistic mix of hand-outs and statuses; plus the upload files.

    python -m bench.generate --url postgresql://postgres@127.0.0.1:5432/crm_bench
    python -m bench.generate --url sqlite:///bench/out/bench.sqlite3

The schema comes from `alembic upgrade head`; an existing database at the URL
is emptied first. Files go to bench/out/ and are reused when present.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

OUT = Path(__file__).resolve().parent / "out"
PRODUCTS = [("Gemilang Play", 1_000_000), ("Nusantara Bet", 150_000), ("Sakura Slot", 50_000)]
STAFF = 300
CITIES = ["Jakarta", "Surabaya", "Bandung", "Medan", "Semarang", "Makassar", "Palembang", "Denpasar"]
FIRST = ["Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Andi", "Rina", "Eko", "Indah", "Fajar", "Yoga", "Sri", "Wahyu"]
LAST = ["Santoso", "Lestari", "Pratama", "Saputra", "Wijaya", "Hidayat", "Nugroho", "Permata", "Kusuma", "Siregar"]


def migrate(url: str) -> None:
    from alembic import command

    from tests.conftest import alembic_config

    command.upgrade(alembic_config(url), "head")


def _copy_or_insert(conn, table: str, columns: list[str], rows) -> None:
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cur = raw.cursor()
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
        cur.close()


def generate(url: str, seed: int = 7) -> None:
    from crm.db import make_engine
    from crm.models import Base
    from crm.services.accounts.users import hash_password

    rng = random.Random(seed)
    migrate(url)
    engine = make_engine(url)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    pw = hash_password("bench-password")
    now = datetime.now(timezone.utc)
    is_pg = engine.dialect.name == "postgresql"
    ts = (lambda d: d) if is_pg else (lambda d: d.replace(tzinfo=None).isoformat(sep=" "))
    with engine.begin() as conn:
        users = [(1, "admin@bench.test", "Bench Admin", pw, "admin", True, "en", "bench-admin-token", ts(now))]
        users += [(i + 2, f"staff{i:03d}@bench.test", f"{rng.choice(FIRST)} {rng.choice(LAST)}", pw, "staff", True, "id",
                   f"bench-staff-{i}", ts(now)) for i in range(STAFF)]
        _copy_or_insert(conn, "users", ["id", "email", "name", "password_hash", "role", "active", "locale", "auth_token", "created_at"], users)
        _copy_or_insert(conn, "products", ["id", "name", "archived", "wa_template", "created_at"],
                        [(i + 1, name, False, "Halo kak {name}, username {username}", ts(now)) for i, (name, _n) in enumerate(PRODUCTS)])
        _copy_or_insert(conn, "customer_databases",
                        ["id", "product_id", "kind", "name", "file_name", "file_format", "file_size", "uploaded_by_id", "uploaded_at", "status",
                         "headers", "preview", "mapping", "dropped_columns", "rows_total", "rows_imported", "rows_rejected",
                         "rejected_by_reason", "missing_phone", "error", "error_params"],
                        [(i + 1, i + 1, "customer", f"seed {name}", "seed.csv", "csv", 0, 1, ts(now), "done", "[]", "[]", "{}", "[]", n, n, 0,
                          "{}", 0, "", "{}") for i, (name, n) in enumerate(PRODUCTS)])
    record_id = 0
    batch_id = 0
    for p_index, (name, count) in enumerate(PRODUCTS):
        product_id = p_index + 1
        batches = []
        records = []
        assigned_share = 0.35
        n_assigned = int(count * assigned_share)
        # hand out the first n_assigned records in batches of 100–500 to random staff
        cursor = 0
        while cursor < n_assigned:
            size = min(rng.randint(100, 500), n_assigned - cursor)
            batch_id += 1
            staff_id = rng.randint(2, STAFF + 1)
            created = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
            batches.append((batch_id, staff_id, product_id, "request", f"{name} #{batch_id}", False, ts(created), None, size))
            for _ in range(size):
                cursor += 1
                records.append((product_id, product_id, cursor, staff_id, batch_id, created))
        with engine.begin() as conn:
            _copy_or_insert(conn, "batches", ["id", "staff_id", "product_id", "kind", "title", "pinned", "created_at", "request_id", "size_at_approval"], batches)

        def rows():
            nonlocal record_id
            by_index = {r[2]: r for r in records}
            for i in range(1, count + 1):
                record_id += 1
                a = by_index.get(i)
                wa = resp = None
                if a is not None:
                    roll = rng.random()
                    if roll < 0.6:
                        wa = rng.choices(["ada", "ceklis1", "tidak"], [55, 25, 20])[0]
                        if wa == "ada":
                            resp = rng.choices(["ya", "tidak", None], [30, 50, 20])[0]
                extra = json.dumps({"kota": rng.choice(CITIES), "saldo": str(rng.randint(0, 5_000_000))})
                yield (record_id, product_id, product_id, f"p{product_id}user{i:07d}", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                       f"628{rng.randint(110000000, 999999999)}", extra,
                       a[3] if a else None, a[4] if a else None, ts(a[5]) if a else None, bool(a) if is_pg else int(bool(a)),
                       wa, ts(a[5]) if wa else None, resp, ts(a[5]) if resp else None)

        with engine.begin() as conn:
            _copy_or_insert(conn, "customer_records",
                            ["id", "product_id", "database_id", "username", "name", "phone", "extra", "assigned_to_id", "batch_id", "assigned_at",
                             "ever_assigned", "wa_status", "wa_status_at", "respond_status", "respond_status_at"], rows())
        print(f"  {name}: {count:,} records, {len(batches):,} batches ({time.perf_counter() - t0:.0f}s)", flush=True)
    with engine.begin() as conn:
        if is_pg:
            for table in ("users", "products", "customer_databases", "batches", "customer_records"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    print(f"generated in {time.perf_counter() - t0:.1f}s", flush=True)


def upload_files() -> dict[str, Path]:
    """100,000-row CSV and XLSX (7 columns) and a 1,000,000-row CSV."""
    OUT.mkdir(exist_ok=True)
    rng = random.Random(11)
    header = ["username", "nama", "no hp", "kota", "email", "saldo", "catatan"]

    def row(i: int):
        return [f"new{i:07d}", f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"08{rng.randint(1100000000, 9999999999)}",
                rng.choice(CITIES), f"new{i}@mail.test", str(rng.randint(0, 9_000_000)), "vip" if i % 9 == 0 else ""]

    files = {"csv100k": OUT / "upload-100k.csv", "xlsx100k": OUT / "upload-100k.xlsx", "csv1m": OUT / "upload-1m.csv"}
    if not files["csv100k"].exists():
        with open(files["csv100k"], "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(row(i) for i in range(100_000))
    if not files["xlsx100k"].exists():
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Data")
        ws.append(header)
        for i in range(100_000):
            ws.append(row(i))
        wb.save(files["xlsx100k"])
    if not files["csv1m"].exists():
        with open(files["csv1m"], "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(row(i) for i in range(1_000_000))
    return files


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    upload_files()
    generate(args.url)

"""Import benchmarks: the import job vs parse + bulk insert, the XLSX inspection, peak memory."""

from __future__ import annotations

import csv
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import ROOT, report


def _floor_table(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
        conn.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, c0 TEXT, c1 TEXT, c2 TEXT, c3 TEXT, c4 TEXT, c5 TEXT, c6 TEXT)"
                          if engine.dialect.name == "sqlite" else
                          "CREATE TABLE bench_floor (id SERIAL PRIMARY KEY, c0 TEXT, c1 TEXT, c2 TEXT, c3 TEXT, c4 TEXT, c5 TEXT, c6 TEXT)"))


def floor_import(engine, path: Path, method: str = "core") -> float:
    """Bare parse (csv module / calamine) + bulk insert of the same rows into an
    empty table. `core`: SQLAlchemy Core executemany, the stack's ordinary bulk
    insert (the bar's floor). `driver`: the fastest path of the driver (sqlite3
    executemany, PostgreSQL COPY), printed for information."""
    _floor_table(engine)
    t0 = time.perf_counter()
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            rows = [tuple(r) for r in reader]
    else:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        it = iter(wb.get_sheet_by_index(0).iter_rows())
        next(it)
        rows = [tuple(str(v) for v in r) for r in it]
    columns = [f"c{i}" for i in range(7)]
    with engine.begin() as conn:
        if method == "core":
            from sqlalchemy import column, table

            floor_table = table("bench_floor", *(column(c) for c in columns))
            conn.execute(floor_table.insert(), [dict(zip(columns, r)) for r in rows])
        else:
            from bench.generate import _copy_or_insert

            _copy_or_insert(conn, "bench_floor", columns, rows)
    elapsed = time.perf_counter() - t0
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_floor"))
    return elapsed


INSPECT_TIMES: dict[str, list[float]] = {}


def timed_import(engine, path: Path, product_id: int, upload_dir: Path) -> tuple[float, int]:
    """The import job end to end (parse, validate, normalise, dedupe, insert),
    after the upload's inspection and mapping; rolled back so every run sees
    the same data. The inspection (guard, header + preview) is timed apart."""
    from crm.models import User
    from crm.services.databases import Mapping
    from crm.services.imports import pipeline

    with Session(engine, expire_on_commit=False) as session:
        admin = session.get(User, 1)
        with open(path, "rb") as fh:
            db = pipeline.store_upload(session, actor=admin, product_id=product_id, file_name=path.name, stream=fh,
                                       upload_dir=upload_dir, max_bytes=1 << 31)
        t0 = time.perf_counter()
        pipeline.inspect_database(session, db.id)
        INSPECT_TIMES.setdefault(path.name, []).append(time.perf_counter() - t0)
        pipeline.confirm_mapping(session, actor=admin, database_id=db.id, mapping=Mapping(username="username", name="nama", phone="no hp"))
        t0 = time.perf_counter()
        pipeline.run_import(session, db.id, reject_dir=upload_dir / "rejected")
        session.flush()
        elapsed = time.perf_counter() - t0
        imported = db.rows_imported
        session.rollback()
    return elapsed, imported


def inflate_all(path: Path) -> float:
    """Floor of an XLSX inspection: inflating every part once (what any guard
    against zip bombs and far cells must read), nothing parsed."""
    import zipfile

    t0 = time.perf_counter()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            with zf.open(info) as fh:
                while fh.read(1 << 22):
                    pass
    return time.perf_counter() - t0


def bench_imports(engine, files) -> None:
    upload_dir = ROOT / "bench" / "out" / "uploads"
    with engine.connect() as conn:
        target = conn.execute(text("SELECT product_id FROM customer_records GROUP BY product_id ORDER BY count(*) DESC LIMIT 1")).scalar()
        held = conn.execute(text("SELECT count(*) FROM customer_records WHERE product_id = :p"), {"p": target}).scalar()
    print(f"imports into a product holding {held:,} records")
    for key, label in (("csv100k", "import 100k-row CSV (7 cols)"), ("xlsx100k", "import 100k-row XLSX (7 cols)")):
        runs = [timed_import(engine, files[key], target, upload_dir) for _ in range(3)]
        value = min(r[0] for r in runs)
        assert runs[0][1] == 100_000, runs
        floor = min(floor_import(engine, files[key]) for _ in range(3))
        report(label, value, floor, "≤ 2× floor", value <= 2 * floor)
        fastest = min(floor_import(engine, files[key], "driver") for _ in range(3))
        how = "COPY" if engine.dialect.name == "postgresql" else "sqlite3 executemany"
        inspected = min(INSPECT_TIMES[files[key].name])
        print(f"    for information: parse + {how} into an empty table takes {fastest:.3f}s (the import: {value / fastest:.1f}× that);"
              f" the upload's inspection (header, preview) took {inspected:.3f}s before it")
    # The inspection of a large XLSX: the guard reads every byte, the preview only the first rows.
    path = files["xlsx100k"]
    inspected = min(INSPECT_TIMES[path.name])
    floor = min(inflate_all(path) for _ in range(3))
    report("inspect 100k-row XLSX (guard, header, preview)", inspected, floor, "≤ 0.5 s", inspected <= 0.5)
    print("    (floor: inflating every part of the file once, nothing parsed)")


def peak_rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def bench_memory(url: str, files) -> None:
    """Peak RSS of a fresh process importing the 1,000,000-row CSV (the worker's job)."""
    # VmHWM (the high-water mark of this process image), not ru_maxrss, which
    # keeps the forking parent's peak across exec.
    code = (
        "import sys; from bench.imports import timed_import, peak_rss_kb; from crm.db import make_engine; from pathlib import Path;"
        "e = make_engine(sys.argv[1]); t, n = timed_import(e, Path(sys.argv[2]), 3, Path('bench/out/uploads'));"
        "print(t, n, peak_rss_kb())"
    )
    out = subprocess.run([sys.executable, "-c", code, url, str(files["csv1m"])], cwd=ROOT, capture_output=True, text=True, check=True)
    seconds, imported, rss_kb = out.stdout.split()
    base = subprocess.run([sys.executable, "-c", "import crm.services.imports.pipeline, crm.db; from bench.imports import peak_rss_kb;"
                           "print(peak_rss_kb())"], cwd=ROOT, capture_output=True, text=True, check=True)
    mb = int(rss_kb) / 1024
    report(f"peak RSS, import of a 1M-row CSV ({int(imported):,} rows, {float(seconds):.1f}s)", mb, int(base.stdout) / 1024,
           "< 300 MB", mb < 300, unit="MB")
    print("    (floor: the same process after importing the app's modules, before any work)")

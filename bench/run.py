"""Benchmarks for customer databases and distribution, each figure printed
beside its floor measured in the same run.

    python -m bench.run --url postgresql://postgres@127.0.0.1:5432/crm_bench [--generate]
    python -m bench.run --url sqlite:///bench/out/bench.sqlite3 [--generate]

--generate (re)builds the data first (bench/generate.py). Needs REDIS_URL
(or a Redis on 127.0.0.1:6379) for the app's login throttle.
"""

from __future__ import annotations

import argparse
import os
import sys

from sqlalchemy import text

from bench.common import RESULTS, ROOT
from bench.distribution import bench_approval
from bench.imports import bench_imports, bench_memory
from bench.pages import bench_pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--only", choices=["imports", "memory", "approval", "pages"], action="append")
    args = parser.parse_args()
    os.environ.setdefault("CRM_INSTANCE_PATH", str(ROOT / "bench" / "out" / "instance"))
    from bench.generate import generate, upload_files
    from crm.db import make_engine

    files = upload_files()
    if args.generate:
        generate(args.url)
    engine = make_engine(args.url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM customer_records")).scalar()
    print(f"database: {engine.dialect.name}, {total:,} customer records")
    only = set(args.only or ["imports", "memory", "approval", "pages"])
    if "imports" in only:
        bench_imports(engine, files)
    if "memory" in only:
        bench_memory(args.url, files)
    if "approval" in only:
        bench_approval(engine)
    if "pages" in only:
        bench_pages(engine, args.url)
    engine.dispose()
    return 0 if all(ok for *_, ok in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())

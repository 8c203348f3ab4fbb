"""Distribution benchmark: approving a 500-record request."""

from __future__ import annotations

import statistics
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import report


def bench_approval(engine) -> None:
    from crm.models import RecordRequest, User
    from crm.services.distribution import requests as requests_svc
    times = []
    for i in range(5):
        with Session(engine, expire_on_commit=False) as session:
            admin = session.get(User, 1)
            staff = session.get(User, 2 + i)
            session.execute(text("UPDATE record_requests SET status = 'cancelled' WHERE staff_id = :s AND status = 'pending'"), {"s": staff.id})
            req = requests_svc.create_request(session, actor=staff, product_id=1, quantity=500)
            session.flush()
            t0 = time.perf_counter()
            requests_svc.approve_request(session, actor=admin, request_id=req.id)
            session.flush()
            times.append(time.perf_counter() - t0)
            session.rollback()
            assert isinstance(req, RecordRequest)
    value = statistics.median(times)
    report("approve a 500-record request (median of 5)", value * 1000, None, "≤ 100 ms", value <= 0.1, unit="ms")

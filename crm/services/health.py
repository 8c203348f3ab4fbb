from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from crm.redis_conn import get_redis


def check(session: Session, redis_url: str) -> dict[str, str]:
    result = {}
    try:
        session.execute(text("SELECT 1"))
        result["db"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        session.rollback()
        result["db"] = f"error: {type(exc).__name__}"
    try:
        get_redis(redis_url).ping()
        result["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        result["redis"] = f"error: {type(exc).__name__}"
    return result

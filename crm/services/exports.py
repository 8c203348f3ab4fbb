"""Writing tables to CSV and XLSX, safely and in constant memory."""

from __future__ import annotations

import csv
import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.i18n import N_, translator
from crm.models import JobRun, User
from crm.services.errors import ValidationFailed
from crm.services.accounts.hierarchy import ROLE_LABELS
from crm.services.accounts.users import UserFilter, filter_users

FORMATS = ("csv", "xlsx")
# OWASP CSV injection: cells starting with these are formulas to a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

Progress = Callable[[int, int], None]


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: prefix risky text with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_table(path: Path, fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write header + rows to `path`; returns the number of data rows."""
    if fmt not in FORMATS:
        raise ValidationFailed(N_("Unknown export format."))
    count = 0
    tmp = path.with_suffix(path.suffix + ".part")
    if fmt == "csv":
        with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow([safe_cell(h) for h in header])
            for row in rows:
                writer.writerow([safe_cell(v) for v in row])
                count += 1
    else:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append([_xlsx_cell(ws, h) for h in header])
        for row in rows:
            ws.append([_xlsx_cell(ws, v) for v in row])
            count += 1
        wb.save(tmp)
    os.replace(tmp, path)
    return count


def _xlsx_cell(ws, value: Any):
    value = safe_cell(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    return cell


def _throttled(progress: Progress | None, total: int) -> Callable[[int], None]:
    last = [0.0]

    def tick(done: int) -> None:
        now = time.monotonic()
        if progress and (now - last[0] > 0.3 or done == total):
            last[0] = now
            progress(done, total)

    return tick


def iter_keyset(session: Session, stmt, key, size: int = 1000):
    """Stream the rows of `stmt` in chunks ordered by the unique `key`.

    Each chunk is its own query, so the caller may commit between rows (progress
    updates) without invalidating a server-side cursor; memory stays flat.
    """
    last = None
    stmt = stmt.order_by(None).order_by(key)
    while True:
        chunk_stmt = stmt if last is None else stmt.where(key > last)
        chunk = session.scalars(chunk_stmt.limit(size)).all()
        if not chunk:
            return
        yield from chunk
        last = getattr(chunk[-1], key.key)
        if len(chunk) < size:
            return


USER_EXPORT_HEADER = ("ID", N_("Name"), N_("Email"), N_("Role"), N_("Active"), N_("Language"), N_("Created"), N_("Last sign-in"))


def export_users(session: Session, run: JobRun, out_dir: Path, *, tz: str, progress: Progress | None = None) -> Path:
    """The user list (with the filter the admin had on screen) as CSV or XLSX."""
    from zoneinfo import ZoneInfo

    fmt = run.params.get("format", "csv")
    flt = UserFilter(q=run.params.get("q", ""), role=run.params.get("role") or None,
                     active={"1": True, "0": False}.get(run.params.get("active") or ""))
    stmt = filter_users(flt)
    from sqlalchemy import func

    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    zone = ZoneInfo(tz)
    tick = _throttled(progress, total)
    creator = session.get(User, run.created_by_id) if run.created_by_id else None
    tr = translator(creator.locale if creator else None)
    yes, no = tr(N_("yes")), tr(N_("no"))
    roles = {k: tr(v) for k, v in ROLE_LABELS.items()}

    def rows():
        for i, user in enumerate(iter_keyset(session, stmt, User.id), start=1):
            tick(i)
            yield (
                user.id,
                user.name,
                user.email,
                roles.get(user.role, user.role),
                yes if user.active else no,
                user.locale,
                user.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if user.created_at else "",
                user.last_login_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if user.last_login_at else "",
            )

    name = f"users-{utcnow().astimezone(zone):%Y%m%d-%H%M%S}-{run.id}.{fmt}"
    path = out_dir / name
    write_table(path, fmt, [tr(h) for h in USER_EXPORT_HEADER], rows())
    run.result_path = str(path)
    run.result_name = name
    if progress:
        progress(total, total)
    return path


def purge_old_exports(session: Session, *, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete export files older than `older_than`; the job rows stay (file gone)."""
    cutoff = utcnow() - older_than
    runs = session.scalars(
        select(JobRun).where(JobRun.result_path.is_not(None), JobRun.finished_at < cutoff).limit(1000)
    ).all()
    for run in runs:
        try:
            os.remove(run.result_path)
        except FileNotFoundError:
            pass
        run.result_path = None
    session.flush()
    return len(runs)

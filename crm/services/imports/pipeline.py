"""Uploads: store → inspect → map columns → import → report, the same for
every kind of upload; what a kind imports is its ImportSpec (spec.py).

    db = store_upload(...)                 # the request: bytes on disk, a row
    inspect_database(session, db.id)       # job: header, preview, suggestion
    confirm_mapping(..., mapping=...)      # the admin's choice
    run_import(session, db.id, ...)        # job: rules, de-duplication, insert

The import runs in one transaction (a failure leaves nothing half-imported),
inserts in chunks of CHUNK rows through the driver (inserter), and writes the
rejected rows with their reasons (report). Bank-account columns are dropped
at inspection and never stored, shown or written to the report.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable
from json.encoder import encode_basestring as _json_str  # the C implementation
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.i18n import N_
from crm.models import CustomerDatabase, Role, User
from crm.services import audit, products
from crm.services.actor import Actor, require_role
from crm.services.databases import ADMINS_ONLY, Mapping as Mapping, get_database
from crm.services.errors import Conflict, DomainError, ValidationFailed
from crm.services.imports.columns import bank_columns, is_bank_column, suggest_mapping
from crm.services.imports.inserter import bulk_insert, existing_keys
from crm.services.imports.readers import ALLOWED_EXTENSIONS, TableError, open_table, preview, sniff_format
from crm.services.imports.report import RejectedRows, rejected_path
from crm.services.imports.rules import Rejected
from crm.services.imports.spec import ImportSpec, Plan, spec_for

Progress = Callable[[int, int], None]

CHUNK = 5000
IMPORT_LOCK = 7202  # advisory lock namespace: imports per product (PostgreSQL)
_WAITING = (CustomerDatabase.UPLOADED, CustomerDatabase.INSPECTING, CustomerDatabase.MAPPING, CustomerDatabase.IMPORTING)


def store_upload(
    session: Session,
    *,
    actor: Actor,
    product_id: int,
    file_name: str,
    stream: BinaryIO,
    upload_dir: Path,
    max_bytes: int,
    kind: str = "customer",
    name: str = "",
) -> CustomerDatabase:
    """Save the uploaded bytes and create the database row (inspection runs in a job)."""
    require_role(actor, Role.ADMIN, ADMINS_ONLY)
    product = products.get_product(session, product_id, active=True)
    file_name = os.path.basename((file_name or "").replace("\\", "/")).strip()[:255]
    if not file_name:
        raise ValidationFailed(N_("Please choose a file."), field="file")
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if ext not in ALLOWED_EXTENSIONS:
        raise ValidationFailed(N_("Only CSV, XLSX and XLS files can be uploaded."), field="file")
    upload_dir.mkdir(parents=True, exist_ok=True)
    path = upload_dir / f"{uuid.uuid4().hex}.{ext}"
    size = 0
    try:
        with open(path, "wb") as out:
            while True:
                chunk = stream.read(1024 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationFailed(N_("The file is larger than %(mb)s MB."), field="file", mb=max_bytes // (1024 * 1024))
                out.write(chunk)
        fmt = sniff_format(path, file_name)
    except DomainError:
        path.unlink(missing_ok=True)
        raise
    db = CustomerDatabase(
        product_id=product.id,
        kind=kind,
        name=(name or "").strip()[:200] or file_name,
        file_name=file_name,
        file_format=fmt,
        file_size=size,
        stored_path=str(path),
        uploaded_by_id=actor.id,
        status=CustomerDatabase.UPLOADED,
    )
    session.add(db)
    session.flush()
    audit.record(session, actor=actor, action="database.upload", target=db, target_label=f"{product.name}: {db.file_name}",
                 after={"file": file_name, "size": size, "format": fmt})
    return db


def inspect_database(session: Session, database_id: int, progress: Progress | None = None) -> CustomerDatabase:
    """Job: read the header and first rows, suggest a mapping, wait for the admin."""
    db = get_database(session, database_id)
    if db.status not in (CustomerDatabase.UPLOADED, CustomerDatabase.INSPECTING):
        return db
    spec = spec_for(db.kind)
    info, rows = preview(Path(db.stored_path), db.file_format, n=10)
    db.encoding, db.delimiter = info.encoding, info.delimiter
    db.headers = list(info.headers)
    dropped = bank_columns(info.headers, rows)
    db.dropped_columns = dropped
    # The preview never holds bank-account values.
    db.preview = [["" if h in dropped else row[i] for i, h in enumerate(info.headers)] for row in rows]
    db.mapping = {"suggested": suggest_mapping([h for h in info.headers if h not in dropped], spec.synonyms)}
    db.status = CustomerDatabase.MAPPING
    session.flush()
    return db


def mark_failed(session: Session, database_id: int, error: Exception) -> None:
    """After a failed job (already rolled back): record why, remove partial files."""
    db = session.get(CustomerDatabase, database_id)
    if db is None or db.status not in _WAITING:
        return  # a finished import is never turned into a failed one
    if isinstance(error, DomainError):
        db.error, db.error_params = error.message, error.params
    else:
        db.error, db.error_params = N_("The file could not be processed (unexpected error)."), {}
    db.status = CustomerDatabase.FAILED
    db.finished_at = utcnow()
    delete_stored_file(db)
    db.stored_path = None
    if db.rejected_path:
        Path(db.rejected_path).unlink(missing_ok=True)
        db.rejected_path = None
    session.flush()


def confirm_mapping(session: Session, *, actor: Actor, database_id: int,
                    mapping: Mapping | dict[str, str | None]) -> CustomerDatabase:
    """The admin's column per field of the upload's spec (a Mapping or a dict by field name)."""
    require_role(actor, Role.ADMIN, ADMINS_ONLY)
    db = get_database(session, database_id)
    if db.status != CustomerDatabase.MAPPING:
        raise Conflict(N_("This upload is not waiting for a column mapping."))
    spec = spec_for(db.kind)
    choice = dataclasses.asdict(mapping) if dataclasses.is_dataclass(mapping) else dict(mapping)
    first = spec.fields[0].name  # where the form shows errors about the whole mapping
    headers = set(db.headers)
    for f in spec.fields:
        if f.required and not choice.get(f.name):
            raise ValidationFailed(f.required, field=f.name)
    chosen = [c for c in (choice.get(f.name) for f in spec.fields) if c]
    for col in chosen:
        if col not in headers:
            raise ValidationFailed(N_("Unknown column %(col)s."), col=col)
        if col in (db.dropped_columns or []) or is_bank_column(col):
            raise ValidationFailed(N_("Bank-account columns are never imported."), field=first)
    if len(set(chosen)) != len(chosen):
        raise ValidationFailed(N_("Each field needs its own column."), field=first)
    # Only one confirmation wins (a double submit must not start two imports).
    claimed = session.execute(
        update(CustomerDatabase)
        .where(CustomerDatabase.id == db.id, CustomerDatabase.status == CustomerDatabase.MAPPING)
        .values(status=CustomerDatabase.IMPORTING,
                mapping={**(db.mapping or {}), **{f.name: choice.get(f.name) or None for f in spec.fields}})
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise Conflict(N_("This upload is not waiting for a column mapping."))
    session.refresh(db)
    return db


def _estimate_rows(db: CustomerDatabase, sample_bytes: int, sampled: int) -> int:
    """Rows a CSV probably holds, from its size and the first rows (0: unknown)."""
    if db.file_format != "csv" or not sample_bytes:
        return 0
    per_row = sample_bytes / min(sampled, 1000)
    return int(db.file_size / per_row) if per_row else 0


def run_import(session: Session, database_id: int, *, reject_dir: Path, progress: Progress | None = None) -> CustomerDatabase:
    """Job: validate, normalise, de-duplicate and insert every row, in one
    transaction (a failure leaves nothing half-imported)."""
    db = get_database(session, database_id)
    if db.status != CustomerDatabase.IMPORTING:
        return db  # finished or reverted already: a rerun does nothing
    if session.get_bind().dialect.name == "postgresql":
        # One import per product at a time, so the duplicate check below stays true until commit.
        session.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK, db.product_id)))
        session.refresh(db)
        if db.status != CustomerDatabase.IMPORTING:
            return db  # another run of the same import finished while this one waited
    spec = spec_for(db.kind)
    reject_file = rejected_path(reject_dir, db)
    uploader = session.get(User, db.uploaded_by_id) if db.uploaded_by_id else None
    # The stored file passed the spreadsheet safety scan when it was inspected.
    with open_table(Path(db.stored_path), db.file_format, checked=True) as table:
        if db.headers and table.info.headers != db.headers:  # the mapping names the inspected columns
            raise TableError(N_("This file is not a valid %(fmt)s file."), fmt=db.file_format.upper())
        plan = Plan(spec, session, db, table.info.headers)
        with RejectedRows(reject_file, table.info.headers, plan.visible, uploader.locale if uploader else None) as report:
            total, imported, missing = _import_rows(session, db, spec, plan, table.rows(), report, progress)
    session.expire_all()  # rows were written behind the ORM's back
    db = get_database(session, database_id)
    rejected = report.total
    db.rows_total, db.rows_imported, db.rows_rejected = total, imported, rejected
    db.rejected_by_reason = {k: v for k, v in report.counts.items() if v}
    db.missing_phone = missing
    db.rejected_path = str(reject_file) if rejected else None
    if not rejected:
        reject_file.unlink(missing_ok=True)
    db.status = CustomerDatabase.DONE
    db.finished_at = utcnow()
    db.error, db.error_params = "", {}
    # The original file may hold bank-account numbers: it is not kept.
    delete_stored_file(db)
    db.stored_path = None
    session.flush()
    uploader = session.get(User, db.uploaded_by_id) if db.uploaded_by_id else None
    audit.record(session, actor=uploader, action="database.import", target=db, target_label=db.file_name,
                 after={"imported": imported, "rejected": rejected, "dropped_columns": db.dropped_columns})
    if progress:
        progress(total, total)
    return db


def _import_rows(session: Session, db: CustomerDatabase, spec: ImportSpec, plan: Plan, rows: Any,
                 report: RejectedRows, progress: Progress | None) -> tuple[int, int, int]:
    """The row loop: rules, duplicates in the file, chunks to the inserter. (total, imported, missing)."""
    imported = total = missing = 0
    upload_id = db.id
    table, columns, unique = spec.table.name, plan.columns, spec.unique
    values_of, extra_keys, tail = plan.values_of, plan.extra_keys, plan.tail
    key_at, missing_at = plan.key_at, plan.missing_at
    by_fields = bool(plan.scope_fields)
    quote = _json_str
    reject = report.reject
    # Duplicates inside the file: this chunk's keys here; earlier chunks are
    # already inserted and found by the database lookup (with this upload's id),
    # so memory stays flat whatever the file size.
    seen: set = set()
    pending: list[tuple[int, list[str], tuple]] = []

    def flush() -> None:
        nonlocal imported, missing
        if not pending:
            return
        existing = _existing(session, spec, plan, [p[2] for p in pending]) if unique is not None else None
        values = []
        for row_no, row, rec in pending:
            if existing:
                found = existing.get(_dedupe_key(rec, plan) if by_fields else rec[key_at])
                if found is not None:
                    reject(row_no, row, "duplicate_in_file" if found == upload_id else unique.reason)
                    continue
            if missing_at is not None and rec[missing_at] is None:
                missing += 1
            values.append(rec)
        if values:
            bulk_insert(session, table, columns, values)
            imported += len(values)
        pending.clear()
        seen.clear()

    row_no = 1
    estimate: int | None = None
    sample_bytes = 0
    for row in rows:
        row_no += 1
        total += 1
        if total <= 1000:  # for a progress estimate: text bytes per row
            sample_bytes += sum(map(len, row)) + len(row)
        try:
            rec = values_of(row)
        except Rejected as exc:
            reject(row_no, row, exc.reason)
            continue
        if extra_keys is not None:
            rec = (*rec, "{" + ",".join([k + quote(row[i]) for i, k in extra_keys if row[i]]) + "}", *tail)
        else:
            rec += tail
        if key_at is not None:
            key = _dedupe_key(rec, plan) if by_fields else rec[key_at]
            if key in seen:
                reject(row_no, row, "duplicate_in_file")
                continue
            seen.add(key)
        pending.append((row_no, row, rec))
        if len(pending) >= CHUNK:
            flush()
            if progress:
                if estimate is None:
                    estimate = _estimate_rows(db, sample_bytes, total)
                progress(total, max(estimate or 0, total))
    flush()
    return total, imported, missing


def _dedupe_key(rec: tuple, plan: Plan) -> tuple:
    return (*(rec[i] for _, i in plan.scope_fields), rec[plan.key_at])


def _existing(session: Session, spec: ImportSpec, plan: Plan, recs: list[tuple]) -> dict:
    """Keys of `recs` the table already holds in their scope → the upload each came from."""
    key, table, upload = spec.unique.key, spec.table.name, spec.upload_column
    if not plan.scope_fields:
        return existing_keys(session, table, key, upload, plan.scope, [rec[plan.key_at] for rec in recs])
    groups: dict[tuple, list] = {}
    for rec in recs:
        groups.setdefault(tuple(rec[i] for _, i in plan.scope_fields), []).append(rec[plan.key_at])
    found: dict = {}
    for values, keys in groups.items():
        scope = plan.scope + [(column, value) for (column, _), value in zip(plan.scope_fields, values)]
        found.update({(*values, k): u for k, u in existing_keys(session, table, key, upload, scope, keys).items()})
    return found


def purge_abandoned_uploads(session: Session, *, older_than=None) -> int:
    """Uploads left waiting for a column mapping hold the original file (which
    may contain bank-account numbers): after a day they expire and the file goes."""
    from datetime import timedelta

    cutoff = utcnow() - (older_than or timedelta(days=1))
    stale = session.scalars(
        select(CustomerDatabase)
        .where(CustomerDatabase.status.in_(_WAITING), CustomerDatabase.uploaded_at < cutoff)
        .limit(500)
    ).all()
    for db in stale:
        mark_failed(session, db.id, ValidationFailed(N_("The upload expired before its columns were mapped. Please upload it again.")))
    return len(stale)


def delete_stored_file(db: CustomerDatabase) -> None:
    if db.stored_path:
        Path(db.stored_path).unlink(missing_ok=True)

"""Customer databases: upload → inspect → map columns → import → report/revert.

The pipeline is shared by every upload of customer-like rows (customer
databases now, special lists later: `kind`).
"""

from __future__ import annotations

import csv
import os
import re
import uuid
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _json_str  # the C implementation
from pathlib import Path
from typing import BinaryIO, Callable

from sqlalchemy import case, delete, exists, func, select, update
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.i18n import N_, translator
from crm.models import CustomerDatabase, CustomerRecord, Product, Role, User
from crm.services.actor import Actor, require_role
from crm.services import audit, products
from crm.services.errors import Conflict, DomainError, NotFound, ValidationFailed
from crm.services.exports import safe_cell
from crm.services.pagination import Page, paginate
from crm.services.phones import normalize_phone
from crm.services.imports.tabular import ALLOWED_EXTENSIONS, open_table, preview, sniff_format
from crm.services.text_search import LIKE_ESCAPE, contains

Progress = Callable[[int, int], None]

USERNAME_MAX = 100
NAME_MAX = 200
CHUNK = 5000

REJECT_REASONS: dict[str, str] = {
    "missing_username": N_("Missing username"),
    "username_too_long": N_("Username too long"),
    "bad_phone": N_("Invalid phone number"),
    "duplicate_in_file": N_("Duplicate in the file"),
    "already_in_product": N_("Already in this product"),
}

audit.register_action("database.upload", N_("Database uploaded"))
audit.register_action("database.import", N_("Database imported"))
audit.register_action("database.revert", N_("Import reverted"))

# --- column recognition -----------------------------------------------------------

_ADMINS_ONLY = N_("Only admins can upload databases.")


def _norm_header(h: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (h or "").lower())


_SYNONYMS = {
    "username": ["username", "user", "userid", "usernames", "idusername", "useridlogin", "iduser", "login", "akun", "idakun",
                 "memberid", "idmember", "member", "userlogin", "namaakun", "usernamemember", "id"],
    "name": ["name", "nama", "namalengkap", "fullname", "customername", "namapelanggan", "namamember", "namacustomer",
             "pelanggan", "customer", "nasabah", "namanasabah"],
    "phone": ["phone", "phonenumber", "nohp", "nomorhp", "hp", "handphone", "whatsapp", "wa", "nowa", "nomorwa", "telepon",
              "telp", "notelp", "notelepon", "nomortelepon", "mobile", "mobilephone", "nohandphone", "kontak", "contact", "nomor"],
}


def is_bank_column(header: str) -> bool:
    """Bank-account numbers (rekening) are never stored or shown. Recognised by
    the header's words: a word starting with "rek" (rek, rekening, rek_bca,
    norek), IBAN, a bank word with a number or account word (no bank, bank
    account, akun bank), or an account word with a number word (acc no)."""
    words = [w for w in re.split(r"[^a-z0-9]+", (header or "").lower()) if w]
    if not words:
        return False
    joined = "".join(words)
    if any(w.startswith(("rek", "norek", "nomorrek", "nomerrek")) for w in words) or "iban" in words:
        return True
    if joined in {"accno", "acctno", "accountno", "accountnumber", "bankaccount", "banknumber", "norekening"}:
        return True
    bank = any(w.startswith("bank") for w in words)
    account = any(w in ("acc", "acct", "account") for w in words)
    number = any(w in ("no", "nomor", "nomer", "number", "num", "nr") for w in words)
    return (bank and (number or account or "akun" in words)) or (account and number)


_DIGITS = re.compile(r"^[0-9][0-9 .-]{8,22}$")


def looks_like_bank_numbers(values: list[str]) -> bool:
    """A column of mostly 10–18-digit numbers that are not phone numbers (from
    the preview rows): treated as bank accounts whatever its header says."""
    filled = [v for v in values if v]
    if len(filled) < 2:
        return False
    hits = 0
    for v in filled:
        digits = re.sub(r"[ .-]", "", v)
        if _DIGITS.match(v) and 10 <= len(digits) <= 18 and normalize_phone(v) is None:
            hits += 1
    return hits / len(filled) >= 0.6


def suggest_mapping(headers: list[str]) -> dict[str, str | None]:
    normed = [(_norm_header(h), h) for h in headers if not is_bank_column(h)]
    result: dict[str, str | None] = {}
    used: set[str] = set()
    for target in ("username", "phone", "name"):
        choice = None
        for syn in _SYNONYMS[target]:
            for n, h in normed:
                if n == syn and h not in used:
                    choice = h
                    break
            if choice:
                break
        if choice is None:  # looser: contains
            for n, h in normed:
                if h in used:
                    continue
                if any(s in n for s in _SYNONYMS[target][:3]):
                    choice = h
                    break
        if choice:
            used.add(choice)
        result[target] = choice
    return result


# --- upload and inspection ------------------------------------------------------------


def get_database(session: Session, database_id: int, kind: str | None = None) -> CustomerDatabase:
    db = session.get(CustomerDatabase, database_id)
    if db is None or (kind and db.kind != kind):
        raise NotFound(N_("This database does not exist."))
    return db


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
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
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
    info, rows = preview(Path(db.stored_path), db.file_format, n=10)
    db.encoding, db.delimiter = info.encoding, info.delimiter
    db.headers = list(info.headers)
    dropped = [h for i, h in enumerate(info.headers) if is_bank_column(h) or looks_like_bank_numbers([r[i] for r in rows])]
    db.dropped_columns = dropped
    # The preview never holds bank-account values.
    db.preview = [["" if h in dropped else row[i] for i, h in enumerate(info.headers)] for row in rows]
    db.mapping = {"suggested": suggest_mapping([h for h in info.headers if h not in dropped])}
    db.status = CustomerDatabase.MAPPING
    session.flush()
    return db


def mark_failed(session: Session, database_id: int, error: Exception) -> None:
    """After a failed job (already rolled back): record why, remove partial files."""
    db = session.get(CustomerDatabase, database_id)
    if db is None or db.status not in (CustomerDatabase.UPLOADED, CustomerDatabase.INSPECTING, CustomerDatabase.MAPPING,
                                       CustomerDatabase.IMPORTING):
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


@dataclass
class Mapping:
    username: str
    name: str | None = None
    phone: str | None = None


def confirm_mapping(session: Session, *, actor: Actor, database_id: int, mapping: Mapping) -> CustomerDatabase:
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    db = get_database(session, database_id)
    if db.status != CustomerDatabase.MAPPING:
        raise Conflict(N_("This upload is not waiting for a column mapping."))
    headers = set(db.headers)
    if not mapping.username:
        raise ValidationFailed(N_("Choose the column that holds the username."), field="username")
    chosen = [c for c in (mapping.username, mapping.name, mapping.phone) if c]
    for col in chosen:
        if col not in headers:
            raise ValidationFailed(N_("Unknown column %(col)s."), col=col)
        if col in (db.dropped_columns or []) or is_bank_column(col):
            raise ValidationFailed(N_("Bank-account columns are never imported."), field="username")
    if len(set(chosen)) != len(chosen):
        raise ValidationFailed(N_("Each field needs its own column."), field="username")
    # Only one confirmation wins (a double submit must not start two imports).
    claimed = session.execute(
        update(CustomerDatabase)
        .where(CustomerDatabase.id == db.id, CustomerDatabase.status == CustomerDatabase.MAPPING)
        .values(status=CustomerDatabase.IMPORTING,
                mapping={**(db.mapping or {}), "username": mapping.username, "name": mapping.name, "phone": mapping.phone})
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise Conflict(N_("This upload is not waiting for a column mapping."))
    session.refresh(db)
    return db


# --- the import -----------------------------------------------------------------------


def _rejected_path(reject_dir: Path, db: CustomerDatabase) -> Path:
    reject_dir.mkdir(parents=True, exist_ok=True)
    return reject_dir / f"database-{db.id}-rejected.csv"


IMPORT_LOCK = 7202  # advisory lock namespace: imports per product (PostgreSQL)
_INSERT_COLUMNS = ("product_id", "database_id", "username", "name", "phone", "extra", "ever_assigned")


def _bulk_insert(session: Session, rows: list[tuple]) -> None:
    """Insert plain tuples through the driver: COPY on PostgreSQL, executemany
    on SQLite. The ORM's per-row bookkeeping would cost more than the database."""
    conn = session.connection()
    dbapi = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY customer_records ({', '.join(_INSERT_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        cur = dbapi.cursor()
        try:
            cur.executemany(
                f"INSERT INTO customer_records ({', '.join(_INSERT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
            )
        finally:
            cur.close()


def _existing_usernames(session: Session, product_id: int, names: list[str]) -> dict[str, int]:
    """Which of `names` the product already holds, with the database each came
    from (one indexed lookup per chunk)."""
    conn = session.connection()
    cur = conn.connection.driver_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            cur.execute("SELECT username, database_id FROM customer_records WHERE product_id = %s AND username = ANY(%s)",
                        (product_id, names))
            return dict(cur.fetchall())
        found: dict[str, int] = {}
        for start in range(0, len(names), 30000):
            part = names[start:start + 30000]
            cur.execute(
                f"SELECT username, database_id FROM customer_records WHERE product_id = ? AND username IN ({','.join('?' * len(part))})",
                (product_id, *part),
            )
            found.update(cur.fetchall())
        return found
    finally:
        cur.close()


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
    m = db.mapping
    reject_file = _rejected_path(reject_dir, db)
    counts = {k: 0 for k in REJECT_REASONS}
    imported = total = missing_phone = 0
    product_id, db_id = db.product_id, db.id
    is_pg = session.get_bind().dialect.name == "postgresql"
    # Duplicates inside the file: this chunk's usernames here; earlier chunks are
    # already inserted and found by the database lookup (with this import's id),
    # so memory stays flat whatever the file size.
    seen: set[str] = set()
    quote = _json_str
    normalize = normalize_phone
    # The stored file passed the spreadsheet safety scan when it was inspected.
    with open_table(Path(db.stored_path), db.file_format, checked=True) as table, \
            open(reject_file, "w", newline="", encoding="utf-8-sig") as rf:
        headers = table.info.headers
        idx = {h: i for i, h in enumerate(headers)}
        ucol = idx[m["username"]]
        ncol = idx.get(m.get("name") or "")
        pcol = idx.get(m.get("phone") or "")
        dropped_names = set(db.dropped_columns or [])
        dropped = {i for i, h in enumerate(headers) if h in dropped_names or is_bank_column(h)}
        visible = [i for i in range(len(headers)) if i not in dropped]
        extra_cols = [(i, headers[i]) for i in visible if i not in (ucol, ncol, pcol)]
        # JSON of the extra fields, built from pre-quoted keys: the same result
        # as json.dumps, several times faster per row.
        extra_keys = [(i, quote(h) + ":") for i, h in extra_cols]
        writer = csv.writer(rf)
        # The reason in the uploader's language, beside its stable key.
        uploader = session.get(User, db.uploaded_by_id) if db.uploaded_by_id else None
        tr = translator(uploader.locale if uploader else None)
        reason_text = {key: tr(label) for key, label in REJECT_REASONS.items()}
        writer.writerow([safe_cell(headers[i]) for i in visible] + ["row", "reason", tr(N_("Reason"))])

        def reject(row_no: int, row: list[str], reason: str) -> None:
            counts[reason] += 1
            writer.writerow([safe_cell(row[i]) for i in visible] + [row_no, reason, reason_text[reason]])

        pending: list[tuple[int, list[str], tuple]] = []
        never_assigned = False if is_pg else 0

        def flush() -> None:
            nonlocal imported, missing_phone
            if not pending:
                return
            existing = _existing_usernames(session, product_id, [p[2][2] for p in pending])
            values = []
            for row_no, row, rec in pending:
                if existing and rec[2] in existing:
                    reject(row_no, row, "duplicate_in_file" if existing[rec[2]] == db_id else "already_in_product")
                    continue
                if rec[4] is None:
                    missing_phone += 1
                values.append(rec)
            if values:
                _bulk_insert(session, values)
                imported += len(values)
            pending.clear()
            seen.clear()

        row_no = 1
        estimate: int | None = None
        sample_bytes = 0
        for row in table.rows():
            row_no += 1
            total += 1
            if total <= 1000:  # for a progress estimate: text bytes per row
                sample_bytes += sum(map(len, row)) + len(row)
            username = row[ucol].lower()  # cells come stripped
            if not username:
                reject(row_no, row, "missing_username")
                continue
            if len(username) > USERNAME_MAX:
                reject(row_no, row, "username_too_long")
                continue
            phone = None
            if pcol is not None and row[pcol]:
                phone = normalize(row[pcol])
                if phone is None:
                    reject(row_no, row, "bad_phone")
                    continue
            if username in seen:
                reject(row_no, row, "duplicate_in_file")
                continue
            seen.add(username)
            extra = ",".join([k + quote(row[i]) for i, k in extra_keys if row[i]])
            pending.append((row_no, row, (
                product_id, db_id, username,
                row[ncol][:NAME_MAX] if ncol is not None else "",
                phone,
                "{" + extra + "}",
                never_assigned,
            )))
            if len(pending) >= CHUNK:
                flush()
                if progress:
                    if estimate is None:
                        estimate = _estimate_rows(db, sample_bytes, total)
                    progress(total, max(estimate or 0, total))
        flush()
    session.expire_all()  # rows were written behind the ORM's back
    db = get_database(session, database_id)
    rejected = sum(counts.values())
    db.rows_total, db.rows_imported, db.rows_rejected = total, imported, rejected
    db.rejected_by_reason = {k: v for k, v in counts.items() if v}
    db.missing_phone = missing_phone
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


def can_revert(session: Session, db: CustomerDatabase) -> bool:
    """A finished import none of whose records has been handed out."""
    return db.status == CustomerDatabase.DONE and not session.scalar(
        select(exists().where(CustomerRecord.database_id == db.id, CustomerRecord.ever_assigned.is_(True))))


def revert_import(session: Session, *, actor: Actor, database_id: int) -> int:
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    db = get_database(session, database_id)
    if db.status != CustomerDatabase.DONE:
        raise Conflict(N_("Only a finished import can be reverted."))
    if not can_revert(session, db):
        raise Conflict(N_("Records of this import have already been handed out, so it cannot be reverted."))
    deleted = session.execute(
        delete(CustomerRecord).where(CustomerRecord.database_id == db.id, CustomerRecord.ever_assigned.is_(False))
    ).rowcount
    # An approval may have won the race for some rows: then nothing is reverted.
    if session.scalar(select(exists().where(CustomerRecord.database_id == db.id))):
        raise Conflict(N_("Records of this import have already been handed out, so it cannot be reverted."))
    db.status = CustomerDatabase.REVERTED
    session.flush()
    audit.record(session, actor=actor, action="database.revert", target=db, target_label=db.file_name,
                 before={"records": deleted}, after={"records": 0})
    return deleted


def purge_abandoned_uploads(session: Session, *, older_than=None) -> int:
    """Uploads left waiting for a column mapping hold the original file (which
    may contain bank-account numbers): after a day they expire and the file goes."""
    from datetime import timedelta

    cutoff = utcnow() - (older_than or timedelta(days=1))
    stale = session.scalars(
        select(CustomerDatabase)
        .where(CustomerDatabase.status.in_((CustomerDatabase.UPLOADED, CustomerDatabase.INSPECTING, CustomerDatabase.MAPPING,
                                            CustomerDatabase.IMPORTING)),
               CustomerDatabase.uploaded_at < cutoff)
        .limit(500)
    ).all()
    for db in stale:
        mark_failed(session, db.id, ValidationFailed(N_("The upload expired before its columns were mapped. Please upload it again.")))
    return len(stale)


def delete_stored_file(db: CustomerDatabase) -> None:
    if db.stored_path:
        Path(db.stored_path).unlink(missing_ok=True)


# --- overview, records and quality ----------------------------------------------------------


@dataclass
class Stats:
    records: int = 0
    available: int = 0
    assigned: int = 0
    wa_ada: int = 0
    wa_ceklis1: int = 0
    wa_tidak: int = 0
    responded: int = 0
    no_response: int = 0
    deposited: int = 0  # deposits arrive with the OMSET feature; counted from them then

    def add(self, other: "Stats") -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def wa_set(self) -> int:
        return self.wa_ada + self.wa_ceklis1 + self.wa_tidak

    @property
    def reach_rate(self) -> float | None:
        return self.wa_ada / self.wa_set if self.wa_set else None

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.wa_ada if self.wa_ada else None


def _stats_columns():
    r = CustomerRecord
    return (
        func.count(r.id),
        func.sum(case((r.assigned_to_id.is_(None), 1), else_=0)),
        func.sum(case((r.wa_status == "ada", 1), else_=0)),
        func.sum(case((r.wa_status == "ceklis1", 1), else_=0)),
        func.sum(case((r.wa_status == "tidak", 1), else_=0)),
        func.sum(case((r.respond_status == "ya", 1), else_=0)),
        func.sum(case((r.respond_status == "tidak", 1), else_=0)),
    )


def _row_stats(row) -> Stats:
    records, available, ada, c1, tidak, ya, no = (int(v or 0) for v in row)
    return Stats(records, available, records - available, ada, c1, tidak, ya, no)


def stats_by_database(session: Session, database_ids: list[int]) -> dict[int, Stats]:
    if not database_ids:
        return {}
    rows = session.execute(
        select(CustomerRecord.database_id, *_stats_columns())
        .where(CustomerRecord.database_id.in_(database_ids))
        .group_by(CustomerRecord.database_id)
    ).all()
    return {row[0]: _row_stats(row[1:]) for row in rows}


@dataclass
class ProductOverview:
    product: Product
    totals: Stats
    databases: list[tuple[CustomerDatabase, Stats]] = field(default_factory=list)


def overview(session: Session, *, kind: str = "customer", limit_per_product: int = 50) -> list[ProductOverview]:
    """A card per database (newest first, bounded) with per-product totals."""
    result = []
    for product in products.list_products(session):
        dbs = list(session.scalars(
            select(CustomerDatabase)
            .where(CustomerDatabase.product_id == product.id, CustomerDatabase.kind == kind)
            .order_by(CustomerDatabase.uploaded_at.desc(), CustomerDatabase.id.desc())
            .limit(limit_per_product)
        ))
        stats = stats_by_database(session, [d.id for d in dbs])
        totals_row = session.execute(
            select(*_stats_columns()).join(CustomerDatabase, CustomerDatabase.id == CustomerRecord.database_id)
            .where(CustomerRecord.product_id == product.id, CustomerDatabase.kind == kind)
        ).one()
        result.append(ProductOverview(product, _row_stats(totals_row), [(d, stats.get(d.id, Stats())) for d in dbs]))
    return result


def list_records(session: Session, *, database_id: int, q: str = "", page: int | None = 1, per_page: int = 50) -> Page:
    stmt = select(CustomerRecord).where(CustomerRecord.database_id == database_id).order_by(CustomerRecord.id)
    q = (q or "").strip().lower()
    if q:
        like = contains(q)
        stmt = stmt.where(CustomerRecord.username.like(like, escape=LIKE_ESCAPE) | func.lower(CustomerRecord.name).like(like, escape=LIKE_ESCAPE)
                          | CustomerRecord.phone.like(like, escape=LIKE_ESCAPE))
    return paginate(session, stmt, page, per_page)


@dataclass
class Quality:
    rows_total: int
    imported: int
    missing_phone: int
    invalid_phone: int
    duplicates_in_file: int
    already_in_product: int
    missing_username: int
    stats: Stats

    @property
    def phone_problems(self) -> int:
        return self.missing_phone + self.invalid_phone


def quality(session: Session, db: CustomerDatabase) -> Quality:
    stats = stats_by_database(session, [db.id]).get(db.id, Stats())
    r = db.rejected_by_reason or {}
    return Quality(
        rows_total=db.rows_total,
        imported=db.rows_imported,
        missing_phone=db.missing_phone,
        invalid_phone=r.get("bad_phone", 0),
        duplicates_in_file=r.get("duplicate_in_file", 0),
        already_in_product=r.get("already_in_product", 0),
        missing_username=r.get("missing_username", 0),
        stats=stats,
    )

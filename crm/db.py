"""Database wiring: declarative Base, engines, the per-request session and
session_scope() for jobs and the CLI.

Nothing here builds a Flask app. The request-scoped helper imports flask lazily.
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, timezone
from typing import Callable, Iterator

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-32000")  # 32 MB of page cache: the big indexes stay warm
    cur.close()


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # SQLite: take the write lock at BEGIN so a transaction that reads then
        # writes (e.g. hand out records) is a single writer from its start.
        # Read-only work (GET pages) begins DEFERRED instead: with WAL it reads
        # a snapshot and never waits behind a long import.
        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            deferred = conn.get_execution_options().get("sqlite_begin") == "deferred"
            # Straight on the sqlite3 connection: BEGIN returns no rows and
            # needs none of the statement machinery (every request runs it).
            conn.connection.driver_connection.execute("BEGIN" if deferred else "BEGIN IMMEDIATE")

        _watch_writes(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    _watch_writes(engine)
    return engine


_READS = ("SELECT", "PRAGMA", "SHOW", "SAVEPOINT", "RELEASE", "ROLLBACK TO")


def _watch_writes(engine: Engine) -> None:
    """Mark a connection's transaction as having written when a statement other
    than a read runs on it (INSERT/UPDATE/DELETE, Core or ORM, or any text
    statement that is not a read), whichever way it was issued; close_session
    commits a GET's transaction only without such a mark."""

    @event.listens_for(engine, "before_cursor_execute")
    def _mark(conn, _cursor, statement, _parameters, context, _executemany):
        if context is not None and context.compiled is not None and not context.is_text:
            if context.isinsert or context.isupdate or context.isdelete:
                conn.info["wrote"] = True
        elif not statement.lstrip()[:11].upper().startswith(_READS):
            conn.info["wrote"] = True  # text(), exec_driver_sql: judged by the statement


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# --- jobs and CLI ---------------------------------------------------------

_job_factory: Callable[[], Session] | None = None
_job_engine: Engine | None = None


def set_job_session_factory(factory: Callable[[], Session] | None) -> None:
    """Used by the app factory (CLI) and tests to point jobs at a database."""
    global _job_factory
    _job_factory = factory


def _default_job_factory() -> Session:
    global _job_engine
    if _job_engine is None:
        from crm.config import default_database_url

        _job_engine = make_engine(default_database_url(os.environ))
    return Session(_job_engine, expire_on_commit=False)


@contextlib.contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work for a job or a CLI command: commit on success."""
    session = (_job_factory or _default_job_factory)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# --- web requests ---------------------------------------------------------


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    from flask import current_app, g

    if "db_session" not in g:
        from flask import request

        session = current_app.extensions["crm_session_factory"]()
        if request and request.method in ("GET", "HEAD"):
            # Reads don't queue behind a writer on SQLite (no effect on PostgreSQL).
            session.connection(execution_options={"sqlite_begin": "deferred"})
        g.db_session = session
    return g.db_session


def release_session() -> None:
    """End the request's transaction and give its connection back to the pool
    now, e.g. when a read-only page has all its data and only rendering is left
    (the queries run back to back, and the connection is not held while the
    template renders). Plain rows only: ORM objects of the session are
    detached. A later get_session() opens a fresh session."""
    close_session()


class WriteInReadOnlyRequest(RuntimeError):
    """A GET (or HEAD) request wrote to the database: a bug (GETs never write)."""


def close_session(exc=None) -> None:
    """Teardown: a GET's transaction is read-only and ends with COMMIT.

    For a transaction without writes COMMIT and ROLLBACK are the same, but
    psycopg forgets every prepared statement of the connection on ROLLBACK, so
    ending read-only requests that way would keep PostgreSQL from ever reusing
    the plans of the hot queries. A GET that wrote anything (a statement that
    is not a read, however issued, or pending ORM changes) is rolled back and
    reported: logged as an error, and raised when the app's
    CRM_GET_WRITES is "raise" (the test suite), so such a bug fails the tests.
    Other methods' uncommitted work is rolled back."""
    from flask import current_app, g, has_request_context, request

    session = g.pop("db_session", None)
    if session is None:
        return
    violation = None
    try:
        if exc is None and session.in_transaction() and has_request_context() and request.method in ("GET", "HEAD"):
            if session.new or session.dirty or session.deleted or session.connection().info.get("wrote"):
                violation = f"{request.method} {request.path} ({request.endpoint}) wrote to the database"
            else:
                session.commit()
    finally:
        session.close()
    if violation:
        current_app.logger.error("read-only request violated: %s; rolled back", violation)
        if current_app.config.get("CRM_GET_WRITES") == "raise":
            raise WriteInReadOnlyRequest(violation)


def _transaction_begins(session: Session, transaction, connection) -> None:
    if not transaction.nested:
        connection.info.pop("wrote", None)  # the mark of _watch_writes counts from here


event.listen(Session, "after_begin", _transaction_begins)


def is_postgresql(session: Session) -> bool:
    """PostgreSQL (row locks, advisory locks, COPY) rather than SQLite's single writer."""
    return session.get_bind().dialect.name == "postgresql"

"""The chunk inserter: plain tuples straight through the driver, and the
existing-key lookup of a duplicate scope.

PostgreSQL gets COPY, SQLite executemany: the ORM's per-row bookkeeping would
cost more than the database (see README "Benchmarks"). Table and column names
come from an ImportSpec, never from a file.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

_SQLITE_VARIABLES = 30000  # below SQLite's limit of host parameters per statement


def for_driver(session: Session, values: tuple) -> tuple:
    """Fixed values as the driver binds them fastest: sqlite3 binds an int
    directly but looks up an adapter for every bool (measured: +40 % on an
    executemany of 100,000 rows). PostgreSQL's COPY takes them as they are."""
    if session.get_bind().dialect.name == "postgresql":
        return values
    return tuple(int(v) if type(v) is bool else v for v in values)


def bulk_insert(session: Session, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    conn = session.connection()
    dbapi = conn.connection.driver_connection
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        cur = dbapi.cursor()
        try:
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
        finally:
            cur.close()


def existing_keys(
    session: Session, table: str, key: str, upload_column: str, scope: Sequence[tuple[str, object]], keys: list
) -> dict:
    """Which of `keys` the table already holds where every (column, value) of
    `scope` matches, each with the upload it came from (one indexed lookup)."""
    conn = session.connection()
    cur = conn.connection.driver_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            where = "".join(f"{column} = %s AND " for column, _ in scope)
            cur.execute(f"SELECT {key}, {upload_column} FROM {table} WHERE {where}{key} = ANY(%s)",
                        (*(value for _, value in scope), keys))
            return dict(cur.fetchall())
        where = "".join(f"{column} = ? AND " for column, _ in scope)
        found: dict = {}
        for start in range(0, len(keys), _SQLITE_VARIABLES):
            part = keys[start:start + _SQLITE_VARIABLES]
            cur.execute(
                f"SELECT {key}, {upload_column} FROM {table} WHERE {where}{key} IN ({','.join('?' * len(part))})",
                (*(value for _, value in scope), *part),
            )
            found.update(cur.fetchall())
        return found
    finally:
        cur.close()

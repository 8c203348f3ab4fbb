"""Test wiring.

- One database per test session: a temporary SQLite file, or — when
  TEST_DATABASE_URL / DATABASE_URL is PostgreSQL — a fresh database created on
  that server (and dropped afterwards). The demo database is never touched.
- Schema from `alembic upgrade head`.
- Each test runs inside a transaction rolled back at the end (`db`); tests that
  need other processes to see their data use `live_db` (committed, wiped after).
- Redis: REDIS_URL when set, else an embedded redis-server for the session.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="crm-tests-"))
os.environ["CRM_INSTANCE_PATH"] = str(_TMP / "instance")
os.environ["CRM_EXPORT_DIR"] = str(_TMP / "exports")
os.environ.setdefault("SECRET_KEY", "tests-" + uuid.uuid4().hex)
RUN_ID = uuid.uuid4().hex[:8]
os.environ["CRM_QUEUE"] = f"crm-test-{RUN_ID}"

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from crm import db as crm_db  # noqa: E402
from crm.models import Base, Role, User  # noqa: E402
from crm.models.accounts import new_auth_token  # noqa: E402

PASSWORD = "password123"


def _make_database() -> tuple[str, callable]:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"{base.database or 'crm'}_test_{RUN_ID}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()

        return base.set(database=name).render_as_string(hide_password=False), drop
    return f"sqlite:///{_TMP / 'test.sqlite3'}", lambda: None


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    cfg.attributes["url"] = url
    cfg.attributes["skip_logging"] = True
    return cfg


@pytest.fixture(scope="session")
def database_url():
    from alembic import command

    url, drop = _make_database()
    os.environ["DATABASE_URL"] = url  # worker subprocesses inherit it
    command.upgrade(alembic_config(url), "head")
    yield url
    if crm_db._job_engine is not None:  # opened by jobs called in this process
        crm_db._job_engine.dispose()
    crm_db._job_engine = None
    drop()


@pytest.fixture(scope="session")
def engine(database_url):
    eng = crm_db.make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    proc = None
    if not url:
        from crm import embedded_redis

        proc, url = embedded_redis.start(_TMP / "redis")
        os.environ["REDIS_URL"] = url
    yield url
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def db(engine):
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()

    def factory():
        return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

    session = factory()
    crm_db.set_job_session_factory(factory)
    try:
        yield session
    finally:
        crm_db.set_job_session_factory(None)
        session.close()
        transaction.rollback()
        connection.close()


def wipe(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def live_db(engine):
    """Committed data, visible to other processes; every table is emptied afterwards."""
    wipe(engine)
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        wipe(engine)


def _app(redis_url, session_factory=None, **overrides):
    from crm import create_app

    config = {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": f"crm-test-{uuid.uuid4().hex[:8]}",
        "CRM_QUEUE": os.environ["CRM_QUEUE"],
        "CRM_GET_WRITES": "raise",  # a write inside a GET fails the test
    }
    if session_factory is not None:
        config["SESSION_FACTORY"] = session_factory
    config.update(overrides)
    return create_app(config)  # a fresh RATELIMIT_KEY_PREFIX: fresh login counters


@pytest.fixture
def app_factory(db, redis_url):
    connection = db.get_bind()

    def make(**overrides):
        return _app(
            redis_url,
            lambda: Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False),
            **overrides,
        )

    return make


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_app(live_db, database_url, redis_url):
    app = _app(redis_url, DATABASE_URL=database_url)
    yield app
    dispose(app)


def dispose(app) -> None:
    """Close the pool of an app built on its own engine (no leaked connections)."""
    engine = app.extensions.get("crm_engine")
    if engine is not None:
        engine.dispose()


# --- factories ------------------------------------------------------------------

_HASH: dict[str, str] = {}


def _password_hash(password: str) -> str:
    if password not in _HASH:
        from crm.services.accounts.users import hash_password

        _HASH[password] = hash_password(password)
    return _HASH[password]


def make_user(db, role: str | Role = "staff", *, email=None, name=None, active=True, locale=None, password=PASSWORD) -> User:
    role = Role(role)
    n = uuid.uuid4().hex[:8]
    user = User(
        email=email or f"{role.value}-{n}@test.local",
        name=name or f"{role.value.title()} {n}",
        password_hash=_password_hash(password),
        role=role.value,
        active=active,
        locale=locale or ("id" if role is Role.STAFF else "en"),
        auth_token=new_auth_token(),
    )
    db.add(user)
    db.flush()
    return user


def login(client, user: User, password: str = PASSWORD, remember: bool = False):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 303, response.data[:500]
    return response


@pytest.fixture
def users(db):
    """One of each role, plus a second master admin."""
    return {
        "staff": make_user(db, "staff"),
        "admin": make_user(db, "admin"),
        "master_admin": make_user(db, "master_admin"),
        "master2": make_user(db, "master_admin"),
    }


def make_product(db, name=None, **kw):
    from crm.models import Product

    product = Product(name=name or f"Product {uuid.uuid4().hex[:6]}", **kw)
    db.add(product)
    db.flush()
    return product


def make_records(db, product, n: int, *, prefix=None, database=None, phone=True):
    """A finished customer database of `n` records (fast, without a file)."""
    from sqlalchemy import insert

    from crm.models import CustomerDatabase, CustomerRecord

    if database is None:
        database = CustomerDatabase(product_id=product.id, name="seed", file_name="seed.csv", file_format="csv",
                                    status=CustomerDatabase.DONE, rows_total=n, rows_imported=n)
        db.add(database)
        db.flush()
    prefix = prefix or uuid.uuid4().hex[:6]
    db.execute(insert(CustomerRecord), [
        {"product_id": product.id, "database_id": database.id, "username": f"{prefix}-{i:06d}", "name": f"Cust {i}",
         "phone": f"62812{i:08d}" if phone else None, "extra": {}, "ever_assigned": False}
        for i in range(n)
    ])
    db.flush()
    return database

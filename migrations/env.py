"""Alembic environment: reads DATABASE_URL (or the -x url=…) without building an app."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from crm.config import default_database_url
from crm.db import make_engine
from crm.models import Base

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or config.attributes.get("url") or default_database_url()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _include_object(dialect_name: str):
    """Objects declared for some dialects only (info={"dialects": (...)})."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        dialects = getattr(obj, "info", {}).get("dialects") if obj is not None else None
        return not dialects or dialect_name in dialects

    return include


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

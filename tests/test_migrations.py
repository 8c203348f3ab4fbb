"""Models and migrations agree, on whichever database the suite runs on."""

from alembic import command
from sqlalchemy import inspect

from tests.conftest import alembic_config


def test_upgrade_head_then_check(database_url, engine):
    cfg = alembic_config(database_url)
    command.upgrade(cfg, "head")  # idempotent on an upgraded database
    command.check(cfg)  # raises if autogenerate would produce operations
    assert "users" in inspect(engine).get_table_names()

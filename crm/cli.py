"""`flask --app wsgi <command>`: operations from the shell."""

from __future__ import annotations

import click
from flask import Flask, current_app

from crm.services.errors import DomainError


def _session():
    return current_app.extensions["crm_session_factory"]()


def init_app(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", required=True, type=click.Choice(["staff", "admin", "master_admin"]))
    @click.option("--password", required=True)
    def create_user(email, name, role, password):
        """Create a user and print its id."""
        from crm.services.accounts.users import create_user as create

        with _session() as session:
            try:
                user = create(session, actor=None, email=email, name=name, password=password, role=role)
                session.commit()
            except DomainError as exc:
                session.rollback()
                raise click.ClickException(str(exc)) from None
            click.echo(user.id)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Idempotent demo data: users and products. Prints the logins."""
        from crm.services.demo import DEMO_PASSWORD, seed

        with _session() as session:
            logins = seed(session)
            session.commit()
        click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for role, email, name in logins:
            click.echo(f"  {role:<13} {email:<28} {name}")

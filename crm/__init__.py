"""Sales CRM. create_app() is wiring only."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from crm.config import load_config
    from crm.db import close_session, make_engine, make_session_factory

    settings = load_config()
    settings.update(config or {})
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    from crm.web.templating import Environment

    app.jinja_environment = Environment  # before anything touches app.jinja_env
    app.config.update(settings)
    from crm.web.sessions import VerifiedCookieSessionInterface

    app.session_interface = VerifiedCookieSessionInterface()

    factory = app.config.get("SESSION_FACTORY")
    if factory is None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["crm_engine"] = engine
        factory = make_session_factory(engine)
    app.extensions["crm_session_factory"] = factory
    app.teardown_request(close_session)  # sees the request (GET ends with COMMIT)
    app.teardown_appcontext(close_session)  # app-context-only use (CLI)

    from crm import web

    web.init_app(app)
    return app

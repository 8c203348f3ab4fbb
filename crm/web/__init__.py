"""Request-time wiring: extensions, access, locale, headers, errors, blueprints."""

from __future__ import annotations

from flask import Flask, make_response
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from crm.web.extensions import babel, csrf, login_manager
from crm.web.i18n import select_locale, select_timezone


def init_app(app: Flask) -> None:
    from crm.web.access import enforce_access
    from crm.blueprints import register_blueprints
    from crm.db import get_session
    from crm.services.accounts.auth import load_by_token

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    from crm.web import throttle

    throttle.init_app(app)

    @login_manager.user_loader
    def _load_user(token: str):
        return load_by_token(get_session(), token)

    app.before_request(enforce_access)
    register_blueprints(app)

    from crm.web import templating

    templating.init_app(app)
    _security_headers(app)
    _error_handlers(app)
    from crm import cli

    cli.init_app(app)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if app.config["CRM_HTTPS"]:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
            # Pages with customer data must never be cached by the browser or the service worker.
            h.setdefault("Cache-Control", "no-store")
        return response


def _error_handlers(app: Flask) -> None:
    from crm.web.htmx import render

    def page(status: int, title: str, message: str):
        return render("errors/error.html", block="content", status=status, title=title, message=message)

    @app.errorhandler(400)
    def _bad_request(e):
        return page(400, gettext("Bad request"), gettext("The request could not be understood. Please go back and try again."))

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return page(400, gettext("Session expired"), gettext("The form was missing its security token. Please reload the page and try again."))

    @app.errorhandler(403)
    def _forbidden(e):
        return page(403, gettext("Not allowed"), gettext("You do not have access to this page."))

    @app.errorhandler(404)
    def _not_found(e):
        return page(404, gettext("Not found"), gettext("This page does not exist, or you cannot see it."))

    @app.errorhandler(405)
    def _method(e):
        return page(405, gettext("Not allowed"), gettext("This action is not available here."))

    @app.errorhandler(413)
    def _too_large(e):
        return page(413, gettext("File too large"), gettext("The upload is larger than allowed."))

    @app.errorhandler(429)
    def _too_many(e):
        response = make_response(page(429, gettext("Too many attempts"), gettext("Too many attempts. Please wait a minute and try again.")))
        if getattr(e, "retry_after", None):
            response.headers["Retry-After"] = str(e.retry_after)
        return response

    @app.errorhandler(500)
    def _error(e):
        return page(500, gettext("Something went wrong"), gettext("An unexpected error happened. It has been logged; please try again."))

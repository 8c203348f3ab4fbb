"""Jinja globals and filters: sidebar, theme, money, dates, messages."""

from __future__ import annotations

from flask import Flask, g, request, url_for
from flask_babel import format_datetime, get_locale, gettext
from flask_login import current_user

from crm.i18n import LOCALE_NAMES


def rupiah(amount) -> str:
    """Rp 1.234.567 (Indonesian grouping), whole rupiah."""
    if amount is None:
        return "Rp 0"
    value = int(round(float(amount)))
    sign = "-" if value < 0 else ""
    return f"{sign}Rp {abs(value):,}".replace(",", ".")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["datetime"] = lambda dt, fmt="medium": format_datetime(dt, fmt) if dt else ""
    def msg(message, params=None) -> str:
        """Translate a service msgid (with its params) in the reader's language."""
        return gettext(message, **(params or {})) if message else ""

    app.jinja_env.globals["msg"] = msg

    def status_label(field: str, value: str | None) -> str:
        """WhatsApp / respond status as staff call it ("ada", "ceklis1" stay as is)."""
        if not value:
            return "–"
        labels = {("wa", "tidak"): gettext("no WA"), ("respond", "ya"): gettext("replied"), ("respond", "tidak"): gettext("no reply")}
        return labels.get((field, value), value)

    def role_label(role: str) -> str:
        return {"staff": gettext("Staff"), "admin": gettext("Admin"), "master_admin": gettext("Master admin")}.get(role, role)

    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.filters["msg"] = msg

    @app.context_processor
    def _globals():
        def sidebar():
            if not current_user.is_authenticated:
                return []
            if "sidebar" not in g:  # the layout shows it twice (phone menu, desktop sidebar)
                from crm.db import get_session
                from crm.services.sidebar import sidebar_for

                g.sidebar = sidebar_for(get_session(), current_user.role_enum)
            return g.sidebar

        theme = request.cookies.get("theme")
        return {
            "sidebar": sidebar,
            "theme": theme if theme in ("light", "dark") else "auto",
            "current_locale": str(get_locale() or "id"),
            "locale_names": LOCALE_NAMES,
            "page_url": _page_url,
        }


def _page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {}), **args)

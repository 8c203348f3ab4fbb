"""Jinja globals and filters: sidebar, theme, money, dates, messages."""

from __future__ import annotations

import functools
from collections import ChainMap
from urllib.parse import urlencode

from flask import Flask, current_app, g, render_template, request, session, url_for
from flask.templating import Environment as FlaskEnvironment
from flask_babel import format_datetime, get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

from crm.i18n import LOCALE_NAMES
from crm.services.accounts.hierarchy import ROLE_LABELS
from crm.web.i18n import bound_gettext, request_catalog, set_page_catalog, template_gettext, template_msg, template_ngettext


class _TemplateGlobals(ChainMap):
    """A template's globals (its own over the environment's), as Jinja makes
    them, with fast key tests. On every {% from %} / {% import %} Jinja works
    out which globals of the importing template the imported one lacks (a set
    difference over these keys); through ChainMap's generic key view that took
    about 40 µs an import on this machine, a cost each page with macros paid
    again. Same mapping and semantics; `keys()` answers a plain set."""

    def __contains__(self, key) -> bool:
        for mapping in self.maps:
            if key in mapping:
                return True
        return False

    def keys(self):  # type: ignore[override]
        return set().union(*self.maps)


class Environment(FlaskEnvironment):
    """Flask's Jinja environment with faster template globals (see _TemplateGlobals)."""

    def make_globals(self, d):
        return _TemplateGlobals({} if d is None else d, self.globals)


def rupiah(amount) -> str:
    """Rp 1.234.567 (Indonesian grouping), whole rupiah."""
    if amount is None:
        return "Rp 0"
    value = int(round(float(amount)))
    sign = "-" if value < 0 else ""
    return f"{sign}Rp {abs(value):,}".replace(",", ".")


def csrf_token() -> str:
    """Flask-WTF's generate_csrf, with the signed form of a session's secret
    remembered per process: with no time limit configured (our setting) the
    signed token never expires, so signing it again on every page only costs."""
    app = current_app._get_current_object()
    field = app.config["WTF_CSRF_FIELD_NAME"]
    token = g.get(field)
    if token is not None:
        return token
    raw = session.get(field)
    if raw is None or app.config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()
    signed = app.extensions.setdefault("crm_signed_csrf", {})
    token = signed.get(raw)
    if token is None:
        token = generate_csrf()
        if len(signed) >= 10_000:
            signed.clear()
        signed[raw] = token
    else:
        setattr(g, field, token)
    return token


def init_app(app: Flask) -> None:
    # A global (not a context variable), so the pager macro is imported
    # without context and Jinja reuses the imported module.
    app.jinja_env.globals["page_url"] = _page_url
    # newstyle: {% trans %} blocks compile for it; then the callables are ours.
    app.jinja_env.install_gettext_callables(template_gettext, template_ngettext, newstyle=True)
    app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext, ngettext=template_ngettext)
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.globals["msg"] = template_msg

    from crm.services.records import statuses

    @pass_context
    def status_label(context, field: str, value: str | None) -> str:
        """A record's WhatsApp / respond status as staff call it, in the reader's
        language (the labels: crm.services.records.statuses; unset: "not set")."""
        return template_msg(context, statuses.label(field, value))

    @pass_context
    def role_label(context, role: str) -> str:
        """A role's name in the reader's language (the labels: crm.services.accounts.hierarchy)."""
        return template_msg(context, ROLE_LABELS[role]) if role in ROLE_LABELS else role

    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["record_statuses"] = statuses.FIELDS  # the vocabulary, for filters and toggles
    app.jinja_env.globals["role_label"] = role_label
    # Functions evaluated when called (per request), as globals so that macros
    # imported without context (which Jinja keeps per process) can call them.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["nav_html"] = nav_html
    app.jinja_env.filters["msg"] = template_msg

    @app.before_request
    def _no_page_catalog_yet():
        set_page_catalog(None)  # a worker thread's previous request set one

    @app.context_processor
    def _globals():
        theme = request.cookies.get("theme")
        catalog = request_catalog()
        set_page_catalog(catalog)
        return {
            "crm_catalog": catalog,  # the request's catalog, for msg() and ngettext() without another lookup
            "_": bound_gettext(catalog),
            "gettext": bound_gettext(catalog),
            "csrf_token": csrf_token,  # Flask-WTF's context processor would give generate_csrf (signs on every page)
            "theme": theme if theme in ("light", "dark") else "auto",
            "current_locale": str(get_locale() or "id"),
            "locale_names": LOCALE_NAMES,
        }


def _datetime(dt, fmt: str = "medium") -> str:
    """A date and time in the reader's language and time zone."""
    if not dt:
        return ""
    return _formatted(dt, fmt, get_locale(), get_timezone())


@functools.lru_cache(maxsize=4096)
def _formatted(dt, fmt: str, _locale, _zone) -> str:
    # Babel's formatting costs more than a whole table row; the same batch or
    # import date shows on every page view. Locale and zone are in the key and
    # are what format_datetime uses here.
    return format_datetime(dt, fmt)


def _page_url(page: int) -> str:
    """This page's URL with its query (filters) kept and another page number
    (the page's part of it worked out once per request: a pager asks twice)."""
    prefix = g.get("crm_page_url")
    if prefix is None:
        query = urlencode([(k, v) for k, v in request.args.items() if k != "page"])
        prefix = g.crm_page_url = f"{request.script_root}{request.path}?{query}{'&' if query else ''}page="
    return f"{prefix}{int(page)}"


_NAV_CACHE: dict[tuple, Markup] = {}
_NAV_CACHE_MAX = 512


def nav_html() -> Markup:
    """The sidebar links for the signed-in user (the layout shows them twice:
    phone menu and desktop sidebar).

    The configured entries are read on every page; the HTML is rendered once
    per role, language, layout and current page, then reused: a change by an
    admin changes the layout signature, so it shows on the next page view."""
    if not current_user.is_authenticated:
        return Markup("")
    if "nav_html" in g:
        return g.nav_html
    from crm.db import get_session
    from crm.services.sidebar.pages import PAGES
    from crm.services import sidebar

    rows = g.pop("nav_rows", None)
    if rows is None:
        rows = sidebar.entries(get_session())
    role = current_user.role_enum
    hrefs = _nav_hrefs()
    current = request.path if request.path in hrefs else None
    key = (role, str(get_locale()), request.script_root, current, len(PAGES), sidebar.signature(rows))
    html = _NAV_CACHE.get(key)
    if html is None:
        nodes = sidebar.sidebar_for(get_session(), role, rows)
        html = Markup(render_template("_partials/nav.html", nodes=nodes, current=current))
        if len(_NAV_CACHE) >= _NAV_CACHE_MAX:
            _NAV_CACHE.clear()
        _NAV_CACHE[key] = html
    g.nav_html = html
    return html


def load_nav(session) -> None:
    """Read the sidebar's entries now, with the page's other queries, so the
    page can release its database connection before rendering."""
    from crm.services import sidebar

    if current_user.is_authenticated and "nav_html" not in g:
        g.nav_rows = sidebar.entries(session)


def _nav_hrefs() -> frozenset[str]:
    from flask import current_app

    from crm.services.sidebar.pages import PAGES

    cache = current_app.extensions.setdefault("crm_nav_hrefs", {})
    key = (request.script_root, len(PAGES))
    hrefs = cache.get(key)
    if hrefs is None:
        hrefs = cache[key] = frozenset(url_for(p.endpoint) for p in PAGES)
    return hrefs

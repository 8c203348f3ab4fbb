"""Jinja globals and filters: sidebar, theme, money, dates, messages."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, render_template, request, session, url_for
from flask_babel import format_datetime, get_locale, get_timezone, get_translations, gettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

from crm.i18n import LOCALE_NAMES


def rupiah(amount) -> str:
    """Rp 1.234.567 (Indonesian grouping), whole rupiah."""
    if amount is None:
        return "Rp 0"
    value = int(round(float(amount)))
    sign = "-" if value < 0 else ""
    return f"{sign}Rp {abs(value):,}".replace(",", ".")


def request_translations():
    """The catalog of the current locale, remembered on the request.

    Flask-Babel resolves context, domain and locale on every call; templates
    call `_()` dozens of times a page. The remembered catalog is checked
    against the locale object in use, so `force_locale` still switches it."""
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    cached = getattr(ctx, "crm_translations", None)
    if cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    ctx = g.get("_flask_babel")
    if ctx is not None:
        ctx.crm_translations = (get_locale(), translations)
    return translations


_BOUND: dict[int, tuple[object, object]] = {}
_PLAIN_MAX = 5000


def _bound_gettext(translations):
    """`_()` for page templates, bound to this request's catalog (given to them
    by the context processor; macros imported without context use _gettext).
    Same semantics as _gettext. One per catalog: a call without parameters
    (most of a page's labels) is looked up, translated and formatted once."""
    bound = _BOUND.get(id(translations))
    if bound is not None and bound[0] is translations:
        return bound[1]
    ugettext = translations.ugettext
    plain: dict[tuple[str, bool], str] = {}

    @pass_context
    def _(context, message: str, **params) -> str:
        autoescape = context.eval_ctx.autoescape
        if not params:
            key = (message, autoescape)
            text = plain.get(key)
            if text is None:
                if len(plain) >= _PLAIN_MAX:
                    plain.clear()
                text = plain[key] = (Markup(ugettext(message)) if autoescape else ugettext(message)) % {}
            return text
        text = ugettext(message)
        if autoescape:
            text = Markup(text)
        return text % params

    _BOUND[id(translations)] = (translations, _)
    return _


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


@pass_context
def _gettext(context, message: str, **params) -> str:
    """Templates' `_()`/`gettext()`: Jinja's newstyle semantics (markup under
    autoescape, always %-formatted, so "%%" is a percent sign) in one call
    instead of three nested ones."""
    return _bound_gettext(request_translations())(context, message, **params)


@pass_context
def _ngettext(context, singular: str, plural: str, num: int, **params) -> str:
    params.setdefault("num", num)
    text = request_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % params


def _cached_url_for(app: Flask):
    """url_for for templates: URLs without parameters (and static files) are
    the same for every request of an application root, so they are built once."""
    cache: dict[tuple, str] = {}

    def url(endpoint: str, **values) -> str:
        if (values and values.keys() != {"filename"}) or not has_request_context():
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, values.get("filename"))
        built = cache.get(key)
        if built is None:
            built = cache[key] = url_for(endpoint, **values)
        return built

    return url


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = _cached_url_for(app)
    # A global (not a context variable), so the pager macro is imported
    # without context and Jinja reuses the imported module.
    app.jinja_env.globals["page_url"] = _page_url
    # newstyle: {% trans %} blocks compile for it; then the callables are ours.
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    app.jinja_env.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext)
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["datetime"] = _datetime
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
        theme = request.cookies.get("theme")
        return {
            "_": _bound_gettext(request_translations()),
            "csrf_token": csrf_token,
            "nav_html": nav_html,
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
    """This page's URL with its query (filters) kept and another page number."""
    args = request.args.to_dict()
    args["page"] = str(page)
    return f"{request.script_root}{request.path}?{urlencode(args)}"


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

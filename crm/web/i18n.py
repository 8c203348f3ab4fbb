"""Language of a request, and translation for templates and views.

One path: templates' `_()`/`gettext()`/`msg()`, views' flash messages of
domain errors and the locale selector all read the request's catalog and end
in crm.i18n.translate (jobs use crm.i18n.translator with the same catalogs).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from babel import Locale
from flask import current_app, g, request
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from crm.i18n import LOCALES, translate

_LOCALES = {code: Locale.parse(code) for code in LOCALES}


def select_locale() -> Locale:
    """The user's language, else the cookie's, else the browser's, else Indonesian.
    Parsed Locale objects are reused (Flask-Babel would parse one per request)."""
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return _LOCALES[current_user.locale]
    cookie = request.cookies.get("lang")
    if cookie in LOCALES:
        return _LOCALES[cookie]
    return _LOCALES[request.accept_languages.best_match(LOCALES) or "id"]


def select_timezone() -> str:
    return current_app.config["CRM_TIMEZONE"]


# The catalog of the page being rendered, set by the template context
# processor on every render (so inside force_locale too) and cleared at the
# start of each request: macros imported without context (the record row,
# the pager, the region counts) find it without going through Flask's
# context proxies on every label.
_PAGE_CATALOG: ContextVar[object | None] = ContextVar("crm_page_catalog", default=None)


def set_page_catalog(catalog) -> None:
    _PAGE_CATALOG.set(catalog)


def page_catalog():
    """The catalog of the page being rendered (else the request's)."""
    return _PAGE_CATALOG.get() or request_catalog()


def request_catalog():
    """The catalog of the request's locale, remembered on the request (checked
    against the locale in use, so `force_locale` still switches it)."""
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


def msg(message: str | None, params: dict[str, Any] | None = None) -> str:
    """A msgid stored or raised by a service (with its params), in the reader's language."""
    return translate(request_catalog(), message, params) if message else ""


@pass_context
def template_msg(context, message: str | None, params: dict[str, Any] | None = None) -> str:
    """Templates' `msg()` / `|msg`: msg() with the page's catalog."""
    return translate(context.get("crm_catalog") or page_catalog(), message, params) if message else ""


_BOUND: dict[int, tuple[object, Any]] = {}
_LABELS_MAX = 20_000


def bound_gettext(catalog):
    """Templates' `_()`/`gettext()` for one catalog: Jinja's newstyle semantics
    (Markup under autoescape, so parameters are escaped; always %-formatted,
    "%%" is a percent sign). A label without parameters (most of a page's) is
    translated once per catalog and remembered. Pages get it bound to their
    request's catalog (context processor); macros imported without context
    reach it through template_gettext."""
    bound = _BOUND.get(id(catalog))
    if bound is not None and bound[0] is catalog:
        return bound[1]
    ugettext = catalog.ugettext
    labels: dict[tuple[str, bool], str] = {}

    @pass_context
    def gettext(context, message: str, **params) -> str:
        autoescape = context.eval_ctx.autoescape
        if not params:
            key = (message, autoescape)
            text = labels.get(key)
            if text is None:
                if len(labels) >= _LABELS_MAX:
                    labels.clear()
                text = labels[key] = (Markup(ugettext(message)) if autoescape else ugettext(message)) % {}
            return text
        text = ugettext(message)
        if autoescape:
            text = Markup(text)
        return text % params

    _BOUND[id(catalog)] = (catalog, gettext)
    return gettext


@pass_context
def template_gettext(context, message: str, **params) -> str:
    """`_()` where no page context bound it (macros imported without context, {% trans %})."""
    return bound_gettext(page_catalog())(context, message, **params)


@pass_context
def template_ngettext(context, singular: str, plural: str, num: int, **params) -> str:
    params.setdefault("num", num)
    text = (context.get("crm_catalog") or page_catalog()).ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % params

"""The one mechanism that decides who may open a route.

Every view declares its access with @public, @login_required or
@requires(Role.X). A before_request hook enforces the declaration; a view
without one is refused (and the role-matrix test fails).
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from crm.models.accounts import Role

PUBLIC = "public"
PUBLIC_ENDPOINTS = {"static"}


def _declare(view, access):
    view._crm_access = access
    return view


def public(view):
    return _declare(view, PUBLIC)


def login_required(view):
    return _declare(view, Role.STAFF)


def requires(role: Role):
    def deco(view):
        return _declare(view, role)

    return deco


def access_of(endpoint: str):
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_crm_access", None)


def _to_login():
    from crm.web.htmx import hx_redirect, is_htmx

    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if is_htmx():
        return hx_redirect(target)
    return redirect(target)


def enforce_access():
    if request.endpoint is None:
        return None  # 404/405 handled by Flask
    access = access_of(request.endpoint)
    if access is None:
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(403)
    if access == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return _to_login()
    if not current_user.has_role(access):
        abort(403)
    return None

"""Small view helpers shared by blueprints."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import abort, flash, request
from flask_login import current_user

from crm.services.errors import DomainError
from crm.web.i18n import msg


def translate(error: DomainError) -> str:
    """A domain error's message in the reader's language."""
    return msg(error.message, error.params)


def flash_error(error: DomainError) -> None:
    flash(translate(error), "error")


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after login or a preference change."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def int_arg(name: str, default: int | None = None) -> int | None:
    value = request.args.get(name, "")
    try:
        return int(value)
    except ValueError:
        return default


def actor():
    """The signed-in user, as the `actor` for services."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user._get_current_object()


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None

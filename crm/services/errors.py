from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken. `message` is an untranslated msgid; `params` fill it."""

    status = 400

    def __init__(self, message: str, field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        self.field = field


class ValidationFailed(DomainError):
    status = 422


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409

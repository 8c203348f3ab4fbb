"""Flask's signed-cookie session, verifying each distinct cookie once per process.

A signed-in phone sends the same session cookie with every request until the
session changes. Checking its signature, inflating and parsing it again costs
more than some pages' own queries, so a cookie that this process has already
verified is recognised by its exact value (a dict lookup) and its data copied;
its age is still checked against the session lifetime on every request. Any
other value (tampered, new or changed) goes through Flask's full check."""

from __future__ import annotations

import copy
import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

_SIMPLE = (str, int, float, bool, type(None))


class VerifiedCookieSessionInterface(SecureCookieSessionInterface):
    max_entries = 10_000

    def __init__(self) -> None:
        self._verified: dict[str, tuple[dict, float]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        val = request.cookies.get(self.get_cookie_name(app))
        if not val:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        hit = self._verified.get(val)
        if hit is not None:
            data, signed_at = hit
            if time.time() - signed_at <= max_age:
                return self.session_class(_copy(data))
            self._verified.pop(val, None)
        try:
            data, signed_at = self.get_signing_serializer(app).loads(val, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self._verified) >= self.max_entries:
            self._verified.clear()
        self._verified[val] = (_copy(data), signed_at.timestamp())
        return self.session_class(data)


def _copy(data: dict) -> dict:
    if all(type(v) in _SIMPLE for v in data.values()):
        return dict(data)
    return copy.deepcopy(data)

"""Sign-in throttling: failed attempts counted in Redis, per IP and per email.

Only the login form is limited, so this lives in the login view rather than in
a per-request hook (the app's other requests pay nothing for it). Fixed
windows (`CRM_LOGIN_LIMIT`, e.g. "10 per minute"); successful sign-ins do not
count. If Redis is unreachable, signing in keeps working without the limit
(and /healthz reports Redis as down)."""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(self, app: Flask):
        self.limits = parse_many(app.config["CRM_LOGIN_LIMIT"])  # e.g. "10 per minute; 100 per day"
        self.prefix = app.config["RATELIMIT_KEY_PREFIX"]
        self._uri = app.config["RATELIMIT_STORAGE_URI"]
        self._limiter: FixedWindowRateLimiter | None = None

    def _strategy(self) -> FixedWindowRateLimiter:
        if self._limiter is None:
            self._limiter = FixedWindowRateLimiter(storage_from_string(self._uri, socket_timeout=2, socket_connect_timeout=2))
        return self._limiter

    def wait_seconds(self, keys: list[str]) -> int:
        """Seconds until another attempt is allowed for all `keys` under every
        configured limit; 0 if allowed now."""
        wait = 0
        try:
            strategy = self._strategy()
            for limit in self.limits:
                for key in keys:
                    if not strategy.test(limit, self.prefix, key):
                        reset_at, _remaining = strategy.get_window_stats(limit, self.prefix, key)
                        wait = max(wait, int(reset_at - time.time()) + 1, 1)
        except Exception:  # noqa: BLE001 - Redis down: no limit rather than no sign-in
            log.warning("login throttle unavailable; allowing the attempt", exc_info=True)
            return 0
        return wait

    def failed(self, keys: list[str]) -> None:
        try:
            strategy = self._strategy()
            for limit in self.limits:
                for key in keys:
                    strategy.hit(limit, self.prefix, key)
        except Exception:  # noqa: BLE001
            log.warning("login throttle unavailable; failure not counted", exc_info=True)


def init_app(app: Flask) -> None:
    app.extensions["crm_login_throttle"] = LoginThrottle(app)


def login_throttle() -> LoginThrottle:
    return current_app.extensions["crm_login_throttle"]

"""Redis connections (one client per URL per process)."""

from __future__ import annotations

import os
from functools import lru_cache

from redis import Redis


@lru_cache(maxsize=8)
def _client(url: str, pid: int) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


def get_redis(url: str) -> Redis:
    return _client(url, os.getpid())

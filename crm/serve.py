"""`python -m crm.serve`: migrate, seed demo data, then run web + worker +
scheduler (+ an embedded Redis when REDIS_URL is unset) until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crm.config import PROJECT_ROOT, instance_path


def _wait_healthy(url: str, procs: list[subprocess.Popen], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main() -> int:
    os.chdir(PROJECT_ROOT)
    env = dict(os.environ)
    inst = instance_path(env)
    env.setdefault("CRM_INSTANCE_PATH", str(inst))
    host = env.get("CRM_HOST", "127.0.0.1")
    port = env.get("PORT", "8000")
    py = sys.executable
    bindir = Path(py).parent
    procs: list[subprocess.Popen] = []

    def shutdown(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        if not env.get("REDIS_URL"):
            from crm import embedded_redis

            proc, url = embedded_redis.start(inst / "redis", int(env.get("CRM_EMBEDDED_REDIS_PORT", "0")) or None)
            procs.append(proc)
            env["REDIS_URL"] = url
            print(f"* embedded Redis at {url}", flush=True)
        subprocess.run([py, "-m", "alembic", "upgrade", "head"], env=env, check=True)
        seed = subprocess.run([str(bindir / "flask"), "--app", "wsgi", "seed-demo"], env=env, check=True, capture_output=True, text=True)
        procs.append(subprocess.Popen(
            [str(bindir / "gunicorn"), "wsgi:app", "--bind", f"{host}:{port}", "--workers", env.get("WEB_CONCURRENCY", "2"),
             "--threads", "4", "--access-logfile", "-", "--graceful-timeout", "5"], env=env))
        procs.append(subprocess.Popen([py, "worker.py"], env=env))
        procs.append(subprocess.Popen([str(bindir / "rq"), "cron", "crm.cron", "--url", env["REDIS_URL"]], env=env))
        base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        if not _wait_healthy(base, procs):
            print("! the app did not become healthy; stopping", file=sys.stderr, flush=True)
            return 1
        print("\n" + "=" * 64, flush=True)
        print(f"CRM is running at {base}/   (Ctrl-C stops everything)", flush=True)
        print(seed.stdout.rstrip(), flush=True)
        print("=" * 64 + "\n", flush=True)
        while True:
            for p in procs:
                if p.poll() is not None:
                    print(f"! a process exited ({' '.join(map(str, p.args[:2]))}); stopping", file=sys.stderr, flush=True)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    except subprocess.CalledProcessError as exc:
        print(exc.stderr or "", file=sys.stderr)
        return exc.returncode or 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop(list(reversed(procs)))


if __name__ == "__main__":
    sys.exit(main())

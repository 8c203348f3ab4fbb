"""Settings from the environment. Every variable here is documented in README.md."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TIMEZONE = "Asia/Jakarta"  # SPEC: days, "today" and schedules follow it unless CRM_TIMEZONE says otherwise


def timezone_name(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("CRM_TIMEZONE") or DEFAULT_TIMEZONE


def instance_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    path = Path(env.get("CRM_INSTANCE_PATH") or PROJECT_ROOT / "instance")
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("DATABASE_URL") or f"sqlite:///{instance_path(env) / 'crm.sqlite3'}"


def export_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    path = Path(env.get("CRM_EXPORT_DIR") or instance_path(env) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    path = Path(env.get("CRM_UPLOAD_DIR") or instance_path(env) / "uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(inst: Path, env: Mapping[str, str]) -> str:
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    key_file = inst / "secret_key"
    if not key_file.exists():
        # Created once, readable by the owner only; never a constant in code.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if env is None else env
    inst = instance_path(env)
    https = _flag(env.get("CRM_HTTPS"))
    redis_url = env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return {
        "INSTANCE_PATH": str(inst),
        "DATABASE_URL": default_database_url(env),
        "REDIS_URL": redis_url,
        "SECRET_KEY": _secret_key(inst, env),
        "CRM_TIMEZONE": timezone_name(env),
        "CRM_HTTPS": https,
        "CRM_QUEUE": env.get("CRM_QUEUE") or "crm",
        "CRM_EXPORT_DIR": str(export_dir(env)),
        "CRM_UPLOAD_DIR": str(upload_dir(env)),
        "CRM_LOGIN_LIMIT": env.get("CRM_LOGIN_LIMIT") or "10 per minute",
        "CRM_PAGE_SIZE": int(env.get("CRM_PAGE_SIZE") or 25),
        # "log": a write inside a GET is logged as an error and rolled back; "raise": also raised (tests)
        "CRM_GET_WRITES": env.get("CRM_GET_WRITES") or "log",
        # Flask / extensions
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": https,
        "MAX_CONTENT_LENGTH": int(env.get("CRM_UPLOAD_MAX_MB") or 50) * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": timezone_name(env),
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": env.get("CRM_RATELIMIT_PREFIX") or "crm-limit",
    }

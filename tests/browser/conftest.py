"""Browser tests: the real app over HTTP (CSRF on) driven by Debian's chromium.

The browser is the system one at /usr/bin/chromium (never `playwright install`);
without it every browser test is skipped.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.conftest import _app, dispose

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(live_db, database_url, redis_url):
    """The app with CSRF enabled, served on a free local port; yields the base URL."""
    from werkzeug.serving import make_server

    app = _app(redis_url, DATABASE_URL=database_url, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        dispose(app)


@pytest.fixture(scope="session")
def playwright_instance():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: browser tests need Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def context(browser):
    """A phone: 390×844, touch, Indonesian (what the sales staff carry)."""
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture
def console_errors(page) -> list[str]:
    """Texts of the page's console messages of type error, collected from the start."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors

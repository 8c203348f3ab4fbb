"""The app shell in a real (headless) phone browser.

Sign in in Indonesian, switch to English, dark mode with no light flash on
reload, the mobile menu, sign out — and no Content-Security-Policy violations.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: browser tests need Debian's chromium (apt-get install chromium)"
)

TRANSLATIONS = Path(__file__).resolve().parents[2] / "crm" / "translations"
DARK_BG = (15, 19, 24)  # --bg of :root[data-theme="dark"] in crm/static/css/app.css


def indonesian(msgid: str) -> str:
    """The Indonesian text of `msgid`, from the compiled catalog the app uses."""
    from babel.support import Translations

    text = Translations.load(str(TRANSLATIONS), ["id"]).gettext(msgid)
    assert text and text != msgid, f"no Indonesian translation of {msgid!r} in {TRANSLATIONS}"
    return text


def rgb(css_colour: str) -> tuple[int, int, int]:
    m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", css_colour)
    assert m, css_colour
    return int(m[1]), int(m[2]), int(m[3])


def test_phone_shell_language_theme_menu_and_sign_out(live_server, live_db, page, console_errors):
    from playwright.sync_api import expect

    user = make_user(live_db, "staff", name="Dewi Lestari")
    live_db.commit()
    base = live_server

    # Sign-in page, in Indonesian.
    response = page.goto(f"{base}/login")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "id"
    sign_in = indonesian("Sign in")
    submit = page.locator("#login-form button[type=submit]")
    expect(submit).to_have_text(sign_in)

    # Sign in (real CSRF token from the form) and land on home.
    page.fill("#login-form input[name=email]", user.email)
    page.fill("#login-form input[name=password]", PASSWORD)
    with page.expect_navigation():
        submit.click()
    assert page.url == f"{base}/my/batches"  # staff land on their batches
    expect(page.locator("#batches-cards")).to_be_visible()
    expect(page.locator("#logout-button")).to_have_text(indonesian("Sign out"))

    # My account: switch the language to English.
    page.goto(f"{base}/account")
    expect(page.locator("h1")).to_have_text(indonesian("My account"))
    prefs = page.locator("#account-preferences form")
    prefs.locator("select[name=prefs-locale]").select_option("en")
    with page.expect_navigation():
        prefs.locator("button[type=submit]").click()
    assert page.url == f"{base}/account"
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_text("My account")
    expect(page.locator("#logout-button")).to_have_text("Sign out")
    expect(page.locator("#flash-area")).to_contain_text("Saved.")

    # Dark mode: the toggle flips the page at once and sets the cookie…
    page.click("#theme-toggle")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert any(c["name"] == "theme" and c["value"] == "dark" for c in page.context.cookies(base))
    assert page.url == f"{base}/account"  # handled in JS: the no-JS form was not submitted

    # …and the server renders the reloaded page dark from its first byte (no light flash).
    with page.expect_response(lambda r: r.request.resource_type == "document") as reloaded:
        page.reload()
    document = reloaded.value
    assert document.url == f"{base}/account" and document.status == 200
    assert re.search(r'<html[^>]*\bdata-theme="dark"', document.text()), document.text()[:300]
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert rgb(background) == DARK_BG, background
    assert sum(rgb(background)) / 3 < 60, background

    # Phone layout: the menu opens; the desktop sidebar is not shown.
    mobile_nav = page.locator("#nav-mobile-list")
    expect(mobile_nav).to_be_hidden()
    page.click("#nav-mobile summary")
    expect(page.locator("#nav-mobile")).to_have_attribute("open", "")
    expect(mobile_nav).to_be_visible()
    expect(mobile_nav.locator("a[data-page=home]")).to_be_visible()
    expect(page.locator("aside.sidebar")).to_be_hidden()

    # Sign out: back on the sign-in page.
    with page.expect_navigation():
        page.click("#logout-button")
    assert page.url == f"{base}/login"
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#logout-button")).to_have_count(0)

    csp = [m for m in console_errors if "content security policy" in m.lower()]
    assert not csp, csp

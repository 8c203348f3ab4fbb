"""A staff member works a batch on a phone: one-tap toggles swap only the row,
the batch counts update without a reload, the copy button copies the wa.me link."""

from __future__ import annotations

import pytest

from crm.services import distribution
from tests.browser.conftest import CHROMIUM
from tests.conftest import PASSWORD, make_product, make_records, make_user

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: browser tests need Debian's chromium")


def test_tapping_toggles_updates_row_and_counts_without_reload(live_server, live_db, page, console_errors):
    from playwright.sync_api import expect

    product = make_product(live_db, "Gemilang", wa_template="Halo {name}")
    make_records(live_db, product, 10, prefix="hp")
    staff = make_user(live_db, "staff")
    admin = make_user(live_db, "admin")
    req = distribution.create_request(live_db, actor=staff, product_id=product.id, quantity=5)
    batch = distribution.approve_request(live_db, actor=admin, request_id=req.id)
    first = distribution.list_batch_records(live_db, staff=staff, batch=batch).items[0]
    live_db.commit()
    base = live_server

    page.goto(f"{base}/login")
    page.fill("#login-form input[name=email]", staff.email)
    page.fill("#login-form input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    page.click(f"#batch-{batch.id}-card h2 a")
    page.wait_for_url(f"{base}/my/batches/{batch.id}")

    # a marker on the window survives only if the page is never reloaded
    page.evaluate("window.__noReload = true")
    row = page.locator(f"#record-{first.id}-row")
    counts = page.locator(f"#batch-{batch.id}-counts")
    expect(counts.locator('[data-count="ada"]')).to_have_text("ada 0")

    row.locator('button[data-field="wa"][data-value="ada"]').tap()
    expect(row.locator('button[data-field="wa"][data-value="ada"]')).to_have_attribute("aria-pressed", "true")
    expect(counts.locator('[data-count="ada"]')).to_have_text("ada 1")
    expect(counts.locator('[data-count="percent"]')).to_contain_text("1/5")

    row = page.locator(f"#record-{first.id}-row")
    row.locator('button[data-field="respond"][data-value="ya"]').tap()
    expect(counts.locator('[data-count="ya"]')).to_contain_text("1")
    # switching to ceklis1 moves the count
    page.locator(f"#record-{first.id}-row").locator('button[data-field="wa"][data-value="ceklis1"]').tap()
    expect(counts.locator('[data-count="ceklis1"]')).to_have_text("ceklis1 1")
    expect(counts.locator('[data-count="ada"]')).to_have_text("ada 0")
    # tapping the active one clears it
    page.locator(f"#record-{first.id}-row").locator('button[data-field="wa"][data-value="ceklis1"]').tap()
    expect(counts.locator('[data-count="ceklis1"]')).to_have_text("ceklis1 0")
    assert page.evaluate("window.__noReload") is True

    # the WhatsApp link and the copy button
    link = page.locator(f"#record-{first.id}-wa")
    expect(link).to_have_attribute("href", f"https://wa.me/{first.phone}?text=Halo%20Cust%200")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    expect(page.locator(f"#record-{first.id}-copy")).to_have_text("Salin link")
    page.locator(f"#record-{first.id}-copy").tap()
    expect(page.locator(f"#record-{first.id}-copy")).to_have_class("btn btn-ghost copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"https://wa.me/{first.phone}?text=Halo%20Cust%200"
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    assert not [e for e in console_errors if "uncaught" in e], console_errors


def test_a_failed_tap_says_so_and_changes_nothing(live_server, live_db, page):
    from playwright.sync_api import expect

    product = make_product(live_db, "Offline")
    make_records(live_db, product, 3, prefix="off")
    staff = make_user(live_db, "staff")
    admin = make_user(live_db, "admin")
    req = distribution.create_request(live_db, actor=staff, product_id=product.id, quantity=2)
    batch = distribution.approve_request(live_db, actor=admin, request_id=req.id)
    first = distribution.list_batch_records(live_db, staff=staff, batch=batch).items[0]
    live_db.commit()
    base = live_server
    page.goto(f"{base}/login")
    page.fill("#login-form input[name=email]", staff.email)
    page.fill("#login-form input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    page.goto(f"{base}/my/batches/{batch.id}")
    page.route("**/my/records/**", lambda route: route.abort("internetdisconnected"))
    page.locator(f"#record-{first.id}-row").locator('button[data-field="wa"][data-value="ada"]').tap()
    expect(page.locator("#flash-area .flash-net")).to_contain_text("koneksi")
    expect(page.locator(f"#record-{first.id}-row").locator('button[data-field="wa"][data-value="ada"]')).to_have_attribute("aria-pressed", "false")

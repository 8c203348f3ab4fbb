"""A staff member works a batch on a phone: one-tap toggles swap only the row,
the batch counts update without a reload, the copy button copies the wa.me link."""

from __future__ import annotations

import pytest

from crm.services.distribution import batches as batches_svc

from crm.services.distribution import requests as requests_svc
from tests.browser.conftest import CHROMIUM
from tests.conftest import PASSWORD, make_product, make_records, make_user

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: browser tests need Debian's chromium")


def staff_with_batch(db, product_name: str, *, size: int, template: str | None = None):
    """A staff member holding an approved batch of `size` records; returns (staff, batch, first record)."""
    product = make_product(db, product_name, **({"wa_template": template} if template else {}))
    make_records(db, product, size * 2, prefix=product_name.lower()[:3])
    staff = make_user(db, "staff")
    admin = make_user(db, "admin")
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=size)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    first = batches_svc.list_batch_records(db, staff=staff, batch=batch).items[0]
    db.commit()
    return staff, batch, first


def sign_in(page, base: str, user) -> None:
    page.goto(f"{base}/login")
    page.fill("#login-form input[name=email]", user.email)
    page.fill("#login-form input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")


def test_tapping_toggles_updates_row_and_counts_without_reload(live_server, live_db, page, console_errors):
    from playwright.sync_api import expect

    staff, batch, first = staff_with_batch(live_db, "Gemilang", size=5, template="Halo {name}")
    base = live_server
    sign_in(page, base, staff)
    page.click(f"#batch-{batch.id}-card h2 a")
    page.wait_for_url(f"{base}/my/batches/{batch.id}")

    # a marker on the window survives only if the page is never reloaded
    page.evaluate("window.__noReload = true")
    row = page.locator(f"#record-{first.id}-row")
    counts = page.locator(f"#batch-{batch.id}-counts")
    expect(counts.locator('[data-count="wa-ada"]')).to_have_text("ada 0")

    row.locator('button[data-field="wa"][data-value="ada"]').tap()
    expect(row.locator('button[data-field="wa"][data-value="ada"]')).to_have_attribute("aria-pressed", "true")
    expect(counts.locator('[data-count="wa-ada"]')).to_have_text("ada 1")
    expect(counts.locator('[data-count="percent"]')).to_contain_text("1/5")

    row = page.locator(f"#record-{first.id}-row")
    row.locator('button[data-field="respond"][data-value="ya"]').tap()
    expect(counts.locator('[data-count="respond-ya"]')).to_contain_text("1")
    # switching to ceklis1 moves the count
    page.locator(f"#record-{first.id}-row").locator('button[data-field="wa"][data-value="ceklis1"]').tap()
    expect(counts.locator('[data-count="wa-ceklis1"]')).to_have_text("ceklis1 1")
    expect(counts.locator('[data-count="wa-ada"]')).to_have_text("ada 0")
    # tapping the active one clears it
    page.locator(f"#record-{first.id}-row").locator('button[data-field="wa"][data-value="ceklis1"]').tap()
    expect(counts.locator('[data-count="wa-ceklis1"]')).to_have_text("ceklis1 0")
    assert page.evaluate("window.__noReload") is True

    # every tap target of the row is at least 44 px on a phone
    for target in page.locator(f"#record-{first.id}-row").locator("button, a").all():
        box = target.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (target.inner_text(), box)

    # the WhatsApp link and the copy button
    link = page.locator(f"#record-{first.id}-row a.btn-wa")
    expect(link).to_have_attribute("href", f"https://wa.me/{first.phone}?text=Halo%20Cust%200")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    expect(page.locator(f"#record-{first.id}-row button[data-copy]")).to_have_text("Salin link")
    page.locator(f"#record-{first.id}-row button[data-copy]").tap()
    expect(page.locator(f"#record-{first.id}-row button[data-copy]")).to_have_class("btn btn-ghost copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"https://wa.me/{first.phone}?text=Halo%20Cust%200"
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    assert not [e for e in console_errors if "uncaught" in e], console_errors


def test_a_failed_tap_says_so_and_changes_nothing(live_server, live_db, page):
    from playwright.sync_api import expect

    staff, batch, first = staff_with_batch(live_db, "Offline", size=2)
    base = live_server
    sign_in(page, base, staff)
    page.goto(f"{base}/my/batches/{batch.id}")
    page.route("**/my/records/**", lambda route: route.abort("internetdisconnected"))
    page.locator(f"#record-{first.id}-row").locator('button[data-field="wa"][data-value="ada"]').tap()
    expect(page.locator("#flash-area .flash-net")).to_contain_text("koneksi")
    expect(page.locator(f"#record-{first.id}-row").locator('button[data-field="wa"][data-value="ada"]')).to_have_attribute("aria-pressed", "false")


def test_next_page_shows_the_top_of_the_list(live_server, live_db, page, console_errors):
    """Tapping "Next" at the bottom of 50 rows swaps in page 2 and shows its
    first rows, not the bottom of the new list."""
    from playwright.sync_api import expect

    staff, batch, _first = staff_with_batch(live_db, "Sakura", size=60)
    base = live_server
    sign_in(page, base, staff)
    page.goto(f"{base}/my/batches/{batch.id}")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    next_link = page.locator("#batch-records a[rel=next]")
    next_link.tap()
    page.wait_for_url(f"{base}/my/batches/{batch.id}?page=2")
    expect(page.locator("#batch-records .pager-info")).to_contain_text("2")
    first_row = page.locator("#batch-records li.record").first
    expect(first_row).to_be_in_viewport()
    assert console_errors == []


def test_a_refused_tap_keeps_the_row_and_says_why(live_server, live_db, page, console_errors):
    """A 422 (here: a status the server does not know) swaps the row with the
    message inside it; the row keeps working and the counts stay as they were."""
    from playwright.sync_api import expect

    staff, batch, first = staff_with_batch(live_db, "Refused", size=3)
    base = live_server
    sign_in(page, base, staff)
    page.goto(f"{base}/my/batches/{batch.id}")
    page.route("**/my/records/**", lambda route: route.continue_(post_data=route.request.post_data.replace("wa%3Aada", "wa%3Anope")))
    row = page.locator(f"#record-{first.id}-row")
    row.locator('button[data-field="wa"][data-value="ada"]').tap()
    expect(row.locator(".record-error")).to_have_text("Status tidak dikenal.")
    expect(row.locator('button[data-field="wa"][data-value="ada"]')).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#batch-{batch.id}-counts [data-count=percent]")).to_contain_text("0/3")
    page.unroute("**/my/records/**")
    row.locator('button[data-field="wa"][data-value="ada"]').tap()
    expect(row.locator('button[data-field="wa"][data-value="ada"]')).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".record-error")).to_have_count(0)
    expect(page.locator(f"#batch-{batch.id}-counts [data-count=percent]")).to_contain_text("1/3")
    assert not [e for e in console_errors if "Content Security Policy" in e or "uncaught" in e], console_errors

"""The customer-record row and its toggle over HTTP: one partial for the page
and the toggle's answer, escaping, the region's counts out of band, refusals,
and the page kept as it was without JavaScript."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from crm.models import CustomerRecord, RecordStatusEvent
from crm.services.distribution import assignments as assignments_svc
from crm.services.distribution import batches as batches_svc
from crm.services.distribution import requests as requests_svc
from crm.services.records import toggles
from tests.conftest import login, make_product, make_records, make_user
from tests.html import Node, parse

HX = {"HX-Request": "true"}


def _world(db, n=5, *, prefix="cust"):
    product = make_product(db, f"Gemilang {prefix}", wa_template="Halo {name}")
    make_records(db, product, n + 5, prefix=prefix)
    staff = make_user(db, "staff")
    other = make_user(db, "staff")
    admin = make_user(db, "admin")
    batch = requests_svc.approve_request(db, actor=admin, request_id=requests_svc.create_request(
        db, actor=staff, product_id=product.id, quantity=n).id)
    records = batches_svc.list_batch_records(db, staff=staff, batch=batch, per_page=200).items
    return staff, other, admin, batch, records


def _tap(client, rid, choice, region, headers=HX, **form):
    return client.post(f"/my/records/{rid}/status", data={"set": choice, "region": region, **form}, headers=headers)


def _tree(node: Node):
    """An element as (tag, attributes, children), whitespace-only text left out: compares markup, not formatting."""
    children = []
    for c in node.children:
        if isinstance(c, Node):
            children.append(_tree(c))
        elif c.strip():
            children.append(" ".join(c.split()))
    return node.tag, sorted(node.attrs.items()), children


def _events(db) -> int:
    return db.scalar(select(func.count()).select_from(RecordStatusEvent))


def test_page_and_toggle_render_the_same_row(client, db):
    staff, other, admin, batch, records = _world(db)
    login(client, staff)
    rid = records[2].id
    url = f"/my/batches/{batch.id}"
    answer = _tap(client, rid, "wa:ceklis1", f"batch:{batch.id}", next=url)
    _tap(client, rid, "respond:tidak", f"batch:{batch.id}", next=url)
    answer = _tap(client, rid, "respond:ya", f"batch:{batch.id}", next=url)
    fragment_row = parse(answer.data).elements[0]
    page_row = parse(client.get(url).data).by_id(f"record-{rid}-row")
    assert _tree(fragment_row) == _tree(page_row)
    # and it shows what was set
    pressed = {(b.get("data-field"), b.get("data-value")) for b in page_row.find_all("button[aria-pressed=true]")}
    assert pressed == {("wa", "ceklis1"), ("respond", "ya")}
    assert page_row.one("input[name=region]").get("value") == f"batch:{batch.id}"
    assert page_row.one("input[name=next]").get("value") == url
    assert page_row.one("input[name=csrf_token]").get("value")


def test_row_markup_contract(client, db):
    staff, other, admin, batch, records = _world(db)
    record = db.get(CustomerRecord, records[0].id)
    record.phone = None
    db.flush()
    login(client, staff)
    doc = parse(client.get(f"/my/batches/{batch.id}").data)
    rows = doc.find_all("li.record")
    assert len(rows) == 5 and all(r.get("id") == f"record-{rec.id}-row" for r, rec in zip(rows, records))
    for row in rows:
        form = row.one("form.toggles")
        # the requesting element carries its own target and swap; the form also works without JavaScript
        assert form.get("method") == "post" and form.get("action") == form.get("hx-post") == f"/my/records/{row.get('id').split('-')[1]}/status"
        assert form.get("hx-target") == "closest li" and form.get("hx-swap") == "outerHTML"
        groups = form.find_all("div.toggle-group")
        assert [g.get("aria-label") for g in groups] == ["Status WhatsApp", "Respons"]
        buttons = form.find_all("button.toggle")
        assert [(b.get("data-field"), b.get("data-value"), b.text()) for b in buttons] == [
            ("wa", "ada", "ada"), ("wa", "ceklis1", "ceklis1"), ("wa", "tidak", "tidak ada WA"),
            ("respond", "ya", "dibalas"), ("respond", "tidak", "tidak dibalas")]
        assert all(b.get("type") == "submit" and b.get("name") == "set" and b.get("aria-pressed") == "false" for b in buttons)
        assert [b.get("value") for b in buttons] == ["wa:ada", "wa:ceklis1", "wa:tidak", "respond:ya", "respond:tidak"]
        assert not row.find_all("[style]") and not row.find_all("script") and not any(
            k.startswith(("on", "hx-on")) for n in row.iter() for k in n.attrs)
    no_phone = doc.by_id(f"record-{records[0].id}-row")
    assert no_phone.find("a.btn-wa") is None and no_phone.find("button[data-copy]") is None and "Tidak ada nomor HP" in no_phone.text()


def test_customer_values_stay_inert_in_page_and_fragment(client, db):
    staff, other, admin, batch, records = _world(db)
    record = db.get(CustomerRecord, records[0].id)
    username, name = "<script>alert(1)</script>", '"onmouseover="alert(2)" x="'
    record.username, record.name = username, name
    db.flush()
    login(client, staff)
    page = client.get(f"/my/batches/{batch.id}")
    fragment = _tap(client, record.id, "wa:ada", f"batch:{batch.id}")
    for response in (page, fragment):
        assert response.status_code == 200
        doc = parse(response.data)
        row = doc.by_id(f"record-{record.id}-row")
        assert row.one("strong.username").text() == username and row.one("span.name").text() == " ".join(name.split())
        assert not row.find_all("script") and not [n for n in doc.iter() if "onmouseover" in n.attrs]
        assert b"<script>alert" not in response.data
    # a forged `next` or region is echoed escaped, never as markup
    refused = _tap(client, record.id, "wa:ada", '"><script>alert(3)</script>', next='/my/batches/1"><script>alert(4)</script>')
    assert refused.status_code == 422 and b"<script>" not in refused.data
    row = parse(refused.data).elements[0]
    assert row.one("input[name=region]").get("value") == '"><script>alert(3)</script>'


def test_without_javascript_a_toggle_returns_to_the_same_filter_search_and_page(client, db):
    staff, other, admin, batch, records = _world(db, n=60)
    login(client, staff)
    url = f"/my/batches/{batch.id}?wa=none&q=cust&page=2"
    doc = parse(client.get(url).data)
    rows = doc.find_all("li.record")
    assert len(rows) == 10  # 60 records, 50 a page
    back = rows[0].one("input[name=next]").get("value")
    assert back == url
    rid = int(rows[0].get("id").split("-")[1])
    r = _tap(client, rid, "wa:ada", f"batch:{batch.id}", headers={}, next=back, csrf_token="")
    assert r.status_code == 303 and r.headers["Location"] == f"{url}#record-{rid}-row"
    db.expire_all()
    assert db.get(CustomerRecord, rid).wa_status == "ada"
    # the htmx filter and pager answers carry the URL they push, for the next tap without JavaScript
    frag = parse(client.get(f"/my/batches/{batch.id}?respond=none&page=2", headers=HX).data)
    assert {i.get("value") for i in frag.find_all("input[name=next]")} == {f"/my/batches/{batch.id}?respond=none&page=2"}
    # a refused tap without JavaScript also goes back, with the message flashed
    r = _tap(client, rid, "wa:maybe", f"batch:{batch.id}", headers={}, next=back)
    assert r.status_code == 303 and r.headers["Location"].startswith(url)
    assert "Status tidak dikenal." in parse(client.get(url).data).one("#flash-area").text()
    # an outside `next` is never followed
    r = _tap(client, rid, "wa:tidak", f"batch:{batch.id}", headers={}, next="https://evil.example/")
    assert r.status_code == 303 and r.headers["Location"].startswith("/")


def test_a_refused_tap_keeps_the_row_with_the_message_inside(client, db):
    staff, other, admin, batch, records = _world(db)
    login(client, staff)
    rid = records[0].id
    _tap(client, rid, "wa:ada", f"batch:{batch.id}")
    before = _events(db)
    r = _tap(client, rid, "wa:maybe", f"batch:{batch.id}", next=f"/my/batches/{batch.id}?page=1")
    assert r.status_code == 422 and b"<html" not in r.data and "HX-Request" in r.headers["Vary"]
    doc = parse(r.data)
    [row] = doc.elements  # the row only: no counts
    assert row.get("id") == f"record-{rid}-row"
    alert = row.one("p.record-error")
    assert alert.get("role") == "alert" and alert.text() == "Status tidak dikenal."
    # the row still works: its toggles, its page and its state
    assert row.one("button[data-field=wa][data-value=ada]").get("aria-pressed") == "true"
    assert row.one("input[name=next]").get("value") == f"/my/batches/{batch.id}?page=1"
    assert len(row.find_all("button.toggle")) == 5
    for choice in ("colour:red", "", "wa"):
        assert _tap(client, rid, choice, f"batch:{batch.id}").status_code == 422
    db.expire_all()
    assert db.get(CustomerRecord, rid).wa_status == "ada" and _events(db) == before


def test_the_region_counts_come_back_out_of_band(client, db):
    staff, other, admin, batch, records = _world(db, n=6)
    login(client, staff)
    region = f"batch:{batch.id}"
    for record, choice in zip(records, ("wa:ada", "wa:ada", "wa:ceklis1", "wa:tidak", "respond:ya", "respond:tidak")):
        _tap(client, record.id, choice, region)
    r = _tap(client, records[0].id, "respond:ya", region)
    row, counts = parse(r.data).elements
    assert counts.get("id") == f"batch-{batch.id}-counts" and counts.get("hx-swap-oob") == "true"
    chips = {c.get("data-count"): c.text() for c in counts.find_all("[data-count]")}
    assert chips == {"wa-ada": "ada 2", "wa-ceklis1": "ceklis1 1", "wa-tidak": "tidak ada WA 1", "respond-ya": "dibalas 2",
                     "respond-tidak": "tidak dibalas 1", "percent": "4/6 · 66%"}
    progress = counts.one("progress")
    assert (progress.get("value"), progress.get("max")) == ("4", "6")
    # the page shows the same counts, in place (not out of band)
    page_counts = parse(client.get(f"/my/batches/{batch.id}").data).one(f"#batch-{batch.id}-counts")
    assert page_counts.get("hx-swap-oob") is None
    assert {c.get("data-count"): c.text() for c in page_counts.find_all("[data-count]")} == chips
    # another staff member's records in other batches are not counted
    staff2, _o, _a, batch2, records2 = _world(db, prefix="zz")
    _tap(client, records[5].id, "wa:ada", region)
    assert "5/6" in parse(_tap(client, records[5].id, "wa:ada", region).data).one("[data-count=percent]").text()


def test_a_forged_region_is_refused_and_changes_nothing(client, db):
    staff, other, admin, batch, records = _world(db)
    _s2, _o2, _a2, other_batch, _r2 = _world(db, prefix="ot")  # another staff member's batch
    own = requests_svc.approve_request(db, actor=admin, request_id=requests_svc.create_request(
        db, actor=staff, product_id=other_batch.product_id, quantity=2).id)  # the staff member's other batch
    login(client, staff)
    rid = records[0].id
    before = _events(db)
    for region in (f"batch:{other_batch.id}", f"batch:{own.id}", "list:1", "batch:", "batch:1x", "batch:-1", "", ":", "batch:9" * 30):
        r = _tap(client, rid, "wa:ada", region)
        assert r.status_code == 422, region
        row = parse(r.data).elements
        assert len(row) == 1 and row[0].get("id") == f"record-{rid}-row" and "hx-swap-oob" not in r.get_data(as_text=True)
        assert row[0].one("p.record-error").text() == "Daftar ini tidak bisa diubah dari sini. Muat ulang halamannya."
    r = client.post(f"/my/records/{rid}/status", data={"set": "wa:ada"}, headers=HX)  # no region at all
    assert r.status_code == 422
    db.expire_all()
    assert db.get(CustomerRecord, rid).wa_status is None and _events(db) == before


def test_a_record_taken_away_answers_the_notice_row(client, db):
    staff, other, admin, batch, records = _world(db)
    login(client, staff)
    rid = records[0].id
    assignments_svc.reassign(db, actor=admin, record_ids=[rid], to_staff_id=other.id)
    r = _tap(client, rid, "wa:ada", f"batch:{batch.id}")
    assert r.status_code == 200 and "HX-Request" in r.headers["Vary"]
    [row] = parse(r.data).elements
    assert row.get("id") == f"record-{rid}-row" and "gone" in row.classes
    assert row.text() == "Pelanggan ini sudah tidak kamu pegang lagi."
    assert records[0].username not in r.get_data(as_text=True)
    # without JavaScript: 404, nothing changed
    assert _tap(client, rid, "wa:ada", f"batch:{batch.id}", headers={}).status_code == 404
    db.expire_all()
    assert db.get(CustomerRecord, rid).wa_status is None


def test_toggle_full_page_and_fragment(client, db):
    """The toggle endpoint as htmx fragment (no <html>, its root ids, Vary) and
    as a plain form post (303 to a full page)."""
    staff, other, admin, batch, records = _world(db)
    login(client, staff)
    rid = records[0].id
    fragment = _tap(client, rid, "wa:ada", f"batch:{batch.id}", next=f"/my/batches/{batch.id}")
    assert fragment.status_code == 200 and b"<html" not in fragment.data and "HX-Request" in fragment.headers["Vary"]
    assert [e.get("id") for e in parse(fragment.data).elements] == [f"record-{rid}-row", f"batch-{batch.id}-counts"]
    plain = _tap(client, rid, "wa:tidak", f"batch:{batch.id}", headers={}, next=f"/my/batches/{batch.id}")
    assert plain.status_code == 303
    page = client.get(plain.headers["Location"])
    assert page.status_code == 200 and b"<html" in page.data and "HX-Request" in page.headers["Vary"]
    assert parse(page.data).one(f"#record-{rid}-row").one("button[data-value=tidak][data-field=wa]").get("aria-pressed") == "true"


def test_status_labels_come_from_the_vocabulary(client, db):
    """Filters on the batch page and on /admin/assignments, the count chips and
    the assignments table all show the vocabulary's labels."""
    staff, other, admin, batch, records = _world(db)
    toggles.set_status(db, actor=staff, record_id=records[0].id, field="wa", value="tidak")
    login(client, staff)
    doc = parse(client.get(f"/my/batches/{batch.id}?wa=tidak").data)
    options = {s.get("name"): [(o.get("value"), o.text()) for o in s.find_all("option")] for s in doc.one("form.filters").find_all("select")}
    assert options == {
        "wa": [("", "Semua status WA"), ("ada", "ada"), ("ceklis1", "ceklis1"), ("tidak", "tidak ada WA"), ("none", "belum diisi")],
        "respond": [("", "Semua respons"), ("ya", "dibalas"), ("tidak", "tidak dibalas"), ("none", "belum diisi")],
    }
    assert doc.one("select[name=wa]").one("option[selected]").get("value") == "tidak"
    cards = parse(client.get("/my/batches").data).one(f"#batch-{batch.id}-card")
    assert [c.text() for c in cards.find_all("span.chip-count")][:5] == ["ada 0", "ceklis1 0", "tidak ada WA 1", "dibalas 0", "tidak dibalas 0"]
    client.post("/logout")
    login(client, admin)  # English
    doc = parse(client.get(f"/admin/assignments?staff={staff.id}").data)
    options = {s.get("name"): [o.text() for o in s.find_all("option")] for s in doc.one("#assignments-filter").find_all("select")}
    assert options["wa"] == ["All WA statuses", "ada", "ceklis1", "no WA", "not set"]
    assert options["respond"] == ["All responses", "replied", "no reply", "not set"]
    row = doc.one(f"#assignment-{records[0].id}-row")
    assert [td.text() for td in row.find_all("td")][5:7] == ["no WA", "not set"]


def test_no_template_turns_autoescape_off():
    templates = Path(__file__).resolve().parents[3] / "crm" / "templates"
    offenders = [str(p) for p in templates.rglob("*.html") if "autoescape false" in p.read_text()]
    assert not offenders


def test_prebuilt_toggles_follow_each_readers_language(client, db):
    """The toggles are rendered once per language and reused: each reader still gets their own."""
    staff, other, admin, batch, records = _world(db)
    en_staff = make_user(db, "staff", locale="en")
    en_batch = requests_svc.approve_request(db, actor=admin, request_id=requests_svc.create_request(
        db, actor=en_staff, product_id=batch.product_id, quantity=2).id)
    labels = {}
    for user, b in ((staff, batch), (en_staff, en_batch), (staff, batch)):
        client.post("/logout")
        login(client, user)
        row = parse(client.get(f"/my/batches/{b.id}").data).find("li.record")
        labels.setdefault(user.locale, []).append([t.text() for t in row.find_all("button.toggle")] + [row.one("button[data-copy]").text()])
    assert labels["id"][0] == labels["id"][1] == ["ada", "ceklis1", "tidak ada WA", "dibalas", "tidak dibalas", "Salin link"]
    assert labels["en"][0] == ["ada", "ceklis1", "no WA", "replied", "no reply", "Copy link"]

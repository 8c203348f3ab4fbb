"""Uploads through the web and a real RQ worker: progress, mapping, report, and
bad files that fail cleanly while the worker goes on with the next job."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from crm.models import CustomerDatabase, CustomerRecord
from tests.html import parse
from tests.conftest import login, make_product, make_user
from tests.services.imports.files import write_bomb
from tests.services.imports.uploads import HEADER, ROWS, write_csv

ROOT = Path(__file__).resolve().parents[2]


def run_worker(redis_url, database_url):
    env = dict(os.environ, REDIS_URL=redis_url, DATABASE_URL=database_url)
    out = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, timeout=180, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def post_file(client, product, path: Path):
    with open(path, "rb") as fh:
        return client.post("/databases", data={"product_id": product.id, "file": (fh, path.name)}, content_type="multipart/form-data")


def test_upload_map_import_through_the_worker(live_app, live_db, redis_url, database_url, tmp_path):
    admin = make_user(live_db, "admin")
    product = make_product(live_db, "Gemilang")
    live_db.commit()
    client = live_app.test_client()
    login(client, admin)
    path = write_csv(tmp_path / "customers.csv", [HEADER] + ROWS + [["budi01", "dup", "0812 9999 0000", "x", "1"]], ";")
    r = post_file(client, product, path)
    assert r.status_code == 303
    url = r.headers["Location"]
    page = parse(client.get(url).data)
    assert [n.get("hx-trigger") for n in page.iter() if (n.get("id") or "").endswith("-progress")] == ["every 1s"]  # waiting for the worker
    poll = client.get(url + "?poll=1", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and b"<html" not in poll.data and b"progress" in poll.data
    run_worker(redis_url, database_url)
    poll = client.get(url + "?poll=1", headers={"HX-Request": "true"})
    assert poll.status_code == 286 and poll.headers["HX-Refresh"] == "true"
    html = client.get(url).get_data(as_text=True)
    page = parse(html)
    mapping = page.by_id("database-mapping")
    assert mapping is not None and "No Rekening" not in [o.get("value") for o in mapping.find_all("option")]
    assert "1234567890123" not in html  # bank-account values never shown, even in the preview
    assert [o.get("value") for o in page.one("select#map-username").find_all("option[selected]")] == ["User ID"]
    r = client.post(url + "/mapping", data={"username": "User ID", "name": "Nama Lengkap", "phone": "No HP"})
    assert r.status_code == 303
    run_worker(redis_url, database_url)
    html = client.get(url).get_data(as_text=True)
    page = parse(html)
    assert page.by_id("report-imported").text() == "3" and page.by_id("report-rejected").text() == "1"
    assert "No Rekening" in html and page.by_id("database-quality") is not None and "budi01" in html
    rejected = client.get(url + "/rejected.csv")
    assert rejected.status_code == 200 and b"duplicate_in_file" in rejected.data
    rejected.close()
    frag = client.get(url + "?q=siti", headers={"HX-Request": "true"})
    assert b"<html" not in frag.data and parse(frag.data).by_id("database-records") is not None
    assert b"siti_02" in frag.data and b"budi01" not in frag.data
    overview = client.get("/databases").get_data(as_text=True)
    assert 'id="database-' in overview and "customers.csv" in overview
    r = client.post(url + "/revert", follow_redirects=True)
    assert "3" in r.get_data(as_text=True)
    live_db.expire_all()
    assert live_db.scalar(select(func.count()).select_from(CustomerRecord)) == 0


def test_bad_file_fails_and_the_worker_goes_on(live_app, live_db, redis_url, database_url, tmp_path):
    admin = make_user(live_db, "admin")
    product = make_product(live_db, "Gemilang")
    live_db.commit()
    client = live_app.test_client()
    login(client, admin)
    bomb = write_bomb(tmp_path / "bomb.xlsx", 64 << 20)
    bad_url = post_file(client, product, bomb).headers["Location"]
    good_url = post_file(client, product, write_csv(tmp_path / "good.csv", [["username", "phone"], ["ok1", "0812 3456 789"]])).headers["Location"]
    run_worker(redis_url, database_url)
    bad = client.get(bad_url).get_data(as_text=True)
    assert 'id="database-error"' in bad
    assert client.post(good_url + "/mapping", data={"username": "username", "phone": "phone"}).status_code == 303
    run_worker(redis_url, database_url)
    live_db.expire_all()
    statuses = dict(live_db.execute(select(CustomerDatabase.file_name, CustomerDatabase.status)).all())
    assert statuses == {"bomb.xlsx": "failed", "good.csv": "done"}
    assert live_db.scalar(select(CustomerRecord.username)) == "ok1"


def test_upload_form_errors(live_app, live_db, tmp_path):
    admin = make_user(live_db, "admin", locale="en")
    product = make_product(live_db, "Gemilang")
    live_db.commit()
    client = live_app.test_client()
    login(client, admin)
    r = client.post("/databases", data={"product_id": product.id}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Please choose a file." in r.get_data(as_text=True)
    fake = tmp_path / "fake.csv"
    fake.write_bytes(b"%PDF-1.4 binary\x00\x01\x02")
    r = post_file(client, product, fake)
    assert r.status_code == 422
    assert live_db.scalar(select(func.count()).select_from(CustomerDatabase)) == 0

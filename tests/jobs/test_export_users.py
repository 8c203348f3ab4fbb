"""The user export job: called directly, and through a real RQ worker on real Redis."""

import csv
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from crm.jobs.exports import export_users
from crm.models import JobRun
from crm.services import jobs
from tests.html import parse
from tests.conftest import login, make_user

EVIL = '=HYPERLINK("http://x")'
ROOT = Path(__file__).resolve().parents[2]


def _read(path: Path):
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return list(csv.reader(fh))
    ws = load_workbook(path).active
    return [[c.value for c in row] for row in ws.iter_rows()], ws


def test_export_job_direct_writes_inert_cells(db):
    admin = make_user(db, "admin")
    make_user(db, "staff", name=EVIL)
    for fmt in ("csv", "xlsx"):
        run = jobs.create(db, actor=admin, kind="export_users", params={"format": fmt})
        db.flush()
        export_users(run.id)
        db.refresh(run)
        assert run.status == JobRun.DONE and run.percent == 100, run.message
        path = Path(run.result_path)
        if fmt == "csv":
            rows = _read(path)
            assert ["'" + EVIL] == [r[1] for r in rows if EVIL in r[1]]
            assert rows[0][:3] == ["ID", "Name", "Email"]  # in the requesting admin's language
        else:
            rows, ws = _read(path)
            cells = [row[1] for row in ws.iter_rows() if row[1].value and EVIL in str(row[1].value)]
            assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].value == "'" + EVIL
        # a finished run is not redone
        mtime = path.stat().st_mtime_ns
        export_users(run.id)
        assert path.stat().st_mtime_ns == mtime


def test_export_through_real_worker_with_progress_and_download(live_app, live_db, redis_url, database_url):
    admin = make_user(live_db, "admin")
    make_user(live_db, "staff", name=EVIL)
    live_db.commit()
    client = live_app.test_client()
    login(client, admin)
    r = client.post("/admin/users/export", data={"format": "xlsx"})
    assert r.status_code == 303
    job_url = r.headers["Location"]
    page = client.get(job_url)
    assert page.status_code == 200 and b"<html" in page.data
    assert parse(page.data).one(".job-progress").get("hx-trigger") == "every 1s"  # polling until done
    env = dict(os.environ, REDIS_URL=redis_url, DATABASE_URL=database_url)
    out = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True)
    assert "Traceback" not in out.stderr, out.stderr
    # the polling fragment now answers 286 (stop polling) with the download link
    frag = client.get(job_url, headers={"HX-Request": "true"})
    assert frag.status_code == 286 and b"<html" not in frag.data
    assert b"Vary" not in frag.data and "HX-Request" in frag.headers["Vary"]
    assert b'hx-trigger' not in frag.data and b"/download" in frag.data
    run_id = int(job_url.rsplit("/", 1)[1])
    dl = client.get(f"/jobs/{run_id}/download")
    assert dl.status_code == 200 and dl.headers["Content-Disposition"].startswith("attachment")
    tmp = Path(live_app.config["CRM_EXPORT_DIR"]) / "downloaded.xlsx"
    tmp.write_bytes(dl.data)
    dl.close()
    rows, ws = _read(tmp)
    assert ["'" + EVIL] == [r[1] for r in rows if r[1] and EVIL in r[1]]
    # another admin cannot see or download this job
    other = make_user(live_db, "admin")
    live_db.commit()
    c2 = live_app.test_client()
    login(c2, other)
    assert c2.get(job_url).status_code == 404
    assert c2.get(f"/jobs/{run_id}/download").status_code == 404


def test_failed_job_is_recorded_and_worker_survives(live_db, redis_url, database_url):
    admin = make_user(live_db, "admin")
    bad = jobs.create(live_db, actor=admin, kind="export_users", params={"format": "pdf"})
    good = jobs.create(live_db, actor=admin, kind="export_users", params={"format": "csv"})
    live_db.commit()
    from crm.jobs import enqueue_run

    queue = os.environ["CRM_QUEUE"]
    enqueue_run(export_users, bad.id, redis_url=redis_url, queue_name=queue)
    enqueue_run(export_users, good.id, redis_url=redis_url, queue_name=queue)
    env = dict(os.environ, REDIS_URL=redis_url, DATABASE_URL=database_url)
    subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True)
    live_db.expire_all()
    assert live_db.get(JobRun, bad.id).status == JobRun.FAILED
    assert live_db.get(JobRun, bad.id).message == "Unknown export format."
    assert live_db.get(JobRun, good.id).status == JobRun.DONE

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, make_response, request, send_file, url_for
from flask_babel import gettext

from crm.web.access import requires
from crm.web.forms import apply_action, form_status, submit_form
from crm.web.views import actor, int_arg
from crm.web.htmx import is_htmx, redirect_after_post, render
from crm.db import get_session
from crm.forms.databases import UploadForm
from crm.jobs import enqueue_run, live_progress
from crm.jobs.imports import import_database, inspect_database
from crm.i18n import N_
from crm.models import CustomerDatabase, Role
from crm.services import databases
from crm.services.databases import revert as revert_svc, stats
from crm.services.imports import pipeline, rules
from crm.services import jobs, products
from crm.services.accounts import users
from crm.services.errors import DomainError, NotFound

bp = Blueprint("databases", __name__, url_prefix="/databases")

PROCESSING = (CustomerDatabase.UPLOADED, CustomerDatabase.INSPECTING, CustomerDatabase.IMPORTING)


def _upload_form(formdata=True) -> UploadForm:
    form = UploadForm() if formdata else UploadForm(formdata=None)
    form.product_id.choices = products.product_choices(get_session())
    if request.method == "GET" and request.args.get("product"):
        form.product_id.data = int_arg("product")
    return form


def _index(form=None, status=200):
    return render("databases/index.html", overview=stats.overview(get_session()), form=form or _upload_form(False), status=status)


@bp.route("", methods=["GET", "POST"])
@requires(Role.ADMIN)
def index():
    if request.method == "GET":
        return _index()
    form = _upload_form()
    upload = request.files.get("file")

    def store(session):
        db = pipeline.store_upload(session, actor=actor(), product_id=form.product_id.data, file_name=upload.filename,
                                   stream=upload.stream, upload_dir=Path(current_app.config["CRM_UPLOAD_DIR"]),
                                   max_bytes=current_app.config["MAX_CONTENT_LENGTH"], name=form.name.data or "")
        db.job_run_id = jobs.create(session, actor=actor(), kind="inspect_database", params={"database_id": db.id}).id
        return db

    done = submit_form(form, store, after_commit=lambda db: _enqueue(inspect_database, db.job_run_id, db.id),
                       redirect_to=lambda db: url_for("databases.show", database_id=db.id))
    return done or _index(form, form_status(form))


def _enqueue(func, run_id: int, database_id: int) -> None:
    """After the commit. If the queue cannot be reached the upload fails with a
    clear message (and its file is removed) instead of waiting forever."""
    try:
        enqueue_run(func, run_id, redis_url=current_app.config["REDIS_URL"], queue_name=current_app.config["CRM_QUEUE"])
    except Exception:  # noqa: BLE001 - Redis down or unreachable
        current_app.logger.exception("could not enqueue job run %s", run_id)
        session = get_session()
        session.rollback()
        error = DomainError(N_("The background worker could not be reached. Please try again in a moment."))
        pipeline.mark_failed(session, database_id, error)
        jobs.fail_run(session, run_id, error.message)
        session.commit()


def _get(database_id: int) -> CustomerDatabase:
    try:
        return databases.get_database(get_session(), database_id, kind="customer")
    except NotFound:
        abort(404)


@bp.route("/<int:database_id>")
@requires(Role.ADMIN)
def show(database_id: int):
    session = get_session()
    db = _get(database_id)
    run = jobs.get_run(session, db.job_run_id)
    progress = live_progress(run, current_app.config["REDIS_URL"]) if run is not None else None
    if is_htmx() and request.args.get("poll"):
        if db.status not in PROCESSING:
            response = make_response("", 286)
            response.headers["HX-Refresh"] = "true"
            response.vary.add("HX-Request")
            return response
        return render("databases/show.html", block="progress", db=db, run=run, progress=progress)
    uploader = users.find_user(session, db.uploaded_by_id)
    ctx = {"db": db, "run": run, "progress": progress, "product": products.get_product(session, db.product_id),
           "reasons": rules.REJECT_REASONS, "uploader": uploader}
    if db.status == CustomerDatabase.DONE:
        ctx["quality"] = stats.quality(session, db)
        ctx["can_revert"] = revert_svc.can_revert(session, db)
        ctx["records"] = databases.list_records(session, database_id=db.id, q=request.args.get("q", "")[:100], page=int_arg("page", 1))
        ctx["q"] = request.args.get("q", "")[:100]
    return render("databases/show.html", block="records" if request.args.get("q") is not None or request.args.get("page") else None, **ctx)


@bp.route("/<int:database_id>/mapping", methods=["POST"])
@requires(Role.ADMIN)
def mapping(database_id: int):
    db = _get(database_id)
    choice = databases.Mapping(
        username=request.form.get("username", ""),
        name=request.form.get("name") or None,
        phone=request.form.get("phone") or None,
    )

    def confirm(session) -> int:
        pipeline.confirm_mapping(session, actor=actor(), database_id=db.id, mapping=choice)
        db.job_run_id = jobs.create(session, actor=actor(), kind="import_database", params={"database_id": db.id}).id
        return db.job_run_id

    apply_action(confirm, None, after_commit=lambda run_id: _enqueue(import_database, run_id, db.id))
    return redirect_after_post(url_for("databases.show", database_id=database_id))


@bp.route("/<int:database_id>/revert", methods=["POST"])
@requires(Role.ADMIN)
def revert(database_id: int):
    _get(database_id)
    apply_action(lambda s: revert_svc.revert_import(s, actor=actor(), database_id=database_id),
                 lambda n: gettext("Import reverted: %(n)s records removed.", n=n))
    return redirect_after_post(url_for("databases.show", database_id=database_id))


@bp.route("/<int:database_id>/rejected.csv")
@requires(Role.ADMIN)
def rejected(database_id: int):
    db = _get(database_id)
    if not db.rejected_path or not Path(db.rejected_path).exists():
        abort(404)
    return send_file(db.rejected_path, as_attachment=True, download_name=f"rejected-{db.id}-{Path(db.file_name).stem}.csv",
                     mimetype="text/csv", max_age=0)

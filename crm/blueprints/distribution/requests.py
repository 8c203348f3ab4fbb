from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext

from crm.web.access import login_required, requires
from crm.web.forms import apply_action, form_status, submit_form
from crm.web.views import actor, int_arg, translate
from crm.web.htmx import redirect_after_post, render
from crm.db import get_session
from crm.forms.distribution import ApproveForm, RequestForm
from crm.models import RecordRequest, Role
from crm.services.distribution import requests as requests_svc
from crm.services import products
from crm.services.errors import DomainError

bp = Blueprint("requests", __name__, url_prefix="/requests")


def _form(formdata=True) -> RequestForm:
    form = RequestForm() if formdata else RequestForm(formdata=None)
    form.product_id.choices = products.product_choices(get_session())
    return form


def _page(form=None, status=200):
    session = get_session()
    me = actor()
    if me.has_role(Role.ADMIN):
        flt_status = request.args.get("status", RecordRequest.PENDING)
        if flt_status not in (RecordRequest.PENDING, RecordRequest.APPROVED, RecordRequest.REJECTED, RecordRequest.CANCELLED):
            flt_status = RecordRequest.PENDING
        page = requests_svc.list_requests(session, status=flt_status, page=int_arg("page", 1))
        loads = requests_svc.staff_load(session, [req.staff_id for req, _u, _p in page.items])
        available = requests_svc.available_counts(session, list({p.id for _r, _u, p in page.items}))
        return render("distribution/requests/admin.html", block="queue", page=page, loads=loads, available=available, status_filter=flt_status,
                      status=status)
    mine = requests_svc.list_own_requests(session, staff=me, page=int_arg("page", 1))
    return render("distribution/requests/staff.html", form=form or _form(False), mine=mine, status_labels=requests_svc.STATUS_LABELS,
                  max_quantity=requests_svc.MAX_REQUEST, note_max=requests_svc.NOTE_MAX, status=status)


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    if request.method == "GET":
        return _page()
    form = _form()
    done = submit_form(form, lambda session: requests_svc.create_request(session, actor=actor(), product_id=form.product_id.data,
                                                                          quantity=form.quantity.data, note=form.note.data or ""),
                       success=gettext("Request sent. An admin will decide soon."), redirect_to=url_for("requests.index"))
    return done or _page(form, form_status(form))


@bp.route("/<int:request_id>/cancel", methods=["POST"])
@login_required
def cancel(request_id: int):
    apply_action(lambda session: requests_svc.cancel_request(session, actor=actor(), request_id=request_id),
                 gettext("Request cancelled."))
    return redirect_after_post(url_for("requests.index"))


@bp.route("/<int:request_id>/approve", methods=["POST"])
@requires(Role.ADMIN)
def approve(request_id: int):
    form = ApproveForm()
    if not form.validate():
        for error in form.quantity.errors:
            flash(error, "error")
        return redirect_after_post(url_for("requests.index"))
    quantity = int(form.quantity.data) if form.quantity.data else None
    apply_action(lambda s: requests_svc.approve_request(s, actor=actor(), request_id=request_id, quantity=quantity,
                                               tz=current_app.config["CRM_TIMEZONE"]),
                 lambda batch: gettext("Approved: %(n)s records handed out.", n=batch.size_at_approval))
    return redirect_after_post(url_for("requests.index"))


@bp.route("/<int:request_id>/reject", methods=["POST"])
@requires(Role.ADMIN)
def reject(request_id: int):
    apply_action(lambda s: requests_svc.reject_request(s, actor=actor(), request_id=request_id, reason=request.form.get("reason", "")),
                 gettext("Request rejected."))
    return redirect_after_post(url_for("requests.index"))


@bp.route("/bulk", methods=["POST"])
@requires(Role.ADMIN)
def bulk():
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    action = request.form.get("action")
    if action not in ("approve", "reject"):
        flash(gettext("Choose Approve or Reject."), "error")
        return redirect_after_post(url_for("requests.index"))
    approve = action == "approve"
    if approve and request.form.get("reason", "").strip():
        # A reason typed and Enter pressed must never approve the selection.
        flash(gettext("You typed a rejection reason: use Reject selected, or clear the reason to approve."), "error")
        return redirect_after_post(url_for("requests.index"))
    apply_action(lambda session: requests_svc.bulk_decide(session, actor=actor(), request_ids=ids, approve=approve,
                                                           reason=request.form.get("reason", ""), tz=current_app.config["CRM_TIMEZONE"]),
                 _flash_bulk_results)
    return redirect_after_post(url_for("requests.index"))


def _flash_bulk_results(results) -> None:
    ok = sum(1 for r in results if r.ok)
    flash(gettext("%(ok)s of %(n)s requests done.", ok=ok, n=len(results)), "success" if ok == len(results) else "info")
    for r in results:
        if not r.ok:
            flash(gettext("Request #%(id)s: %(why)s", id=r.request_id, why=translate(DomainError(r.message, **(r.params or {})))), "error")

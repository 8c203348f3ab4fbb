from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext

from crm.blueprints._access import requires
from crm.blueprints._helpers import actor, flash_error, int_arg, safe_next
from crm.blueprints._htmx import redirect_after_post, render
from crm.db import get_session
from crm.models import Role
from crm.services import distribution as svc
from crm.services import products
from crm.services.errors import DomainError

bp = Blueprint("assignments", __name__, url_prefix="/admin/assignments")


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("")
@requires(Role.ADMIN)
def index():
    flt = svc.AssignmentFilter(
        staff_id=int_arg("staff"),
        product_id=int_arg("product"),
        batch_id=int_arg("batch"),
        wa=request.args.get("wa") or None,
        respond=request.args.get("respond") or None,
        date_from=_date("from"),
        date_to=_date("to"),
        q=request.args.get("q", "")[:100],
    )
    session = get_session()
    page = svc.list_assignments(session, flt, tz=current_app.config["CRM_TIMEZONE"], page=int_arg("page", 1))
    return render("assignments/index.html", block="results", page=page, flt=flt, staff=svc.staff_choices(session),
                  products=products.list_products(session))


def _ids() -> list[int]:
    return [int(i) for i in request.form.getlist("ids") if i.isdigit()]


@bp.route("/reassign", methods=["POST"])
@requires(Role.ADMIN)
def reassign():
    session = get_session()
    try:
        n = svc.reassign(session, actor=actor(), record_ids=_ids(), to_staff_id=request.form.get("to_staff_id", type=int))
        session.commit()
        flash(gettext("%(n)s records reassigned.", n=n), "success")
    except DomainError as e:
        session.rollback()
        flash_error(e)
    return redirect_after_post(safe_next(request.form.get("next"), url_for("assignments.index")))


@bp.route("/return", methods=["POST"])
@requires(Role.ADMIN)
def return_to_pool():
    session = get_session()
    try:
        n = svc.return_to_pool(session, actor=actor(), record_ids=_ids())
        session.commit()
        flash(gettext("%(n)s records returned to the pool.", n=n), "success")
    except DomainError as e:
        session.rollback()
        flash_error(e)
    return redirect_after_post(safe_next(request.form.get("next"), url_for("assignments.index")))

"""The customer-record row's own route: one tap on a status toggle, from any
page that shows record rows (crm/web/rows.py)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from crm.db import get_session
from crm.services.errors import DomainError, NotFound
from crm.services.records import toggles
from crm.web.access import login_required
from crm.web.htmx import is_htmx
from crm.web.rows import record_rows
from crm.web.views import actor, flash_error, safe_next, translate

bp = Blueprint("records", __name__)


def _fragment(body: str, status: int = 200):
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


@bp.route("/my/records/<int:record_id>/status", methods=["POST"])
@login_required
def set_status(record_id: int):
    """htmx: answers the row and, out of band, the counts of the region it is
    shown in; a refused tap (422) answers the row with the message inside;
    a record taken away meanwhile answers a notice in place of the row.
    Without JavaScript: back (303) to the page it came from, as it was."""
    session = get_session()
    me = actor()
    region = request.form.get("region", "")[:40]
    back = safe_next(request.form.get("next"), url_for("main.home"))
    try:
        tap = toggles.tap(session, actor=me, record_id=record_id, choice=request.form.get("set", ""), region=region)
    except NotFound:
        session.rollback()
        if not is_htmx():
            abort(404)
        return _gone(record_id)
    except DomainError as e:
        session.rollback()
        if not is_htmx():
            flash_error(e)
            return redirect(f"{back}#record-{record_id}-row", code=303)
        try:
            record, product = toggles.shown_record(session, staff=me, record_id=record_id)
        except NotFound:
            return _gone(record_id)
        [row] = record_rows([record], products={product.id: product}, region=region, back=back, error=translate(e))
        return _fragment(render_template("_partials/record_row.html", row=row), 422)
    if not is_htmx():
        session.commit()
        return redirect(f"{back}#record-{record_id}-row", code=303)
    # Everything the answer shows was read in the tap's transaction: one commit.
    [row] = record_rows([tap.record], products={tap.product.id: tap.product}, region=tap.region.key, back=back)
    session.commit()
    return _fragment(render_template("_partials/record_answer.html", row=row, region=tap.region, counts=tap.counts, oob=True))


def _gone(record_id: int):
    """Taken away (reassigned or returned) while the page was open: say so in place of the row."""
    return _fragment(render_template("_partials/record_gone.html", record_id=record_id))

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, make_response, request, url_for

from crm.web.access import login_required
from crm.web.views import actor, int_arg, safe_next, translate
from crm.web.htmx import is_htmx, redirect_after_post, render
from crm.web.rows import prebuilt, record_rows, this_page
from crm.db import get_session, release_session
from crm.services.distribution import batches as batches_svc
from crm.services.records import statuses
from crm.services.records.regions import Region
from crm.services import products
from crm.services.errors import DomainError, NotFound
from crm.web.templating import load_nav

bp = Blueprint("batches", __name__)


def _filters():
    sort = request.args.get("sort", "date")
    return {
        "product_id": int_arg("product"),
        "unfinished": request.args.get("unfinished") == "1",
        "sort": sort if sort in batches_svc.SORTS else "date",
    }


@bp.route("/my/batches")
@login_required
def index():
    flt = _filters()
    page = batches_svc.list_batches(get_session(), staff=actor(), page=int_arg("page", 1), **flt)
    return render("distribution/batches/index.html", block="cards", page=page, flt=flt, products=products.list_products(get_session()))


def _batch(batch_id: int):
    try:
        return batches_svc.get_batch(get_session(), staff=actor(), batch_id=batch_id)
    except NotFound:
        abort(404)


@bp.route("/my/batches/<int:batch_id>")
@login_required
def show(batch_id: int):
    session = get_session()
    me = actor()
    try:
        card, product = batches_svc.open_batch(session, staff=me, batch_id=batch_id)
    except NotFound:
        abort(404)
    batch = card.batch
    wa = request.args.get("wa") if request.args.get("wa") in statuses.WA_FILTERS else None
    respond = request.args.get("respond") if request.args.get("respond") in statuses.RESPOND_FILTERS else None
    q = request.args.get("q", "")[:100]
    records = batches_svc.list_batch_records(session, staff=me, batch=batch, wa=wa, respond=respond, q=q, page=int_arg("page", 1), total=card.size)
    full_page = not is_htmx()
    if full_page:
        load_nav(session)
    release_session()  # all read (plain rows): render without holding the connection
    region = Region("batch", batch.id)
    rows = record_rows(records.items, products={product.id: product}, region=region.key, back=this_page())
    return render("distribution/batches/show.html", block="records", batch=batch, card=card, product=product, records=records,
                  rows=rows, region=region, counts=card.counts, flt=SimpleNamespace(wa=wa, respond=respond, q=q),
                  status_filters=prebuilt("_partials/record_filters.html", wa=wa, respond=respond) if full_page else None)


@bp.route("/my/batches/<int:batch_id>/title", methods=["POST"])
@login_required
def rename(batch_id: int):
    session = get_session()
    _batch(batch_id)
    try:
        batches_svc.rename_batch(session, actor=actor(), batch_id=batch_id, title=request.form.get("title", ""))
        session.commit()
    except DomainError as e:
        session.rollback()
        if is_htmx():
            return make_response(translate(e), 422)
        from crm.web.views import flash_error

        flash_error(e)
    return redirect_after_post(safe_next(request.form.get("next"), url_for("batches.show", batch_id=batch_id)))


@bp.route("/my/batches/<int:batch_id>/pin", methods=["POST"])
@login_required
def pin(batch_id: int):
    session = get_session()
    _batch(batch_id)
    batches_svc.set_pinned(session, actor=actor(), batch_id=batch_id, pinned=request.form.get("pinned") == "1")
    session.commit()
    return redirect_after_post(safe_next(request.form.get("next"), url_for("batches.index")))

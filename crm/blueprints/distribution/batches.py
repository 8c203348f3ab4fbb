from __future__ import annotations

import functools
import html
from types import SimpleNamespace

from flask import Blueprint, abort, make_response, request, url_for
from flask_babel import force_locale, get_locale, gettext
from markupsafe import Markup, escape
from jinja2_fragments.flask import render_block

from crm.web.access import login_required
from crm.web.views import actor, int_arg, safe_next, translate
from crm.web.htmx import is_htmx, redirect_after_post, render
from crm.db import get_session, release_session
from crm.services.distribution import batches as batches_svc
from crm.services.records import statuses
from crm.services.records import toggles
from crm.services import products
from crm.services.errors import DomainError, NotFound
from crm.web.templating import csrf_token, load_nav

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
    if not is_htmx():
        load_nav(session)
    release_session()  # all read (plain rows): render without holding the connection
    return render("distribution/batches/show.html", block="records", batch=batch, card=card, records=records, product=product,
                  flt=SimpleNamespace(wa=wa, respond=respond, q=q), **_rows_context(product, batch, records.items))


def _rows_context(product: batches_svc.ProductRow, batch: batches_svc.BatchRow, rows) -> dict:
    """What the record rows need, prepared once per page rather than once per row."""
    locale = str(get_locale())
    copy_link, copied_label, no_phone = _row_texts(locale)
    # The rows render with autoescape off (see the template): escape here.
    ui = SimpleNamespace(
        copy_link=copy_link,
        copied_label=copied_label,
        no_phone=no_phone,
        hidden_inputs=Markup('<input type="hidden" name="csrf_token" value="{}"><input type="hidden" name="next" value="{}">')
        .format(csrf_token(), url_for("batches.show", batch_id=batch.id)),
    )
    make_link = products.wa_link_maker(product)
    prefix = _status_prefix(request.script_root)
    toggles = _toggle_table(locale)
    # One tuple per row with everything it shows, ready to output as is (the
    # rows render with autoescape off): customer values escaped here; wa.me
    # links hold no HTML-special character (digits and percent-encoding).
    items = [
        (r.id, html.escape(r.username), html.escape(r.name) if r.name else "", make_link(r.phone, r.name, r.username),
         f"{prefix}{r.id}/status", toggles[r.wa_status, r.respond_status])
        for r in rows
    ]
    return {"items": items, "ui": ui}


@functools.lru_cache(maxsize=8)
def _row_texts(locale: str) -> tuple[Markup, Markup, Markup]:
    with force_locale(locale):
        return escape(gettext("Copy link")), escape(gettext("Copied!")), escape(gettext("No phone"))


@functools.lru_cache(maxsize=8)
def _status_prefix(_script_root: str) -> str:
    """/my/records/ (under the app's root): a record's status URL is prefix + id + /status."""
    return url_for("batches.set_status", record_id=0).removesuffix("0/status")


def _button(field: str, value: str, label: str, pressed: bool) -> Markup:
    return Markup(
        '<button type="submit" name="set" value="{f}:{v}" class="toggle {f}-{value}" aria-pressed="{p}" '
        'data-field="{f}" data-value="{value}">{label}</button>'
    ).format(f=field, v="" if pressed else value, value=value, p="true" if pressed else "false", label=label)


class _ToggleTable(dict):
    """(wa status, respond status) → both toggle groups of a record in those
    statuses, built on first use per language (4 × 3 variants). A tapped
    button posts set=<field>:<value>; tapping the pressed one posts an empty
    value, which clears."""

    def __init__(self, locale: str):
        super().__init__()
        self.locale = locale

    def __missing__(self, key: tuple[str | None, str | None]) -> Markup:
        wa, respond = key
        with force_locale(self.locale):
            groups = (
                ("wa", wa, (("ada", "ada"), ("ceklis1", "ceklis1"), ("tidak", gettext("no WA"))), gettext("WhatsApp status")),
                ("respond", respond, (("ya", gettext("replied")), ("tidak", gettext("no reply"))), gettext("Response")),
            )
            html = Markup("")
            for field, current, options, group_label in groups:
                buttons = Markup("").join(_button(field, value, label, current == value) for value, label in options)
                html += Markup('<div class="toggle-group" role="group" aria-label="{}">{}</div>').format(group_label, buttons)
        self[key] = html
        return html


@functools.lru_cache(maxsize=8)
def _toggle_table(locale: str) -> _ToggleTable:
    return _ToggleTable(locale)


@bp.route("/my/records/<int:record_id>/status", methods=["POST"])
@login_required
def set_status(record_id: int):
    """One tap: htmx swaps only this record's row and the batch counts (out of band)."""
    session = get_session()
    me = actor()
    # One form per record: the tapped button posts set=<field>:<value> (empty value clears).
    if "set" in request.form:
        field, _sep, value = request.form.get("set", "").partition(":")
    else:
        field, value = request.form.get("field", ""), request.form.get("value", "")
    value = value or None
    try:
        record = toggles.set_status(session, actor=me, record_id=record_id, field=field, value=value)
    except NotFound:
        if is_htmx():
            # Taken away (reassigned or returned) while the page was open: say so in place of the row.
            response = make_response(render_block("distribution/batches/show.html", "record_gone", record_id=record_id), 200)
            response.vary.add("HX-Request")
            return response
        abort(404)
    except DomainError as e:
        session.rollback()
        return make_response(translate(e), 422)
    if not is_htmx():
        session.commit()
        return redirect_after_post(safe_next(request.form.get("next"), url_for("batches.show", batch_id=record.batch_id)))
    # Everything the fragment needs is read in the same transaction, then one commit.
    card, product = batches_svc.open_batch(session, staff=me, batch_id=record.batch_id)
    batch = card.batch
    session.commit()
    ctx = {"batch": batch, "card": card, "product": product, "oob": True, **_rows_context(product, batch, [record])}
    body = render_block("distribution/batches/show.html", "record_items", **ctx) + render_block("distribution/batches/show.html", "batch_counts", **ctx)
    response = make_response(body)
    response.vary.add("HX-Request")
    return response


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

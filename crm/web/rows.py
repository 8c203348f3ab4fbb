"""The customer-record row, as every page that lists records shows it.

A page of records (the batch page now; reserved members and the special lists
next) builds its rows with `record_rows(...)` and shows each with the macro of
`_partials/record_row.html`:

    {% from "_partials/record_row.html" import record_rows %}
    <ul class="records">{{ record_rows(rows) }}</ul>

The status toggle (crm/blueprints/records.py) answers the same partial for the
tapped row, plus the counts of the row's region out of band
(the macro `region_counts(region, counts, oob)` of `_partials/record_counts_<kind>.html`; the page
includes it too). So the page and the toggle share one source of markup.

For a new kind of list (reserved members, a special list): register its
region kind (crm.services.records.regions), add its counts partial, build the
rows with `record_rows(records, products=..., region=Region(kind, id).key,
back=this_page())` and show them with the macro above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple, Protocol

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from crm.web.templating import csrf_token

from crm.services import products as products_svc


class RecordRow(NamedTuple):
    """What `_partials/record_row.html` shows of one record: the row's context
    contract. A tuple, which the partial unpacks in this field order (the
    batch page shows 50 rows: no attribute lookups per row)."""

    id: int
    username: str
    name: str
    wa_link: str | None  # wa.me link with the product's message, None without a phone
    status_url: str  # where its toggles post
    wa_status: str | None
    respond_status: str | None
    region: str  # the region key its form posts ("batch:42"), see crm.services.records.regions
    back: str  # where a toggle without JavaScript returns: the page, with its filter, search and page number
    controls: Markup  # its form's inputs: the row partial's hidden_inputs (once a page) + its status toggles, prebuilt per pair of statuses
    error: str | None = None  # a refused tap's message, shown inside the row


class _Record(Protocol):
    id: int
    username: str
    name: str | None
    phone: str | None
    wa_status: str | None
    respond_status: str | None
    product_id: int


def this_page() -> str:
    """The current page's URL with its query: where the rows' toggles return
    without JavaScript (for an htmx GET, the URL htmx pushes)."""
    return request.script_root + request.full_path.removesuffix("?")


def record_rows(records: Iterable[_Record], *, products: Mapping[int, object], region: str, back: str,
                error: str | None = None) -> list[RecordRow]:
    """Rows for `records` (ORM records or plain rows) shown in `region`;
    `products`: id → product (for the WhatsApp message) of every record."""
    prefix = url_for("records.set_status", record_id=0).removesuffix("0/status")
    language = _language()
    makers = {pid: products_svc.wa_link_maker(product) for pid, product in products.items()}
    # The hidden inputs are the same for every row of the call: rendered once,
    # joined to each pair of statuses' prebuilt toggles once.
    hidden = current_app.jinja_env.get_template("_partials/record_row.html").module.hidden_inputs(csrf_token(), region, back)
    controls: dict = {}
    new = tuple.__new__  # RecordRow(...) without its keyword handling: 50 rows a page
    rows = []
    append = rows.append
    for r in records:
        wa, respond = r.wa_status, r.respond_status
        pair_controls = controls.get((wa, respond))
        if pair_controls is None:
            pair_controls = controls[wa, respond] = hidden + _prebuilt(language, "_partials/record_toggles.html", {"wa": wa, "respond": respond})
        record_id, username, name = r.id, r.username, r.name
        append(new(RecordRow, (record_id, username, name or "", makers[r.product_id](r.phone, name, username),
                               f"{prefix}{record_id}/status", wa, respond, region, back, pair_controls, error)))
    return rows


_PREBUILT: dict[tuple, Markup] = {}
_PREBUILT_MAX = 256


def prebuilt(template: str, **context) -> Markup:
    """`template` rendered with `context` once per language, then reused: for
    a part of a page that depends on a few small values and nothing else of
    the request (the toggles of a pair of statuses: 12 variants, so a page of
    50 rows does not render 250 buttons; the status filters). The markup is
    the template's, autoescaped; this only remembers it. Not remembered while
    templates reload (development)."""
    return _prebuilt(_language(), template, context)


def _language() -> tuple[str, str]:
    """What a prebuilt part may depend on besides its context: the language (and the app's root)."""
    return str(get_locale()), request.script_root


def _prebuilt(language: tuple[str, str], template: str, context: dict) -> Markup:
    key = (language, template, *sorted(context.items()))
    html = _PREBUILT.get(key)
    if html is None:
        html = Markup(render_template(template, **context))
        if not current_app.jinja_env.auto_reload:
            if len(_PREBUILT) >= _PREBUILT_MAX:
                _PREBUILT.clear()
            _PREBUILT[key] = html
    return html

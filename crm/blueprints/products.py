from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext

from crm.web.access import requires
from crm.web.forms import apply_action, form_status, submit_form
from crm.web.views import actor
from crm.web.htmx import redirect_after_post, render
from crm.db import get_session
from crm.forms.products import ProductForm
from crm.models import Role
from crm.models.products import DEFAULT_WA_TEMPLATE
from crm.services import products as svc

bp = Blueprint("products", __name__, url_prefix="/products")


def _page(form=None, status=200):
    form = form or ProductForm(formdata=None, wa_template=DEFAULT_WA_TEMPLATE)
    return render("products/index.html", products=svc.list_products(get_session()), form=form, status=status)


@bp.route("", methods=["GET", "POST"])
@requires(Role.ADMIN)
def index():
    if request.method == "GET":
        return _page()
    form = ProductForm()
    done = submit_form(form, lambda session: svc.create_product(session, actor=actor(), name=form.name.data,
                                                                 wa_template=form.wa_template.data),
                       success=gettext("Product saved."), redirect_to=url_for("products.index"))
    return done or _page(form, form_status(form))


@bp.route("/<int:product_id>", methods=["POST"])
@requires(Role.ADMIN)
def update(product_id: int):
    apply_action(lambda s: svc.update_product(s, actor=actor(), product_id=product_id, name=request.form.get("name", ""),
                                              wa_template=request.form.get("wa_template", "")),
                 gettext("Product saved."))
    return redirect_after_post(url_for("products.index"))


@bp.route("/<int:product_id>/archive", methods=["POST"])
@requires(Role.ADMIN)
def archive(product_id: int):
    archived = request.form.get("archived") == "1"
    apply_action(lambda s: svc.set_archived(s, actor=actor(), product_id=product_id, archived=archived),
                 gettext("Product archived.") if archived else gettext("Product restored."))
    return redirect_after_post(url_for("products.index"))

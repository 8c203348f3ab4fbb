from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext

from crm.web.access import requires
from crm.web.forms import apply_action
from crm.web.views import actor
from crm.web.htmx import redirect_after_post, render
from crm.db import get_session
from crm.forms.sidebar import FolderForm
from crm.models import Role
from crm.services import sidebar as svc

bp = Blueprint("sidebar", __name__, url_prefix="/admin/sidebar")


def _page(form=None, status=200):
    tree = svc.config_tree(get_session())
    folders = [n for n in tree if n.kind == "folder"]
    return render(
        "sidebar/index.html", block="editor", tree=tree, folders=folders, form=form or FolderForm(), roles=list(Role), status=status
    )


@bp.route("")
@requires(Role.ADMIN)
def index():
    return _page()


def _apply(fn):
    apply_action(fn, gettext("Sidebar saved."))
    return redirect_after_post(url_for("sidebar.index"))


def _int(name: str) -> int | None:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return None


@bp.route("/folders", methods=["POST"])
@requires(Role.ADMIN)
def create_folder():
    form = FolderForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    return _apply(lambda s: svc.create_folder(s, actor=actor(), label=form.label.data))


@bp.route("/folders/<int:folder_id>/rename", methods=["POST"])
@requires(Role.ADMIN)
def rename_folder(folder_id: int):
    return _apply(lambda s: svc.rename_folder(s, actor=actor(), folder_id=folder_id, label=request.form.get("label", "")))


@bp.route("/folders/<int:folder_id>/delete", methods=["POST"])
@requires(Role.ADMIN)
def delete_folder(folder_id: int):
    return _apply(lambda s: svc.delete_folder(s, actor=actor(), folder_id=folder_id))


@bp.route("/pages/<page_key>/folder", methods=["POST"])
@requires(Role.ADMIN)
def move_page(page_key: str):
    return _apply(lambda s: svc.move_page(s, actor=actor(), page_key=page_key, folder_id=_int("folder_id")))


@bp.route("/move", methods=["POST"])
@requires(Role.ADMIN)
def move():
    offset = -1 if request.form.get("direction") == "up" else 1
    return _apply(
        lambda s: svc.move_entry(s, actor=actor(), entry_id=_int("entry_id"), page_key=request.form.get("page_key") or None, offset=offset)
    )


@bp.route("/reorder", methods=["POST"])
@requires(Role.ADMIN)
def reorder():
    tokens = [t for t in request.form.get("order", "").split(",") if t][:200]
    return _apply(lambda s: svc.reorder(s, actor=actor(), parent_id=_int("parent_id"), tokens=tokens))


@bp.route("/pages/<page_key>/visibility", methods=["POST"])
@requires(Role.ADMIN)
def visibility(page_key: str):
    hidden = request.form.get("hidden") == "1"
    return _apply(lambda s: svc.set_hidden(s, actor=actor(), page_key=page_key, role=request.form.get("role", ""), hidden=hidden))

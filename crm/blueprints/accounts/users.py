from __future__ import annotations

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext

from crm.web.access import requires
from crm.web.forms import apply_action, form_status, submit_form
from crm.web.views import actor, int_arg, safe_next
from crm.web.htmx import redirect_after_post, render
from crm.db import get_session
from crm.forms.accounts import NewUserForm, UserForm
from crm.jobs import enqueue_run
from crm.jobs.exports import export_users
from crm.models import Role
from crm.services import audit, jobs
from crm.services.accounts import users as svc
from crm.services.accounts import hierarchy
from crm.services.errors import DomainError
from crm.services.exports import FORMATS

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


def _filter() -> svc.UserFilter:
    active = request.args.get("active")
    return svc.UserFilter(
        q=request.args.get("q", "")[:100],
        role=request.args.get("role") or None,
        active={"1": True, "0": False}.get(active or ""),
    )


@bp.route("")
@requires(Role.ADMIN)
def index():
    flt = _filter()
    page = svc.list_users(get_session(), flt, page=int_arg("page", 1), per_page=current_app.config["CRM_PAGE_SIZE"])
    return render("accounts/users.html", block="results", page=page, flt=flt, roles=[r.value for r in Role], me=actor(), can_manage=hierarchy.can_manage)


def _user_form(user=None, form_class=UserForm) -> UserForm:
    form = form_class(obj=user if request.method == "GET" else None)
    me = actor()
    roles = hierarchy.grantable_roles(me)
    if user is not None and user.role_enum not in roles:
        roles = [user.role_enum] + roles
    form.set_roles(roles)
    return form


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def create():
    form = _user_form(form_class=NewUserForm)
    if request.method == "GET":
        form.role.data = Role.STAFF.value
        form.active.data = True
    done = submit_form(
        form,
        lambda session: svc.create_user(session, actor=actor(), email=form.email.data, name=form.name.data,
                                        password=form.password.data, role=form.role.data, active=form.active.data,
                                        locale=form.locale.data or None),
        success=lambda user: gettext("User %(name)s created.", name=user.name),
        redirect_to=url_for("admin_users.index"),
    )
    return done or render("accounts/user_form.html", form=form, user=None, status=form_status(form))


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit(user_id: int):
    user = _get(user_id)
    if not hierarchy.can_manage(actor(), user):
        abort(403)
    form = _user_form(user)
    changes = svc.UserChanges(email=form.email.data, name=form.name.data, role=form.role.data, active=form.active.data,
                              password=form.password.data or "", locale=form.locale.data or None)
    done = submit_form(form, lambda session: svc.update_user(session, actor=actor(), user=user, changes=changes),
                       success=lambda saved: gettext("Changes to %(name)s saved.", name=saved.name),
                       redirect_to=url_for("admin_users.index"))
    return done or render("accounts/user_form.html", form=form, user=user, status=form_status(form),
                          history=svc.history_of(get_session(), user))


def _get(user_id: int):
    try:
        return svc.get_user(get_session(), user_id)
    except DomainError:
        abort(404)


def _act(user_id: int, fn, done_message: str):
    user = _get(user_id)
    name = user.name
    apply_action(lambda session: fn(session, user), done_message % {"name": name})
    return redirect_after_post(safe_next(request.form.get("next"), url_for("admin_users.index")))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@requires(Role.ADMIN)
def deactivate(user_id: int):
    return _act(user_id, lambda s, u: svc.set_active(s, actor=actor(), user=u, active=False), gettext("%(name)s is deactivated."))


@bp.route("/<int:user_id>/activate", methods=["POST"])
@requires(Role.ADMIN)
def activate(user_id: int):
    return _act(user_id, lambda s, u: svc.set_active(s, actor=actor(), user=u, active=True), gettext("%(name)s is active again."))


@bp.route("/<int:user_id>/delete", methods=["POST"])
@requires(Role.ADMIN)
def delete(user_id: int):
    return _act(user_id, lambda s, u: svc.delete_user(s, actor=actor(), user=u), gettext("%(name)s is deleted."))


@bp.route("/export", methods=["POST"])
@requires(Role.ADMIN)
def export():
    fmt = request.form.get("format", "csv")
    if fmt not in FORMATS:
        abort(400)
    session = get_session()
    params = {"format": fmt, "q": request.form.get("q", "")[:100], "role": request.form.get("role") or None,
              "active": request.form.get("active") or None}
    run = jobs.create(session, actor=actor(), kind="export_users", params=params)
    audit.record(session, actor=actor(), action="export.request", target_type="users", target_label=fmt, after=params)
    session.commit()
    enqueue_run(export_users, run.id, redis_url=current_app.config["REDIS_URL"], queue_name=current_app.config["CRM_QUEUE"])
    return redirect_after_post(url_for("jobs.show", run_id=run.id))

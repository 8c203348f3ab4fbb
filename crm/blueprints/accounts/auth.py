from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from crm.web.access import login_required, public
from crm.web.forms import form_status, submit_form
from crm.web.views import actor, safe_next
from crm.web.htmx import redirect_after_post, render
from crm.db import get_session
from crm.forms.accounts import LoginForm, PasswordChangeForm, PreferencesForm
from crm.i18n import LOCALES, N_
from crm.services.accounts import users as user_service
from crm.services.accounts import auth as accounts_auth
from crm.web.throttle import login_throttle

bp = Blueprint("auth", __name__)

ONE_YEAR = 60 * 60 * 24 * 365


def _throttle_keys() -> list[str]:
    """Failed sign-ins count per IP and per email (so neither many emails from
    one address nor one email from many addresses gets unlimited tries)."""
    email = user_service.normalize_email(request.form.get("email", ""))[:254]
    return [f"login-ip:{request.remote_addr or '-'}", f"login-email:{email}"]


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if request.method == "POST":
        keys = _throttle_keys()
        wait = login_throttle().wait_seconds(keys)
        if wait:
            raise TooManyRequests(retry_after=wait)
        if form.validate_on_submit():
            session = get_session()
            user = accounts_auth.authenticate(session, form.email.data, form.password.data)
            if user is not None:
                session.commit()
                login_user(user, remember=bool(form.remember.data))
                return redirect(safe_next(request.args.get("next"), url_for("main.home")), code=303)
            form.form_errors.append(gettext("Wrong email or password, or the account is deactivated."))
        login_throttle().failed(keys)
        status = 422
    return render("accounts/login.html", form=form, status=status)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    logout_user()
    flash(gettext("You are signed out."), "info")
    return redirect_after_post(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = actor()
    prefs = PreferencesForm(prefix="prefs", obj=None if request.method == "POST" else user)
    password_form = PasswordChangeForm(prefix="pw")
    done = submit_form(prefs, lambda session: accounts_auth.update_preferences(session, user=user, name=prefs.name.data,
                                                                               locale=prefs.locale.data),
                       success=lambda saved: _in_locale(saved.locale, N_("Saved.")), redirect_to=url_for("auth.account"))
    return done or render("accounts/account.html", prefs=prefs, password_form=password_form, status=form_status(prefs))


def _in_locale(locale: str, message: str) -> str:
    """A confirmation in the language just chosen."""
    with force_locale(locale):
        return gettext(message)


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    user = actor()
    prefs = PreferencesForm(prefix="prefs", obj=user, formdata=None)
    form = PasswordChangeForm(prefix="pw")
    done = submit_form(form, lambda session: accounts_auth.change_own_password(session, user=user, current=form.current_password.data,
                                                                               new=form.new_password.data),
                       after_commit=login_user,  # this session follows the new token; all others end
                       success=gettext("Your password has been changed."), redirect_to=url_for("auth.account"))
    return done or render("accounts/account.html", prefs=prefs, password_form=form, status=422)


def _back(default: str):
    return safe_next(request.form.get("next") or request.referrer and _local(request.referrer), default)


def _local(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.route("/theme", methods=["POST"])
@public
def theme():
    """No-JS fallback of the theme toggle (app.js sets the same cookie instantly)."""
    value = request.form.get("theme", "auto")
    if value not in ("light", "dark", "auto"):
        value = "auto"
    response = make_response(redirect(_back(url_for("main.home")), code=303))
    response.set_cookie("theme", value, max_age=ONE_YEAR, samesite="Lax", secure=current_app.config["CRM_HTTPS"])
    return response


@bp.route("/language", methods=["POST"])
@public
def language():
    """Language for the sign-in page (signed-in users choose on /account)."""
    value = request.form.get("locale", "")
    response = make_response(redirect(_back(url_for("auth.login")), code=303))
    if value in LOCALES:
        response.set_cookie("lang", value, max_age=ONE_YEAR, samesite="Lax", secure=current_app.config["CRM_HTTPS"])
        if current_user.is_authenticated:
            accounts_auth.update_preferences(get_session(), user=actor(), name=current_user.name, locale=value)
            get_session().commit()
    return response

"""Form glue: the one form-submit helper (and its sibling for buttons without
a form), and service errors shown on forms.

Forms validate shape (crm/forms); services decide permissions and
uniqueness. A view hands its form and one service call to `submit_form`:

    done = submit_form(form, lambda session: svc.create_x(session, actor=actor(), ...),
                       success=gettext("Saved."), redirect_to=url_for("x.index"))
    return done or render("x/form.html", form=form, status=form_status(form))
"""

from __future__ import annotations

from typing import Callable, TypeVar

from flask import Response, abort, flash
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from crm.db import get_session
from crm.services.errors import DomainError
from crm.web.htmx import redirect_after_post
from crm.web.views import translate

T = TypeVar("T")


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service error under its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [translate(error)]
    else:
        form.form_errors.append(translate(error))


def _commit(action: Callable[[Session], T]) -> tuple[T | None, DomainError | None]:
    """Run one service call in the request's session and commit; a domain
    error rolls everything back and is returned."""
    session = get_session()
    try:
        result = action(session)
        session.commit()
    except DomainError as error:
        session.rollback()
        return None, error
    return result, None


def submit_form(form: FlaskForm, action: Callable[[Session], T], *, redirect_to: str | Callable[[T], str],
                success: str | Callable[[T], str] | None = None,
                after_commit: Callable[[T], None] | None = None) -> Response | None:
    """A submitted, valid form: run `action(session)` (one service call), commit,
    run `after_commit` (e.g. enqueue a job), flash `success` and redirect
    (303, or HX-Redirect for htmx). A domain error rolls back and is shown on
    the form. Returns None when the form is not submitted, invalid or refused:
    the caller renders it again with `form_status(form)`."""
    if not form.validate_on_submit():
        return None
    result, error = _commit(action)
    if error is not None:
        attach_error(form, error)
        return None
    if after_commit is not None:
        after_commit(result)
    if success:
        flash(success(result) if callable(success) else success, "success")
    return redirect_after_post(redirect_to(result) if callable(redirect_to) else redirect_to)


def apply_action(action: Callable[[Session], T], success: str | Callable[[T], str | None] | None, *,
                 after_commit: Callable[[T], None] | None = None) -> bool:
    """A button without a form (approve, archive, revert…): run `action(session)`,
    commit, run `after_commit`, flash `success` (a message, or a function of the
    result that may flash by itself and return None); or roll back and flash
    the domain error in the user's language. A record that does not exist or
    is not the user's answers 404, like a page would."""
    result, error = _commit(action)
    if error is not None:
        if error.status == 404:
            abort(404)
        flash(translate(error), "error")
        return False
    if after_commit is not None:
        after_commit(result)
    message = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return True


def form_status(form: FlaskForm) -> int:
    """200 for a fresh form, 422 for one sent back with errors."""
    return 422 if form.is_submitted() else 200

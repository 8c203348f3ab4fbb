"""Full page or fragment, decided in one place."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(template: str, block: str | None = None, status: int = 200, **context) -> Response:
    """Render the page, or only `block` for htmx requests; always Vary: HX-Request."""
    if block and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(url: str) -> Response:
    response = make_response("", 200)
    response.headers["HX-Redirect"] = url
    return response


def redirect_after_post(url: str) -> Response:
    """htmx: HX-Redirect; plain form: 303 See Other."""
    if is_htmx():
        return hx_redirect(url)
    from flask import redirect

    return redirect(url, code=303)

"""Products: create, rename, archive, WhatsApp message template."""

from __future__ import annotations

import functools

from collections.abc import Callable
from operator import itemgetter
from string import Formatter
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import Product, Role
from crm.services.actor import Actor, require_role
from crm.services import audit
from crm.services.errors import Conflict, NotFound, ValidationFailed
from crm.services.phones import wa_link

NAME_MAX = 80
TEMPLATE_MAX = 1000

audit.register_action("product.create", N_("Product created"))
audit.register_action("product.update", N_("Product changed"))
audit.register_action("product.archive", N_("Product archived"))
audit.register_action("product.unarchive", N_("Product restored"))

_ADMINS_ONLY = N_("Only admins can manage products.")


def _name(session: Session, name: str, exclude_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(N_("Please enter a product name."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(N_("The name can have at most %(n)s characters."), field="name", n=NAME_MAX)
    stmt = select(Product.id).where(func.lower(Product.name) == name.lower())
    if exclude_id:
        stmt = stmt.where(Product.id != exclude_id)
    if session.scalar(stmt) is not None:
        raise Conflict(N_("A product named %(name)s already exists."), field="name", name=name)
    return name


def _template(template: str) -> str:
    template = (template or "").strip()
    if len(template) > TEMPLATE_MAX:
        raise ValidationFailed(N_("The message can have at most %(n)s characters."), field="wa_template", n=TEMPLATE_MAX)
    try:
        template.format(name="x", username="y")
    except (KeyError, IndexError, ValueError):
        raise ValidationFailed(
            N_("The message may only use the placeholders {name} and {username}."), field="wa_template"
        ) from None
    return template


def list_products(session: Session, *, include_archived: bool = True) -> list[Product]:
    stmt = select(Product).order_by(Product.archived, func.lower(Product.name))
    if not include_archived:
        stmt = stmt.where(Product.archived.is_(False))
    return list(session.scalars(stmt))


@functools.cache
def _choices_stmt():
    return (select(Product.id, Product.name).where(Product.archived.is_(False))
            .order_by(func.lower(Product.name)))


def product_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the products that take uploads and requests, for a form's select."""
    return [tuple(row) for row in session.connection().execute(_choices_stmt())]


def get_product(session: Session, product_id: int | None, *, active: bool = False) -> Product:
    product = session.get(Product, product_id) if product_id else None
    if product is None:
        raise NotFound(N_("Product not found."), field="product_id")
    if active and product.archived:
        raise Conflict(N_("%(name)s is archived and takes no new uploads or requests."), field="product_id", name=product.name)
    return product


def create_product(session: Session, *, actor: Actor, name: str, wa_template: str | None = None) -> Product:
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    product = Product(name=_name(session, name))
    if wa_template:
        product.wa_template = _template(wa_template)
    session.add(product)
    session.flush()
    audit.record(session, actor=actor, action="product.create", target=product, after={"name": product.name})
    return product


def update_product(session: Session, *, actor: Actor, product_id: int, name: str, wa_template: str) -> Product:
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    product = get_product(session, product_id)
    before = {"name": product.name, "wa_template": product.wa_template}
    product.name = _name(session, name, exclude_id=product.id)
    product.wa_template = _template(wa_template) or product.wa_template
    after = {"name": product.name, "wa_template": product.wa_template}
    changed = {k for k in before if before[k] != after[k]}
    if changed:
        session.flush()
        audit.record(session, actor=actor, action="product.update", target=product,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return product


def set_archived(session: Session, *, actor: Actor, product_id: int, archived: bool) -> Product:
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    product = get_product(session, product_id)
    if product.archived != archived:
        product.archived = archived
        session.flush()
        audit.record(session, actor=actor, action="product.archive" if archived else "product.unarchive", target=product)
    return product


def wa_message(product: Product, *, name: str, username: str) -> str:
    try:
        return (product.wa_template or "").format(name=name or username, username=username)
    except (KeyError, IndexError, ValueError):
        return ""


# Percent-encoding of ASCII text in C (str.translate); same output as quote(s, safe="").
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_ASCII_QUOTE = {c: f"%{c:02X}" for c in range(128) if c not in _UNRESERVED}


def _quote(text: str) -> str:
    if text.isascii():
        if text.isalnum():
            return text  # most usernames
        if text.replace(" ", "").isalnum():
            return text.replace(" ", "%20")  # most names
        return text.translate(_ASCII_QUOTE)
    return quote(text, safe="")


def wa_link_maker(product: Product) -> Callable[[str | None, str | None, str], str | None]:
    """`make(phone, name, username)`: the record's wa.me link with the product's
    message, or None without a phone. Same result as `wa_link(phone,
    wa_message(...))`, for a page of records: the template's text is split and
    percent-encoded once (into a format string), each record only encodes its
    own name and username."""
    template = product.wa_template or ""
    try:
        parts = list(Formatter().parse(template))
    except ValueError:
        parts = []  # an unbalanced brace: no message, as wa_message
    simple = all(field in (None, "name", "username") and not spec and not conversion for _text, field, spec, conversion in parts)
    if not simple:
        return lambda phone, name, username: wa_link(phone, wa_message(product, name=name, username=username)) if phone else None
    # The percent-encoded text becomes a %-format string (its own "%" doubled)
    # with a positional %s per field: one C-level format per record.
    fields = [field for _text, field, _spec, _conversion in parts if field]
    message = "".join(quote(text, safe="").replace("%", "%%") + ("%s" if field else "") for text, field, _spec, _conversion in parts)
    link = "https://wa.me/%s" + ("?text=" + message if message else "")
    # Only fields and no text: the message may come out empty, and then the
    # link has no "?text=" (as wa_link).
    only_fields = bool(message) and not any(text for text, *_rest in parts)
    # (phone digits, quoted name, quoted username) -> the format's arguments, in the template's order
    arguments = itemgetter(0, *(1 if field == "name" else 2 for field in fields)) if fields else (lambda values: (values[0],))

    def make(phone: str | None, name: str | None, username: str) -> str | None:
        if not phone:
            return None
        digits = phone.lstrip("+")
        if not (digits.isdigit() and digits.isascii()):
            raise ValueError(f"not a normalised phone number: {phone!r}")
        quoted_username = _quote(username)
        values = arguments((digits, _quote(name) if name else quoted_username, quoted_username))
        if only_fields and not "".join(values[1:]):
            return f"https://wa.me/{digits}"
        return link % values

    return make

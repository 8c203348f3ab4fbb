"""The customer database as an ImportSpec: username (unique per product),
name and phone, every other non-bank column kept as extra fields."""

from __future__ import annotations

from dataclasses import dataclass

from crm.i18n import N_
from crm.models import CustomerRecord
from crm.services.imports import rules
from crm.services.imports.columns import SYNONYMS
from crm.services.imports.spec import DuplicateScope, Field, ImportSpec, register

CUSTOMER_DATABASE = register(ImportSpec(
    kind="customer",
    table=CustomerRecord.__table__,
    # Rule order: a row without a username is "missing_username" even if its phone is bad too.
    fields=(
        Field("username", rules.username, required=N_("Choose the column that holds the username."),
              synonyms=tuple(SYNONYMS["username"])),
        Field("phone", rules.phone, missing=None, synonyms=tuple(SYNONYMS["phone"])),
        Field("name", rules.name, missing="", synonyms=tuple(SYNONYMS["name"])),
    ),
    context={"product_id": lambda db: db.product_id, "database_id": lambda db: db.id},
    constants={"ever_assigned": False},
    extra_column="extra",
    unique=DuplicateScope("username", within=("product_id",), reason="already_in_product"),
    count_missing="phone",
))


@dataclass
class Mapping:
    """The admin's choice of file column per field."""

    username: str
    name: str | None = None
    phone: str | None = None

"""The registry of sidebar pages. A page appears for a role only when that
role may open it; admins place, group and hide pages in /admin/sidebar."""

from __future__ import annotations

from dataclasses import dataclass

from crm.i18n import N_
from crm.models.accounts import Role


@dataclass(frozen=True)
class PageDef:
    key: str
    endpoint: str
    label: str  # msgid
    icon: str
    min_role: Role
    hidden_for: tuple[str, ...] = ()  # roles that do not see it until an admin shows it


PAGES: list[PageDef] = [
    PageDef("home", "main.home", N_("Home"), "home", Role.STAFF),
    PageDef("my_batches", "batches.index", N_("My customers"), "batches", Role.STAFF, hidden_for=("admin", "master_admin")),
    PageDef("requests", "requests.index", N_("Record requests"), "inbox", Role.STAFF),
    PageDef("notifications", "notifications.index", N_("Notifications"), "bell", Role.STAFF),
    PageDef("databases", "databases.index", N_("Customer databases"), "database", Role.ADMIN),
    PageDef("products", "products.index", N_("Products"), "box", Role.ADMIN),
    PageDef("assignments", "assignments.index", N_("Assignments"), "shuffle", Role.ADMIN),
    PageDef("admin_users", "admin_users.index", N_("Users"), "users", Role.ADMIN),
    PageDef("admin_audit", "audit.index", N_("Audit log"), "log", Role.ADMIN),
    PageDef("admin_sidebar", "sidebar.index", N_("Sidebar"), "menu", Role.ADMIN),
]

PAGES_BY_KEY = {p.key: p for p in PAGES}


def register_page(page: PageDef) -> None:
    """Later features add their pages; unknown pages go to the end by default."""
    if page.key not in PAGES_BY_KEY:
        PAGES.append(page)
        PAGES_BY_KEY[page.key] = page

"""Sidebar layout: folders, order and per-role visibility of registered pages."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import Role, SidebarEntry
from crm.services.actor import Actor, require_role
from crm.services.sidebar.pages import PAGES, PAGES_BY_KEY, PageDef
from crm.services import audit
from crm.services.errors import NotFound, ValidationFailed

FOLDER_LABEL_MAX = 60

_ADMINS_ONLY = N_("Only admins can change the sidebar.")


@dataclass
class Node:
    entry_id: int | None
    kind: str  # "page" | "folder"
    label: str
    page: PageDef | None = None
    hidden_roles: list[str] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)


@functools.cache
def _entries_stmt():
    e = SidebarEntry
    return select(e.id, e.kind, e.page_key, e.label, e.parent_id, e.hidden_roles).order_by(e.position, e.id)


def entries(session: Session) -> list:
    """The configured entries as plain rows, in sidebar order (read on every page)."""
    return session.connection().execute(_entries_stmt()).all()


def signature(rows: list) -> tuple:
    """A hashable summary of `entries()`: equal signatures render the same sidebar."""
    return tuple((id_, kind, key, label, parent, tuple(hidden or ())) for id_, kind, key, label, parent, hidden in rows)


def _tree(session: Session, rows: list | None = None) -> list[Node]:
    """The full configured tree, every registered page included once."""
    rows = entries(session) if rows is None else rows
    nodes: dict[int, Node] = {}
    for row in rows:
        if row.kind == "page" and row.page_key not in PAGES_BY_KEY:
            continue  # a page that no longer exists
        page = PAGES_BY_KEY.get(row.page_key) if row.kind == "page" else None
        nodes[row.id] = Node(row.id, row.kind, page.label if page else row.label, page, list(row.hidden_roles or []))
    top: list[Node] = []
    for row in rows:
        node = nodes.get(row.id)
        if node is None:
            continue
        parent = nodes.get(row.parent_id) if row.parent_id else None
        if parent is not None and parent.kind == "folder" and node.kind == "page":
            parent.children.append(node)
        else:
            top.append(node)
    placed = {row.page_key for row in rows if row.kind == "page"}
    for page in PAGES:
        if page.key not in placed:
            top.append(Node(None, "page", page.label, page, list(page.hidden_for)))
    return top


def _visible(node: Node, role: Role) -> bool:
    return node.page is not None and role.at_least(node.page.min_role) and role.value not in node.hidden_roles


def sidebar_for(session: Session, role: Role, rows: list | None = None) -> list[Node]:
    """What a user of `role` sees: only pages they may open and that are not hidden."""
    result: list[Node] = []
    for node in _tree(session, rows):
        if node.kind == "folder":
            children = [c for c in node.children if _visible(c, role)]
            if children:
                result.append(Node(node.entry_id, "folder", node.label, children=children))
        elif _visible(node, role):
            result.append(node)
    return result


def config_tree(session: Session) -> list[Node]:
    return _tree(session)


# --- changes (admins) ---------------------------------------------------------


def _materialize(session: Session) -> None:
    """Give every registered page a row, keeping the current order."""
    existing = {r.page_key for r in session.scalars(select(SidebarEntry).where(SidebarEntry.kind == "page"))}
    top_max = session.scalar(select(func.max(SidebarEntry.position)).where(SidebarEntry.parent_id.is_(None))) or 0
    for page in PAGES:
        if page.key not in existing:
            top_max += 1
            session.add(SidebarEntry(kind="page", page_key=page.key, label="", position=top_max, hidden_roles=list(page.hidden_for)))
    session.flush()


def _folder_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise ValidationFailed(N_("Please enter a folder name."), field="label")
    if len(label) > FOLDER_LABEL_MAX:
        raise ValidationFailed(N_("The folder name can have at most %(n)s characters."), field="label", n=FOLDER_LABEL_MAX)
    return label


def _entry(session: Session, entry_id: int, kind: str | None = None) -> SidebarEntry:
    entry = session.get(SidebarEntry, entry_id)
    if entry is None or (kind and entry.kind != kind):
        raise NotFound(N_("That sidebar entry does not exist."))
    return entry


def _page_entry(session: Session, page_key: str) -> SidebarEntry:
    _materialize(session)
    entry = session.scalar(select(SidebarEntry).where(SidebarEntry.page_key == page_key))
    if entry is None:
        raise NotFound(N_("That sidebar entry does not exist."))
    return entry


def _siblings(session: Session, parent_id: int | None) -> list[SidebarEntry]:
    stmt = select(SidebarEntry).order_by(SidebarEntry.position, SidebarEntry.id)
    stmt = stmt.where(SidebarEntry.parent_id.is_(None) if parent_id is None else SidebarEntry.parent_id == parent_id)
    return list(session.scalars(stmt))


def _renumber(entries: list[SidebarEntry]) -> None:
    for i, e in enumerate(entries, start=1):
        e.position = i


def create_folder(session: Session, *, actor: Actor, label: str) -> SidebarEntry:
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    _materialize(session)
    label = _folder_label(label)
    top = _siblings(session, None)
    folder = SidebarEntry(kind="folder", label=label, position=len(top) + 1, hidden_roles=[])
    session.add(folder)
    session.flush()
    audit.record(session, actor=actor, action="sidebar.change", target_type="sidebar", target_label=label, after={"folder_created": label})
    return folder


def rename_folder(session: Session, *, actor: Actor, folder_id: int, label: str) -> None:
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    folder = _entry(session, folder_id, "folder")
    label = _folder_label(label)
    before = folder.label
    folder.label = label
    session.flush()
    audit.record(session, actor=actor, action="sidebar.change", target_type="sidebar", target_label=label, before={"folder": before}, after={"folder": label})


def delete_folder(session: Session, *, actor: Actor, folder_id: int) -> None:
    """Its pages move to the top level, at the end."""
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    folder = _entry(session, folder_id, "folder")
    children = _siblings(session, folder.id)
    top = [e for e in _siblings(session, None) if e.id != folder.id]
    for child in children:
        child.parent_id = None
    _renumber(top + children)
    label = folder.label
    session.delete(folder)
    session.flush()
    audit.record(session, actor=actor, action="sidebar.change", target_type="sidebar", target_label=label, before={"folder": label}, after={"folder_deleted": label})


def move_page(session: Session, *, actor: Actor, page_key: str, folder_id: int | None) -> None:
    """Put a page into a folder (at its end) or back to the top level."""
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    entry = _page_entry(session, page_key)
    if folder_id is not None:
        _entry(session, folder_id, "folder")
    before = entry.parent_id
    old = [e for e in _siblings(session, before) if e.id != entry.id]
    _renumber(old)
    entry.parent_id = folder_id
    entry.position = len([e for e in _siblings(session, folder_id) if e.id != entry.id]) + 1
    session.flush()
    audit.record(session, actor=actor, action="sidebar.change", target_type="sidebar", target_label=page_key, before={"folder": before}, after={"folder": folder_id})


def move_entry(session: Session, *, actor: Actor, entry_id: int | None, page_key: str | None = None, offset: int) -> None:
    """Move a page or folder up (-1) or down (+1) among its siblings."""
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    entry = _page_entry(session, page_key) if page_key else _entry(session, entry_id or 0)
    siblings = _siblings(session, entry.parent_id)
    i = next(i for i, e in enumerate(siblings) if e.id == entry.id)
    j = max(0, min(len(siblings) - 1, i + offset))
    siblings.insert(j, siblings.pop(i))
    _renumber(siblings)
    session.flush()
    audit.record(session, actor=actor, action="sidebar.change", target_type="sidebar", target_label=page_key or entry.label, after={"moved": offset})


def reorder(session: Session, *, actor: Actor, parent_id: int | None, tokens: list[str]) -> None:
    """Drag and drop: the new order of one level, as tokens "p:<page key>" / "f:<folder id>"."""
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    _materialize(session)
    siblings = _siblings(session, parent_id)
    by_token = {(f"p:{e.page_key}" if e.kind == "page" else f"f:{e.id}"): e for e in siblings}
    if set(tokens) != set(by_token) or len(tokens) != len(by_token):
        raise ValidationFailed(N_("The sidebar changed meanwhile; please reload the page and try again."))
    _renumber([by_token[t] for t in tokens])
    session.flush()
    audit.record(session, actor=actor, action="sidebar.change", target_type="sidebar", target_label="order", after={"order": tokens})


def set_hidden(session: Session, *, actor: Actor, page_key: str, role: str, hidden: bool) -> None:
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)
    if Role.parse(role) is None:
        raise ValidationFailed(N_("Unknown role."))
    entry = _page_entry(session, page_key)
    roles = set(entry.hidden_roles or [])
    before = sorted(roles)
    roles.add(role) if hidden else roles.discard(role)
    entry.hidden_roles = sorted(roles)
    session.flush()
    audit.record(session, actor=actor, action="sidebar.change", target_type="sidebar", target_label=page_key, before={"hidden_for": before}, after={"hidden_for": entry.hidden_roles})

from __future__ import annotations

from crm.db import session_scope
from crm.services import databases, exports


def purge_exports() -> int:
    with session_scope() as session:
        return exports.purge_old_exports(session)


def purge_abandoned_uploads() -> int:
    with session_scope() as session:
        return databases.purge_abandoned_uploads(session)

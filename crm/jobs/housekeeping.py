from __future__ import annotations

from crm.db import session_scope
from crm.services import exports


def purge_exports() -> int:
    with session_scope() as session:
        return exports.purge_old_exports(session)

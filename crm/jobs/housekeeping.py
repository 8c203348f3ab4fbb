from __future__ import annotations

from crm.db import session_scope
from crm.services import exports
from crm.services.imports import pipeline


def purge_exports() -> int:
    with session_scope() as session:
        return exports.purge_old_exports(session)


def purge_abandoned_uploads() -> int:
    with session_scope() as session:
        return pipeline.purge_abandoned_uploads(session)

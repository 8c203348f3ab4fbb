"""The atomic hand-out: N available records of a product to a staff member."""

from __future__ import annotations


from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm.db import is_postgresql, utcnow
from crm.i18n import N_
from crm.models import Batch, CustomerRecord
from crm.services.errors import Conflict

HANDOUT_LOCK = 7201  # advisory lock namespace: hand-outs per product


class NotEnoughRecords(Conflict):
    def __init__(self, available: int, product: str) -> None:
        super().__init__(
            N_("Only %(available)s records of %(product)s are available. You can approve that many."),
            field="quantity",
            available=available,
            product=product,
        )
        self.available = available



def hand_out(session: Session, *, staff_id: int, product_id: int, quantity: int, batch: Batch, product_name: str = "") -> int:
    """Give `quantity` available records of the product to the staff member, in
    upload order, atomically. Raises NotEnoughRecords (changing nothing) when
    fewer are available."""
    if is_postgresql(session):
        # Hand-outs of one product queue up behind a transaction-scoped lock:
        # otherwise a run that finds too few rows (and rolls back) could make a
        # concurrent one skip rows it had locked and come up short too.
        session.execute(select(func.pg_advisory_xact_lock(HANDOUT_LOCK, product_id)))
    pick = (
        select(CustomerRecord.id)
        .where(CustomerRecord.product_id == product_id, CustomerRecord.assigned_to_id.is_(None))
        .order_by(CustomerRecord.id)
        .limit(quantity)
    )
    if is_postgresql(session):
        # Rows being changed by another transaction (reassign, return) are
        # skipped rather than waited for; SQLite runs one writer at a time.
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.scalars(pick))
    if len(ids) < quantity:
        raise NotEnoughRecords(len(ids), product_name)
    now = utcnow()
    done = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        done += session.execute(
            update(CustomerRecord)
            .where(CustomerRecord.id.in_(chunk), CustomerRecord.assigned_to_id.is_(None))
            .values(assigned_to_id=staff_id, batch_id=batch.id, assigned_at=now, ever_assigned=True)
            .execution_options(synchronize_session=False)
        ).rowcount
    if done != len(ids):  # cannot happen under the locks above; refuse rather than half-assign
        raise Conflict(N_("Some records were taken meanwhile. Please try again."))
    return done

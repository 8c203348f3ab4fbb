"""All models, imported here so Alembic and the app see one metadata."""

from crm.db import Base
from crm.models.accounts import Role, User
from crm.models.audit import AuditEntry
from crm.models.sidebar import SidebarEntry
from crm.models.jobs import JobRun
from crm.models.products import Product
from crm.models.notifications import Notification
from crm.models.databases import CustomerDatabase
from crm.models.records import CustomerRecord, RecordStatusEvent
from crm.models.distribution import Batch, RecordRequest

__all__ = ["Base", "Role", "User", "AuditEntry", "SidebarEntry", "JobRun", "Product", "Notification", "Batch", "CustomerDatabase", "CustomerRecord", "RecordRequest", "RecordStatusEvent"]

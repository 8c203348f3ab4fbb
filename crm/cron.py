"""Schedules for `rq cron crm.cron`. Periodic work that must happen exactly
once per period claims its period in the database, not here."""

import os

from rq import cron

from crm.jobs.housekeeping import purge_abandoned_uploads, purge_exports
from crm.jobs.reaper import reap_dead_runs

QUEUE = os.environ.get("CRM_QUEUE") or "crm"

cron.register(purge_exports, QUEUE, cron="17 * * * *", name="purge-exports")
cron.register(purge_abandoned_uploads, QUEUE, cron="23 * * * *", name="purge-abandoned-uploads")
cron.register(reap_dead_runs, QUEUE, interval=60, name="reap-dead-runs")

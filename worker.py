"""RQ worker: `python worker.py` (uses REDIS_URL, DATABASE_URL, CRM_QUEUE)."""

from __future__ import annotations

import sys

from rq import Queue, Worker

# Preload job modules in the parent so each work horse forks with them ready.
import crm.jobs.exports  # noqa: F401
import crm.jobs.housekeeping  # noqa: F401
import crm.jobs.imports  # noqa: F401
import crm.jobs.reaper  # noqa: F401
from crm.config import load_config
from crm.redis_conn import get_redis


def main(argv: list[str]) -> int:
    config = load_config()
    connection = get_redis(config["REDIS_URL"])
    queues = [Queue(config["CRM_QUEUE"], connection=connection)]
    worker = Worker(queues, connection=connection)
    worker.work(burst="--burst" in argv, with_scheduler=False, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

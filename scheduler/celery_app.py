"""The Celery app, configured from celeryconfig.py."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from scheduler import db

celery_app = Celery("scheduler", include=["scheduler.tasks"])
celery_app.config_from_object("celeryconfig")

# What a worker for one machine consumes: every queue.
WORKER_QUEUES = ",".join(queue.name for queue in celery_app.conf.task_queues)


@worker_process_init.connect
def _fresh_connections_after_fork(**_: Any) -> None:
    # A forked pool process must never use a database connection its parent opened.
    db.dispose_engines()

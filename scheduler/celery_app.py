"""The Celery app, configured from celeryconfig.py."""

from __future__ import annotations

import os
from typing import Any

import redis
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


# A key of ours in the broker: when it is gone, so is every task the broker held.
BROKER_MARK = "scheduler:broker-mark"
_broker_clients: dict[tuple[int, str], redis.Redis] = {}


def broker_was_emptied(url: str | None = None) -> bool:
    """Whether the broker lost everything (FLUSHDB, or a restart without its data) since the last call
    in any process, marking it again; also true on a broker's first use, when nothing can be lost.

    One round trip (SET NX) per tick. A broker that lost a single task keeps its mark: the dispatcher's
    requeue time covers that.
    """
    url = url or celery_app.conf.broker_url
    if url.startswith("redis+socket://"):  # kombu's spelling of a Unix socket; redis-py's is unix://
        url = "unix://" + url.removeprefix("redis+socket://")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return False  # a broker we cannot look into (Sentinel): the requeue time alone recovers
    key = (os.getpid(), url)
    client = _broker_clients.get(key)
    if client is None:
        client = _broker_clients[key] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return bool(client.set(BROKER_MARK, "1", nx=True))

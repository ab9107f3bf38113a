"""The Celery app, configured from celeryconfig.py."""

from __future__ import annotations

import os
from typing import Any

import redis
from celery import Celery
from celery.signals import worker_process_init, worker_ready, worker_shutdown

from scheduler import db
from scheduler.config import get_settings
from scheduler.networks.vault import key_fingerprints

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
    try:
        client = _broker(url)
    except ValueError:
        return False  # a broker we cannot look into (Sentinel): the requeue time alone recovers
    return bool(client.set(BROKER_MARK, "1", nx=True))


def _broker(url: str | None = None) -> redis.Redis:
    """A Redis client of this process for the broker (ValueError for a broker that is not plain Redis)."""
    url = url or celery_app.conf.broker_url
    if url.startswith("redis+socket://"):  # kombu's spelling of a Unix socket; redis-py's is unix://
        url = "unix://" + url.removeprefix("redis+socket://")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"not a Redis broker: {url.split(':', 1)[0]}")
    key = (os.getpid(), url)
    client = _broker_clients.get(key)
    if client is None:
        client = _broker_clients[key] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return client


# Each running worker, with the fingerprints of its keys: `scheduler doctor` compares them with the keys
# the accounts' secrets need, and flags a worker started before a rotation.
WORKERS = "scheduler:workers"


@worker_ready.connect
def _register_worker(sender: Any = None, **_: Any) -> None:
    hostname = getattr(sender, "hostname", None)
    if hostname:
        key = get_settings().secret_key
        keys = key_fingerprints(key.get_secret_value() if key else None)
        _broker().hset(WORKERS, hostname, ",".join(keys))


@worker_shutdown.connect
def _unregister_worker(sender: Any = None, **_: Any) -> None:
    hostname = getattr(sender, "hostname", None)
    if hostname:
        _broker().hdel(WORKERS, hostname)


def registered_workers(url: str | None = None) -> dict[str, list[str]]:
    """Each worker that said it was ready (and has not shut down), with its keys' fingerprints."""
    found = _broker(url).hgetall(WORKERS)
    return {name.decode(): [k for k in keys.decode().split(",") if k] for name, keys in found.items()}

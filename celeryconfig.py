"""Celery settings: broker, queues, routes and the beat schedule.

Redis only carries tasks; the schedule lives in the database. No task waits long in a worker:
the dispatcher sends each publish task at most a lookahead (about 10 s) before it is due.
"""

from kombu import Queue

from scheduler.config import get_settings

_settings = get_settings()

broker_url = _settings.redis_url
broker_connection_retry_on_startup = True
# ETAs are seconds away, far below this; a message unacked this long was lost with its worker,
# and the database's lease and requeue rules recover the post, not a redelivery.
broker_transport_options = {"visibility_timeout": 3600}
task_ignore_result = True
result_backend = None

timezone = "UTC"
enable_utc = True

task_default_queue = "default"
task_queues = (Queue("publish"), Queue("render"), Queue("cards"), Queue("feeds"), Queue("default"))
task_routes = {
    "scheduler.tasks.publish_post": {"queue": "publish"},
    "scheduler.tasks.reconcile_expired": {"queue": "publish"},
    "scheduler.tasks.tick": {"queue": "default"},
    "scheduler.tasks.poll_feeds": {"queue": "default"},
    "scheduler.tasks.fill_evergreen": {"queue": "default"},
    "scheduler.tasks.forget_sign_in_failures": {"queue": "default"},
    # A poll fetches pages for seconds: on its own queue (and worker, in docker-compose.yml).
    "scheduler.tasks.poll_feed": {"queue": "feeds"},
    # Cards need a warm Chromium: only workers that consume `cards` start one; publishing carries none.
    "scheduler.tasks.render_card": {"queue": "cards"},
}

# Recovery comes from the database (leases, reconcile), not from broker redelivery.
task_acks_late = False
worker_prefetch_multiplier = 4
worker_send_task_events = False
worker_hijack_root_logger = True

beat_schedule = {
    "tick": {
        "task": "scheduler.tasks.tick",
        "schedule": _settings.tick_seconds,
        # A tick that waited longer than this is stale: the next one does its work.
        "options": {"expires": max(2.0, 5 * _settings.tick_seconds)},
    },
    # Each feed has its own interval (default 5 minutes); this only looks for the ones that are due.
    "poll-feeds": {
        "task": "scheduler.tasks.poll_feeds",
        "schedule": _settings.feed_check_seconds,
        "options": {"expires": max(2.0, 0.9 * _settings.feed_check_seconds)},
    },
    # Evergreen accounts: the coming day's free slots get reshares of older articles.
    "evergreen": {
        "task": "scheduler.tasks.fill_evergreen",
        "schedule": 3600.0,
        "options": {"expires": 600.0},
    },
    # SQLite's query planner statistics (PostgreSQL's autovacuum keeps its own).
    "refresh-statistics": {
        "task": "scheduler.tasks.refresh_statistics",
        "schedule": 3600.0,
        "options": {"expires": 600.0},
    },
    # Failed sign-ins older than the throttle's window are no longer needed.
    "forget-sign-in-failures": {
        "task": "scheduler.tasks.forget_sign_in_failures",
        "schedule": 3600.0,
        "options": {"expires": 600.0},
    },
    "reconcile": {
        "task": "scheduler.tasks.reconcile_expired",
        "schedule": _settings.reconcile_seconds,
        "options": {"expires": max(2.0, 2 * _settings.reconcile_seconds)},
    },
}

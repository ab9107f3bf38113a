"""Celery tasks, thin: load, call the domain function, save."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery.signals import worker_process_shutdown

from scheduler import db, networks, publishing
from scheduler.celery_app import broker_was_emptied, celery_app
from scheduler.config import get_settings
from scheduler.db import session_scope
from scheduler.models import utcnow
from scheduler.newsroom import evergreen, polling, users
from scheduler.publishing import post_cards
from scheduler.render.browser import shared_renderer

log = logging.getLogger(__name__)


@celery_app.task(name="scheduler.tasks.tick")
def tick() -> int:
    """Claim the posts due within the lookahead and send each to a worker, after the commit; when the
    broker lost its tasks since the last tick, send every queued post's and every card's again."""
    emptied = broker_was_emptied()
    with session_scope() as session:
        dispatches = publishing.dispatch_due(session, now=utcnow(), broker_emptied=emptied)
    for dispatch in dispatches:
        publish_post.apply_async((dispatch.post_id,), eta=dispatch.due_at)
    settings = get_settings()
    with session_scope() as session:
        card_posts = post_cards.claim_card_jobs(
            session,
            now=utcnow(),
            retry_after=timedelta(seconds=0 if emptied else settings.card_retry_seconds),
            outstanding=settings.card_jobs_outstanding,
        )
    for post_id in card_posts:
        render_card.delay(post_id)
    return len(dispatches)


@celery_app.task(name="scheduler.tasks.render_card")  # on the cards queue: only its workers start Chromium
def render_card(post_id: int) -> str:
    settings = get_settings()
    return post_cards.render_post_card(
        session_scope, post_id, shared_renderer(settings.chromium_path), settings
    )


@worker_process_shutdown.connect
def _close_browser(**_: Any) -> None:
    # Prefork children leave through os._exit, past atexit: close this process's Chromium here.
    shared_renderer().close()


@celery_app.task(name="scheduler.tasks.publish_post")  # recovery comes from the database, not redelivery
def publish_post(post_id: int) -> str:
    result = publishing.publish(session_scope, post_id, networks.for_account)
    if result.outcome is publishing.Outcome.KEY_MISSING:
        # Fail fast: every post this worker takes would fail the same way. The post waits for a worker
        # started with the key in use now; this one shuts down (warm) and says why.
        log.critical("%s; this worker stops taking posts", result.detail)
        celery_app.control.shutdown(destination=[publish_post.request.hostname])
    if result.outcome is publishing.Outcome.TOO_EARLY and result.due_at is not None:
        publish_post.apply_async((post_id,), eta=result.due_at)
    return result.outcome.value


@celery_app.task(name="scheduler.tasks.reconcile_expired")
def reconcile_expired() -> int:
    """Ask the network about every post whose worker did not report back within its lease."""
    with session_scope() as session:
        post_ids = publishing.expired_leases(session, now=utcnow())
    for post_id in post_ids:
        publishing.reconcile(session_scope, post_id, networks.for_account)
    return len(post_ids)


@celery_app.task(name="scheduler.tasks.poll_feeds")
def poll_feeds() -> int:
    """Claim the feeds due for a poll and send each to a worker, after the commit."""
    with session_scope() as session:
        feed_ids = polling.claim_due_feeds(session, now=utcnow())
    for feed_id in feed_ids:
        poll_feed.delay(feed_id)
    return len(feed_ids)


@celery_app.task(name="scheduler.tasks.poll_feed")
def poll_feed(feed_id: int) -> dict[str, int]:
    report = polling.poll_feed(session_scope, feed_id)
    return report.items


@celery_app.task(name="scheduler.tasks.fill_evergreen")
def fill_evergreen() -> int:
    """Give the coming day's free slots of evergreen accounts a reshare of an older article."""
    templates_dir = get_settings().templates_dir
    with session_scope() as session:
        return len(evergreen.fill_free_slots(session, utcnow(), templates_dir))


@celery_app.task(name="scheduler.tasks.refresh_statistics")
def refresh_statistics() -> str:
    with session_scope() as session:
        return db.refresh_statistics(session)


@celery_app.task(name="scheduler.tasks.forget_sign_in_failures")
def forget_sign_in_failures() -> int:
    with session_scope() as session:
        return users.forget_old_failures(session, now=utcnow())

"""Feeds in the browser: the feeds followed, adding one after a preview of its items (which its first poll
would post, and why not the others), pausing and resuming, polling now, removing (asked first), and each
feed's items with what became of them and why. The same functions as `scheduler feeds`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.articles import ArticleError
from scheduler.models import Feed, utcnow
from scheduler.newsroom import NewsroomError, feed_preview, feeds
from scheduler.newsroom.accounts import list_accounts
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.confirm import CONFIRMED, ask_first
from scheduler.web.forms import FieldProblem, FormState
from scheduler.web.i18n import said
from scheduler.web.pages import not_found, page, tell, told_of
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
AccountNames = Form(default_factory=list, max_length=200)


def _list(
    request: Request, session: Session, viewer: Viewer, *, form: FormState | None = None, status: int = 200
) -> Response:
    return page(
        request,
        "feeds.html",
        viewer,
        status_code=status,
        feeds=feeds.list_feeds(session),
        accounts=list_accounts(session),
        form=form or FormState("feed"),
        told=told_of(request),
    )


@router.get("/feeds", response_class=HTMLResponse)
def feeds_page(
    request: Request, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    return _list(request, session, viewer)


def _sent(url: str, accounts: list[str], campaign: str, every: str) -> dict[str, str]:
    return {
        "feed-url": url,
        "feed-accounts": ",".join(accounts),
        "feed-campaign": campaign,
        "feed-every": every,
    }


def _minutes(every: str) -> float | None:
    if not every.strip():
        return None
    try:
        return float(every)
    except ValueError:
        raise NewsroomError("give the minutes between polls as a number, such as 5", field="every") from None


@router.post("/feeds/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    url: str = Form("", max_length=2000),
    accounts: list[str] = AccountNames,
    campaign: str = Form("", max_length=100),
    every: str = Form("", max_length=20),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Fetch the feed and show what its first poll would post; nothing is saved yet."""
    sent = _sent(url, accounts, campaign, every)
    settings = request.app.state.settings
    try:
        _minutes(every)
        feeds.check_new_feed(session, accounts, campaign=campaign.strip() or None)
        db.release(session)  # the fetch holds no transaction
        parsed = feeds.read_feed(url.strip(), policy=feeds.fetch_policy(settings))
    except (NewsroomError, ArticleError) as error:
        field = {"accounts": "feed-accounts", "every": "feed-every", "campaign": "feed-campaign"}.get(
            getattr(error, "field", None) or "", "feed-url"
        )
        refused = FormState.refused("feed", sent, FieldProblem(field, worded(error, page_words)))
        return _list(request, session, viewer, form=refused, status=422)
    verdicts = feed_preview.first_poll_verdicts(session, parsed.entries, now=utcnow(), settings=settings)
    return page(
        request,
        "feed_preview.html",
        viewer,
        url=url.strip(),
        title=parsed.title or url.strip(),
        accounts=accounts,
        campaign=campaign.strip(),
        every=every.strip(),
        verdicts=verdicts,
    )


@router.post("/feeds", response_class=HTMLResponse)
def add(
    request: Request,
    url: str = Form("", max_length=2000),
    title: str = Form("", max_length=500),
    accounts: list[str] = AccountNames,
    campaign: str = Form("", max_length=100),
    every: str = Form("", max_length=20),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Follow the feed previewed: the beat polls it at once, then every `every` minutes."""
    try:
        minutes = _minutes(every)
        with session.begin_nested():
            feed = feeds.add_feed(
                session,
                url.strip(),
                accounts,
                campaign=campaign.strip() or None,
                poll_seconds=minutes * 60 if minutes is not None else None,
                title=title.strip() or None,
            )
    except (NewsroomError, ArticleError) as error:  # ArticleError: an address that is not one
        refused = FormState.refused(
            "feed", _sent(url, accounts, campaign, every), FieldProblem("feed-url", worded(error, page_words))
        )
        return _list(request, session, viewer, form=refused, status=422)
    tell(request, said("Following %(feed)s: the beat polls it now.", feed=feed.title or feed.url))
    return RedirectResponse(f"/feeds/{feed.id}", status_code=303)


def _feed(session: Session, feed_id: int) -> Feed | None:
    return session.get(Feed, feed_id) if 0 < feed_id < 2**31 else None


@router.get("/feeds/{feed_id}", response_class=HTMLResponse)
def feed_page(
    request: Request, feed_id: int, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    feed = _feed(session, feed_id)
    if feed is None:
        return not_found(request, viewer, "feed", feed_id)
    return page(
        request,
        "feed.html",
        viewer,
        feed=feed,
        items=feeds.recent_items(session, feed.id, limit=100),
        told=told_of(request),
    )


def _act(request: Request, session: Session, viewer: Viewer, feed_id: int, act: str) -> Response:
    feed = _feed(session, feed_id)
    if feed is None:
        return not_found(request, viewer, "feed", feed_id)
    now = utcnow()
    try:
        if act == "pause":
            feeds.pause_feed(session, str(feed.id), now=now)
            told = said("Paused: it is not polled until you resume it.")
        elif act == "resume":
            feeds.resume_feed(session, str(feed.id), now=now)
            told = said("Resumed: the beat polls it now.")
        else:
            feeds.poll_soon(session, str(feed.id), now=now)
            told = said("The beat polls it within seconds: reload to see what it brought.")
    except NewsroomError as error:
        told = said("Not done: %(why)s.", why=worded(error, page_words))
    tell(request, told)
    return RedirectResponse(f"/feeds/{feed.id}", status_code=303)


@router.post("/feeds/{feed_id}/pause", response_class=HTMLResponse)
def pause(
    request: Request, feed_id: int, viewer: Viewer = page_viewer("write"), session: Session = DATABASE
) -> Response:
    return _act(request, session, viewer, feed_id, "pause")


@router.post("/feeds/{feed_id}/resume", response_class=HTMLResponse)
def resume(
    request: Request, feed_id: int, viewer: Viewer = page_viewer("write"), session: Session = DATABASE
) -> Response:
    return _act(request, session, viewer, feed_id, "resume")


@router.post("/feeds/{feed_id}/poll", response_class=HTMLResponse)
def poll(
    request: Request, feed_id: int, viewer: Viewer = page_viewer("write"), session: Session = DATABASE
) -> Response:
    return _act(request, session, viewer, feed_id, "poll")


@router.post("/feeds/{feed_id}/remove", response_class=HTMLResponse)
def remove(
    request: Request,
    feed_id: int,
    confirmed: str = Form("", alias=CONFIRMED),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Stop following the feed, once the editor has said yes; the articles and posts it brought stay."""
    feed = _feed(session, feed_id)
    if feed is None:
        return not_found(request, viewer, "feed", feed_id)
    if confirmed != "yes":
        return ask_first(
            request,
            viewer,
            question=said("Stop following %(feed)s?", feed=feed.title or feed.url),
            consequence=said("Its new items will not be posted. The articles and posts it brought stay."),
            yes=said("Yes, stop following it"),
            back=f"/feeds/{feed.id}",
        )
    feeds.remove_feed(session, str(feed.id))
    tell(request, said("Stopped following %(feed)s.", feed=feed.title or feed.url))
    return RedirectResponse("/feeds", status_code=303)

"""The posts list: search by text, account, state, campaign, article and due time; choose many; approve,
move by an offset, put in each account's queue, cancel (asked first) or send again, all in one
transaction, then a summary of what was done and what was refused and why (newsroom.bulk)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, bulk, users
from scheduler.newsroom.accounts import list_accounts
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.confirm import CONFIRMED, ask_first
from scheduler.web.i18n import said, said_n
from scheduler.web.pages import local_path, page
from scheduler.web.pages_agenda import Names, read_filters
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PAGE_SIZE = 100
BUTTONS = {
    bulk.Action.APPROVE: "Approve",
    bulk.Action.NOW: "Share now",
    bulk.Action.SHIFT: "Move by the offset",
    bulk.Action.QUEUE: "Put in the queue",
    bulk.Action.CANCEL: "Cancel…",
    bulk.Action.RETRY: "Send again",
}


def _day(text: str, what: str, problems: list[str]) -> datetime | None:
    if not text.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(text.strip()), time(0), UTC)
    except ValueError:
        problems.append(f"{what}: {text!r} is not a date (YYYY-MM-DD); it was left out of the search.")
        return None


@router.get("/posts", response_class=HTMLResponse)
def posts_page(
    request: Request,
    q: str = Query("", max_length=200),
    account: Names = None,
    state: Names = None,
    campaign: Names = None,
    article: str = Query("", max_length=20),
    due_from: str = Query("", alias="from", max_length=20),
    due_before: str = Query("", alias="before", max_length=20),
    page_number: int = Query(1, alias="page", ge=1, le=10_000),
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    problems: list[str] = []
    campaigns = [name for given in campaign or [] for name in given.split(",")]
    chosen = read_filters(account, None, campaigns, state)
    article_id = int(article) if article.strip().isdigit() else None
    if article.strip() and article_id is None:
        problems.append(f"Article: {article!r} is not an article's number; it was left out of the search.")
    search = bulk.Search(
        text=q,
        accounts=chosen.accounts,
        states=chosen.states,
        campaigns=chosen.campaigns,
        article_id=article_id,
        due_from=_day(due_from, "From", problems),
        due_before=_day(due_before, "Before", problems),
    )
    try:
        found, total = bulk.find(session, search, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    except NewsroomError as error:
        problems.append(f"{(error.field or 'search').capitalize()}: {worded(error, page_words)}.")
        search = bulk.Search(text=q)
        found, total = bulk.find(session, search, limit=PAGE_SIZE)
    actions = [action for action in bulk.Action if viewer.may(bulk.NEEDS[action])]
    return page(
        request,
        "posts.html",
        viewer,
        problems=problems,
        posts=found,
        total=total,
        page_number=page_number,
        pages=max(1, -(-total // PAGE_SIZE)),
        search=search,
        sent={"q": q, "article": article, "from": due_from, "before": due_before},
        accounts=list_accounts(session),
        states=bulk.STATES,
        buttons=[(action.value, BUTTONS[action]) for action in actions],
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        page_link=lambda number: (
            "/posts?"
            + urlencode(
                [*((k, v) for k, v in request.query_params.multi_items() if k != "page"), ("page", number)]
            )
        ),
        may_change=lambda post: users.may_change(viewer.role, viewer.id, post.created_by_id),
    )


def _bulk(
    request: Request,
    session: Session,
    viewer: Viewer,
    action: bulk.Action,
    post: list[int],
    *,
    back: str,
    offset: str = "",
    reason: str = "",
) -> Response:
    back = local_path(back, "/posts")
    try:
        ask = bulk.Request(
            action,
            post,
            utcnow(),
            offset=bulk.read_offset(offset) if action is bulk.Action.SHIFT else None,
            reason=reason,
            may_change=lambda found: users.may_change(viewer.role, viewer.id, found.created_by_id),
        )
        outcome = bulk.apply(session, ask)
    except NewsroomError as error:
        return page(
            request,
            "error.html",
            viewer,
            status_code=422,
            title=said("Nothing was done"),
            message=said(
                "%(why)s. Go back to the list and try again.", why=worded(error, page_words).capitalize()
            ),
            back=back,
        )
    return page(
        request,
        "bulk_done.html",
        viewer,
        outcome=outcome,
        verb=BUTTONS[action].rstrip("…"),
        back=back,
        told=lambda text: worded(text, page_words),
    )


PostIds = Form(default_factory=list, max_length=bulk.MOST_AT_ONCE + 1)


def _route(action: bulk.Action) -> None:
    """The page route of an action that asks nothing first (cancel, below, asks): one per action, each
    with the role its action needs."""

    def act(
        request: Request,
        post: list[int] = PostIds,
        offset: str = Form("", max_length=40),
        back: str = Form("", max_length=2000),
        viewer: Viewer = page_viewer(bulk.NEEDS[action]),
        session: Session = DATABASE,
    ) -> Response:
        return _bulk(request, session, viewer, action, post, back=back, offset=offset)

    router.post(f"/posts/bulk/{action.value}", response_class=HTMLResponse, name=f"bulk_{action.value}")(act)


for _action in (
    bulk.Action.APPROVE,
    bulk.Action.NOW,
    bulk.Action.SHIFT,
    bulk.Action.QUEUE,
    bulk.Action.RETRY,
):
    _route(_action)


@router.post("/posts/bulk/cancel", response_class=HTMLResponse)
def bulk_cancel(
    request: Request,
    post: list[int] = PostIds,
    posts: str = Form("", max_length=20_000),
    reason: str = Form("", max_length=500),
    back: str = Form("", max_length=2000),
    confirmed: str = Form("", alias=CONFIRMED),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Cancel the chosen posts once the editor has said yes: a canceled post cannot be brought back."""
    chosen = post or [int(part) for part in posts.split(",") if part.strip().isdigit()]
    if confirmed != "yes" and chosen:
        return ask_first(
            request,
            viewer,
            question=said_n("Cancel %(num)s post?", "Cancel %(num)s posts?", len(chosen)),
            consequence=said(
                "They will not go out (nor will the other parts of their threads). A canceled post cannot "
                "be brought back: you would schedule it again."
            ),
            yes=said_n("Yes, cancel %(num)s post", "Yes, cancel %(num)s posts", len(chosen)),
            back=local_path(back, "/posts"),
            fields={"posts": ",".join(map(str, chosen)), "reason": reason, "back": back},
        )
    return _bulk(request, session, viewer, bulk.Action.CANCEL, chosen, back=back, reason=reason)

"""/api/v1/articles/{id}/…: the article desk for scripts. Withdraw, embargo and lift, correct (or see
what a correction would change), a campaign's timeline and planning it, evergreen on or off: the same
functions as the article's page and `scheduler articles …`, `scheduler campaigns …`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from scheduler.models import Account, Article, utcnow
from scheduler.newsroom import NewsroomError, campaigns, controls, corrections, evergreen, rehearsal
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning import PlanningError
from scheduler.planning.campaigns import CampaignError
from scheduler.render import RenderError
from scheduler.web.api import MAX_ID, NO_NUL, PostOut, UtcTime, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(
    prefix="/api/v1/articles", tags=["article desk"], dependencies=[Depends(known_query_parameters)]
)

ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="the article's id")]
REFUSED = (NewsroomError, PlanningError, RenderError, CampaignError)
NO_ARTICLE = {404: {"description": "no such article"}}
NOT_DONE = {422: {"description": "refused: the reason says why, and nothing was changed"}}


class Published(BaseModel):
    post: int
    receipt_url: str


class ArticlePostsOut(BaseModel):
    """What became of the article's posts."""

    article: int
    stopped: list[int]  # canceled (withdraw) or taken back from the queue to wait (embargo)
    held: list[int]  # waiting for the embargo to lift
    publishing: list[int]  # a worker has it now: it may still go out
    published: list[Published]  # already out: not deleted
    due_now: list[int]  # go out at once (the embargo was lifted)
    embargo_until: datetime | None
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, done: controls.ArticlePosts) -> ArticlePostsOut:
        return cls(
            article=done.article.id,
            stopped=done.stopped,
            held=done.held,
            publishing=done.publishing,
            published=[Published(post=post, receipt_url=url) for post, url in done.published],
            due_now=done.due_now,
            embargo_until=done.article.embargo_until,
            withdrawn_at=done.article.withdrawn_at,
        )


class WithdrawRequest(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_NUL)]  # editors see it


class EmbargoRequest(BaseModel):
    until: UtcTime  # none of its posts goes out before then


class CorrectionRequest(BaseModel):
    """The fields to correct (absent: as they are); `dry_run` says what would change and changes nothing."""

    title: Annotated[str | None, Field(min_length=1, max_length=1000, pattern=NO_NUL)] = None
    summary: Annotated[str | None, Field(max_length=5000, pattern=NO_NUL)] = None
    dry_run: bool = False


class Rewritten(BaseModel):
    post: int
    account: str
    before: str
    after: str


class LeftAlone(BaseModel):
    post: int
    why: str


class CorrectionOut(BaseModel):
    changed: list[str]  # the article's fields that changed
    rewritten: list[Rewritten]  # posts not out yet whose text changes
    left: list[LeftAlone]  # posts not touched, and why
    dry_run: bool


class CampaignRequest(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)]
    accounts: Annotated[
        list[Annotated[str, Field(max_length=100, pattern=NO_NUL)]], Field(min_length=1, max_length=200)
    ]


class TimelineStep(BaseModel):
    account: str
    timezone: str
    step: str
    number: int
    at: datetime
    text: str
    card: str | None
    draft: bool  # the account asks for approval


class TimelineOut(BaseModel):
    steps: list[TimelineStep]  # by time
    skipped: list[str]  # steps left out, and why


class PlannedOut(BaseModel):
    posts: list[PostOut]


class EvergreenRequest(BaseModel):
    reshare: bool  # true: evergreen accounts may reshare it; false: kept out


class EvergreenOut(BaseModel):
    article: int
    kept_out_since: datetime | None


def _article(session: Session, article_id: int) -> Article:
    try:
        return controls.get_article(session, article_id)
    except NewsroomError as error:
        raise HTTPException(404, worded(error, api_words)) from None


def _refused(error: Exception) -> HTTPException:
    return HTTPException(422, worded(error, api_words))


@router.put("/{article_id}/embargo", responses={**NO_ARTICLE, **NOT_DONE})
def embargo(
    article_id: ArticleId,
    body: EmbargoRequest,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> ArticlePostsOut:
    """Hold every post of the article until `until`; a post due before then goes out right after it."""
    _article(session, article_id)
    try:
        return ArticlePostsOut.of(controls.embargo(session, article_id, body.until, now=utcnow()))
    except REFUSED as error:
        raise _refused(error) from None


@router.delete("/{article_id}/embargo", responses=NO_ARTICLE)
def lift_embargo(
    article_id: ArticleId, viewer: Viewer = api_viewer("write"), session: Session = DATABASE
) -> ArticlePostsOut:
    """End the embargo now: posts due meanwhile go out at once."""
    _article(session, article_id)
    return ArticlePostsOut.of(controls.lift_embargo(session, article_id, now=utcnow()))


@router.post("/{article_id}/correction", responses={**NO_ARTICLE, **NOT_DONE})
def correct(
    request: Request,
    article_id: ArticleId,
    body: CorrectionRequest,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> CorrectionOut:
    """Correct the title or summary and render again every post not out yet (`dry_run`: only say what
    would change). A post whose text an editor wrote is left alone, and said so."""
    article = _article(session, article_id)
    templates_dir = request.app.state.settings.templates_dir
    title = body.title if body.title is not None and body.title.strip() != article.title else None
    summary = (
        body.summary if body.summary is not None and body.summary.strip() != (article.summary or "") else None
    )
    try:
        preview = rehearsal.correction_preview(
            session, article_id, title=title, summary=summary, templates_dir=templates_dir
        )
        if not body.dry_run and preview.changed:
            with session.begin_nested():
                corrections.correct_article(
                    session, article_id, templates_dir=templates_dir, title=title, summary=summary
                )
    except REFUSED as error:
        session.expire_all()
        raise _refused(error) from None
    return CorrectionOut(
        changed=preview.changed,
        rewritten=[
            Rewritten(post=r.post_id, account=r.account, before=r.before, after=r.after)
            for r in preview.rewritten
        ],
        left=[LeftAlone(post=post, why=why) for post, why in preview.left],
        dry_run=body.dry_run,
    )


def _accounts(session: Session, names: list[str]) -> list[Account]:
    known = {account.name: account for account in list_accounts(session)}
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        raise HTTPException(422, f"no account {unknown[0]!r}: GET /api/v1/accounts lists them")
    return [known[name] for name in dict.fromkeys(names)]


@router.post("/{article_id}/campaign/timeline", responses={**NO_ARTICLE, **NOT_DONE})
def campaign_timeline(
    request: Request,
    article_id: ArticleId,
    body: CampaignRequest,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> TimelineOut:
    """When each step of the campaign would go out on each account, were it planned now. Plans nothing."""
    _article(session, article_id)
    chosen = _accounts(session, body.accounts)
    try:
        timeline = rehearsal.campaign_timeline(
            session,
            article_id,
            chosen,
            body.name,
            templates_dir=request.app.state.settings.templates_dir,
            now=utcnow(),
        )
    except REFUSED as error:
        raise _refused(error) from None
    return TimelineOut(
        steps=[TimelineStep(**step.__dict__) for step in timeline.steps], skipped=timeline.skipped
    )


@router.post("/{article_id}/campaign", status_code=201, responses={**NO_ARTICLE, **NOT_DONE})
def plan_campaign(
    request: Request,
    article_id: ArticleId,
    body: CampaignRequest,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> PlannedOut:
    """Plan every step of the campaign for every account: all of it or, refused, nothing."""
    article = _article(session, article_id)
    chosen = _accounts(session, body.accounts)
    try:
        with session.begin_nested():
            planned = campaigns.plan_campaign(
                session,
                article,
                chosen,
                body.name,
                templates_dir=request.app.state.settings.templates_dir,
                now=utcnow(),
            )
    except REFUSED as error:
        session.expire_all()
        raise _refused(error) from None
    return PlannedOut(posts=[PostOut.of(post) for post in planned])


@router.put("/{article_id}/evergreen", responses=NO_ARTICLE)
def set_evergreen(
    article_id: ArticleId,
    body: EvergreenRequest,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> EvergreenOut:
    """Let evergreen accounts reshare the article in their free slots, or keep it out."""
    _article(session, article_id)
    article = evergreen.set_article_evergreen(session, article_id, on=body.reshare, now=utcnow())
    return EvergreenOut(article=article.id, kept_out_since=article.evergreen_off_at)


# Last: the role walk (tests/web/test_auth.py) calls the routes in order, and a withdrawn article is final.
@router.post("/{article_id}/withdraw", responses={**NO_ARTICLE, **NOT_DONE})
def withdraw(
    article_id: ArticleId,
    body: WithdrawRequest,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> ArticlePostsOut:
    """Cancel every post of the article not out yet, with the reason; posts already out stay. Final."""
    _article(session, article_id)
    try:
        return ArticlePostsOut.of(controls.withdraw(session, article_id, body.reason, now=utcnow()))
    except REFUSED as error:
        raise _refused(error) from None

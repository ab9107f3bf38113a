"""/api/v1/compositions: one post written once for several accounts (newsroom.composer, as the composer
page): previewed as each network will publish it, then sent (now, to each account's queue, at a time, or
for approval), every account's post or none; and /api/v1/account-groups, the saved sets of accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from scheduler.models import AccountGroup, Article, utcnow
from scheduler.newsroom import NewsroomError, composer
from scheduler.web.api import MAX_ID, NO_NUL, PostOut, UtcTime, account_named, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(prefix="/api/v1", tags=["composer"], dependencies=[Depends(known_query_parameters)])

Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
Text = Annotated[str, StringConstraints(max_length=composer.MOST_TEXT, pattern=NO_NUL)]
Network = Literal["outbox", "x", "mastodon", "bluesky"]  # scheduler.networks.NETWORKS

# The domain's words for when a post goes, as a composition's members say them.
WHEN_WORDS = {
    "--now": '"when": "now"',
    "--queue": '"when": "queue"',
    "--at TIME": '"when": "at" with "at"',
    "--at 'YYYY-MM-DD HH:MM'": '"when": "at" with "at" (an ISO 8601 time with an offset)',
}


def composition_words(option: str) -> str:
    return WHEN_WORDS.get(option) or api_words(option)


class CompositionRequest(BaseModel):
    """What the composer holds (newsroom.composer.Composition): the accounts (by name, and a saved
    group's), the step and card, the text for every network and a network's own, and when."""

    article_id: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None  # none: a post of one's own text
    accounts: Annotated[list[Name], Field(max_length=200)] = []
    group: Name | None = None  # a saved group, whose accounts join `accounts`
    step: Literal["announce", "quote", "reshare"] = "announce"  # the template, when there is no text
    card: Literal["headline", "quote"] | None = None  # the article's card attached (with its alt text)
    text: Text = ""  # for every network; empty: the step's template, fitted to each network
    custom: Annotated[dict[Network, Text], Field(max_length=4)] = {}  # a network's own text, over `text`
    when: Literal["queue", "now", "at"] = "queue"  # queue: each account's next free slot
    at: UtcTime | None = None  # with "when": "at"
    approval: bool = False  # drafts for an approver, whatever the accounts ask

    @model_validator(mode="after")
    def at_with_when(self) -> CompositionRequest:
        if (self.at is not None) != (self.when == "at"):
            raise ValueError('give "at" (an ISO 8601 time with an offset) with "when": "at", and only then')
        return self


class PartOut(BaseModel):
    text: str  # as it will be published
    length: int  # as its network counts it (a link as 23 on X and Mastodon, graphemes on Bluesky)
    limit: int | None
    byte_length: int | None  # Bluesky counts UTF-8 bytes against a second limit
    byte_limit: int | None
    fits: bool
    over: int  # how far past the tightest limit; 0 when it fits


class AccountPreviewOut(BaseModel):
    account: str
    network: str
    timezone: str
    own: bool  # the editor's text, not the step's template
    custom: bool  # this network's own text
    parts: list[PartOut]  # more than one: a thread
    problem: str | None  # why it cannot be made
    card: str | None  # the card attached
    alt: str | None  # the card's alt text
    link: str | None  # the article's address, drawn by the network as a link card
    link_title: str | None  # the link card's title
    due: datetime | None  # when it would go out
    due_problem: str | None  # why it cannot go then
    ready: bool  # it can be sent as it is


class CompositionPreview(BaseModel):
    accounts: list[str]  # the accounts chosen, the group's included
    previews: list[AccountPreviewOut]


class SentOut(BaseModel):
    account: str
    post: PostOut  # the first part
    parts: int
    draft: bool  # waiting for an approver


class CompositionSent(BaseModel):
    posts: list[SentOut]


class GroupRequest(BaseModel):
    name: Name
    accounts: Annotated[list[Name], Field(min_length=1, max_length=200)]


class GroupOut(BaseModel):
    id: int
    name: str
    accounts: list[str]

    @classmethod
    def of(cls, group: AccountGroup) -> GroupOut:
        return cls(id=group.id, name=group.name, accounts=[str(name) for name in group.accounts])


NOT_FOUND = {404: {"description": "no such article, account or group"}}


def _composition(session: Session, body: CompositionRequest) -> composer.Composition:
    """The composition the request names, as composer.Composition reads a page's: 404 for an article, an
    account or a group that is not there (the page offers only those that are)."""
    if body.article_id is not None and session.get(Article, body.article_id) is None:
        raise HTTPException(404, f"there is no article {body.article_id}")
    for name in body.accounts:
        account_named(session, name)
    data = body.model_dump(exclude={"group"})
    data["at"] = body.at.isoformat() if body.at is not None else ""
    composition = composer.Composition.read(data)
    if body.group is not None:
        try:
            composer.use_group(composition, composer.group_named(session, body.group))
        except NewsroomError as error:
            raise HTTPException(404, worded(error, api_words)) from None
    return composition


def _told(message: str | None) -> str | None:
    return worded(message, composition_words) if message is not None else None


@router.post("/compositions/preview", responses=NOT_FOUND)
def preview_composition(
    body: CompositionRequest,
    request: Request,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> CompositionPreview:
    """Each chosen account's post as its network will publish it, as the composer page previews it: the
    text as counted (and cut into a thread), the card and its alt text or the link card, and when."""
    composition = _composition(session, body)
    article = session.get(Article, composition.article_id) if composition.article_id else None
    shown = composer.previews(
        session, composition, templates_dir=request.app.state.settings.templates_dir, now=utcnow()
    )
    return CompositionPreview(
        accounts=[account.name for account in composer.chosen_accounts(session, composition)],
        previews=[
            AccountPreviewOut(
                account=preview.account.name,
                network=preview.account.network,
                timezone=preview.account.timezone,
                own=preview.own,
                custom=preview.custom,
                parts=[
                    PartOut(
                        text=part.text,
                        length=part.counted.length,
                        limit=part.counted.limit,
                        byte_length=part.counted.byte_length,
                        byte_limit=part.counted.byte_limit,
                        fits=part.counted.fits,
                        over=part.counted.over,
                    )
                    for part in preview.parts
                ],
                problem=_told(preview.problem),
                card=preview.card,
                alt=preview.alt,
                link=preview.link,
                link_title=article.title if preview.link and article is not None else None,
                due=preview.due,
                due_problem=_told(preview.due_problem),
                ready=preview.ready,
            )
            for preview in shown
        ],
    )


@router.post(
    "/compositions",
    status_code=201,
    responses={**NOT_FOUND, 422: {"description": "not sent: the detail names the account and says why"}},
)
def send_composition(
    body: CompositionRequest,
    request: Request,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> CompositionSent:
    """Make every chosen account's post (now, in its next free slot, at `at`, or a draft for approval), as
    the composer page's Send does; when one account cannot take it, none is made."""
    composition = _composition(session, body)
    try:
        with session.begin_nested():
            sent = composer.send(
                session,
                composition,
                templates_dir=request.app.state.settings.templates_dir,
                now=utcnow(),
                user_id=viewer.id,
            )
    except NewsroomError as error:
        raise HTTPException(422, f"nothing was sent: {worded(error, composition_words)}") from None
    return CompositionSent(
        posts=[
            SentOut(account=item.account, post=PostOut.of(post), parts=item.parts, draft=item.draft)
            for item, post in zip(sent, composer.posts_of(session, sent), strict=True)
        ]
    )


@router.get("/account-groups")
def list_groups(viewer: Viewer = api_viewer("write"), session: Session = DATABASE) -> list[GroupOut]:
    """The saved groups of accounts the composer picks at once, by name."""
    return [GroupOut.of(group) for group in composer.groups(session)]


@router.post(
    "/account-groups",
    status_code=201,
    responses={
        200: {"description": "a group of that name was there: its accounts are replaced"},
        404: {"description": "no such account"},
        422: {"description": "no name"},
    },
)
def save_group(
    body: GroupRequest, response: Response, viewer: Viewer = api_viewer("write"), session: Session = DATABASE
) -> GroupOut:
    """Save a group of accounts under a name, as the composer page does (a group of that name is
    replaced)."""
    for name in body.accounts:
        account_named(session, name)
    before = {group.id for group in composer.groups(session)}
    try:
        group = composer.save_group(session, body.name, body.accounts)
    except NewsroomError as error:
        raise HTTPException(422, worded(error, api_words)) from None
    if group.id in before:
        response.status_code = 200
    return GroupOut.of(group)

"""/api/v1/campaigns and /api/v1/evergreen: campaign files read, checked and kept (admins), and what
evergreen may reshare on each account, turned on or off per account. The same functions as the
campaigns and evergreen pages, `scheduler campaigns …` and `scheduler evergreen --eligible`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from scheduler.models import Account, utcnow
from scheduler.newsroom import NewsroomError, evergreen
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning.campaign_files import read_campaign_text, save_campaign, try_campaign
from scheduler.planning.campaigns import (
    CAMPAIGN_NAME,
    MAX_FILE_BYTES,
    Campaign,
    CampaignError,
    campaign_names,
    load_campaign,
)
from scheduler.web.api import AccountName, account_named, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_parameters)])

CampaignName = Annotated[
    str, Path(min_length=1, max_length=64, pattern=CAMPAIGN_NAME.pattern, description="the campaign's name")
]


class StepOut(BaseModel):
    number: int
    step: str
    when: str  # as the file says it: "next slot", "+2 days next slot", "+1 days at 08:30", "on publish"
    card: str | None
    card_size: str | None
    quote: int | None  # which attributed quote (1 the best); None: the next not used yet
    same_day: bool


class CampaignOut(BaseModel):
    name: str
    description: str | None
    steps: list[StepOut]  # empty when the file cannot be used
    problem: str | None  # why the file cannot be used; None: it can

    @classmethod
    def of(cls, name: str, campaign: Campaign | None, problem: str | None = None) -> CampaignOut:
        steps = [
            StepOut(
                number=s.number,
                step=s.step,
                when=s.when.text,
                card=s.card,
                card_size=s.card_size,
                quote=s.quote,
                same_day=s.same_day,
            )
            for s in (campaign.steps if campaign else ())
        ]
        return cls(
            name=name, description=campaign.description if campaign else None, steps=steps, problem=problem
        )


class CampaignFile(CampaignOut):
    text: str  # the file itself (YAML)


class CampaignRequest(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=MAX_FILE_BYTES)]  # the whole file (YAML)
    dry_run: bool = False  # check it and say what it makes; keep nothing


class Candidate(BaseModel):
    article: int
    title: str
    last_shared: datetime
    again_from: datetime  # it may go again from then, in a free slot
    kept_out: bool  # an editor kept it out of evergreen


class EvergreenAccount(BaseModel):
    account: str
    after_days: int | None  # None: evergreen is off there
    card: str | None
    candidates: list[Candidate]  # soonest first


class EvergreenRequest(BaseModel):
    after_days: Annotated[int | None, Field(ge=1, le=evergreen.MAX_AFTER_DAYS)]  # None: turn it off
    card: Annotated[str | None, Field(max_length=64)] = None


def _templates(request: Request) -> FilePath:
    return request.app.state.settings.templates_dir


def _evergreen_of(session: Session, account: Account, now: datetime) -> EvergreenAccount:
    setting = evergreen.Evergreen.of(account)
    return EvergreenAccount(
        account=account.name,
        after_days=setting.after_days if setting else None,
        card=setting.card if setting else None,
        candidates=[
            Candidate(
                article=c.article_id,
                title=c.title,
                last_shared=c.last_shared,
                again_from=c.again_from,
                kept_out=c.kept_out,
            )
            for c in evergreen.candidates(session, account, now)
        ],
    )


@router.get("/campaigns", tags=["campaigns"])
def list_campaigns(request: Request, viewer: Viewer = api_viewer("view")) -> list[CampaignOut]:
    """Every campaign file with its steps, or what is wrong with it."""
    listed = []
    for name in campaign_names(_templates(request)):
        try:
            listed.append(CampaignOut.of(name, load_campaign(_templates(request), name)))
        except CampaignError as error:
            listed.append(CampaignOut.of(name, None, str(error)))
    return listed


@router.get("/campaigns/{name}", tags=["campaigns"], responses={404: {"description": "no such campaign"}})
def read_campaign(name: CampaignName, request: Request, viewer: Viewer = api_viewer("view")) -> CampaignFile:
    text = read_campaign_text(_templates(request), name)
    if text is None:
        raise HTTPException(404, f"no campaign {name!r}: GET /api/v1/campaigns lists them")
    try:
        return CampaignFile(
            **CampaignOut.of(name, try_campaign(_templates(request), name, text)).model_dump(), text=text
        )
    except CampaignError as error:
        return CampaignFile(**CampaignOut.of(name, None, str(error)).model_dump(), text=text)


@router.put(
    "/campaigns/{name}",
    tags=["campaigns"],
    responses={422: {"description": "the file cannot be used: the reason names the step or the line"}},
)
def write_campaign(
    name: CampaignName, body: CampaignRequest, request: Request, viewer: Viewer = api_viewer("admin")
) -> CampaignFile:
    """Keep the campaign file (new or replaced) when it parses as planning reads it: whole, or not at all."""
    text = body.text.replace("\r\n", "\n")
    try:
        campaign = (
            try_campaign(_templates(request), name, text)
            if body.dry_run
            else save_campaign(_templates(request), name, text)
        )
    except CampaignError as error:
        raise HTTPException(422, str(error)) from None
    return CampaignFile(**CampaignOut.of(name, campaign).model_dump(), text=text)


@router.get("/evergreen", tags=["evergreen"])
def list_evergreen(
    viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> list[EvergreenAccount]:
    """Each account's evergreen setting and the articles it may reshare, soonest first."""
    now = utcnow()
    return [_evergreen_of(session, account, now) for account in list_accounts(session)]


@router.put(
    "/accounts/{name}/evergreen",
    tags=["evergreen"],
    responses={404: {"description": "no such account"}, 422: {"description": "refused: the reason says why"}},
)
def set_account_evergreen(
    name: AccountName,
    body: EvergreenRequest,
    request: Request,
    viewer: Viewer = api_viewer("admin"),
    session: Session = DATABASE,
) -> EvergreenAccount:
    """Fill the account's free slots with reshares of articles it has not shared for `after_days`
    (with a card, or none), or stop (`after_days` null)."""
    account = account_named(session, name)
    try:
        evergreen.set_evergreen(
            session, account.name, body.after_days, card=body.card, templates_dir=_templates(request)
        )
    except NewsroomError as error:
        raise HTTPException(422, worded(error, api_words)) from None
    return _evergreen_of(session, account, utcnow())

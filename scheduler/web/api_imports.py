"""POST /api/v1/imports: a CSV file's rows checked (a dry run, as the import page's check table) or
imported all in one transaction, or none; with a campaign, every step of it planned for each row's
article. The same functions as the import page and `scheduler import`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.articles import ArticleError
from scheduler.articles.csv import MOST_SENT_BYTES
from scheduler.config import Settings
from scheduler.newsroom import NewsroomError, importing
from scheduler.newsroom.feeds import fetch_policy
from scheduler.planning import PlanningError
from scheduler.planning.campaigns import Campaign, CampaignError, load_campaign
from scheduler.render import RenderError
from scheduler.web.api import NO_NUL, PostOut, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], dependencies=[Depends(known_query_parameters)])

FILE = "the CSV"  # how the messages name the file sent
AccountName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL)
]


class ImportRequest(BaseModel):
    """A CSV file's text: a header naming its columns (article, account, time, text), then a row per post;
    each row's article is its page's address. A row without a time takes the account's next free slot."""

    csv: Annotated[str, Field(min_length=1, max_length=MOST_SENT_BYTES, pattern=NO_NUL)]
    # Plan every step of templates/campaigns/NAME.yml for each row's article (rows give no time or text).
    campaign: Annotated[str | None, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)] = None
    # With a campaign: the accounts for rows that name none (default: the only one).
    accounts: Annotated[list[AccountName], Field(max_length=200)] = []
    dry_run: bool = True  # check every row and store nothing

    @model_validator(mode="after")
    def accounts_with_a_campaign(self) -> ImportRequest:
        if self.accounts and self.campaign is None:
            raise ValueError("accounts go with a campaign; without one, each row names its account")
        return self


class RowOut(BaseModel):
    line: int  # where the row starts in the file (the header is line 1)
    title: str | None  # its article's, once read
    account: str | None
    accounts: list[str]  # every account it is for (with a campaign, maybe several)
    due_at: datetime | None  # None: the account's next free slot (with a campaign: the steps' times)
    problem: str | None  # what is wrong with it; None: ready

    @classmethod
    def of(cls, row: importing.RowCheck) -> RowOut:
        return cls(
            line=row.line,
            title=row.title,
            account=row.account,
            accounts=list(row.accounts),
            due_at=row.due_at,
            problem=worded(row.problem, api_words) if row.problem else None,
        )


class LeftOut(BaseModel):
    account: str
    step: int  # the campaign's step, counted from 1
    reason: str


class ImportOut(BaseModel):
    imported: bool  # false: a dry run, nothing stored
    rows: list[RowOut]  # every row, in the file's order
    bad: int  # rows with a problem: while there is one, nothing is imported
    posts: list[PostOut]  # the posts made (first parts); none on a dry run
    left_out: list[LeftOut]  # with a campaign: the steps not planned, and why


def _campaign(settings: Settings, name: str | None) -> Campaign | None:
    try:
        return load_campaign(settings.templates_dir, name) if name is not None else None
    except CampaignError as error:
        raise HTTPException(422, worded(error, api_words)) from None


def _rows(plan: importing.ImportPlan) -> list[RowOut]:
    return [RowOut.of(row) for row in importing.rows_checked(plan)]


def _refused(plan: importing.ImportPlan, error: importing.ImportRejected) -> NoReturn:
    rows = [row.model_dump(mode="json") for row in _rows(plan)]
    raise HTTPException(422, {"message": worded(error, api_words), "rows": rows})


@router.post(
    "",
    status_code=201,
    responses={
        200: {"description": "dry_run: every row checked; nothing stored"},
        422: {
            "description": "nothing imported: the file cannot be read, or rows are wrong (then `detail` "
            "holds `message` and every row with its problem, as a dry run gives them)"
        },
    },
)
def import_csv(
    body: ImportRequest,
    request: Request,
    response: Response,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> ImportOut:
    """Check every row of the file (its article fetched and read, its account and time); unless `dry_run`,
    then import all its rows in one transaction, or none when any row is wrong."""
    settings = request.app.state.settings
    campaign = _campaign(settings, body.campaign)
    accounts = importing.account_infos(session)
    db.release(session)  # reading the rows' articles holds no transaction
    try:
        plan = importing.check_text(
            body.csv,
            name=FILE,
            accounts=accounts,
            policy=fetch_policy(settings),
            max_bytes=settings.max_article_bytes,
            campaign=campaign is not None,
            campaign_accounts=tuple(dict.fromkeys(body.accounts)),
        )
    except ArticleError as error:
        raise HTTPException(422, worded(error, api_words)) from None
    if body.dry_run:
        response.status_code = 200
        return ImportOut(imported=False, rows=_rows(plan), bad=len(plan.errors), posts=[], left_out=[])
    if plan.errors:
        _refused(plan, importing.ImportRejected(Path(FILE), plan.errors))
    left_out: list[LeftOut] = []
    try:  # a refusal raised rolls the request's transaction back: nothing of it is stored
        if campaign is None:
            post_ids = importing.import_rows(session, Path(FILE), plan, settings=settings)
        else:
            planned = importing.import_campaign(session, plan, campaign, settings=settings)
            post_ids = [post.id for article in planned for post in article.posts]
            left_out = [
                LeftOut(account=skipped.account, step=skipped.step.number, reason=skipped.reason)
                for article in planned
                for skipped in article.skipped
            ]
        posts = importing.made_by(session, post_ids, viewer.id)
    except importing.ImportRejected as error:  # a row that failed as it was imported
        plan.errors.extend(error.errors)
        _refused(plan, error)
    except (NewsroomError, PlanningError, RenderError) as error:
        raise HTTPException(422, f"nothing imported: {worded(error, api_words)}") from None
    return ImportOut(
        imported=True,
        rows=_rows(plan),
        bad=0,
        posts=[PostOut.of(post) for post in posts],
        left_out=left_out,
    )

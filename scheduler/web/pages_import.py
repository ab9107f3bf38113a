"""CSV import in the browser, as `scheduler import`: upload a file, see every row checked (its account,
its time, its article read, or what is wrong with it), then import all its rows in one transaction, or
none. The file waits under the var directory between the two steps, named for its user."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from scheduler import db
from scheduler.articles import ArticleError
from scheduler.articles.csv import MOST_SENT_BYTES
from scheduler.models import Account
from scheduler.newsroom import NewsroomError, importing
from scheduler.newsroom.feeds import fetch_policy
from scheduler.planning import PlanningError
from scheduler.render import RenderError
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.pages import page
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
MOST_BYTES = MOST_SENT_BYTES


def _folder(request: Request) -> Path:
    folder = Path(request.app.state.settings.var_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _kept(request: Request, viewer: Viewer, token: str) -> Path | None:
    if not token.isalnum() or len(token) > 64:
        return None
    path = _folder(request) / f"{viewer.id}-{token}.csv"
    return path if path.is_file() else None


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, viewer: Viewer = page_viewer("write")) -> Response:
    return page(request, "import.html", viewer, problem=None)


def _check(request: Request, session: Session, path: Path) -> importing.ImportPlan:
    accounts = importing.account_infos(session)
    db.release(session)  # reading the rows' articles holds no transaction
    settings = request.app.state.settings
    return importing.check_file(
        path,
        accounts=accounts,
        policy=fetch_policy(settings),
        max_bytes=settings.max_article_bytes,
        addresses_only=True,
    )


def _table(plan: importing.ImportPlan) -> list[tuple[int, str, str, str, str | None]]:
    """(line, article, account, when, problem) for every row, in the file's order."""
    return [
        (
            row.line,
            row.title or "",
            row.account or "",
            _when(row),
            worded(row.problem, page_words) if row.problem else None,
        )
        for row in importing.rows_checked(plan)
    ]


def _when(row: importing.RowCheck) -> str:
    if row.problem:
        return ""
    return row.due_at.isoformat() if row.due_at else "the account's next free slot"


@router.post("/import/check", response_class=HTMLResponse)
async def import_check(
    request: Request, file: UploadFile, viewer: Viewer = page_viewer("write"), session: Session = DATABASE
) -> Response:
    """Every row of the uploaded file checked; nothing imported yet."""
    body = await file.read(MOST_BYTES + 1)
    if not body.strip():
        return page(
            request, "import.html", viewer, status_code=422, problem="File: choose a CSV file to upload."
        )
    if len(body) > MOST_BYTES:
        return page(
            request,
            "import.html",
            viewer,
            status_code=422,
            problem=f"File: larger than {MOST_BYTES // 1_000_000} MB.",
        )
    token = secrets.token_hex(16)
    path = _folder(request) / f"{viewer.id}-{token}.csv"
    path.write_bytes(body)
    return await run_in_threadpool(
        _checked, request, session, viewer, path, token, file.filename or "the file"
    )


def _checked(
    request: Request, session: Session, viewer: Viewer, path: Path, token: str, name: str
) -> Response:
    try:
        plan = _check(request, session, path)
    except (ArticleError, NewsroomError) as error:
        path.unlink(missing_ok=True)
        return page(
            request, "import.html", viewer, status_code=422, problem=f"File: {worded(error, page_words)}"
        )
    if plan.errors:
        path.unlink(missing_ok=True)
    return page(
        request,
        "import_check.html",
        viewer,
        status_code=422 if plan.errors else 200,
        name=name,
        rows=_table(plan),
        bad=len(plan.errors),
        token=token if not plan.errors and plan.rows else "",
        zones={a.name: a.timezone for a in session.query(Account)},
    )


@router.post("/import/run", response_class=HTMLResponse)
def import_run(
    request: Request,
    token: str = Form("", max_length=64),
    name: str = Form("", max_length=300),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Import every row of the file checked, in one transaction: all of them, or none."""
    path = _kept(request, viewer, token)
    if path is None:
        return page(request, "import.html", viewer, status_code=422, problem="File: upload the file again.")
    try:
        plan = _check(request, session, path)  # checked again: pages can change between the two steps
        if plan.errors:
            raise importing.ImportRejected(Path(name or path.name), plan.errors)
        with session.begin_nested():
            post_ids = importing.import_rows(
                session, Path(name or path.name), plan, settings=request.app.state.settings
            )
            importing.made_by(session, post_ids, viewer.id)
    except (ArticleError, NewsroomError, PlanningError, RenderError) as error:
        session.expire_all()
        return page(
            request,
            "import.html",
            viewer,
            status_code=422,
            problem=f"Nothing imported: {worded(error, page_words)}",
        )
    finally:
        path.unlink(missing_ok=True)
    return page(request, "import_done.html", viewer, post_ids=post_ids, name=name)

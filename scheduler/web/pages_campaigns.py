"""The campaigns pages: every campaign file with its steps (or what is wrong with it), and editing one
(admins) with its steps shown as planning reads them. An edit is kept only when it parses; until then
the page gives the text back with the problem, its line where YAML names one."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scheduler.planning.campaign_files import (
    check_name,
    read_campaign_text,
    save_campaign,
    starter_text,
    try_campaign,
)
from scheduler.planning.campaigns import Campaign, CampaignError, campaign_names, load_campaign
from scheduler.web.auth import Viewer, csrf_protect, page_viewer
from scheduler.web.i18n import said
from scheduler.web.pages import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_list(request: Request, viewer: Viewer = page_viewer("view")) -> Response:
    templates_dir: Path = request.app.state.settings.templates_dir
    listed: list[tuple[str, Campaign | None, str | None]] = []
    for name in campaign_names(templates_dir):
        try:
            listed.append((name, load_campaign(templates_dir, name), None))
        except CampaignError as error:
            listed.append((name, None, str(error)))
    return page(request, "campaigns.html", viewer, listed=listed)


def _editor(
    request: Request,
    viewer: Viewer,
    name: str,
    text: str,
    *,
    is_new: bool,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    campaign: Campaign | None = None
    try:
        campaign = try_campaign(request.app.state.settings.templates_dir, name, text)
    except CampaignError as problem:
        error = error or str(problem)
    return page(
        request,
        "campaign.html",
        viewer,
        status_code=status_code,
        name=name,
        text=text,
        campaign=campaign,
        is_new=is_new,
        error=error,
        saved=bool(request.query_params.get("saved")),
    )


@router.get("/campaigns/edit", response_class=HTMLResponse)
def edit(request: Request, name: str = "", viewer: Viewer = page_viewer("admin")) -> Response:
    """The campaign file's text with its steps (a new campaign starts from an example)."""
    try:
        text = read_campaign_text(request.app.state.settings.templates_dir, check_name(name.strip()))
    except CampaignError as error:
        return page(
            request, "error.html", viewer, status_code=404, title=said("No such campaign"), message=str(error)
        )
    name = name.strip()
    return _editor(request, viewer, name, starter_text(name) if text is None else text, is_new=text is None)


@router.post("/campaigns/edit", response_class=HTMLResponse)
def save(
    request: Request,
    name: str = Form(""),
    text: str = Form(""),
    action: str = Form("preview", pattern="^(preview|save)$"),
    viewer: Viewer = page_viewer("admin"),
) -> Response:
    """Show the steps the edit makes, or keep it when it parses."""
    templates_dir: Path = request.app.state.settings.templates_dir
    text = text.replace("\r\n", "\n")
    is_new = True  # until the name is known to be a file's
    try:
        check_name(name)
        is_new = read_campaign_text(templates_dir, name) is None
        if action != "save":
            return _editor(request, viewer, name, text, is_new=is_new)
        save_campaign(templates_dir, name, text)
    except CampaignError as error:
        return _editor(
            request, viewer, name, text, is_new=is_new, error=f"Not saved: {error}", status_code=422
        )
    except OSError as error:
        return _editor(
            request,
            viewer,
            name,
            text,
            is_new=is_new,
            status_code=500,
            error=f"Not saved: the campaigns folder cannot be written ({error.strerror})",
        )
    return RedirectResponse(f"/campaigns/edit?name={name}&saved=1", status_code=303)

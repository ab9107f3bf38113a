"""/api/v1/articles/{id}/… and /api/v1/campaigns, /api/v1/evergreen on a real database and a copy of the
templates: a campaign's timeline (planning nothing) then planned, a correction seen then applied, an
embargo set, refused in the past and lifted, evergreen off and on, the article withdrawn; campaign files
read, refused with the reason and kept only when they parse; evergreen turned on for an account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler import db
from scheduler.config import Settings
from scheduler.models import Article, Post, Role, utcnow
from scheduler.newsroom import users
from scheduler.newsroom.accounts import ensure_default_account
from scheduler.web.app import create_app
from tests.conftest import REFERENCE_ARTICLE

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def tokens(database_url: str) -> dict[str, dict[str, str]]:
    with db.session_scope(database_url) as session:
        ensure_default_account(session)
        made = {}
        for role in (Role.EDITOR, Role.ADMIN):
            user = users.add_user(session, role.value, role, "a long enough password")
            made[role.value] = {"Authorization": f"Bearer {users.create_token(session, user, 'script')}"}
        return made


@pytest.fixture
def api(database_url: str, isolated_settings: Path, templates_dir: Path) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=isolated_settings, secret_key=Fernet.generate_key().decode(), templates_dir=templates_dir
    )
    with TestClient(create_app(settings, database_url=database_url)) as client:
        yield client


def _posts(database_url: str) -> int:
    with db.session_scope(database_url) as session:
        return session.scalar(select(func.count(Post.id))) or 0


def test_the_article_desk_through_the_api(
    api: TestClient, tokens: dict[str, dict[str, str]], database_url: str
) -> None:
    editor = tokens["editor"]
    added = api.post("/api/v1/articles", json={"text": REFERENCE_ARTICLE.read_text()}, headers=editor)
    article = added.json()["article"]["id"]
    desk = f"/api/v1/articles/{article}"
    plan = {"name": "default", "accounts": ["outbox"]}

    timeline = api.post(f"{desk}/campaign/timeline", json=plan, headers=editor)
    assert timeline.status_code == 200, timeline.text
    steps = timeline.json()["steps"]
    assert [s["step"] for s in steps] == ["announce", "quote", "quote", "reshare"]
    assert all(s["account"] == "outbox" for s in steps) and _posts(database_url) == 0
    unknown = api.post(f"{desk}/campaign", json={**plan, "accounts": ["nowhere"]}, headers=editor)
    assert unknown.status_code == 422 and "no account 'nowhere'" in unknown.json()["detail"]
    no_file = api.post(f"{desk}/campaign", json={**plan, "name": "missing"}, headers=editor)
    assert no_file.status_code == 422 and "no campaign 'missing'" in no_file.json()["detail"]
    assert _posts(database_url) == 0
    planned = api.post(f"{desk}/campaign", json=plan, headers=editor)
    assert planned.status_code == 201 and len(planned.json()["posts"]) == 4
    assert {p["campaign"] for p in planned.json()["posts"]} == {"default"}

    seen = api.post(
        f"{desk}/correction", json={"title": "A corrected headline", "dry_run": True}, headers=editor
    )
    assert seen.status_code == 200 and seen.json()["changed"] == ["title"]
    assert any("A corrected headline" in r["after"] for r in seen.json()["rewritten"])
    with db.session_scope(database_url) as session:
        assert session.get_one(Article, article).title != "A corrected headline"
    applied = api.post(f"{desk}/correction", json={"title": "A corrected headline"}, headers=editor)
    assert applied.status_code == 200 and applied.json()["dry_run"] is False
    with db.session_scope(database_url) as session:
        assert session.get_one(Article, article).title == "A corrected headline"

    past = api.put(f"{desk}/embargo", json={"until": "2020-01-01T09:00:00Z"}, headers=editor)
    assert past.status_code == 422 and "has already passed" in past.json()["detail"]
    until = (utcnow() + timedelta(days=60)).isoformat()
    held = api.put(f"{desk}/embargo", json={"until": until}, headers=editor)
    assert held.status_code == 200 and len(held.json()["held"]) == 4 and held.json()["embargo_until"]
    lifted = api.delete(f"{desk}/embargo", headers=editor)
    assert lifted.status_code == 200 and lifted.json()["embargo_until"] is None

    kept = api.put(f"{desk}/evergreen", json={"reshare": False}, headers=editor)
    assert kept.status_code == 200 and kept.json()["kept_out_since"] is not None
    back = api.put(f"{desk}/evergreen", json={"reshare": True}, headers=editor)
    assert back.json()["kept_out_since"] is None

    empty = api.post(f"{desk}/withdraw", json={"reason": ""}, headers=editor)
    assert empty.status_code == 422 and _posts(database_url) == 4
    withdrawn = api.post(f"{desk}/withdraw", json={"reason": "legal asked"}, headers=editor)
    assert withdrawn.status_code == 200 and len(withdrawn.json()["stopped"]) == 4
    assert withdrawn.json()["withdrawn_at"] is not None
    missing = api.post("/api/v1/articles/999999/withdraw", json={"reason": "x"}, headers=editor)
    assert missing.status_code == 404 and "there is no article 999999" in missing.json()["detail"]


def test_campaign_files_and_evergreen_through_the_api(
    api: TestClient, tokens: dict[str, dict[str, str]], templates_dir: Path
) -> None:
    admin, editor = tokens["admin"], tokens["editor"]
    listed = api.get("/api/v1/campaigns", headers=editor).json()
    assert [c["name"] for c in listed] == ["default"] and listed[0]["problem"] is None
    read = api.get("/api/v1/campaigns/default", headers=editor).json()
    assert read["text"] == (templates_dir / "campaigns" / "default.yml").read_text()
    assert read["steps"][1] == {
        "number": 2, "step": "quote", "when": "+2 days next slot", "card": "quote", "card_size": None,
        "quote": None, "same_day": False,
    }  # fmt: skip
    assert api.get("/api/v1/campaigns/nothing", headers=editor).status_code == 404

    text = "name: breaking\nsteps:\n  - step: announce\n    when: on publish\n    card: breaking\n"
    assert api.put("/api/v1/campaigns/breaking", json={"text": text}, headers=editor).status_code == 403
    tried = api.put("/api/v1/campaigns/breaking", json={"text": text, "dry_run": True}, headers=admin)
    assert tried.status_code == 200 and tried.json()["steps"][0]["when"] == "on publish"
    assert not (templates_dir / "campaigns" / "breaking.yml").exists()
    wrong = api.put(
        "/api/v1/campaigns/breaking", json={"text": text.replace("on publish", "soon")}, headers=admin
    )
    assert wrong.status_code == 422 and "cannot read when 'soon'" in wrong.json()["detail"]
    assert not (templates_dir / "campaigns" / "breaking.yml").exists()
    kept = api.put("/api/v1/campaigns/breaking", json={"text": text}, headers=admin)
    assert kept.status_code == 200 and (templates_dir / "campaigns" / "breaking.yml").read_text() == text
    assert api.put("/api/v1/campaigns/..%2Fescape", json={"text": text}, headers=admin).status_code in (
        404,
        422,
    )

    assert api.get("/api/v1/evergreen", headers=editor).json() == [
        {"account": "outbox", "after_days": None, "card": None, "candidates": []}
    ]
    refused = api.put(
        "/api/v1/accounts/outbox/evergreen", json={"after_days": 30, "card": "poster"}, headers=admin
    )
    assert refused.status_code == 422 and "no card template 'poster'" in refused.json()["detail"]
    on = api.put("/api/v1/accounts/outbox/evergreen", json={"after_days": 30, "card": "quote"}, headers=admin)
    assert on.status_code == 200 and on.json()["after_days"] == 30 and on.json()["card"] == "quote"
    off = api.put("/api/v1/accounts/outbox/evergreen", json={"after_days": None}, headers=admin)
    assert off.json()["after_days"] is None
    assert (
        api.put("/api/v1/accounts/nowhere/evergreen", json={"after_days": 3}, headers=admin).status_code
        == 404
    )

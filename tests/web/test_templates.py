"""The templates pages on a copy of the project's templates: an edit previewed on the reference article for
every network it serves, kept only when every template renders with it, refused with the file and line
when it does not (a syntax error, reaching out of the sandbox), a network's own template started, a card
template drawn, and only admins get in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scheduler.web.auth import CSRF_FIELD
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in

ANNOUNCE = "posts/default/announce.txt.j2"


def test_an_edit_is_previewed_for_every_network_then_kept(
    admin_site: TestClient, templates_dir: Path
) -> None:
    location = add_reference(admin_site)
    article_id = location.rsplit("/", 1)[1]
    listed = admin_site.get("/templates")
    assert ANNOUNCE in listed.text and "cards/quote.html.j2" in listed.text
    page = admin_site.get("/templates/edit", params={"name": ANNOUNCE, "article": article_id})
    assert page.status_code == 200 and "Every template renders with this one." in page.text
    before = (templates_dir / ANNOUNCE).read_text()
    edited = "NEW: {{ article.title }}\n{% if article.url %}{{ article.url }}{% endif %}"
    form = {"name": ANNOUNCE, "text": edited, "article": article_id, CSRF_FIELD: csrf_of(page.text)}
    preview = admin_site.post("/templates/edit", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert re.search(r"NEW: .*Kardashian", preview.text)
    for network in ("x", "mastodon", "bluesky", "outbox"):
        assert f"<h3>{network}</h3>" in preview.text
    assert (templates_dir / ANNOUNCE).read_text() == before  # a preview keeps nothing
    saved = admin_site.post("/templates/edit", data={**form, "action": "save"}, follow_redirects=False)
    assert saved.status_code == 303
    assert (templates_dir / ANNOUNCE).read_text() == edited
    # The article page's announce posts come from the edited template now.
    assert re.search(r"NEW: .*Kardashian", admin_site.get(location).text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ article.title ", "line 1"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("{{ article.no_such_field }}", "no_such_field"),
    ],
)
def test_a_template_that_does_not_render_is_not_kept(
    admin_site: TestClient, templates_dir: Path, text: str, reason: str
) -> None:
    add_reference(admin_site)
    before = (templates_dir / ANNOUNCE).read_text()
    token = csrf_of(admin_site.get("/templates").text)
    refused = admin_site.post(
        "/templates/edit", data={"name": ANNOUNCE, "text": text, "action": "save", CSRF_FIELD: token}
    )
    assert refused.status_code == 422 and "Not saved: fix the problems below first." in refused.text
    problems = re.search(r'<ul class="items error">(.*?)</ul>', refused.text, re.S)
    assert problems and ANNOUNCE in problems[1] and reason in problems[1]
    assert (templates_dir / ANNOUNCE).read_text() == before


def test_only_template_paths_are_edited(admin_site: TestClient, templates_dir: Path, tmp_path: Path) -> None:
    token = csrf_of(admin_site.get("/templates").text)
    for name in (
        "../../secret.txt.j2",
        "posts/default/../../../x.txt.j2",
        "campaigns/default.yml",
        "/etc/passwd",
    ):
        assert admin_site.get("/templates/edit", params={"name": name}).status_code == 404
        refused = admin_site.post(
            "/templates/edit", data={"name": name, "text": "x", "action": "save", CSRF_FIELD: token}
        )
        assert refused.status_code == 422 and "is not a template this page edits" in refused.text
    assert not (tmp_path / "secret.txt.j2").exists()


def test_a_network_s_own_template_is_started_and_wins_over_the_default(
    admin_site: TestClient, templates_dir: Path
) -> None:
    add_reference(admin_site)
    name = "posts/mastodon/announce.txt.j2"
    start = admin_site.get("/templates/edit", params={"name": name})
    assert start.status_code == 200
    token = csrf_of(start.text)
    saved = admin_site.post(
        "/templates/edit",
        data={"name": name, "text": "Toot: {{ article.title }}", "action": "save", CSRF_FIELD: token},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and (templates_dir / name).read_text() == "Toot: {{ article.title }}"
    preview = admin_site.get("/templates/edit", params={"name": name})
    assert "<h3>mastodon</h3>" in preview.text and "<h3>x</h3>" not in preview.text
    assert "Toot: " in preview.text


def test_a_card_template_is_drawn_in_the_preview(admin_site: TestClient) -> None:
    add_reference(admin_site)
    page = admin_site.get("/templates/edit", params={"name": "cards/quote.html.j2"})
    assert page.status_code == 200
    assert '<img src="data:image/png;base64,' in page.text


def test_only_admins_open_the_templates(site: TestClient) -> None:
    for role in ("editor", "approver"):
        site.cookies.clear()
        sign_in(site, role)
        assert site.get("/templates").status_code == 403
        assert site.get("/templates/edit", params={"name": ANNOUNCE}).status_code == 403

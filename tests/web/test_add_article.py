"""Adding an article on the web: pasted text with its own address (kept, not fetched), the editor's
title, byline and image, every field kept on a refusal with the problem beside it, and the same
article again said to be there already."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler import db
from scheduler.config import Settings
from scheduler.models import Article
from scheduler.web.app import create_app
from scheduler.web.auth import CSRF_FIELD
from tests.httpserver import LocalServer
from tests.web.site import REFERENCE_ARTICLE
from tests.web.test_auth import BASE, csrf_of, sign_in

TEXT = REFERENCE_ARTICLE.read_text()
ADDRESS = "https://news.example.com/2018/05/30/kardashian-white-house"


@pytest.fixture
def editor(site: TestClient, database_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    """The site, signed in as an editor, fetching from loopback (the test's own server)."""
    settings = Settings(
        var_dir=isolated_settings, secret_key=Fernet.generate_key().decode(), allow_private_urls=True
    )
    with TestClient(create_app(settings, database_url=database_url), base_url=BASE) as client:
        sign_in(client, "editor")
        yield client


def add(client: TestClient, **fields: str):
    token = csrf_of(client.get("/articles").text)
    return client.post("/articles", data={**fields, CSRF_FIELD: token}, follow_redirects=False)


def articles(url: str) -> list[Article]:
    with db.session_scope(url) as session:
        found = list(session.scalars(select(Article)))
        session.expunge_all()
        return found


def field_value(page: str, name: str) -> str | None:
    found = re.search(rf'<input id="{name}" name="{name}"[^>]*value="([^"]*)"', page)
    return found[1] if found else None


def test_pasted_text_with_its_address_keeps_the_address_and_fetches_nothing(
    editor: TestClient, database_url: str, http_server: LocalServer
) -> None:
    address = http_server.url("/never-fetched")
    added = add(editor, url=address, text=TEXT, byline="Meaghan Wray and A. Editor")
    assert added.status_code == 303
    [article] = articles(database_url)
    assert article.canonical_url == address and article.author == "Meaghan Wray and A. Editor"
    assert article.title.startswith("‘Optimistic’ Kim Kardashian")
    assert http_server.requests == [], "the page was not fetched: the text was given"
    shown = editor.get(added.headers["location"]).text
    assert (
        f"Added from the pasted text, with the web address {address} (kept as its address, not fetched)."
        in shown
    )
    assert editor.get(added.headers["location"]).text.count("Added from the pasted text") == 0, "said once"


def test_the_editors_title_and_image_take_the_place_of_what_was_found(
    editor: TestClient, database_url: str
) -> None:
    image = "https://news.example.com/lead.jpg"
    assert add(editor, text=TEXT, title="Kardashian at the White House", image=image).status_code == 303
    [article] = articles(database_url)
    assert (article.title, article.image_url, article.canonical_url) == (
        "Kardashian at the White House",
        image,
        None,
    )


def test_a_failed_fetch_keeps_every_field_and_says_which_one_failed(
    editor: TestClient, database_url: str, http_server: LocalServer
) -> None:
    http_server.route("/gone", "not here", status=404, content_type="text/plain")
    address = http_server.url("/gone")
    refused = add(editor, url=address, title="My own title", byline="A. Editor")
    assert refused.status_code == 422
    assert field_value(refused.text, "url") == address
    assert field_value(refused.text, "title") == "My own title"
    assert field_value(refused.text, "byline") == "A. Editor"
    error = re.search(r'<p class="field-error" id="url-error">([^<]*)</p>', refused.text)
    assert error and "404" in error[1]
    assert '<a href="#url">' in refused.text and 'id="url" name="url"' in refused.text
    assert re.search(r'<input id="url"[^>]*aria-invalid="true"[^>]*autofocus', refused.text)
    assert articles(database_url) == []


def test_text_with_an_address_that_is_not_one_keeps_the_text_and_points_at_the_address(
    editor: TestClient, database_url: str
) -> None:
    refused = add(editor, url="ftp://news.example.com/a", text=TEXT)
    assert refused.status_code == 422
    assert re.search(r'id="url-error">[^<]*is not an http\(s\) URL', refused.text)
    assert "Kim Kardashian has been making it a priority" in refused.text.split('id="text"', 1)[1]
    refused = add(editor, text=TEXT, image="not an address")
    assert re.search(
        r"id=\"image-error\">the image&#39;s address: [^<]*is not an http\(s\) URL", refused.text
    )
    assert articles(database_url) == []


def test_the_same_article_again_says_it_is_there_already(editor: TestClient, database_url: str) -> None:
    first = add(editor, text=TEXT)
    again = add(editor, text=TEXT)
    assert again.headers["location"] == first.headers["location"]
    shown = editor.get(again.headers["location"]).text
    assert re.search(r"This article was already here, added on \d{4}-\d\d-\d\d at \d\d:\d\d UTC", shown)
    with db.session_scope(database_url) as session:
        assert session.scalar(select(func.count(Article.id))) == 1

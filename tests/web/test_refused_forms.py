"""Every form that refuses input gives it back filled in, with the problem beside its field and a
summary at the top linking to it (the field focused): the post's text and time, a quote's words, a new
user. (The article page's schedule form: tests/system/test_forms.py, in a browser.)"""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import Post, Quote
from scheduler.newsroom import users
from scheduler.web.auth import CSRF_FIELD
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in


def refused_beside(page: str, field: str) -> str:
    """The problem shown beside `field`, after checking the field is marked, focused and linked to."""
    problem = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert problem, f"no problem beside {field}"
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"[^>]*autofocus', page), f"{field} is not focused"
    assert f'<a href="#{field}">' in page, "the summary links to the field"
    return html.unescape(problem[1])


def first_quote_id(database_url: str) -> int:
    with db.session_scope(database_url) as session:
        return session.scalars(select(Quote.id).order_by(Quote.id)).first()


def a_post(site: TestClient) -> str:
    location = add_reference(site)
    scheduled = site.post(
        f"{location}/posts",
        data={"account": "masto", "step": "announce", CSRF_FIELD: csrf_of(site.get(location).text)},
        follow_redirects=False,
    )
    return scheduled.headers["location"]


def test_a_refused_text_and_a_refused_time_come_back_as_typed(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    post_url = a_post(site)
    token = csrf_of(site.get(post_url).text)
    words = "Our own words, and far too many of them: " + "x" * 500
    refused = site.post(f"{post_url}/text", data={"text": words, CSRF_FIELD: token})
    assert refused.status_code == 422
    assert "over the 500 limit for mastodon" in refused_beside(refused.text, "post-text")
    typed = re.search(r'<textarea id="post-text"[^>]*>([^<]*)</textarea>', refused.text)
    assert typed and html.unescape(typed[1]) == words

    moved = site.post(f"{post_url}/reschedule", data={"at": "2031-02-30 09:00", CSRF_FIELD: token})
    assert moved.status_code == 422
    assert "2031-02-30" in refused_beside(moved.text, "at")
    assert re.search(r'<input id="at" name="at" value="2031-02-30 09:00"', moved.text)
    with db.session_scope(database_url) as session:
        [post] = session.scalars(select(Post))
        assert "far too many" not in post.text


def test_a_refused_quote_edit_keeps_the_words_and_the_speaker(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    quote_id = first_quote_id(database_url)
    token = csrf_of(site.get(location).text)
    words = "x" * 2000
    refused = site.post(
        f"{location}/quotes/{quote_id}", data={"text": words, "speaker": "A. Speaker", CSRF_FIELD: token}
    )
    assert refused.status_code == 422
    assert "keep it under" in refused_beside(refused.text, f"quote-text-{quote_id}")
    assert 'value="A. Speaker"' in refused.text.split(f'id="quote-speaker-{quote_id}"', 1)[1][:200]
    assert re.search(r"<details open>\s*<summary>Edit quote", refused.text)


def test_a_refused_new_user_keeps_the_name_and_role_not_the_password(site: TestClient) -> None:
    sign_in(site, "admin")
    token = csrf_of(site.get("/users").text)
    refused = site.post(
        "/users", data={"name": "new.approver", "role": "approver", "password": "short", CSRF_FIELD: token}
    )
    assert refused.status_code == 422
    assert "the password is too short" in refused_beside(refused.text, "password")
    assert 'id="name" name="name" required value="new.approver"' in refused.text
    assert re.search(r"<option selected>approver</option>", refused.text)
    assert "short" not in re.search(r'<input id="password"[^>]*>', refused.text)[0]
    taken = site.post(
        "/users",
        data={"name": "editor", "role": "editor", "password": "a long enough one", CSRF_FIELD: token},
    )
    assert "there is a user 'editor' already" in refused_beside(taken.text, "name")


def test_a_refused_account_schedule_and_theme_come_back_as_typed(site: TestClient) -> None:
    sign_in(site, "admin")
    token = csrf_of(site.get("/accounts/masto").text)
    sent = {
        "timezone": "Europe/London",
        "slots": "mon-fri 08:30,25:99",
        "min_gap_minutes": "7",
        CSRF_FIELD: token,
    }
    refused = site.post("/accounts/masto/schedule", data=sent)
    assert refused.status_code == 422
    assert "25:99" in refused_beside(refused.text, "slots")
    assert 'id="slots" name="slots" value="mon-fri 08:30,25:99"' in refused.text
    assert 'id="min-gap" name="min_gap_minutes" inputmode="decimal" value="7"' in refused.text
    assert 'id="timezone" name="timezone" value="Europe/London"' in refused.text
    zone = site.post("/accounts/masto/schedule", data={**sent, "slots": "", "timezone": "Mars/Olympus"})
    assert "Mars/Olympus" in refused_beside(zone.text, "timezone")

    theme = {"background": "#123456", "foreground": "white-ish", "accent": "#abc", "font_family": "Inter"}
    refused = site.post("/accounts/masto/theme", data={**theme, CSRF_FIELD: token})
    assert refused.status_code == 422
    assert "'white-ish' is not a colour" in refused_beside(refused.text, "foreground")
    assert 'id="background" name="background" value="#123456"' in refused.text
    assert 'id="foreground" name="foreground" value="white-ish"' in refused.text


def test_a_refused_new_account_keeps_its_fields_and_points_at_the_one_to_fix(site: TestClient) -> None:
    sign_in(site, "admin")
    token = csrf_of(site.get("/accounts").text)
    sent = {"network": "mastodon", "name": "ny-masto", "timezone": "America/New_York", "hashtags": "news"}
    plain = site.post("/accounts", data={**sent, "instance": "http://m.example", CSRF_FIELD: token})
    assert plain.status_code == 422
    assert "https" in refused_beside(plain.text, "instance")
    for name, value in {**sent, "instance": "http://m.example"}.items():
        if name != "network":
            assert f'id="{name}" name="{name}"' in plain.text and f'value="{value}"' in plain.text
    assert '<option value="mastodon" selected>' in plain.text
    no_token = site.post("/accounts", data={**sent, "instance": "https://m.example", CSRF_FIELD: token})
    assert "mastodon needs access_token" in refused_beside(no_token.text, "secret-mastodon-access_token")
    secret = {"secret_mastodon_access_token": "a-token"}
    taken = site.post(
        "/accounts",
        data={**sent, **secret, "name": "masto", "instance": "https://m.example", CSRF_FIELD: token},
    )
    assert "exists already" in refused_beside(taken.text, "name")


def test_a_time_the_clocks_skip_is_told_on_the_post_page_once(site: TestClient) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    token = csrf_of(site.get(location).text)
    # masto is in Europe/London (tests/web/site.py).
    sent = {"account": "masto", "step": "announce", "when": "at", "at": "2031-03-30 01:30", CSRF_FIELD: token}
    scheduled = site.post(f"{location}/posts", data=sent, follow_redirects=False)
    assert scheduled.status_code == 303
    shown = site.get(scheduled.headers["location"]).text
    told = (
        "The time: 2031-03-30 01:30 does not exist in Europe/London (the clocks go forward then): "
        "it became 02:00 BST"
    )
    assert told in html.unescape(shown)
    assert told not in html.unescape(site.get(scheduled.headers["location"]).text), "said once"


def test_a_refusal_on_a_page_speaks_of_its_fields_not_the_clis_flags(site: TestClient) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    token = csrf_of(site.get(location).text)
    sent = {"account": "masto", "step": "announce", "when": "at", "at": "2020-01-01 09:00", CSRF_FIELD: token}
    said = refused_beside(site.post(f"{location}/posts", data=sent).text, "at")
    assert said.endswith("has already passed; give a later time, or “now (share it at once)” to post at once")
    for page in (site.get(location).text, site.post(f"{location}/posts", data=sent).text):
        assert "--now" not in page and "--queue" not in page and "scheduler accounts" not in page


def test_a_refused_change_in_a_users_row_is_shown_in_that_row(site: TestClient, database_url: str) -> None:
    sign_in(site, "admin")
    with db.session_scope(database_url) as session:
        editor_id = users.find_user(session, "editor").id
    token = csrf_of(site.get("/users").text)
    refused = site.post("/users/editor/tokens", data={"label": "x" * 150, CSRF_FIELD: token})
    assert refused.status_code == 422
    assert "give the token a label of 1 to 100 characters" in refused_beside(
        refused.text, f"label-{editor_id}"
    )
    assert f'value="{"x" * 150}"' in refused.text
    short = site.post("/users/editor/password", data={"password": "short", CSRF_FIELD: token})
    assert "the password is too short" in refused_beside(short.text, f"password-{editor_id}")

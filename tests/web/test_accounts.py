"""The accounts pages on a real database: connecting an account (credentials proved against the fake
Mastodon over HTTP and sealed, never shown again), its zone, slots, budget and approval changed together
or not at all, its card theme (a logo upload kept by its hash), reconnecting, pausing and resuming, and
who may do each."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import Account
from scheduler.web.auth import CSRF_FIELD
from tests.peers.mastodon_server import TOKEN, MastodonServer
from tests.web.test_auth import csrf_of, sign_in

pytest_plugins = ["tests.peers.mastodon_fixtures"]  # the mastodon_server fixture

# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff2ca8e3a60000000049454e44ae426082"
)


def stored(url: str, name: str) -> Account | None:
    with db.session_scope(url) as session:
        account = session.scalars(select(Account).where(Account.name == name)).first()
        if account is not None:
            session.expunge(account)
        return account


def admin_token(client: TestClient) -> str:
    sign_in(client, "admin")
    return csrf_of(client.get("/accounts").text)


def test_an_admin_connects_a_mastodon_account_whose_token_the_network_accepts(
    site: TestClient, database_url: str, mastodon_server: MastodonServer
) -> None:
    token = admin_token(site)
    form = {
        "network": "mastodon",
        "name": "desk",
        "timezone": "Europe/Paris",
        "instance": mastodon_server.url,
    }
    added = site.post(
        "/accounts",
        data={**form, "secret_mastodon_access_token": TOKEN, "check": "true", CSRF_FIELD: token},
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"] == "/accounts/desk"
    account = stored(database_url, "desk")
    assert account is not None and account.timezone == "Europe/Paris"
    assert account.options["instance"] == mastodon_server.url
    assert account.options["max_characters"] == 500 and account.options["user_id"]  # the check read them
    assert account.secrets is not None and TOKEN not in account.secrets
    shown = site.get("/accounts/desk")
    assert shown.status_code == 200 and "kept, encrypted" in shown.text and TOKEN not in shown.text
    assert 'type="password"' in shown.text


def test_a_refused_token_or_a_missing_field_adds_nothing_and_says_why(
    site: TestClient, database_url: str, mastodon_server: MastodonServer
) -> None:
    token = admin_token(site)
    form = {"network": "mastodon", "name": "desk", "instance": mastodon_server.url, "check": "true"}
    refused = site.post(
        "/accounts", data={**form, "secret_mastodon_access_token": "wrong", CSRF_FIELD: token}
    )
    assert refused.status_code == 422 and "mastodon refused the credentials" in refused.text
    assert "wrong" not in refused.text.replace("wrong.", "")  # the token typed is not echoed back
    assert 'value="desk"' in refused.text  # the rest of the form is kept
    missing = site.post("/accounts", data={**form, CSRF_FIELD: token})
    assert missing.status_code == 422 and "mastodon needs access_token" in missing.text
    no_instance = site.post(
        "/accounts",
        data={
            "network": "mastodon",
            "name": "desk",
            "secret_mastodon_access_token": TOKEN,
            CSRF_FIELD: token,
        },
    )
    assert no_instance.status_code == 422 and "needs its instance" in no_instance.text
    bad_zone = site.post(
        "/accounts", data={"network": "outbox", "name": "desk", "timezone": "Mars/Olympus", CSRF_FIELD: token}
    )
    assert bad_zone.status_code == 422 and "unknown time zone" in bad_zone.text
    taken = site.post("/accounts", data={"network": "outbox", "name": "masto", CSRF_FIELD: token})
    assert taken.status_code == 422 and "exists already" in taken.text
    assert stored(database_url, "desk") is None


def test_zone_slots_budget_and_approval_change_together_or_not_at_all(
    site: TestClient, database_url: str
) -> None:
    token = admin_token(site)
    changes = {
        "timezone": "America/New_York",
        "slots": "mon-fri 08:30,12:15; sat 10:00",
        "min_gap_minutes": "45",
        "max_per_day": "6",
        "needs_approval": "true",
        CSRF_FIELD: token,
    }
    saved = site.post("/accounts/masto/schedule", data=changes, follow_redirects=False)
    assert saved.status_code == 303
    account = stored(database_url, "masto")
    assert account is not None and account.timezone == "America/New_York"
    assert account.options["slots"] == "mon-fri 08:30,12:15; sat 10:00"
    assert account.options["budget"] == {"min_gap_minutes": 45.0, "max_per_day": 6}
    assert account.options["needs_approval"] is True
    page = site.get("/accounts/masto")
    assert "at least 45 min apart, at most 6 a day" in page.text
    refused = site.post(
        "/accounts/masto/schedule",
        data={**changes, "timezone": "Asia/Tokyo", "slots": "someday 25:00"},
    )
    assert refused.status_code == 422 and "Not changed" in refused.text
    assert stored(database_url, "masto").timezone == "America/New_York"  # type: ignore[union-attr]
    gap = site.post("/accounts/masto/schedule", data={**changes, "min_gap_minutes": "soon"})
    assert gap.status_code == 422 and "must be a number" in gap.text
    # Empty fields go back to the defaults.
    site.post("/accounts/masto/schedule", data={"timezone": "America/New_York", CSRF_FIELD: token})
    account = stored(database_url, "masto")
    assert account is not None and "slots" not in account.options and "budget" not in account.options
    assert account.options["needs_approval"] is False


def test_the_theme_takes_colours_and_a_logo_and_refuses_what_is_not_one(
    site: TestClient, database_url: str, isolated_settings: Path
) -> None:
    token = admin_token(site)
    saved = site.post(
        "/accounts/masto/theme",
        data={"background": "#112233", "accent": "#abc", CSRF_FIELD: token},
        files={"logo": ("logo.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    theme = stored(database_url, "masto").options["theme"]  # type: ignore[union-attr]
    assert theme["background"] == "#112233" and theme["accent"] == "#abc"
    logo = Path(theme["logo"])
    assert logo.is_file() and logo.read_bytes() == PNG and logo.parent.name == "logos"
    colour = site.post("/accounts/masto/theme", data={"background": "blue", CSRF_FIELD: token})
    assert colour.status_code == 422 and "is not a colour like #1a2b3c" in colour.text
    not_image = site.post(
        "/accounts/masto/theme",
        data={CSRF_FIELD: token},
        files={"logo": ("logo.png", b"<svg></svg>", "image/png")},
    )
    assert not_image.status_code == 422 and "is not a PNG, JPEG or GIF image" in not_image.text
    assert stored(database_url, "masto").options["theme"] == theme  # type: ignore[union-attr]
    removed = site.post(
        "/accounts/masto/theme", data={"remove_logo": "true", CSRF_FIELD: token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert "logo" not in stored(database_url, "masto").options["theme"]  # type: ignore[union-attr]


def test_reconnecting_proves_the_new_token_first(
    site: TestClient, database_url: str, mastodon_server: MastodonServer
) -> None:
    token = admin_token(site)
    site.post(
        "/accounts",
        data={
            "network": "mastodon",
            "name": "desk",
            "instance": mastodon_server.url,
            "secret_mastodon_access_token": "not-yet-valid",
            CSRF_FIELD: token,
        },
    )  # unchecked: made ahead of its credentials
    before = stored(database_url, "desk")
    assert before is not None and before.secrets is not None
    wrong = site.post(
        "/accounts/desk/credentials", data={"secret_access_token": "still-wrong", CSRF_FIELD: token}
    )
    assert wrong.status_code == 422 and "Not reconnected" in wrong.text
    assert stored(database_url, "desk").secrets == before.secrets  # type: ignore[union-attr]
    right = site.post("/accounts/desk/credentials", data={"secret_access_token": TOKEN, CSRF_FIELD: token})
    assert right.status_code == 200 and "Reconnected: the credentials work" in right.text
    assert stored(database_url, "desk").secrets != before.secrets  # type: ignore[union-attr]


def test_approvers_pause_and_resume_and_editors_only_look(site: TestClient, database_url: str) -> None:
    sign_in(site, "approver")
    token = csrf_of(site.get("/accounts/masto").text)
    assert "Connect an account" not in site.get("/accounts").text
    paused = site.post("/accounts/masto/pause", data={CSRF_FIELD: token})
    assert paused.status_code == 200 and "Paused: nothing more goes out" in paused.text
    assert stored(database_url, "masto").paused_at is not None  # type: ignore[union-attr]
    resumed = site.post("/accounts/masto/resume", data={CSRF_FIELD: token})
    assert resumed.status_code == 200 and "Resumed" in resumed.text
    assert stored(database_url, "masto").paused_at is None  # type: ignore[union-attr]
    assert site.post("/accounts/masto/schedule", data={CSRF_FIELD: token}).status_code == 403
    site.cookies.clear()
    sign_in(site, "editor")
    token = csrf_of(site.get("/accounts/masto").text)
    assert site.post("/accounts/masto/pause", data={CSRF_FIELD: token}).status_code == 403
    assert site.get("/accounts/nowhere").status_code == 404

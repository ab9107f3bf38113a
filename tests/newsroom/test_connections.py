"""Account secrets: sealed at rest with Fernet, read from standard input or the environment, rotated,
never echoed; and what happens when the key is missing or wrong."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from scheduler import db
from scheduler.models import Account
from scheduler.networks.vault import KeyMissing, VaultError, fingerprint, reseal, seal, sealed_with, unseal
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.connections import parse_secrets
from tests import command
from tests.command import SCHEDULER

TOKEN = "tok-7f3a9c-SECRET-value"


def key() -> str:
    return Fernet.generate_key().decode()


def run(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return command.run(*args, input=stdin, env=env)


@pytest.fixture
def database(isolated_settings: Path) -> str:
    assert run("init").returncode == 0
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def stored(database: str, name: str) -> Account:
    with db.session_scope(database) as session:
        account = session.scalar(select(Account).where(Account.name == name))
        assert account is not None
        session.expunge(account)
        return account


def test_sealed_secrets_open_only_with_their_key() -> None:
    first = key()
    token = seal({"access_token": TOKEN}, first)
    assert TOKEN not in token
    assert unseal(token, first, account="desk") == {"access_token": TOKEN}
    other = key()
    with pytest.raises(KeyMissing) as wrong:
        unseal(token, other, account="desk")
    # It names the key the secrets need and the keys this process has, by fingerprint only.
    assert wrong.value.fingerprint == fingerprint(first) == sealed_with(token)
    assert str(wrong.value).startswith(
        f"the secrets of account 'desk' were sealed with key {fingerprint(first)}, which this process "
        f"does not have (its keys: {fingerprint(other)}): start it with the SCHEDULER_SECRET_KEY in use now"
    )
    assert TOKEN not in str(wrong.value) and first not in str(wrong.value)
    # A value sealed before fingerprints were kept still opens, and still says what to do.
    bare = token.partition(":")[2]
    assert unseal(bare, first, account="desk") == {"access_token": TOKEN}
    with pytest.raises(VaultError, match="do not open with SCHEDULER_SECRET_KEY"):
        unseal(bare, other, account="desk")
    with pytest.raises(VaultError, match=r"SCHEDULER_SECRET_KEY is not set.*Fernet\.generate_key"):
        seal({"access_token": TOKEN}, None)
    with pytest.raises(VaultError, match="not a Fernet key"):
        seal({"access_token": TOKEN}, "not-a-key")


def test_rotation_reseals_with_the_first_key_and_old_keys_still_open() -> None:
    old, new = key(), key()
    token = seal({"app_password": TOKEN}, old)
    assert unseal(token, f"{new},{old}", account="desk") == {"app_password": TOKEN}
    rotated = reseal(token, f"{new},{old}")
    assert unseal(rotated, new, account="desk") == {"app_password": TOKEN}
    with pytest.raises(VaultError):
        unseal(rotated, old, account="desk")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"access_token": "abc"}', {"access_token": "abc"}),
        ("access_token=abc\n", {"access_token": "abc"}),
        ("# a comment\n\naccess_token = abc\n", {"access_token": "abc"}),
        ("", {}),
    ],
)
def test_secrets_are_read_as_json_or_field_value_lines(text: str, expected: dict[str, str]) -> None:
    assert parse_secrets("mastodon", text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('["abc"]', "must be a JSON object"),
        ("just-a-token", "line 1 is not field=value"),
        ("password=abc", "unknown secret field(s) password for mastodon: give access_token"),
    ],
)
def test_bad_secrets_input_says_what_is_expected_without_echoing_it(text: str, reason: str) -> None:
    with pytest.raises(NewsroomError) as caught:
        parse_secrets("mastodon", text)
    assert reason in str(caught.value) and "abc" not in str(caught.value)


def test_accounts_add_seals_secrets_from_standard_input_and_never_prints_them(database: str) -> None:
    secret_key = key()
    result = run(
        "accounts",
        "add",
        "mastodon",
        "desk",
        "--instance",
        "https://social.example",
        "--no-check",
        stdin=f'{{"access_token": "{TOKEN}"}}',
        SCHEDULER_SECRET_KEY=secret_key,
    )
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    account = stored(database, "desk")
    assert account.secrets is not None and TOKEN not in account.secrets
    assert TOKEN not in str(account.options)
    assert unseal(account.secrets, secret_key, account="desk") == {"access_token": TOKEN}
    listed = run("accounts", "list", SCHEDULER_SECRET_KEY=secret_key)
    assert "desk" in listed.stdout and TOKEN not in listed.stdout


def test_accounts_add_takes_secrets_from_the_environment(database: str) -> None:
    secret_key = key()
    result = run(
        "accounts",
        "add",
        "bluesky",
        "desk",
        "--handle",
        "desk.example.com",
        "--no-check",
        SCHEDULER_SECRET_KEY=secret_key,
        SCHEDULER_BLUESKY_APP_PASSWORD=TOKEN,
    )
    assert result.returncode == 0, result.stderr
    account = stored(database, "desk")
    assert unseal(account.secrets or "", secret_key, account="desk") == {"app_password": TOKEN}
    assert account.options["handle"] == "desk.example.com"


def test_accounts_add_without_a_key_or_without_secrets_saves_nothing(database: str) -> None:
    no_key = run(
        "accounts",
        "add",
        "mastodon",
        "desk",
        "--instance",
        "https://social.example",
        stdin=f"access_token={TOKEN}",
    )
    assert no_key.returncode == 1 and "SCHEDULER_SECRET_KEY is not set" in no_key.stderr
    assert TOKEN not in no_key.stderr and "Traceback" not in no_key.stderr
    missing = run("accounts", "add", "x", "desk", "--no-check", stdin="api_key=a", SCHEDULER_SECRET_KEY=key())
    assert missing.returncode == 1
    assert "x needs api_secret, access_token, access_token_secret" in missing.stderr
    assert "SCHEDULER_X_ACCESS_TOKEN" in missing.stderr and "never as arguments" in missing.stderr
    with db.session_scope(database) as session:
        assert session.scalars(select(Account.name)).all() == ["outbox"]


def test_secrets_rotate_reseals_every_account_with_the_new_key(database: str) -> None:
    old, new = key(), key()
    for name in ("one", "two"):
        added = run(
            "accounts",
            "add",
            "mastodon",
            name,
            "--instance",
            "https://social.example",
            "--no-check",
            stdin=f"access_token={TOKEN}-{name}",
            SCHEDULER_SECRET_KEY=old,
        )
        assert added.returncode == 0, added.stderr
    rotated = run("secrets", "rotate", SCHEDULER_SECRET_KEY=f"{new},{old}")
    assert rotated.returncode == 0 and "2 account(s)" in rotated.stdout
    for name in ("one", "two"):
        assert unseal(stored(database, name).secrets or "", new, account=name) == {
            "access_token": f"{TOKEN}-{name}"
        }
    # The old key alone no longer opens them: it can be thrown away.
    with pytest.raises(VaultError):
        unseal(stored(database, "one").secrets or "", old, account="one")


def test_a_worker_will_not_start_when_credentialed_accounts_exist_and_no_key_is_set(database: str) -> None:
    added = run(
        "accounts",
        "add",
        "mastodon",
        "desk",
        "--instance",
        "https://social.example",
        "--no-check",
        stdin=f"access_token={TOKEN}",
        SCHEDULER_SECRET_KEY=key(),
    )
    assert added.returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "SCHEDULER_SECRET_KEY"}
    worker = subprocess.run([SCHEDULER, "worker"], capture_output=True, text=True, timeout=60, env=env)
    assert worker.returncode == 1
    assert "accounts with credentials exist (desk) and SCHEDULER_SECRET_KEY is not set" in worker.stderr


def test_checking_an_outbox_account_proves_its_folder_can_be_written(database: str, tmp_path: Path) -> None:
    result = run("accounts", "check", "outbox")
    assert result.returncode == 0 and "outbox: credentials work" in result.stdout
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    assert run("accounts", "add", "outbox", "broken", "--folder", str(blocked / "posts")).returncode == 0
    failed = run("accounts", "check", "broken")
    assert failed.returncode == 1 and "cannot be written" in failed.stderr

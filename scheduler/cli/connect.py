"""`accounts add | reconnect | check` and `secrets rotate`: credentials in, never out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduler.cli import accounts, main
from scheduler.cli.common import database, fail
from scheduler.config import get_settings
from scheduler.networks import NETWORKS, SECRET_FIELDS, AccountSettings
from scheduler.networks.base import AccountCheck, AuthExpired, NetworkError
from scheduler.networks.vault import VaultError
from scheduler.newsroom import NewsroomError, connections


@accounts.command("add")
@click.argument("network", type=click.Choice(NETWORKS))
@click.argument("name")
@click.option(
    "--timezone", "timezone_name", default="UTC", show_default=True, help="IANA zone, e.g. Europe/London"
)
@click.option(
    "--folder", type=click.Path(file_okay=False, path_type=Path), help="outbox: where posts are written"
)
@click.option(
    "--hashtags", metavar="A,B", help="tags the `hashtags` filter adds to every post, e.g. news,politics"
)
@click.option("--instance", metavar="URL", help="mastodon: the server, e.g. https://mastodon.social")
@click.option("--handle", help="bluesky: the account's handle, e.g. newsroom.bsky.social")
@click.option("--service", metavar="URL", default=None, help="bluesky: its PDS [https://bsky.social]")
@click.option("--check/--no-check", default=True, show_default=True, help="prove the credentials first")
def accounts_add(
    network: str,
    name: str,
    timezone_name: str,
    folder: Path | None,
    hashtags: str | None,
    instance: str | None,
    handle: str | None,
    service: str | None,
    check: bool,
) -> None:
    """Add an account. Secrets come from standard input (JSON, or field=value lines) or the environment.

    \b
    x:        api_key, api_secret, access_token, access_token_secret  (SCHEDULER_X_API_KEY, …)
    mastodon: access_token (SCHEDULER_MASTODON_ACCESS_TOKEN) and --instance
    bluesky:  app_password (SCHEDULER_BLUESKY_APP_PASSWORD) and --handle
    """
    settings = get_settings()
    if network == "mastodon" and not instance:
        fail("a mastodon account needs --instance URL (its server, e.g. https://mastodon.social)")
    if network == "bluesky" and not handle:
        fail("a bluesky account needs --handle (e.g. newsroom.bsky.social)")
    try:
        options = connections.network_options(
            network, instance=instance, handle=handle, service=service, hashtags=hashtags
        )
    except NewsroomError as error:  # a plain-HTTP --instance or --service
        fail(str(error))
    if folder:
        options["folder"] = str(folder.resolve())
    secrets = _read_secrets(network) if SECRET_FIELDS[network] else {}
    new = connections.NewAccount(name, network, timezone_name, options, secrets)
    with database() as session:  # the name, the zone and the key are checked before the network is called
        connections.store_new_account(session, new, None, settings)
        session.rollback()
    proved = _prove(new.settings()) if check and network != "outbox" else None
    with database() as session:
        account = connections.store_new_account(session, new, proved, settings)
        click.echo(f"added {account.network} account {account.name!r} ({account.timezone})")
    if proved:
        click.echo(f"credentials work: {proved.handle}")


@accounts.command("reconnect")
@click.argument("name")
@click.option("--check/--no-check", default=True, show_default=True, help="prove the new credentials first")
def accounts_reconnect(name: str, check: bool) -> None:
    """Give an account new credentials (standard input or environment); its held posts go out again."""
    settings = get_settings()
    with database() as session:
        current = connections.opened_account(session, name, settings)
    if not SECRET_FIELDS[current.network]:
        fail(f"{current.network} accounts have no credentials; `accounts check {name}` checks the account")
    secrets = _read_secrets(current.network)
    fresh = AccountSettings(current.name, current.network, current.options, secrets)
    proved = _prove(fresh) if check else AccountCheck(handle=name)
    with database() as session:
        connections.record_check(session, name, proved, secrets, settings)
    click.echo(f"reconnected {name!r}" + (f": credentials work ({proved.handle})" if check else ""))


@accounts.command("check")
@click.argument("name")
def accounts_check(name: str) -> None:
    """Prove the account's credentials work, with the network's own answer."""
    settings = get_settings()
    with database() as session:
        account = connections.opened_account(session, name, settings)
    proved = _prove(account)
    with database() as session:
        connections.record_check(session, name, proved)
    click.echo(f"{name}: credentials work ({proved.handle})")
    for key, value in sorted(proved.options.items()):
        click.echo(f"  {key}: {value}")


@main.group("secrets")
def secrets_group() -> None:
    """Account secrets, encrypted at rest with SCHEDULER_SECRET_KEY."""


@secrets_group.command("rotate")
def secrets_rotate() -> None:
    """Encrypt every account's secrets again with the first key of SCHEDULER_SECRET_KEY.

    Put the new key first and keep the old one after it (comma-separated), run this, then drop the old key.
    """
    settings = get_settings()
    with database() as session:
        count = connections.rotate_secrets(session, settings)
    click.echo(f"re-encrypted the secrets of {count} account(s) with the first key; the old keys can go now")


def _read_secrets(network: str) -> dict[str, str]:
    settings = get_settings()
    given = connections.secrets_from_settings(network, settings)
    try:
        if not sys.stdin.isatty():
            given.update(connections.parse_secrets(network, sys.stdin.read()))
        else:
            for field in SECRET_FIELDS[network]:
                if field not in given:
                    given[field] = click.prompt(f"{network} {field}", hide_input=True)
        return connections.require_secrets(network, given)
    except NewsroomError as error:
        fail(str(error))
        raise  # unreachable: fail exits


def _prove(account: AccountSettings) -> AccountCheck:
    try:
        return connections.prove(account)
    except AuthExpired as error:
        fail(f"{account.network} refused the credentials of {account.name!r}: {error}")
    except (NetworkError, VaultError) as error:
        fail(f"could not check {account.name!r} with {account.network}: {error}")
    except Exception as error:  # the network's library failed in a way we did not sort: say so, briefly
        fail(f"could not check {account.name!r} with {account.network}: {type(error).__name__}: {error}")
    raise AssertionError("unreachable")

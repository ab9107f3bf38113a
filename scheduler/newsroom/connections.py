"""Connecting accounts to their networks: secrets in (sealed at once), credentials proved, keys rotated.

A check calls the network, so it runs outside any transaction: the caller reads the account, calls
`prove`, then records what the network said with `record_check`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.config import Settings, get_settings
from scheduler.models import Account, AccountStatus
from scheduler.networks import SECRET_FIELDS, AccountSettings, for_account
from scheduler.networks.base import AccountCheck
from scheduler.networks.endpoints import InsecureEndpoint, check_endpoint
from scheduler.networks.vault import VaultError, reseal, seal, sealed_with, unseal
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import add_account, find_account
from scheduler.wording import marked


def secret_key(settings: Settings) -> str | None:
    return settings.secret_key.get_secret_value() if settings.secret_key else None


def parse_secrets(network: str, text: str) -> dict[str, str]:
    """Secrets given on standard input: a JSON object, or `field=value` lines. Values never echoed."""
    fields = SECRET_FIELDS[network]
    text = text.strip()
    if not text:
        return {}
    if text[0] in "{[":
        try:
            given = json.loads(text)
        except json.JSONDecodeError as error:
            raise NewsroomError(
                f"standard input is not valid JSON (line {error.lineno}); give {_fields(fields)}"
            ) from None
        if not isinstance(given, dict):
            raise NewsroomError(f"standard input must be a JSON object with {_fields(fields)}")
    else:
        given = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, sep, value = line.partition("=")
            if not sep:
                raise NewsroomError(
                    f"standard input line {number} is not field=value; give {_fields(fields)}"
                )
            given[name.strip()] = value.strip()
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise NewsroomError(
            f"unknown secret field(s) {', '.join(unknown)} for {network}: give {_fields(fields)}"
        )
    return {name: str(value) for name, value in given.items() if str(value)}


def network_options(
    network: str,
    *,
    instance: str | None = None,
    handle: str | None = None,
    service: str | None = None,
    hashtags: str | None = None,
) -> dict[str, Any]:
    """A new account's options for its network (the CLI's flags and the accounts page's fields)."""
    options: dict[str, Any] = {}
    if hashtags:
        options["hashtags"] = [tag.strip().lstrip("#") for tag in hashtags.split(",") if tag.strip()]
    if network == "mastodon":
        if not (instance or "").strip():
            raise NewsroomError(
                "a mastodon account needs its instance (its server, e.g. https://mastodon.social)",
                field="instance",
            )
        options["instance"] = _secure((instance or "").strip().rstrip("/"), "the instance", "instance")
    if network == "bluesky":
        if not (handle or "").strip():
            raise NewsroomError(
                "a bluesky account needs its handle (e.g. newsroom.bsky.social)", field="handle"
            )
        options["handle"] = (handle or "").strip().removeprefix("@")
        options["service"] = _secure(
            ((service or "").strip() or "https://bsky.social").rstrip("/"), "the service", "service"
        )
    return options


def _secure(url: str, what: str, field: str) -> str:
    try:
        return check_endpoint(
            url, what=what, allow_plain_http_loopback=get_settings().allow_plain_http_loopback
        )
    except InsecureEndpoint as error:
        raise NewsroomError(str(error), field=field) from None


def secrets_from_settings(network: str, settings: Settings) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in SECRET_FIELDS[network]:
        value = getattr(settings, f"{network}_{name}", None)
        if value is not None and value.get_secret_value():
            found[name] = value.get_secret_value()
    return found


def require_secrets(network: str, given: Mapping[str, str]) -> dict[str, str]:
    missing = [name for name in SECRET_FIELDS[network] if not given.get(name)]
    if missing:
        env = ", ".join(f"SCHEDULER_{network.upper()}_{name.upper()}" for name in missing)
        raise NewsroomError(
            f"{network} needs {_fields(missing)}: give them on standard input (JSON or field=value lines) "
            f"or in the environment ({env}); never as arguments"
        )
    return dict(given)


def _fields(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names)


@dataclass(frozen=True)
class NewAccount:
    name: str
    network: str
    timezone: str
    options: dict[str, Any]
    secrets: dict[str, str]

    def settings(self) -> AccountSettings:
        return AccountSettings(self.name, self.network, self.options, self.secrets)


def prove(account: AccountSettings) -> AccountCheck:
    """The network's own answer to "do these credentials work?" (AuthExpired when they do not)."""
    return for_account(account).check()


def store_new_account(
    session: Session, new: NewAccount, check: AccountCheck | None, settings: Settings
) -> Account:
    options = {**new.options, **(check.options if check else {})}
    account = add_account(session, new.name, new.network, new.timezone, options)
    if new.secrets:
        account.secrets = seal(new.secrets, secret_key(settings))
    return account


def opened_account(session: Session, name: str, settings: Settings) -> AccountSettings:
    account = find_account(session, name)
    secrets = unseal(account.secrets, secret_key(settings), account=account.name) if account.secrets else {}
    return AccountSettings(account.name, account.network, dict(account.options), secrets)


def record_check(
    session: Session,
    name: str,
    check: AccountCheck,
    secrets: Mapping[str, str] | None = None,
    settings: Settings | None = None,
) -> Account:
    """The credentials work: keep what the network said, lift a reconnect hold, store new secrets if given."""
    account = find_account(session, name)
    account.options = {**account.options, **check.options}
    if secrets is not None and settings is not None:
        account.secrets = seal(secrets, secret_key(settings))
    if account.status != AccountStatus.ACTIVE:
        account.status = AccountStatus.ACTIVE
        account.hold_reason = None
    return account


def rotate_secrets(session: Session, settings: Settings) -> int:
    """Every account's secrets encrypted again with the first key of SCHEDULER_SECRET_KEY."""
    count = 0
    for account in session.scalars(select(Account).where(Account.secrets.is_not(None))):
        account.secrets = reseal(account.secrets, secret_key(settings))
        count += 1
    return count


def check_key_for_accounts(session: Session, settings: Settings) -> None:
    """A clear error now, not a failed post later, when credentialed accounts exist and no key is set,
    or when the key set does not open an account's secrets (it is older than a rotation, say)."""
    if settings.secret_key is None and session.scalar(select(Account.id).where(Account.secrets.is_not(None))):
        names = ", ".join(session.scalars(select(Account.name).where(Account.secrets.is_not(None)).limit(5)))
        raise NewsroomError(
            f"accounts with credentials exist ({names}) and SCHEDULER_SECRET_KEY is not set: set the key "
            "their secrets were sealed with"
        )
    for name, sealed in _sealed(session):
        try:
            unseal(sealed, secret_key(settings), account=name)
        except VaultError as error:
            raise NewsroomError(marked(error)) from None


def _sealed(session: Session) -> list[tuple[str, str]]:
    """(name, sealed secrets) of every account that has credentials."""
    rows = session.execute(select(Account.name, Account.secrets).where(Account.secrets.is_not(None)))
    return [(name, sealed) for name, sealed in rows]


def keys_needed(session: Session) -> dict[str, list[str]]:
    """The key fingerprints the accounts' secrets were sealed with, each with the accounts that need it
    ("" for secrets sealed before fingerprints were kept)."""
    needed: dict[str, list[str]] = {}
    for name, sealed in _sealed(session):
        needed.setdefault(sealed_with(sealed) or "", []).append(name)
    return needed

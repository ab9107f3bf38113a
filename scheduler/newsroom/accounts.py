"""The accounts posts go to: added, listed and found by name, and what templates see of one."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.models import Account
from scheduler.networks import NETWORKS
from scheduler.newsroom import NewsroomError
from scheduler.planning.wallclock import zone
from scheduler.render.text import AccountView

ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")

DEFAULT_ACCOUNT = "outbox"


def add_account(
    session: Session, name: str, network: str, timezone: str = "UTC", options: dict[str, Any] | None = None
) -> Account:
    if not ACCOUNT_NAME.match(name):
        raise NewsroomError(
            f"account name {name!r}: use up to 100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="name",
        )
    if network not in NETWORKS:
        raise NewsroomError(
            f"unknown network {network!r}: choose one of {', '.join(NETWORKS)}", field="network"
        )
    try:
        zone(timezone)
    except ValueError as error:
        raise NewsroomError(str(error), field="timezone") from None
    if session.scalar(select(Account.id).where(Account.name == name)) is not None:
        raise NewsroomError(f"an account named {name!r} exists already; choose another name", field="name")
    account = Account(name=name, network=network, timezone=timezone, options=options or {})
    session.add(account)
    session.flush()
    return account


def ensure_default_account(session: Session) -> Account | None:
    """On a new database, the outbox account that lets everything run without credentials."""
    if session.scalar(select(func.count(Account.id))):
        return None
    return add_account(session, DEFAULT_ACCOUNT, "outbox", "UTC")


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.name)))


def find_account(session: Session, name: str | None) -> Account:
    """The named account; without a name, the only one there is."""
    if name is not None:
        account = session.scalar(select(Account).where(Account.name == name))
        if account is None:
            known = ", ".join(a.name for a in list_accounts(session)) or "none yet"
            raise NewsroomError(
                f"no account named {name!r} (accounts: {known}); «add it with `scheduler accounts add`»"
            )
        return account
    accounts = list_accounts(session)
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise NewsroomError("there are no accounts yet: «run `scheduler init` or `scheduler accounts add`»")
    raise NewsroomError(f"say which account with «--account»: one of {', '.join(a.name for a in accounts)}")


def account_view(account: Account) -> AccountView:
    return AccountView(account.name, account.network, hashtags=tuple(account.options.get("hashtags") or ()))

"""Users of the web app and the API: who they are, what their role lets them do, how they prove it.

Passwords are kept as argon2id hashes; a sign-in is refused for a while after too many failures for
a name or from an address (kept in the database, so every web process sees them). API tokens are
random, shown once, and kept as their SHA-256: a token is as long as a key, so a slow hash adds nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scheduler.config import get_settings
from scheduler.models import ApiToken, Role, SignInFailure, User, utcnow

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# The throttle: this many failures within the window refuse further sign-ins until the oldest ages out.
# A name is held back only at the address its failures came from, so that nobody can lock an editor
# out by guessing at their name; the name itself is locked (everywhere, until it ages out or an admin
# unlocks it) only on evidence of a distributed attack: many failures from many addresses.
FAILURES_PER_NAME = 5  # for one name from one address
FAILURES_PER_ADDRESS = 20  # for any names from one address
DISTRIBUTED_FAILURES = 50  # for one name, from at least DISTRIBUTED_ADDRESSES addresses
DISTRIBUTED_ADDRESSES = 10
THROTTLE_WINDOW = timedelta(minutes=15)
TOKEN_PREFIX = "aps_"
TOKEN_USE_PRECISION = timedelta(minutes=5)

log = logging.getLogger(__name__)


def _hasher() -> PasswordHasher:
    """Argon2id with the configured cost; a stored hash made at another cost is redone at sign-in."""
    s = get_settings()
    return _hasher_at(s.password_hash_time_cost, s.password_hash_memory_kib, s.password_hash_parallelism)


@cache
def _hasher_at(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


@cache
def _unknown_user_hash(hasher: PasswordHasher) -> str:
    """Verified against when the name is unknown, so that a wrong name takes as long as a wrong password.
    Made on first use: hashing takes a third of a second, which every command would pay at start."""
    return hasher.hash(secrets.token_urlsafe(16))


# What each role may do; every page and API route names one of these actions.
ALLOWED: dict[str, frozenset[Role]] = {
    "view": frozenset(Role),  # read everything
    "write": frozenset({Role.ADMIN, Role.EDITOR}),  # add articles, make and edit drafts
    "approve": frozenset({Role.ADMIN, Role.APPROVER}),  # approve, publish, pause and resume
    "admin": frozenset({Role.ADMIN}),  # accounts, users, templates
}


def may(role: str, action: str) -> bool:
    return role in ALLOWED[action]


def may_change(role: str, user_id: int, created_by_id: int | None) -> bool:
    """Editors change only the posts they made (in the web app or the API); the other roles any post
    their actions allow."""
    return role != Role.EDITOR or created_by_id == user_id


class UserError(ValueError):
    """A user that cannot be added or changed as asked; the message says why and what to do. `field`:
    what of the request it is about ("name", "role", "password", "label"), when it is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SignInRefused(Exception):
    """The name and password do not match, or sign-ins are throttled; `retry_after` in seconds."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise UserError(
            f"unknown role {text!r}: give one of {', '.join(role.value for role in Role)}", field="role"
        ) from None


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"the password is too short: give at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(
            f"the password is too long: give at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )
    return password


def add_user(session: Session, name: str, role: Role, password: str) -> User:
    name = name.strip()
    if not NAME.fullmatch(name):
        raise UserError(
            f"{name!r} is not a user name: use 1 to 64 lower-case letters, digits, '.', '_' or '-', "
            "beginning with a letter or digit",
            field="name",
        )
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise UserError(f"there is a user {name!r} already; pick another name", field="name")
    user = User(name=name, role=role.value, password_hash=_hasher().hash(check_password(password)))
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None:
        raise UserError(f"no user {name!r}: `scheduler users list` shows them")
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """A new password; every session the user has signed in with ends."""
    user.password_hash = _hasher().hash(check_password(password))
    user.session_version += 1


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def _other_active_admins(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN, User.disabled_at.is_(None), User.id != user.id
            )
        )
        or 0
    )


def set_role(session: Session, user: User, role: Role) -> None:
    """Give the user another role; the last active admin stays one (someone must manage the rest)."""
    if user.role == Role.ADMIN and role != Role.ADMIN and not _other_active_admins(session, user):
        raise UserError(f"{user.name!r} is the only active admin: make another admin first")
    user.role = role.value


def set_disabled(session: Session, user: User, disabled: bool, *, now: datetime | None = None) -> None:
    """Disable a user (their sessions end and their API tokens stop working) or enable them again."""
    if disabled and user.role == Role.ADMIN and not _other_active_admins(session, user):
        raise UserError(f"{user.name!r} is the only active admin: make another admin first")
    if disabled and user.disabled_at is None:
        user.disabled_at = now or utcnow()
        user.session_version += 1
    elif not disabled:
        user.disabled_at = None


def sign_in(session: Session, name: str, password: str, *, address: str, now: datetime | None = None) -> User:
    """The user, when the name and password match and sign-ins are not throttled; else SignInRefused.

    Each failure is recorded (by name and by address); a success clears the name's failures from
    that address (the evidence of an attack from elsewhere stays).
    """
    now = now or utcnow()
    name = name.strip()[:64]
    address = address[:64]
    _check_throttle(session, name, address, now)
    user = session.scalar(select(User).where(User.name == name))
    if user is None or user.disabled_at is not None:
        _verify(_unknown_user_hash(_hasher()), password)
        return _fail(session, name, address, now)
    if not _verify(user.password_hash, password):
        return _fail(session, name, address, now)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    session.execute(delete(SignInFailure).where(SignInFailure.name == name, SignInFailure.address == address))
    return user


def unlock(session: Session, user: User) -> int:
    """An admin's unlock: the user's recorded failures are forgotten, from every address."""
    return session.execute(delete(SignInFailure).where(SignInFailure.name == user.name)).rowcount or 0


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        return False


def _fail(session: Session, name: str, address: str, now: datetime) -> User:
    session.add(SignInFailure(name=name, address=address, at=now))
    session.flush()
    raise SignInRefused("the name and password do not match")


def _check_throttle(session: Session, name: str, address: str, now: datetime) -> None:
    recent = SignInFailure.at > now - THROTTLE_WINDOW
    checks = (
        (
            "name from address",
            (SignInFailure.name == name, SignInFailure.address == address),
            FAILURES_PER_NAME,
        ),
        ("address", (SignInFailure.address == address,), FAILURES_PER_ADDRESS),
    )
    for what, where, limit in checks:
        count, oldest = session.execute(
            select(func.count(), func.min(SignInFailure.at)).where(*where, recent)
        ).one()
        if count >= limit and oldest is not None:
            _refuse(what, name, address, count, oldest, now)
    count, addresses, oldest = session.execute(
        select(func.count(), func.count(SignInFailure.address.distinct()), func.min(SignInFailure.at)).where(
            SignInFailure.name == name, recent
        )
    ).one()
    if count >= DISTRIBUTED_FAILURES and addresses >= DISTRIBUTED_ADDRESSES and oldest is not None:
        _refuse(f"name (from {addresses} addresses)", name, address, count, oldest, now)


def _refuse(what: str, name: str, address: str, count: int, oldest: datetime, now: datetime) -> None:
    wait = max(int((oldest + THROTTLE_WINDOW - now).total_seconds()) + 1, 1)
    log.warning(
        "sign-in throttled by %s: name %r, address %s, %d failures in %d minutes",
        what,
        name,
        address,
        count,
        THROTTLE_WINDOW.total_seconds() // 60,
    )
    raise SignInRefused(
        f"too many failed sign-ins; try again in {(wait + 59) // 60} minutes", retry_after=wait
    )


def forget_old_failures(session: Session, *, now: datetime | None = None) -> int:
    """Drop failures older than the throttle's window (the beat's hourly tidy-up)."""
    cutoff = (now or utcnow()) - THROTTLE_WINDOW
    return session.execute(delete(SignInFailure).where(SignInFailure.at <= cutoff)).rowcount or 0


def create_token(session: Session, user: User, label: str) -> str:
    """A new API token for the user: returned once, kept only as its digest."""
    label = label.strip()
    if not label or len(label) > 100:
        raise UserError(
            "give the token a label of 1 to 100 characters (what uses it, such as 'cms')", field="label"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, label=label, digest=_digest(token)))
    session.flush()
    return token


def token_is_valid(session: Session, token: str) -> bool:
    """Whether a token would be let in, read only: the API's check before it reads a request's body."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return False
    disabled = session.execute(
        select(User.disabled_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.digest == _digest(token), ApiToken.revoked_at.is_(None))
    ).first()
    return disabled is not None and disabled[0] is None


def user_for_token(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The user a token belongs to, when it is theirs, not revoked, and the user is not disabled; its
    use noted."""
    found = live_token(session, token)
    if found is None:
        return None
    note_token_use(found, now=now)
    return found.user


def live_token(session: Session, token: str) -> ApiToken | None:
    """The token, when it is one of ours, not revoked, and its user not disabled (only reads)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = session.scalar(
        select(ApiToken).where(ApiToken.digest == _digest(token), ApiToken.revoked_at.is_(None))
    )
    return found if found is not None and found.user.disabled_at is None else None


def token_use_is_stale(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Whether the token's last use is worth writing down: not on every request, or a script's every
    call would write."""
    return token.last_used_at is None or (now or utcnow()) - token.last_used_at > TOKEN_USE_PRECISION


def note_token_use(token: ApiToken, *, now: datetime | None = None) -> None:
    if token_use_is_stale(token, now=now):
        token.last_used_at = now or utcnow()


def revoke_token(session: Session, user: User, label: str, *, now: datetime | None = None) -> int:
    """Revoke the user's tokens with this label; how many were."""
    tokens = [t for t in user.tokens if t.label == label.strip() and t.revoked_at is None]
    if not tokens:
        raise UserError(f"{user.name!r} has no token labelled {label!r}")
    for token in tokens:
        token.revoked_at = now or utcnow()
    return len(tokens)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

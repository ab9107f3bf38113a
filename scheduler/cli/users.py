"""`scheduler users …` (who may use the web app and the API) and `scheduler web` (serves them)."""

from __future__ import annotations

import sys

import click

from scheduler.cli import main
from scheduler.cli.common import database, fail, print_table, require_database
from scheduler.config import get_settings
from scheduler.models import Role, User
from scheduler.newsroom import users
from scheduler.planning.wallclock import format_local, zone


@main.group("users")
def users_group() -> None:
    """Users of the web app and the API, and their tokens."""


def _read_password(confirm: bool) -> str:
    """From the terminal without echo (asked twice), or the first line of standard input."""
    if sys.stdin.isatty():
        return str(click.prompt("password", hide_input=True, confirmation_prompt=confirm))
    line = sys.stdin.readline()
    if not line.strip():
        fail(
            "give the password on standard input (one line): `scheduler users add NAME --role editor < file`"
        )
    return line.rstrip("\r\n")


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="admin: accounts, users, templates; editor: articles and drafts; approver: approves and publishes",
)
def users_add(name: str, role: str) -> None:
    """Add a user; the password is read from standard input, never from the command line."""
    require_database()
    password = _read_password(confirm=True)
    with database() as session:
        try:
            user = users.add_user(session, name, Role(role), password)
        except users.UserError as error:
            fail(str(error))
        click.echo(f"added {user.name!r} ({user.role}); they sign in at the web app (`scheduler web`)")


@users_group.command("list")
def users_list() -> None:
    with database() as session:
        found = session.query(User).order_by(User.name).all()
        rows = [
            (
                u.name,
                u.role,
                "disabled" if u.disabled_at else "active",
                format_local(u.created_at, zone("UTC")),
                ", ".join(t.label for t in u.tokens if t.revoked_at is None) or "-",
            )
            for u in found
        ]
    print_table(("name", "role", "status", "added", "API tokens"), rows)


@users_group.command("password")
@click.argument("name")
def users_password(name: str) -> None:
    """Set a new password (from standard input); the user's sessions end."""
    require_database()
    password = _read_password(confirm=True)
    with database() as session:
        try:
            users.set_password(session, users.find_user(session, name), password)
        except users.UserError as error:
            fail(str(error))
    click.echo(f"new password set for {name!r}; their sessions have ended")


@users_group.command("unlock")
@click.argument("name")
def users_unlock(name: str) -> None:
    """Let a user sign in again at once: their failed sign-ins, from every address, are forgotten."""
    with database() as session:
        try:
            count = users.unlock(session, users.find_user(session, name))
        except users.UserError as error:
            fail(str(error))
    click.echo(f"{name!r} may sign in again ({count} failed sign-in(s) forgotten)")


@users_group.command("token")
@click.argument("name")
@click.option("--label", required=True, help="what will use it (e.g. cms); `users revoke` takes it")
def users_token(name: str, label: str) -> None:
    """Make a personal API token for the user: printed once, kept only as a digest."""
    with database() as session:
        try:
            token = users.create_token(session, users.find_user(session, name), label)
        except users.UserError as error:
            fail(str(error))
    click.echo(token)
    click.echo(
        "keep it now: it is not shown again. Send it as `Authorization: Bearer <token>` to /api/v1",
        err=True,
    )


@users_group.command("revoke")
@click.argument("name")
@click.option("--label", required=True, help="the label the token was made with")
def users_revoke(name: str, label: str) -> None:
    """Revoke the user's API tokens with this label."""
    with database() as session:
        try:
            count = users.revoke_token(session, users.find_user(session, name), label)
        except users.UserError as error:
            fail(str(error))
    click.echo(f"revoked {count} token{'s' if count != 1 else ''} of {name!r} labelled {label!r}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="the address to listen on")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="proxies whose X-Forwarded-For is believed (the sign-in throttle counts by address); '*' for any",
)
def web(host: str, port: int, forwarded_allow_ips: str) -> None:
    """Serve the editors' web app and the JSON API (/api/v1, described at /api/v1/openapi.json)."""
    import uvicorn

    from scheduler.web.app import WebConfigError, create_app

    require_database()
    try:
        app = create_app(get_settings())
    except WebConfigError as error:
        fail(str(error))
    click.echo(f"serving the web app at http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_graceful_shutdown=get_settings().web_shutdown_seconds,
    )

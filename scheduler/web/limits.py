"""What a request may cost before it is read: a body over the cap answers 413 before it is taken in
(by its Content-Length, or as soon as a streamed body passes the cap), and an API call that carries a
body answers 401 before its body is read unless it brings a valid token. Without this, three clients
sending 200 MB without any token took the web process to 1.9 GB."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NO_TOKEN = (
    "send a personal API token as `Authorization: Bearer <token>` "
    "(`scheduler users token NAME --label L` makes one)"
)


class BodyTooLarge(HTTPException):
    """Raised while a streamed body is read, past the cap; an HTTPException so that FastAPI's body
    parsing lets it through as a 413 instead of its "error parsing the body" 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


def too_large(limit: int) -> str:
    return (
        f"the request body is over the limit of {limit / 1_000_000:.1f} MB ({limit:,} bytes); "
        "send less (an admin sets SCHEDULER_MAX_REQUEST_BYTES)"
    )


class RequestLimits:
    """The body cap on every request, and the API's token checked before the body."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, token_valid: Callable[[str], bool]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.token_valid = token_valid

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        declared = headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > self.max_bytes:
            await _answer(send, 413, too_large(self.max_bytes))
            return
        if scope["path"].startswith("/api/"):
            scheme, _, token = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                await _answer(send, 401, NO_TOKEN, {"www-authenticate": "Bearer"})
                return
            if not await run_in_threadpool(self.token_valid, token.strip()):
                await _answer(
                    send, 401, "this API token is unknown or revoked", {"www-authenticate": "Bearer"}
                )
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _answer(send, 413, too_large(self.max_bytes))


async def _answer(send: Send, status: int, detail: str, extra: dict[str, str] | None = None) -> None:
    """A JSON answer with the API's {"detail": …} shape; the connection closes, the body unread."""
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((name.encode(), value.encode()) for name, value in (extra or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

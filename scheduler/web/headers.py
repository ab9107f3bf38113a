"""The headers every response carries (a strict Content-Security-Policy first), and the one way a page
widens that policy: a nonce for the style elements a library injects (FullCalendar does)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No script or style from elsewhere, no framing, no inline script: the pages need none.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def with_style_nonce(response: Response, nonce: str) -> Response:
    """The policy above, letting `<style nonce=…>` elements in too (and nothing else inline), and fonts
    given as data: addresses (FullCalendar's arrow icons are one, inside its styles)."""
    policy = SECURITY_HEADERS["content-security-policy"]
    response.headers["content-security-policy"] = (
        f"{policy}; style-src 'self' 'nonce-{nonce}'; font-src 'self' data:"
    )
    return response


class SecurityHeaders:
    """SECURITY_HEADERS on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)

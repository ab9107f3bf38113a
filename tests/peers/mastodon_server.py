"""A fake Mastodon on 127.0.0.1: the documented API the adapter uses, real response shapes, faults on demand.

It serves what Mastodon.py and the adapter call (docs.joinmastodon.org/methods/): the instance
(v1 and v2), verify_credentials, an account's statuses, posting a status (with Idempotency-Key kept
for an hour, like Mastodon), a status and its source, and media (v2 upload answering 200 for small
images and 202 for large ones, GET /api/v1/media/:id answering 206 until processing is done).

Faults stand for the outside world: `fail(kind, path, times=N)` for the next N matching calls, or
`fail_randomly(p, kinds, seed)` for a soak. Kinds: "429" (with X-RateLimit-* headers), "500", "503",
"401", "slow" (the work is done, the answer comes after `slow_seconds`, past the client's timeout),
"drop_after_record" (the work is done, then the connection closes without an answer) and "drop"
(the connection closes before anything is done).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import html
import json
import random
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

# The token tests give the fake's first account: they look for it in every message, log and row.
TOKEN = "mastodon-token-9b1f4e-SECRET-c07d"
FAULT_KINDS = ("429", "500", "503", "401", "slow", "drop_after_record", "drop")
RANDOM_KINDS = ("429", "500", "503", "401", "slow", "drop_after_record")
INVALID_TOKEN = {"error": "The access token is invalid"}
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="Doorkeeper", error="invalid_token"'}
NOT_FOUND = {"error": "Record not found"}
URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]']")
MENTION = re.compile(r"(?<![\w/])@(\w+)(?:@([\w.-]+\w))?")
HASHTAG = re.compile(r"(?<![\w/&#])#(\w+)")
TOKENS = re.compile(f"(?P<url>{URL.pattern})|(?P<mention>{MENTION.pattern})|(?P<tag>{HASHTAG.pattern})")
URL_LENGTH = 23  # Mastodon counts every link as 23 characters
HTML_500 = (
    b"<!DOCTYPE html><html><head><title>We're sorry, but something went wrong (500)</title></head></html>"
)
HTML_503 = b"<html><head><title>503 Service Temporarily Unavailable</title></head><body>nginx</body></html>"


@dataclass
class FakeAccount:
    id: str
    username: str
    token: str
    created_at: str = "2024-01-02T00:00:00.000Z"


@dataclass
class PostedStatus:
    """What the fake recorded for one status: what tests assert on."""

    id: str
    account: FakeAccount
    text: str
    media: list[dict[str, Any]]  # the attachments, as Mastodon serialises them (id, description, …)
    in_reply_to_id: str | None
    idempotency_key: str | None
    created_at: datetime
    visibility: str = "public"


@dataclass
class Fault:
    kind: str
    method: str | None
    path: str | None  # a path, with ":id" standing for one segment; None for every path
    times: int
    reset_in: float

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or _path_matches(self.path, path)


@dataclass
class RandomFaults:
    probability: float
    kinds: tuple[str, ...]
    rng: random.Random
    paths: tuple[str, ...] | None
    reset_in: tuple[float, float]


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class MastodonServer:
    """ThreadingHTTPServer on a random port of 127.0.0.1, in a thread. Use `start()`/`stop()` or `with`."""

    def __init__(
        self,
        *,
        domain: str = "mastodon.test",
        version: str = "4.3.0",
        max_characters: int = 500,
        media_processing_seconds: float = 0.3,
        async_media_over_bytes: int = 256 * 1024,
        idempotency_seconds: float = 3600.0,
        slow_seconds: float = 2.0,
    ) -> None:
        self.domain = domain
        self.version = version
        self.max_characters = max_characters
        self.media_processing_seconds = media_processing_seconds
        self.async_media_over_bytes = async_media_over_bytes
        self.idempotency_seconds = idempotency_seconds
        self.slow_seconds = slow_seconds
        self.accounts: dict[str, FakeAccount] = {}  # by token
        self.statuses: list[PostedStatus] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers (lower case)
        self.injected: list[tuple[str, str, str, dict[str, str]]] = []  # method, path, kind, headers sent
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._faults: list[Fault] = []
        self._random: RandomFaults | None = None
        self._idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self._last_id = 0
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # -- running ---------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MastodonServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MastodonServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests set up and look at -----------------------------------------------------------

    def add_account(self, username: str, token: str) -> FakeAccount:
        with self.lock:
            account = FakeAccount(id=str(100_000 + len(self.accounts) + 1), username=username, token=token)
            self.accounts[token] = account
            return account

    def revoke(self, token: str) -> None:
        """The token stops working, as when a user revokes the app: every call answers 401."""
        with self.lock:
            self.accounts.pop(token, None)

    def posted(self, username: str | None = None) -> list[PostedStatus]:
        with self.lock:
            return [s for s in self.statuses if username is None or s.account.username == username]

    def fail(
        self,
        kind: str,
        path: str | None = None,
        *,
        method: str | None = None,
        times: int = 1,
        reset_in: float = 60.0,
    ) -> None:
        """The next `times` calls to `path` (":id" matches a segment; None: any) fail as `kind`.

        A 429's X-RateLimit-Reset is `reset_in` seconds from the call."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}: choose one of {', '.join(FAULT_KINDS)}")
        with self.lock:
            self._faults.append(Fault(kind, method, path, times, reset_in))

    def fail_randomly(
        self,
        p: float,
        kinds: tuple[str, ...] | list[str] = RANDOM_KINDS,
        seed: int | None = None,
        paths: tuple[str, ...] | list[str] | None = None,
        reset_in: tuple[float, float] = (1.0, 5.0),
    ) -> None:
        """Each call (to one of `paths`, or any) fails with probability `p`, as a kind drawn from `kinds`;
        a 429 resets within `reset_in` seconds (drawn between the two)."""
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown or not 0 <= p <= 1:
            raise ValueError(f"p must be within 0..1 and kinds among {FAULT_KINDS}: {p}, {sorted(unknown)}")
        with self.lock:
            self._random = RandomFaults(
                p, tuple(kinds), random.Random(seed), tuple(paths) if paths else None, reset_in
            )

    def stop_failing(self) -> None:
        with self.lock:
            self._faults.clear()
            self._random = None

    # -- the API ---------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        path = urlsplit(target).path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}
        if method == "GET" and path == "/api/v1/instance":
            return _json(self.instance_v1())
        if method == "GET" and path == "/api/v2/instance":
            return _json(self.instance_v2())
        account = self.accounts.get(headers.get("authorization", "").removeprefix("Bearer ").strip())
        if account is None:
            return _json(INVALID_TOKEN, 401, CHALLENGE)
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return _json(self.account_json(account, source=True))
        if method == "POST" and path == "/api/v1/statuses":
            return self.post_status(account, headers, body)
        if method == "POST" and path == "/api/v2/media":
            return self.post_media(account, headers, body)
        if method == "GET" and (match := re.fullmatch(r"/api/v1/media/(\d+)", path)):
            return self.get_media(account, match[1])
        if method == "GET" and (match := re.fullmatch(r"/api/v1/accounts/(\d+)/statuses", path)):
            return self.account_statuses(match[1], query)
        if method == "GET" and (match := re.fullmatch(r"/api/v1/statuses/(\d+)(/source)?", path)):
            status = self._status(match[1])
            if status is None or (match[2] and status.account is not account):
                return _json(NOT_FOUND, 404)
            if match[2]:
                return _json({"id": status.id, "text": status.text, "spoiler_text": ""})
            return _json(self.status_json(status))
        return _json({"error": "Not Found"}, 404)

    def post_status(self, account: FakeAccount, headers: dict[str, str], body: bytes) -> Reply:
        form = _form(headers, body)
        text = str(_first(form.get("status")) or "")
        media_ids = [str(m) for m in form.get("media_ids[]", form.get("media_ids", []))]
        reply_to = _first(form.get("in_reply_to_id")) or None
        key = headers.get("idempotency-key")
        with self.lock:
            if key and (seen := self._idempotency.get((account.id, key))):
                status_id, at = seen
                if time.monotonic() - at < self.idempotency_seconds and (status := self._status(status_id)):
                    return _json(self.status_json(status))
            if not text.strip() and not media_ids:
                return _json({"error": "Validation failed: Text can't be blank"}, 422)
            if _length(text) > self.max_characters:
                error = f"Validation failed: Text character limit of {self.max_characters} exceeded"
                return _json({"error": error}, 422)
            if len(media_ids) > 4:
                return _json({"error": "Cannot attach more than 4 files"}, 422)
            attachments = [m for m in map(self.media.get, media_ids) if m and m["account_id"] == account.id]
            if any(time.monotonic() < m["ready_at"] for m in attachments):
                error = "Cannot attach files that have not finished processing. Try again in a moment!"
                return _json({"error": error}, 422)
            if reply_to is not None and self._status(str(reply_to)) is None:
                return _json(NOT_FOUND, 404)
            status = PostedStatus(
                id=self._next_id(),
                account=account,
                text=text,
                media=[_media_json(m, self.url) for m in attachments],
                in_reply_to_id=str(reply_to) if reply_to else None,
                idempotency_key=key,
                created_at=datetime.now(UTC),
                visibility=str(_first(form.get("visibility")) or "public"),
            )
            self.statuses.append(status)
            if key:
                self._idempotency[(account.id, key)] = (status.id, time.monotonic())
            return _json(self.status_json(status))

    def post_media(self, account: FakeAccount, headers: dict[str, str], body: bytes) -> Reply:
        fields, file = _multipart(headers, body)
        if file is None:
            return _json({"error": "Validation failed: File can't be blank"}, 422)
        data, mime = file
        if not mime.startswith(("image/", "video/", "audio/")):
            return _json({"error": "Validation failed: File content type is invalid, File is invalid"}, 422)
        late = len(data) > self.async_media_over_bytes or not mime.startswith("image/")
        with self.lock:
            media = {
                "id": self._next_id(),
                "account_id": account.id,
                "type": mime.split("/")[0] if mime != "image/gif" else "gifv",
                "description": fields.get("description") or None,
                "size": len(data),
                "ready_at": time.monotonic() + (self.media_processing_seconds if late else 0.0),
            }
            self.media[media["id"]] = media
        return _json(_media_json(media, self.url), 202 if late else 200)

    def get_media(self, account: FakeAccount, media_id: str) -> Reply:
        media = self.media.get(media_id)
        if media is None or media["account_id"] != account.id:
            return _json(NOT_FOUND, 404)
        return _json(_media_json(media, self.url), 206 if time.monotonic() < media["ready_at"] else 200)

    def account_statuses(self, account_id: str, query: dict[str, str]) -> Reply:
        limit = max(1, min(int(query.get("limit") or 20), 40))
        with self.lock:
            found = [s for s in reversed(self.statuses) if s.account.id == account_id]
        if "max_id" in query:
            found = [s for s in found if int(s.id) < int(query["max_id"])]
        if "since_id" in query:
            found = [s for s in found if int(s.id) > int(query["since_id"])]
        if "min_id" in query:
            found = [s for s in found if int(s.id) > int(query["min_id"])][-limit:]
        page = found[:limit]
        headers = {}
        if page:
            base = f"{self.url}/api/v1/accounts/{account_id}/statuses"
            headers["Link"] = (
                f'<{base}?{urlencode({"limit": limit, "max_id": page[-1].id})}>; rel="next", '
                f'<{base}?{urlencode({"limit": limit, "min_id": page[0].id})}>; rel="prev"'
            )
        return _json([self.status_json(s) for s in page], headers=headers)

    # -- response shapes (docs.joinmastodon.org/entities/) ---------------------------------------

    def account_json(self, account: FakeAccount, *, source: bool = False) -> dict[str, Any]:
        with self.lock:
            count = sum(1 for s in self.statuses if s.account is account)
        data: dict[str, Any] = {
            "id": account.id,
            "username": account.username,
            "acct": account.username,
            "display_name": account.username.title(),
            "locked": False,
            "bot": True,
            "discoverable": True,
            "group": False,
            "created_at": account.created_at,
            "note": "<p>Articles worth reading.</p>",
            "url": f"https://{self.domain}/@{account.username}",
            "uri": f"https://{self.domain}/users/{account.username}",
            "avatar": f"https://{self.domain}/avatars/original/missing.png",
            "avatar_static": f"https://{self.domain}/avatars/original/missing.png",
            "header": f"https://{self.domain}/headers/original/missing.png",
            "header_static": f"https://{self.domain}/headers/original/missing.png",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": count,
            "last_status_at": None,
            "emojis": [],
            "fields": [],
        }
        if source:
            data["source"] = {
                "privacy": "public",
                "sensitive": False,
                "language": "en",
                "note": "Articles worth reading.",
                "fields": [],
                "follow_requests_count": 0,
            }
        return data

    def status_json(self, status: PostedStatus) -> dict[str, Any]:
        reply_account = None
        if status.in_reply_to_id and (parent := self._status(status.in_reply_to_id)):
            reply_account = parent.account.id
        return {
            "id": status.id,
            "created_at": _iso(status.created_at),
            "in_reply_to_id": status.in_reply_to_id,
            "in_reply_to_account_id": reply_account,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": status.visibility,
            "language": "en",
            "uri": f"https://{self.domain}/users/{status.account.username}/statuses/{status.id}",
            "url": f"https://{self.domain}/@{status.account.username}/{status.id}",
            "replies_count": sum(1 for s in self.statuses if s.in_reply_to_id == status.id),
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "content": self.content(status.text),
            "filtered": [],
            "reblog": None,
            "application": {"name": "article-promotion-scheduler", "website": None},
            "account": self.account_json(status.account),
            "media_attachments": status.media,
            "mentions": [
                {
                    "id": str(200_000 + i),
                    "username": m[1],
                    "url": f"https://{m[2] or self.domain}/@{m[1]}",
                    "acct": f"{m[1]}@{m[2]}" if m[2] else m[1],
                }
                for i, m in enumerate(MENTION.finditer(status.text))
            ],
            "tags": [
                {"name": t[1].lower(), "url": f"https://{self.domain}/tags/{t[1].lower()}"}
                for t in HASHTAG.finditer(status.text)
            ],
            "emojis": [],
            "card": None,
            "poll": None,
        }

    def content(self, text: str) -> str:
        """The status text as Mastodon renders it: paragraphs, <br />, links shortened with invisible
        spans, mentions shown by username only, hashtags linked."""
        paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p]
        return "".join(f"<p>{self._inline(p).replace(chr(10), '<br />')}</p>" for p in paragraphs)

    def _inline(self, text: str) -> str:
        out, at = [], 0
        for match in TOKENS.finditer(text):
            out.append(html.escape(text[at : match.start()], quote=False))
            at = match.end()
            token = match[0]
            if match["url"]:
                scheme, rest = token.split("://", 1)
                shown, hidden = rest[:30], rest[30:]
                out.append(
                    f'<a href="{html.escape(token)}" target="_blank" rel="nofollow noopener" translate="no">'
                    f'<span class="invisible">{scheme}://</span>'
                    f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
                    f'<span class="invisible">{html.escape(hidden)}</span></a>'
                )
            elif match["mention"]:
                user, host = MENTION.match(token).groups()  # type: ignore[union-attr]
                out.append(
                    f'<span class="h-card" translate="no"><a href="https://{host or self.domain}/@{user}" '
                    f'class="u-url mention">@<span>{user}</span></a></span>'
                )
            else:
                tag = token[1:]
                out.append(
                    f'<a href="https://{self.domain}/tags/{tag.lower()}" class="mention hashtag" '
                    f'rel="tag">#<span>{tag}</span></a>'
                )
        out.append(html.escape(text[at:], quote=False))
        return "".join(out)

    def instance_v1(self) -> dict[str, Any]:
        return {
            "uri": self.domain,
            "title": "Fake Mastodon",
            "short_description": "A fake Mastodon for tests.",
            "description": "",
            "email": f"admin@{self.domain}",
            "version": self.version,
            "urls": {"streaming_api": f"wss://{self.domain}"},
            "stats": {
                "user_count": len(self.accounts),
                "status_count": len(self.statuses),
                "domain_count": 1,
            },
            "thumbnail": None,
            "languages": ["en"],
            "registrations": False,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": self._configuration(),
            "contact_account": None,
            "rules": [],
        }

    def instance_v2(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "title": "Fake Mastodon",
            "version": self.version,
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A fake Mastodon for tests.",
            "usage": {"users": {"active_month": len(self.accounts)}},
            "thumbnail": {"url": f"https://{self.domain}/packs/media/images/preview.png"},
            "icon": [],
            "languages": ["en"],
            "configuration": {"urls": {"streaming": f"wss://{self.domain}"}, **self._configuration()},
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "api_versions": {"mastodon": 2},
            "contact": {"email": f"admin@{self.domain}", "account": None},
            "rules": [],
        }

    def _configuration(self) -> dict[str, Any]:
        return {
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {
                "max_characters": self.max_characters,
                "max_media_attachments": 4,
                "characters_reserved_per_url": URL_LENGTH,
            },
            "media_attachments": {
                "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"],
                "image_size_limit": 16_777_216,
                "image_matrix_limit": 33_177_600,
                "video_size_limit": 103_809_024,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8_294_400,
            },
            "polls": {
                "max_options": 4,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2_629_746,
            },
        }

    # -- faults ----------------------------------------------------------------------------------

    def fault_for(self, method: str, target: str) -> Fault | None:
        path = urlsplit(target).path.rstrip("/") or "/"
        with self.lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
            chance = self._random
            if chance is None or (chance.paths and not any(_path_matches(p, path) for p in chance.paths)):
                return None
            if chance.rng.random() >= chance.probability:
                return None
            return Fault(chance.rng.choice(chance.kinds), None, None, 1, chance.rng.uniform(*chance.reset_in))

    def _status(self, status_id: str) -> PostedStatus | None:
        with self.lock:
            return next((s for s in self.statuses if s.id == status_id), None)

    def _next_id(self) -> str:
        # Mastodon's ids are snowflakes: milliseconds since the epoch shifted 16 bits, then a sequence.
        with self.lock:
            self._last_id = max(self._last_id + 1, int(time.time() * 1000) << 16)
            return str(self._last_id)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (its timeout) resets the connection: expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _handler(server: MastodonServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold every answer back some 40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            body = self.rfile.read(int(headers.get("content-length") or 0))
            method = self.command
            with server.lock:
                server.requests.append((method, self.path, headers))
            fault = server.fault_for(method, self.path)
            if fault is not None and fault.kind == "drop":
                self._drop()
                return
            if fault is not None and fault.kind in ("429", "500", "503", "401"):
                reply = _fault_reply(fault)
                with server.lock:
                    server.injected.append((method, self.path, fault.kind, reply.headers))
                self._send(reply)
                return
            reply = server.handle(method, self.path, headers, body)
            if fault is not None:
                with server.lock:
                    server.injected.append((method, self.path, fault.kind, {}))
                if fault.kind == "drop_after_record":
                    self._drop()
                    return
                if server.stopping.wait(server.slow_seconds):  # "slow": the work is done, the answer is late
                    return
            self._send(reply)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def _send(self, reply: Reply) -> None:
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _drop(self) -> None:
            """Close the connection without a word: the client cannot tell whether the work was done."""
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _fault_reply(fault: Fault) -> Reply:
    if fault.kind == "429":
        reset = datetime.now(UTC) + timedelta(seconds=fault.reset_in)
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": _iso(reset, 6),
        }
        return _json({"error": "Too many requests"}, 429, headers)
    if fault.kind == "401":
        return _json(INVALID_TOKEN, 401, CHALLENGE)
    if fault.kind == "500":
        return Reply(500, HTML_500, "text/html; charset=utf-8")
    return Reply(503, HTML_503, "text/html")


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(data).encode(), headers=dict(headers or {}))


def _iso(moment: datetime, digits: int = 3) -> str:
    """Mastodon's timestamps: UTC with a Z, milliseconds (X-RateLimit-Reset: microseconds)."""
    spec = "milliseconds" if digits == 3 else "microseconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).removesuffix("+00:00") + "Z"


def _media_json(media: dict[str, Any], base: str) -> dict[str, Any]:
    ready = time.monotonic() >= media["ready_at"]
    stem = f"{base}/system/media_attachments/files/{media['id']}"
    return {
        "id": media["id"],
        "type": media["type"],
        "url": f"{stem}/original/image.png" if ready else None,
        "preview_url": f"{stem}/small/image.png",
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": {"width": 640, "height": 480, "size": "640x480", "aspect": 1.3333333333333333},
            "small": {"width": 461, "height": 346, "size": "461x346", "aspect": 1.3323699421965318},
        },
        "description": media["description"],
        "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
    }


def _length(text: str) -> int:
    """Mastodon's count: every link is 23 characters, a mention counts its username only."""
    text = URL.sub("x" * URL_LENGTH, text)
    return len(MENTION.sub(lambda m: "@" + m[1], text))


def _path_matches(pattern: str, path: str) -> bool:
    regex = re.escape(pattern.rstrip("/")).replace(":id", "[^/]+")
    return re.fullmatch(regex, path) is not None


def _first(values: Any) -> Any:
    if isinstance(values, list):
        return values[0] if values else None
    return values


def _form(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    kind = headers.get("content-type", "")
    if kind.startswith("application/json"):
        return json.loads(body or b"{}")
    if kind.startswith("multipart/form-data"):
        fields, _ = _multipart(headers, body)
        return {k: [v] for k, v in fields.items()}
    return parse_qs(body.decode(), keep_blank_values=True)


def _multipart(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], tuple[bytes, str] | None]:
    head = f"Content-Type: {headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    file = None
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            file = (payload, part.get_content_type())
        elif name:
            fields[name] = payload.decode()
    return fields, file

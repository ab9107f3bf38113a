"""Bluesky through atproto's client: a post record written into the account's repository on its PDS,
with link, mention and tag facets, up to 4 images with alt text or a link card, and replies for threads.

Exactly once: the record key is derived from the post's key, so every attempt at a post names the same
record. The PDS refuses a second record under a key that is taken (PDS 0.4 answers 500), `publish`
then finds the first one and returns it, and `find` looks the post up by that key (DESIGN rule 3).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import httpx
from atproto import Client, models
from atproto_client.exceptions import RequestErrorBase
from atproto_client.models.blob_ref import BlobRef
from atproto_client.models.common import XrpcError
from atproto_client.request import Request
from atproto_core.uri import AtUri
from pydantic import ValidationError

from scheduler.networks.base import (
    AccountCheck,
    AuthExpired,
    LinkCard,
    Media,
    NetworkError,
    OutcomeUnknown,
    OutgoingPost,
    Permanent,
    RateLimited,
    Receipt,
    Transient,
)
from scheduler.networks.bluesky_facets import record_facets
from scheduler.networks.bluesky_media import Image, read_image
from scheduler.networks.endpoints import account_endpoint
from scheduler.render.facets import bluesky_text

if TYPE_CHECKING:
    from atproto_client.client.session import Session, SessionEvent
    from atproto_client.request import Response

    from scheduler.config import Settings
    from scheduler.networks import AccountSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_SERVICE = "https://bsky.social"
APP_URL = "https://bsky.app"
POST = "app.bsky.feed.post"
MAX_IMAGES = 4
# A 429 without a readable ratelimit-reset: Bluesky's shortest rate-limit window.
RATE_LIMIT_FALLBACK = timedelta(minutes=5)
# The server rejected the access token: log in again with the app password, once.
TOKEN_ERRORS = {"ExpiredToken", "InvalidToken", "AuthMissing", "AuthenticationRequired"}
# Failures raised before a request left this machine: the post cannot have landed.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"

# Sessions kept in this process, so posts do not log in each time (createSession allows 30 per
# 5 minutes): (service, handle, digest of the app password) -> atproto's session string.
_sessions: dict[tuple[str, str, str], str] = {}
_sessions_lock = threading.Lock()


def connect(account: AccountSettings, settings: Settings) -> BlueskyNetwork:
    """The adapter for one account: options["handle"] and ["service"] (its PDS), secrets["app_password"]."""
    handle = str(account.options.get("handle") or "").strip().lstrip("@")
    app_password = (account.secrets or {}).get("app_password") or ""
    if not handle:
        raise AuthExpired(f"account {account.name!r} names no Bluesky handle: add it again with its handle")
    if not app_password:
        raise AuthExpired(f"account {account.name!r} has no Bluesky app password: add it again")
    service = str(account.options.get("service") or DEFAULT_SERVICE).rstrip("/")
    account_endpoint(service, what="the Bluesky service", account=account.name, settings=settings)
    return BlueskyNetwork(handle, app_password, service, timeout=settings.network_timeout_seconds)


def record_key(post_key: str) -> str:
    """The post's record key: a TID made from a hash of its key, the same on every attempt.

    Its time part says nothing (Bluesky shows posts by createdAt); it is kept to 50 bits, before 2006,
    so it is never a time in the future. 60 bits of hash: two posts of one account do not meet.
    """
    digest = int.from_bytes(hashlib.sha256(f"bluesky-record:{post_key}".encode()).digest()[:8], "big")
    value = ((digest >> 10) % (1 << 50)) << 10 | digest % 1024
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


class BlueskyNetwork:
    name = "bluesky"

    def __init__(self, handle: str, app_password: str, service: str, *, timeout: float) -> None:
        self.handle = handle
        self.service = service
        self._app_password = app_password
        self._timeout = timeout
        digest = hashlib.sha256(app_password.encode()).hexdigest()
        self._cache_key = (service, handle.lower(), digest)
        self._client: Client | None = None
        self._did = ""

    def publish(self, post: OutgoingPost) -> Receipt:
        with self._connection():
            return self._publish(post)

    def find(self, post: OutgoingPost) -> Receipt | None:
        with self._connection():
            return self._lookup(record_key(post.key))

    def check(self) -> AccountCheck:
        with self._connection():
            self._login()
        return AccountCheck(handle=self.handle, user_id=self._did, options={"did": self._did})

    def _publish(self, post: OutgoingPost) -> Receipt:
        if len(post.media) > MAX_IMAGES:
            raise Permanent(
                f"Bluesky takes at most {MAX_IMAGES} images a post; this one has {len(post.media)}"
            )
        images = [read_image(media) for media in post.media]  # a missing file fails before any call
        rkey = record_key(post.key)
        shown = bluesky_text(post.text)
        facets = record_facets(shown.facets, self._resolve)
        embed = self._images(post.media, images) if images else self._card(post.link) if post.link else None
        reply = self._reply(post.reply_to) if post.reply_to else None
        try:
            record = models.AppBskyFeedPost.Record(
                text=shown.text,
                created_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                facets=facets or None,
                embed=embed,
                reply=reply,
            )
        except ValidationError as error:
            raise Permanent(f"not a Bluesky post: {error.errors()[0]['msg']}") from None
        try:
            created = self._call(
                lambda c: c.app.bsky.feed.post.create(self._did, record, rkey=rkey), sends=True
            )
        except (Transient, Permanent) as error:
            # An earlier attempt may have made the record: the PDS answers 500 to a second one.
            if isinstance(error, Permanent) and "exist" not in str(error).lower():
                raise
            try:
                found = self._lookup(rkey)
            except NetworkError:
                found = None
            if found is None:
                raise
            log.info("post %s: its record %s was already there", post.post_id, found.external_id)
            return found
        return self._receipt(created.uri)

    # Calls, the session and errors

    @contextmanager
    def _connection(self) -> Iterator[None]:
        """One HTTP connection pool for the calls of one publish, find or check; the session outlives it."""
        try:
            yield
        finally:
            self._close()

    def _close(self) -> None:
        if self._client is not None:
            self._client.request.close()
            self._client = None

    def _call(self, action: Callable[[Client], T], *, sends: bool = False) -> T:
        """Run one request with a live session; `sends`: it may make the post, so a lost answer is unknown."""
        client = self._session_client()
        try:
            return action(client)
        except RequestErrorBase as error:
            if _error_name(error.response) not in TOKEN_ERRORS:
                raise self._sorted(error, sends=sends) from error
        except httpx.TransportError as error:  # a dropped connection, which atproto passes on as it is
            raise self._sorted(error, sends=sends) from error
        # The server rejected the session (revoked, or expired past its refresh): one fresh login.
        client = self._login()
        try:
            return action(client)
        except (RequestErrorBase, httpx.TransportError) as error:
            raise self._sorted(error, sends=sends) from error

    def _session_client(self) -> Client:
        if self._client is not None:
            return self._client
        with _sessions_lock:
            saved = _sessions.get(self._cache_key)
        if saved is None:
            return self._login()
        client = self._new_client()
        client.login(session_string=saved, fetch_bsky_profile=False)  # no request: it is refreshed when due
        self._client = client
        return client

    def _login(self) -> Client:
        """Log in with the app password (createSession), skipping the profile a bare PDS does not serve."""
        self._close()
        client = self._new_client()
        try:
            client.login(self.handle, self._app_password, fetch_bsky_profile=False)
        except (RequestErrorBase, httpx.TransportError) as error:
            client.request.close()
            with _sessions_lock:
                _sessions.pop(self._cache_key, None)
            raise self._sorted(error, sends=False, login=True) from error
        self._client = client
        return client

    def _new_client(self) -> Client:
        client = Client(base_url=self.service, request=Request(timeout=self._timeout))
        client.on_session_change(self._remember)
        return client

    def _remember(self, _event: SessionEvent, session: Session) -> None:
        self._did = session.did
        self.handle = session.handle or self.handle
        with _sessions_lock:
            _sessions[self._cache_key] = session.export()

    def _sorted(self, error: Exception, *, sends: bool, login: bool = False) -> Exception:
        """One of base.py's errors for an atproto or httpx error. No secret goes into a message."""
        response = error.response if isinstance(error, RequestErrorBase) else None
        if response is None:
            cause = error if isinstance(error, httpx.TransportError) else error.__cause__
            what = type(cause or error).__name__
            if sends and not isinstance(cause, NOT_SENT):
                return OutcomeUnknown(
                    f"no answer from Bluesky at {self.service} after sending the post ({what})"
                )
            return Transient(f"could not reach Bluesky at {self.service} ({what})")
        status, name = response.status_code, _error_name(response)
        said = _error_text(response)
        if status == 429:
            reset_at = _reset_at(response)
            return RateLimited(
                f"Bluesky rate limit reached ({said}); it resets at {reset_at:%H:%M:%S} UTC", reset_at
            )
        if status in (401, 403) or name in TOKEN_ERRORS or name == "AuthFactorTokenRequired":
            doing = "refused the app password of" if login else "no longer accepts the session of"
            return AuthExpired(f"Bluesky {doing} {self.handle} ({said}): add the account again")
        if status >= 500 or status in (408, 425):
            return Transient(f"Bluesky answered {said}")
        return Permanent(f"Bluesky refused the post: {said}")

    # The parts of a post

    def _resolve(self, handle: str) -> str | None:
        """The DID of a mentioned handle, or None when it does not resolve."""
        params = models.ComAtprotoIdentityResolveHandle.Params(handle=handle)
        try:
            return self._call(lambda c: c.com.atproto.identity.resolve_handle(params)).did
        except Permanent:
            log.info("mention of @%s left as text: the handle does not resolve", handle)
            return None

    def _images(self, media: tuple[Media, ...], images: list[Image]) -> models.AppBskyEmbedImages.Main:
        made = []
        for item, image in zip(media, images, strict=True):
            ratio = None
            if image.width and image.height:
                ratio = models.AppBskyEmbedDefs.AspectRatio(width=image.width, height=image.height)
            made.append(
                models.AppBskyEmbedImages.Image(
                    alt=item.alt_text, image=self._upload(image), aspect_ratio=ratio
                )
            )
        return models.AppBskyEmbedImages.Main(images=made)

    def _card(self, link: LinkCard) -> models.AppBskyEmbedExternal.Main:
        thumb = None
        if link.image_path:
            try:
                thumb = self._upload(read_image(Media(link.image_path)))
            except Permanent as problem:
                log.warning("link card for %s goes without its image: %s", link.url, problem)
        external = models.AppBskyEmbedExternal.External(
            uri=link.url, title=link.title, description=link.description, thumb=thumb
        )
        return models.AppBskyEmbedExternal.Main(external=external)

    def _upload(self, image: Image) -> BlobRef:
        headers = {"Content-Type": image.mime_type}

        def upload(client: Client) -> models.ComAtprotoRepoUploadBlob.Response:
            # The bytes go as httpx's content=: atproto passes them as data=, which httpx deprecates.
            return client.com.atproto.repo.upload_blob(None, content=image.data, headers=headers)  # type: ignore[arg-type]

        return self._call(upload).blob

    def _reply(self, parent_uri: str) -> models.AppBskyFeedPost.ReplyRef:
        """Strong refs to the parent and to the thread's root (named in the parent's record if it replies)."""
        parent = self._get(parent_uri)
        if parent is None:
            raise Permanent(f"the post this one replies to ({parent_uri}) is not on Bluesky any more")
        parent_ref = models.ComAtprotoRepoStrongRef.Main(uri=parent.uri, cid=parent.cid)
        parent_reply = getattr(parent.value, "reply", None)
        root = parent_reply.root if parent_reply is not None else parent_ref
        return models.AppBskyFeedPost.ReplyRef(root=root, parent=parent_ref)

    def _get(self, uri: str) -> models.ComAtprotoRepoGetRecord.Response | None:
        parts = AtUri.from_str(uri)
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=parts.host, collection=parts.collection, rkey=parts.rkey
        )
        try:
            return self._call(lambda c: c.com.atproto.repo.get_record(params))
        except Permanent as error:
            if "RecordNotFound" in str(error) or "Could not locate record" in str(error):
                return None
            raise

    def _lookup(self, rkey: str) -> Receipt | None:
        self._session_client()  # its DID names the repository
        found = self._get(f"at://{self._did}/{POST}/{rkey}")
        return self._receipt(found.uri) if found is not None else None

    def _receipt(self, uri: str) -> Receipt:
        return Receipt(
            external_id=uri, url=f"{APP_URL}/profile/{self.handle}/post/{AtUri.from_str(uri).rkey}"
        )


def _error_name(response: Response | None) -> str:
    content = response.content if response is not None else None
    return content.error if isinstance(content, XrpcError) else ""


def _error_text(response: Response) -> str:
    content = response.content
    if isinstance(content, XrpcError):
        return f"{response.status_code} {content.error}: {content.message or ''}".rstrip(": ")
    return str(response.status_code)


def _reset_at(response: Response) -> datetime:
    now = datetime.now(UTC)
    reset = response.headers.get("ratelimit-reset")
    if reset and reset.isdigit():
        return max(datetime.fromtimestamp(int(reset), UTC), now)
    retry_after = response.headers.get("retry-after")
    if retry_after and retry_after.isdigit():
        return now + timedelta(seconds=int(retry_after))
    return now + RATE_LIMIT_FALLBACK

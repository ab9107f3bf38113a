"""The state and endpoints of the fake X API v2 (tests/peers/x_server.py serves them over HTTP).

It checks the OAuth 1.0a signature of every request the way X does, counts text with twitter-text,
refuses duplicate text, shows stored text the way X returns it (links wrapped in t.co, a t.co link
for attached media, `&`, `<` and `>` as HTML entities) and records every tweet with its media, alt
texts and reply-to. Response shapes follow tweepy's recorded cassettes and X's API v2 reference.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oauthlib.oauth1.rfc5849 import signature, utils
from twitter_text import extract_urls_with_indices, parse_tweet

ROUTES = (
    "POST /2/tweets",
    "POST /2/media/upload",
    "POST /2/media/metadata",
    "GET /2/users/me",
    "GET /2/users/:id/tweets",
)
ALT_TEXT_LIMIT = 1000
MAX_IMAGE_BYTES = 5 * 1024 * 1024
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
REPLY_REFUSED = "You attempted to reply to a Tweet that is deleted or not visible to you."
TOO_LONG_MESSAGE = (
    "Your Tweet text is too long. For more information on how Twitter determines text length see "
    "https://github.com/twitter/twitter-text."
)
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


@dataclass(frozen=True)
class XUser:
    id: str
    username: str
    name: str
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)


@dataclass
class FakeMedia:
    id: str
    owner_id: str
    content_type: str
    size: int
    alt_text: str | None = None

    @property
    def media_key(self) -> str:
        return f"3_{self.id}"


@dataclass(frozen=True)
class Link:
    """A link in a post as X's entities.urls show it."""

    url: str  # the t.co link in the text
    expanded_url: str
    display_url: str
    media_key: str | None = None


@dataclass(frozen=True)
class FakeTweet:
    id: str
    author_id: str
    sent_text: str  # as the client sent it
    text: str  # as X shows it
    created_at: datetime
    media: tuple[FakeMedia, ...] = ()
    reply_to: str | None = None
    links: tuple[Link, ...] = ()

    @property
    def alt_texts(self) -> list[str | None]:
        return [item.alt_text for item in self.media]


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class XApi:
    """What X knows: one app (consumer key), its users, their tweets and media.

    `user` is the account tests post as; `add_user` makes more.
    """

    def __init__(self, *, consumer_key: str = "", consumer_secret: str = "") -> None:
        self.consumer_key = consumer_key or f"ck-{secrets.token_hex(8)}"
        self.consumer_secret = consumer_secret or f"cs-{secrets.token_hex(16)}"
        self.lock = threading.RLock()
        self.users: dict[str, XUser] = {}
        self.tweets: list[FakeTweet] = []
        self.media: dict[str, FakeMedia] = {}
        self._ids = itertools.count(1_880_000_000_000_000_001)
        self.user = self.add_user("scheduler_desk")

    def add_user(self, username: str) -> XUser:
        with self.lock:
            user = XUser(
                id=str(1_000_000 + len(self.users) + 1),
                username=username,
                name=username.replace("_", " ").title(),
                access_token=f"{1_000_000 + len(self.users) + 1}-{secrets.token_hex(12)}",
                access_token_secret=f"ats-{secrets.token_hex(16)}",
            )
            self.users[user.id] = user
            return user

    def secrets_for(self, user: XUser | None = None) -> dict[str, str]:
        """The four values `accounts add x` stores for `user` (the default user if None)."""
        user = user or self.user
        return {
            "api_key": self.consumer_key,
            "api_secret": self.consumer_secret,
            "access_token": user.access_token,
            "access_token_secret": user.access_token_secret,
        }

    def tweets_by(self, user: XUser | None = None) -> list[FakeTweet]:
        author = (user or self.user).id
        with self.lock:
            return [tweet for tweet in self.tweets if tweet.author_id == author]

    def authenticate(self, method: str, target: str, headers: dict[str, str], body: bytes) -> XUser | None:
        """The user whose OAuth 1.0a signature on this request is valid, or None."""
        header = headers.get("authorization", "")
        if not header.startswith("OAuth "):
            return None
        oauth = {name: utils.unescape(value) for name, value in utils.parse_authorization_header(header)}
        with self.lock:
            user = next((u for u in self.users.values() if u.access_token == oauth.get("oauth_token")), None)
        if (
            user is None
            or oauth.get("oauth_consumer_key") != self.consumer_key
            or oauth.get("oauth_signature_method") != "HMAC-SHA1"
        ):
            return None
        uri = f"http://{headers.get('host', '')}{target}"
        form = "application/x-www-form-urlencoded" in headers.get("content-type", "")
        params = signature.collect_parameters(
            uri_query=urlsplit(uri).query,
            body=body.decode() if form else None,
            headers={"Authorization": header},
            exclude_oauth_signature=True,
        )
        signed = SimpleNamespace(
            params=params, uri=uri, http_method=method, signature=oauth.get("oauth_signature", "")
        )
        if not signature.verify_hmac_sha1(signed, self.consumer_secret, user.access_token_secret):
            return None
        return user

    def create_tweet(self, user: XUser, payload: dict[str, Any]) -> Answer:
        text = unicodedata.normalize("NFC", str(payload.get("text") or ""))
        media_ids = [str(i) for i in (payload.get("media") or {}).get("media_ids") or []]
        reply_to = (payload.get("reply") or {}).get("in_reply_to_tweet_id")
        if not text.strip() and not media_ids:
            return _invalid({"text": [text]}, "Tweet text or media is required.")
        if not parse_tweet(text).valid and text.strip():
            return _invalid({"text": [text]}, TOO_LONG_MESSAGE)
        with self.lock:
            attached = [self.media.get(media_id) for media_id in media_ids]
            if len(media_ids) > 4 or any(m is None or m.owner_id != user.id for m in attached):
                return _invalid({"media.media_ids": media_ids}, "Your media IDs are invalid.")
            if reply_to is not None and not any(t.id == str(reply_to) for t in self.tweets):
                return problem(403, REPLY_REFUSED)
            if text.strip() and any(
                t.author_id == user.id and t.sent_text.strip() == text.strip() for t in self.tweets
            ):
                return problem(403, DUPLICATE_DETAIL)
            tweet = self._record(
                user, text, media=tuple(m for m in attached if m is not None), reply_to=reply_to
            )
        data = {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}
        return Answer(201, {"data": data}, {"location": f"https://api.x.com/2/tweets/{tweet.id}"})

    def seed_tweet(self, text: str, *, created_at: datetime, user: XUser | None = None) -> FakeTweet:
        """A post already on the account, made elsewhere (by hand, say) at `created_at`."""
        with self.lock:
            return self._record(user or self.user, text, created_at=created_at)

    def _record(
        self,
        user: XUser,
        text: str,
        *,
        media: tuple[FakeMedia, ...] = (),
        reply_to: object = None,
        created_at: datetime | None = None,
    ) -> FakeTweet:
        tweet_id = str(next(self._ids))
        shown, links = self._as_shown(text, tweet_id, media)
        tweet = FakeTweet(
            id=tweet_id,
            author_id=user.id,
            sent_text=text,
            text=shown,
            created_at=created_at or datetime.now(UTC),
            media=media,
            reply_to=str(reply_to) if reply_to is not None else None,
            links=links,
        )
        self.tweets.append(tweet)
        self.tweets.sort(key=lambda t: t.created_at)
        return tweet

    def upload_media(self, user: XUser, headers: dict[str, str], body: bytes) -> Answer:
        content_type = headers.get("content-type", "")
        if "multipart/form-data" not in content_type:
            return _invalid({"media": []}, "media must be sent as multipart/form-data.")
        message = BytesParser(policy=policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        parts = {
            part.get_param("name", header="content-disposition"): part.get_payload(decode=True) or b""
            for part in message.iter_parts()
        }
        data = parts.get("media")
        category = (parts.get("media_category") or b"tweet_image").decode()
        if not data:
            return _invalid({"media": []}, "The media parameter is missing.")
        if category != "tweet_image":
            return _invalid({"media_category": [category]}, "This fake takes tweet_image only.")
        kind = next((kind for magic, kind in _IMAGE_MAGIC.items() if data.startswith(magic)), None)
        if kind is None:
            return _invalid({"media": []}, "media type unrecognized.")
        if len(data) > MAX_IMAGE_BYTES:
            return _invalid({"media": []}, "File size exceeds 5242880 bytes.")
        with self.lock:
            item = FakeMedia(id=str(next(self._ids)), owner_id=user.id, content_type=kind, size=len(data))
            self.media[item.id] = item
        answer = {"id": item.id, "media_key": item.media_key, "size": item.size, "expires_after_secs": 86400}
        return Answer(200, {"data": answer})

    def media_metadata(self, user: XUser, payload: dict[str, Any]) -> Answer:
        media_id = str(payload.get("id") or "")
        alt = ((payload.get("metadata") or {}).get("alt_text") or {}).get("text")
        with self.lock:
            item = self.media.get(media_id)
            if item is None or item.owner_id != user.id:
                return _invalid({"id": [media_id]}, "Invalid media id.")
            if not isinstance(alt, str) or len(alt) > ALT_TEXT_LIMIT:
                problem_text = f"Alt text must be 1 to {ALT_TEXT_LIMIT} characters long."
                return _invalid({"metadata.alt_text.text": [str(alt)[:50]]}, problem_text)
            item.alt_text = alt
        return Answer(200, {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": alt}}}})

    def me(self, user: XUser) -> Answer:
        return Answer(200, {"data": {"id": user.id, "name": user.name, "username": user.username}})

    def timeline(self, user_id: str, query: dict[str, list[str]]) -> Answer:
        try:
            max_results = int(query.get("max_results", ["10"])[0])
            start = _parse_time(query.get("start_time", [""])[0])
            offset = int(query.get("pagination_token", ["0"])[0] or 0)
        except ValueError as error:
            return _invalid({"query": [str(error)]}, "One or more parameters to your request was invalid.")
        if not 5 <= max_results <= 100:
            return _invalid({"max_results": [str(max_results)]}, "max_results must be between 5 and 100.")
        fields = set(",".join(query.get("tweet.fields", [])).split(","))
        with self.lock:
            if user_id not in self.users:
                return Answer(200, {"errors": [_not_found_user(user_id)]})
            mine = [t for t in reversed(self.tweets) if t.author_id == user_id]
        if start is not None:
            mine = [t for t in mine if t.created_at >= start]
        page = mine[offset : offset + max_results]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if offset + max_results < len(mine):
            meta["next_token"] = str(offset + max_results)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [_tweet_fields(t, fields) for t in page]
        return Answer(200, body)

    def _as_shown(
        self, text: str, tweet_id: str, media: tuple[FakeMedia, ...]
    ) -> tuple[str, tuple[Link, ...]]:
        """The text as X returns it, and its links: each link wrapped in t.co (X adds http:// to a link
        written without a scheme), &, < and > as entities, the media's t.co link last."""
        shown: list[str] = []
        links: list[Link] = []
        last = 0
        for found in extract_urls_with_indices(text):
            begin, end = found["indices"]
            url = found["url"] if "://" in found["url"] else f"http://{found['url']}"
            links.append(Link(self._tco(), url, url.split("://", 1)[1][:30]))
            shown += [html.escape(text[last:begin], quote=False), links[-1].url]
            last = end
        shown.append(html.escape(text[last:], quote=False))
        if media:
            user = self.users[media[0].owner_id].username
            photo = f"https://x.com/{user}/status/{tweet_id}/photo/1"
            links.append(Link(self._tco(), photo, f"pic.x.com/{media[0].id[-10:]}", media[0].media_key))
            shown.append((" " if text.strip() else "") + links[-1].url)
        return "".join(shown), tuple(links)

    def _tco(self) -> str:
        return f"https://t.co/{secrets.token_urlsafe(8)[:10].replace('-', 'a').replace('_', 'b')}"

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[str, Answer]:
        route, user_id = route_of(method, urlsplit(target).path)
        if route is None:
            return "", problem(404, "Sorry, that page does not exist.", title="Not Found Error")
        user = self.authenticate(method, target, headers, body)
        if user is None:
            return route, problem(401)
        query = parse_qs(urlsplit(target).query)
        if route == "POST /2/media/upload":
            return route, self.upload_media(user, headers, body)
        if route == "GET /2/users/me":
            return route, self.me(user)
        if route == "GET /2/users/:id/tweets":
            return route, self.timeline(user_id or "", query)
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return route, _invalid({"body": []}, "Request body is not valid JSON.")
        if route == "POST /2/tweets":
            return route, self.create_tweet(user, payload)
        return route, self.media_metadata(user, payload)


def route_of(method: str, path: str) -> tuple[str | None, str | None]:
    if method == "GET" and (match := re.fullmatch(r"/2/users/(\d+)/tweets", path)):
        return "GET /2/users/:id/tweets", match.group(1)
    route = f"{method} {path.rstrip('/')}"
    return (route if route in ROUTES else None), None


def _tweet_fields(tweet: FakeTweet, fields: set[str]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}
    if "created_at" in fields:
        item["created_at"] = tweet.created_at.strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{tweet.created_at.microsecond // 1000:03d}Z"
        )
    if "author_id" in fields:
        item["author_id"] = tweet.author_id
    if "referenced_tweets" in fields and tweet.reply_to:
        item["referenced_tweets"] = [{"type": "replied_to", "id": tweet.reply_to}]
    if "entities" in fields and tweet.links:
        item["entities"] = {"urls": [_entity(tweet.text, link) for link in tweet.links]}
    if "attachments" in fields and tweet.media:
        item["attachments"] = {"media_keys": [m.media_key for m in tweet.media]}
    return item


def _entity(text: str, link: Link) -> dict[str, Any]:
    start = text.index(link.url)
    entity = {
        "start": start,
        "end": start + len(link.url),
        "url": link.url,
        "expanded_url": link.expanded_url,
        "display_url": link.display_url,
    }
    if link.media_key:
        entity["media_key"] = link.media_key
    return entity


def _parse_time(value: str) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(value.replace(".000", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def problem(status: int, detail: str | None = None, *, title: str | None = None) -> Answer:
    """X's problem shape: {"title", "detail", "type", "status"} (401, 403, 429, 5xx answers)."""
    titles = {401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error"}
    title = title or titles.get(status, "Service Unavailable")
    body = {"title": title, "detail": detail or title, "type": "about:blank", "status": status}
    return Answer(status, body)


def _invalid(parameters: dict[str, list[str]], message: str) -> Answer:
    body = {
        "errors": [{"parameters": parameters, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Answer(400, body)


def _not_found_user(user_id: str) -> dict[str, str]:
    return {
        "value": user_id,
        "detail": f"Could not find user with id: [{user_id}].",
        "title": "Not Found Error",
        "resource_type": "user",
        "parameter": "id",
        "resource_id": user_id,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }

"""X: posts through the X API v2 with tweepy, OAuth 1.0a user context.

Images go up first (x_media.py), then `Client.create_tweet` sends the text, the media ids and the
tweet it replies to. X has no idempotency key, so an unknown outcome is settled by `find`, which
looks for the post's text on the account's recent posts; X's 403 "duplicate content" is settled the
same way. Every failure is sorted once, here; the adapter never sleeps or retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
import tweepy
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.exceptions import SSLError as TLSError

from scheduler.config import Settings
from scheduler.networks import SECRET_FIELDS, AccountSettings, x_media
from scheduler.networks.base import (
    AccountCheck,
    AuthExpired,
    NetworkError,
    OutcomeUnknown,
    OutgoingPost,
    Permanent,
    RateLimited,
    Receipt,
    Transient,
)
from scheduler.networks.endpoints import account_endpoint
from scheduler.networks.x_matching import is_the_post, shape

# oauthlib and requests-oauthlib log the OAuth parameters (consumer key, access token) at DEBUG:
# keep them above that whatever the root level, so credentials never reach the logs.
for _name in ("oauthlib", "requests_oauthlib"):
    logging.getLogger(_name).setLevel(logging.INFO)

X_HOSTS = frozenset({"api.x.com", "api.twitter.com", "upload.x.com", "upload.twitter.com"})
# A 429 without a reset header: X's rate-limit windows are 15 minutes.
DEFAULT_RESET = timedelta(minutes=15)
# `find` looks at posts made since the post's due time less this. The due time moves on when a
# retry or a rate limit reschedules the post, and X sometimes records a post it answered 5xx for,
# so the window reaches back past the longest backoff chain. X refuses identical text posted close
# together anyway, so an identical post in the window is this post, or one that blocks it.
FIND_SLACK = timedelta(hours=3)
FIND_PAGES = 5  # of 100 posts each, newest first
MESSAGE_LIMIT = 500

T = TypeVar("T")
# Requests that could not even be built (a wrong SCHEDULER_X_API_URL): nothing went out.
_UNSENDABLE = (
    requests.exceptions.InvalidURL | requests.exceptions.MissingSchema | requests.exceptions.InvalidSchema
)


class XSession(requests.Session):
    """tweepy's session: X's hosts rewritten to `base_url` (tests point it at their fake X), and
    a timeout on every request, which tweepy itself never sets."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base = urlsplit(base_url.rstrip("/"))
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().request(
            method, self.rewrite(url if isinstance(url, str) else url.decode()), *args, **kwargs
        )

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.hostname not in X_HOSTS:
            return url
        return urlunsplit((self.base.scheme, self.base.netloc, self.base.path + parts.path, parts.query, ""))


def connect(account: AccountSettings, settings: Settings) -> XNetwork:
    """The X adapter for `account`, whose secrets hold the app's key and the user's access token."""
    secrets = account.secrets or {}
    missing = [name for name in SECRET_FIELDS["x"] if not secrets.get(name)]
    if missing:
        raise AuthExpired(
            f"the X account {account.name!r} has no {', '.join(missing)}: "
            f"add its credentials again with `scheduler accounts add x {account.name}`"
        )
    account_endpoint(settings.x_api_url, what="SCHEDULER_X_API_URL", account=account.name, settings=settings)
    client = tweepy.Client(
        consumer_key=secrets["api_key"],
        consumer_secret=secrets["api_secret"],
        access_token=secrets["access_token"],
        access_token_secret=secrets["access_token_secret"],
        return_type=dict,
        wait_on_rate_limit=False,
    )
    client.session = XSession(settings.x_api_url, settings.network_timeout_seconds)
    return XNetwork(client, options=account.options or {}, secrets=secrets.values())


class XNetwork:
    name = "x"

    def __init__(
        self, client: tweepy.Client, *, options: Mapping[str, Any], secrets: Iterable[str] = ()
    ) -> None:
        self.client = client
        self.user_id: str | None = str(options["user_id"]) if options.get("user_id") else None
        self.username: str | None = options.get("username") or None
        self._secrets = tuple(value for value in secrets if value and len(value) >= 4)

    def publish(self, post: OutgoingPost) -> Receipt:
        if len(post.media) > x_media.MAX_IMAGES:
            raise Permanent(
                f"X takes at most {x_media.MAX_IMAGES} images a post; this one has {len(post.media)}"
            )
        media_ids = [
            self._call(f"uploading image {n} of {len(post.media)}", x_media.upload, self.client, item)
            for n, item in enumerate(post.media, start=1)
        ]
        try:
            answer = self.client.create_tweet(
                text=post.text,
                media_ids=media_ids or None,
                in_reply_to_tweet_id=post.reply_to,
                user_auth=True,
            )
            tweet_id = str(answer["data"]["id"])
        except tweepy.Forbidden as error:
            if _is_duplicate(error):
                return self._already_there(post)
            raise self._sorted(error, "the post") from None
        except tweepy.HTTPException as error:
            raise self._sorted(error, "the post") from None
        except (KeyError, TypeError, requests.JSONDecodeError) as error:
            raise OutcomeUnknown(
                f"X's answer to the post could not be read ({type(error).__name__})"
            ) from None
        except requests.RequestException as error:
            if _before_sending(error):
                raise Transient(f"could not connect to X to send the post ({_kind(error)})") from None
            raise OutcomeUnknown(
                f"X did not answer the post ({_kind(error)}): it may have gone out; looking it up before "
                "anything is sent again"
            ) from None
        return self._receipt(tweet_id)

    def find(self, post: OutgoingPost) -> Receipt | None:
        """Look for the post on the account's own recent posts (X has no idempotency key)."""
        since = _aware(post.due_at) - FIND_SLACK
        if since > datetime.now(UTC):
            return None  # not due for hours: it cannot be out (and X refuses a start_time to come)
        user_id = self._own_id()
        wanted = shape(post.text)
        token: str | None = None
        for _ in range(FIND_PAGES):
            page = self._call(
                "looking the post up",
                self.client.get_users_tweets,
                user_id,
                max_results=100,
                start_time=since,
                pagination_token=token,
                tweet_fields=["created_at", "referenced_tweets", "entities"],
                exclude=["retweets"],
                user_auth=True,
            )
            for tweet in page.get("data") or []:
                if is_the_post(tweet, wanted, post.reply_to, since):
                    return self._receipt(str(tweet["id"]))
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                break
        return None

    def check(self) -> AccountCheck:
        me = self._me()
        return AccountCheck(
            handle=f"@{me['username']}",
            user_id=me["id"],
            options={"user_id": me["id"], "username": me["username"]},
        )

    def _already_there(self, post: OutgoingPost) -> Receipt:
        """X refused identical text: ours if `find` sees it in its window, else X's refusal stands."""
        try:
            found = self.find(post)
        except Exception as error:
            raise OutcomeUnknown(
                "X refused the post as a duplicate of one already on the account, and looking it up failed "
                f"({type(error).__name__}: {self._scrub(str(error))})"
            ) from None
        if found is None:
            raise Permanent(
                "X refuses identical text: the account already has a post with these words, and not one "
                "sent for this post; edit the text and schedule it again"
            )
        return found

    def _me(self) -> dict[str, str]:
        answer = self._call("checking the account", self.client.get_me, user_auth=True)
        me = answer.get("data") or {}
        if not me.get("id") or not me.get("username"):
            raise Permanent(f"X did not say who the account is: {_said(answer) or 'no data'}")
        self.user_id, self.username = str(me["id"]), str(me["username"])
        return {"id": self.user_id, "username": self.username}

    def _own_id(self) -> str:
        return self.user_id or self._me()["id"]

    def _receipt(self, tweet_id: str) -> Receipt:
        return Receipt(external_id=tweet_id, url=f"https://x.com/{self.username or 'i'}/status/{tweet_id}")

    def _call(self, doing: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a call whose failure cannot have made a post (uploads, reads), with its errors sorted."""
        try:
            return function(*args, **kwargs)
        except tweepy.HTTPException as error:
            raise self._sorted(error, doing) from None
        except (KeyError, TypeError, requests.JSONDecodeError) as error:
            raise Transient(f"{doing}: X's answer could not be read ({type(error).__name__})") from None
        except requests.RequestException as error:
            raise Transient(f"{doing}: X could not be reached ({_kind(error)})") from None

    def _sorted(self, error: tweepy.HTTPException, doing: str) -> NetworkError:
        response = error.response
        status = response.status_code
        message = self._scrub(f"X refused {doing} ({status} {response.reason}): {_said_by(error)}")
        if status == 429:
            return RateLimited(message, _reset_at(response.headers))
        if status == 401:
            return AuthExpired(message)
        if 400 <= status < 500:
            return Permanent(message)
        return Transient(message)

    def _scrub(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "[secret]")
        return message[:MESSAGE_LIMIT]


def _is_duplicate(error: tweepy.HTTPException) -> bool:
    return 187 in error.api_codes or any("duplicate" in str(m).lower() for m in error.api_messages)


def _said_by(error: tweepy.HTTPException) -> str:
    try:
        body = error.response.json()
    except ValueError:
        body = None
    said = _said(body) if isinstance(body, Mapping) else ""
    return said or str(error.response.reason or "no reason given")


def _said(body: Mapping[str, Any]) -> str:
    """X's own words in an error answer: each error's message, then the detail (or the title)."""
    said: list[str] = []
    for item in body.get("errors") or ():
        message = (item.get("message") or item.get("detail")) if isinstance(item, Mapping) else item
        if message and str(message) not in said:
            said.append(str(message))
    detail = body.get("detail") or body.get("title")
    if detail and str(detail) not in said:
        said.append(str(detail))
    return "; ".join(said)


def _reset_at(headers: Mapping[str, str]) -> datetime:
    """When X takes posts again: the latest reset among the limits that ran out (the 15-minute window,
    the user's or the app's 24-hour cap), else x-rate-limit-reset, else 15 minutes from now."""
    resets = []
    for limit in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
        reset = _epoch(headers.get(f"{limit}-reset"))
        if reset is not None and headers.get(f"{limit}-remaining") == "0":
            resets.append(reset)
    if not resets and (reset := _epoch(headers.get("x-rate-limit-reset"))) is not None:
        resets.append(reset)
    return max(resets) if resets else datetime.now(UTC) + DEFAULT_RESET


def _epoch(value: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value or ""), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _before_sending(error: requests.RequestException) -> bool:
    """Whether the request failed before any of it reached X (no connection), so no post was made.

    requests sends with no retries and read errors re-raised, so a MaxRetryError means the
    connection itself failed (refused, timed out, TLS); a read timeout or a connection dropped
    while waiting for the answer comes after the request was sent.
    """
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError | _UNSENDABLE):
        return True
    reason = error.args[0] if error.args else None
    # NewConnectionError (refused, no route, name not resolved) is a ConnectTimeoutError too.
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, ConnectTimeoutError | TLSError)


def _kind(error: requests.RequestException) -> str:
    if isinstance(error, requests.ConnectTimeout):
        return "connecting timed out"
    if isinstance(error, requests.ReadTimeout):
        return "no answer within the timeout"
    if _before_sending(error):
        return "connection refused or failed"
    if isinstance(error, requests.ConnectionError):
        return "the connection dropped before the answer"
    return type(error).__name__


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

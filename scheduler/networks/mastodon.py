"""Mastodon through Mastodon.py: a status with up to 4 images and their alt text, replies for threads,
and the instance's own character limit.

Exactly once: every status goes out with `Idempotency-Key: <post key>`. Mastodon keeps a key for an
hour and answers a repeat with the status it made the first time, so sending a post again after a
5xx, or after `find` did not see it, cannot make a second status within that hour.
"""

from __future__ import annotations

import mimetypes
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
)
from urllib3.exceptions import NewConnectionError

from scheduler.networks.base import (
    AccountCheck,
    AuthExpired,
    Media,
    NetworkError,
    OutcomeUnknown,
    OutgoingPost,
    Permanent,
    RateLimited,
    Receipt,
    Transient,
)
from scheduler.networks.endpoints import account_endpoint

if TYPE_CHECKING:
    from scheduler.config import Settings
    from scheduler.networks import AccountSettings

# An upload answered 202 is still processing: wait for it this long at most (polling GET /api/v1/media/:id).
MEDIA_WAIT_SECONDS = 60.0
MEDIA_POLL_FIRST, MEDIA_POLL_MAX = 0.2, 2.0
# `find` looks at the account's statuses created from this long before the due time (clock skew).
FIND_SLACK = timedelta(minutes=10)
FIND_PAGE, FIND_PAGES = 40, 5
MENTION = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w")
# A 429 without a readable X-RateLimit-Reset: Mastodon's shortest rate-limit window.
RATE_LIMIT_FALLBACK = timedelta(minutes=5)
DEFAULT_MAX_CHARACTERS = 500
# Answers worth another try later; any other 4xx is the server's final word on the post.
RETRY_LATER = {408, 409, 425}


def connect(account: AccountSettings, settings: Settings) -> MastodonNetwork:
    """The adapter for one Mastodon account: options["instance"] and secrets["access_token"]."""
    instance = str(account.options.get("instance") or "").strip().rstrip("/")
    token = (account.secrets or {}).get("access_token") or ""
    if not instance:
        raise AuthExpired(f"account {account.name!r} names no Mastodon instance: add it again with its URL")
    if not token:
        raise AuthExpired(f"account {account.name!r} has no Mastodon access token: add it again")
    account_endpoint(instance, what="the Mastodon instance", account=account.name, settings=settings)
    return MastodonNetwork(
        account.name,
        instance,
        token,
        timeout=settings.network_timeout_seconds,
        user_agent=settings.user_agent,
    )


class MastodonNetwork:
    name = "mastodon"

    def __init__(
        self,
        account: str,
        instance: str,
        token: str,
        *,
        timeout: float,
        user_agent: str = "mastodonpy",
        media_wait_seconds: float = MEDIA_WAIT_SECONDS,
    ) -> None:
        self.account = account
        self.instance = instance
        self.timeout = timeout
        self.user_agent = user_agent
        self.media_wait_seconds = media_wait_seconds
        self._token = token
        self._api: Mastodon | None = None
        self._domain = urlsplit(instance).hostname or instance
        self._last = threading.local()  # the last answer's status and headers (for a 429's reset time)

    def __repr__(self) -> str:
        return f"MastodonNetwork(account={self.account!r}, instance={self.instance!r})"

    def publish(self, post: OutgoingPost) -> Receipt:
        api = self._client()
        with self._sorted("upload the post's images"):
            media_ids = [self._upload(api, media) for media in post.media]
        with self._sorted("post the status", posting=True, reply_to=post.reply_to):
            status = api.status_post(
                post.text,
                in_reply_to_id=post.reply_to,
                media_ids=media_ids or None,
                idempotency_key=post.key,
            )
        return _receipt(status)

    def find(self, post: OutgoingPost) -> Receipt | None:
        """The account's own status carrying this post, read from its recent statuses; None if absent.

        Sending again with the same Idempotency-Key would also tell (Mastodon answers with the status it
        made), but it posts when the first attempt never arrived, and the key is forgotten after an
        hour. So `find` only reads: statuses of this account created since the due time (less some
        slack for clocks), replying to the same status, with as many images, whose text is ours: the
        rendered HTML read back as text, or the status's source text when the HTML differs only where
        Mastodon shortens mentions.
        """
        since = _aware(post.due_at) - FIND_SLACK
        wanted = _plain(post.text)
        # Mastodon shows a mention by its username only: "@editor@example.org" reads "@editor".
        shown = _plain(MENTION.sub(r"@\1", post.text))
        reply_to = str(post.reply_to) if post.reply_to else None
        api = self._client()
        with self._sorted("look the post up"):
            me = api.account_verify_credentials()
            max_id = None
            for _ in range(FIND_PAGES):
                page = api.account_statuses(me["id"], exclude_reblogs=True, max_id=max_id, limit=FIND_PAGE)
                for status in page:
                    if _aware(status["created_at"]) < since:
                        continue
                    if (str(status.get("in_reply_to_id") or "") or None) != reply_to:
                        continue
                    if len(status.get("media_attachments") or ()) != len(post.media):
                        continue
                    text = _plain(html_to_text(status.get("content") or ""))
                    if text == wanted:
                        return _receipt(status)
                    if text == shown and _plain(api.status_source(status["id"]).get("text") or "") == wanted:
                        return _receipt(status)
                if not page or _aware(page[-1]["created_at"]) < since:
                    return None
                max_id = page[-1]["id"]
        raise Transient(
            f"could not look post {post.post_id} up: the account made more than {FIND_PAGE * FIND_PAGES} "
            f"statuses since {since:%Y-%m-%d %H:%M} UTC"
        )

    def check(self) -> AccountCheck:
        api = self._client()
        with self._sorted("check the account"):
            me = api.account_verify_credentials()
            instance = api.instance()
        user_id = str(me["id"])
        domain = instance.get("domain") or instance.get("uri") or self._domain
        return AccountCheck(
            handle=f"@{me['username']}@{domain}",
            user_id=user_id,
            options={"max_characters": _max_characters(instance), "user_id": user_id},
        )

    # -- the client ------------------------------------------------------------------------------

    def _client(self) -> Mastodon:
        """Mastodon.py, told the instance's version read with one plain GET /api/v1/instance.

        Left to read the version itself (version_check_mode="created" without mastodon_version),
        Mastodon.py 2.x retries without end when the instance does not answer, hundreds of requests
        deep, until a RecursionError; reading it once here gives one sorted error instead.
        """
        if self._api is not None:
            return self._api
        with self._sorted("read the instance's version"):
            session = requests.Session()
            session.hooks["response"].append(self._remember)
            options: dict[str, Any] = {
                "access_token": self._token,
                "api_base_url": self.instance,
                "ratelimit_method": "throw",
                "request_timeout": self.timeout,
                "session": session,
                "user_agent": self.user_agent,
            }
            probe = Mastodon(version_check_mode="none", **options)
            info = probe.instance_v1()
        self._domain = info.get("uri") or self._domain
        version = _version(str(info.get("version") or ""))
        if version is None:
            raise Permanent(f"{self.instance} does not say which Mastodon version it runs")
        self._api = Mastodon(version_check_mode="created", mastodon_version=version, **options)
        return self._api

    def _remember(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self._last.answer = (response.status_code, response.headers)

    def _upload(self, api: Mastodon, media: Media) -> str:
        """Upload one image with its alt text; wait (bounded) for Mastodon to finish processing it."""
        path = Path(media.path)
        mime = mimetypes.guess_type(path.name)[0]
        if mime is None:
            raise Permanent(f"cannot tell what kind of file the image {path.name} is")
        try:
            file = path.open("rb")
        except OSError as error:
            raise Permanent(f"the image {path.name} cannot be read: {error.strerror}") from None
        with file:
            attachment = api.media_post(
                file, mime_type=mime, description=media.alt_text or None, file_name=path.name
            )
        deadline = time.monotonic() + self.media_wait_seconds
        pause = MEDIA_POLL_FIRST
        while attachment.get("url") is None:  # 202: still processing; GET answers 206 until it is done
            left = deadline - time.monotonic()
            if left <= 0:
                raise Transient(
                    f"Mastodon was still processing the image {path.name} after {self.media_wait_seconds:g} s"
                )
            time.sleep(min(pause, left))
            pause = min(pause * 1.5, MEDIA_POLL_MAX)
            attachment = api.media(attachment["id"])
        return str(attachment["id"])

    # -- sorting errors --------------------------------------------------------------------------

    @contextmanager
    def _sorted(self, doing: str, *, posting: bool = False, reply_to: str | None = None) -> Iterator[None]:
        """Turn what Mastodon.py raises into the errors of scheduler.networks.base, once.

        `posting`: the call sends the status, so a failure after the request went out is an unknown
        outcome (the reconciler asks `find`), not a reason to send again.
        """
        self._last.answer = None
        try:
            yield
        except (NetworkError, OutcomeUnknown):
            raise
        except MastodonRatelimitError:
            raise self._rate_limit(doing, posting) from None
        except MastodonNetworkError as error:
            raise self._no_answer(error, doing, posting) from None
        except MastodonAPIError as error:
            raise self._refusal(error, doing, posting, reply_to) from None
        except MastodonError as error:
            raise Permanent(self._clean(f"Mastodon.py could not {doing}: {error}")) from None

    def _rate_limit(self, doing: str, posting: bool) -> Exception:
        status, headers = self._last.answer or (None, {})
        if status != 429:
            # Mastodon.py could not read the rate-limit headers of an answer that was not a 429.
            message = f"{self.instance} answered {status} with rate-limit headers Mastodon.py cannot read"
            return OutcomeUnknown(message) if posting else Transient(message)
        reset_at = _reset_time(headers.get("X-RateLimit-Reset")) or datetime.now(UTC) + RATE_LIMIT_FALLBACK
        return RateLimited(
            f"Mastodon's rate limit at {self._domain} reached trying to {doing}; it resets at "
            f"{reset_at:%Y-%m-%d %H:%M:%S} UTC",
            reset_at,
        )

    def _no_answer(self, error: MastodonNetworkError, doing: str, posting: bool) -> Exception:
        cause = error.__context__
        what = self._describe(cause)
        if _never_sent(cause):
            return Transient(f"could not reach {self.instance} to {doing}: {what}")
        if posting:
            return OutcomeUnknown(
                f"Mastodon ({self._domain}) gave no answer once the status was sent ({what}): "
                "it may or may not be posted"
            )
        return Transient(f"Mastodon ({self._domain}) gave no answer when asked to {doing}: {what}")

    def _refusal(self, error: MastodonAPIError, doing: str, posting: bool, reply_to: str | None) -> Exception:
        if len(error.args) != 4 or not isinstance(error.args[1], int):
            # An answer Mastodon.py could not read (not JSON): the server may have acted on it.
            message = self._clean(f"{self.instance} gave an unreadable answer when asked to {doing}")
            return OutcomeUnknown(message) if posting else Transient(message)
        _, status, reason, detail = error.args
        said = self._clean(str(detail or reason or "no reason given"))
        if status in (401, 403):
            return AuthExpired(f"Mastodon ({self._domain}) refused the access token ({status}): {said}")
        if status >= 500 or status in RETRY_LATER:
            return Transient(f"Mastodon ({self._domain}) answered {status} when asked to {doing}: {said}")
        if status == 404 and posting and reply_to:
            said += f" (the status it replies to, {reply_to}, may have been deleted)"
        return Permanent(f"Mastodon ({self._domain}) refused to {doing}: {said}")

    def _describe(self, cause: BaseException | None) -> str:
        if isinstance(cause, requests.exceptions.ConnectTimeout):
            return f"could not connect within {self.timeout:g} s"
        if isinstance(cause, requests.exceptions.ReadTimeout):
            return f"no answer within {self.timeout:g} s"
        if isinstance(cause, requests.exceptions.SSLError):
            return "TLS handshake failed"
        if isinstance(cause, requests.exceptions.ConnectionError):
            return "connection refused" if _never_sent(cause) else "connection closed without an answer"
        return type(cause).__name__ if cause is not None else "no answer"

    def _clean(self, text: str) -> str:
        """Never let the token into a message, whatever a server or library put in it."""
        return text.replace(self._token, "[access token]") if self._token else text


def _never_sent(cause: BaseException | None) -> bool:
    """The request cannot have reached Mastodon: no connection was made, or TLS failed first."""
    if isinstance(cause, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        return isinstance(getattr(cause.args[0], "reason", None), NewConnectionError)
    return False


def _receipt(status: Any) -> Receipt:
    return Receipt(external_id=str(status["id"]), url=str(status.get("url") or status.get("uri") or ""))


def _max_characters(instance: Any) -> int:
    configuration = instance.get("configuration") or {}
    statuses = configuration.get("statuses") or {}
    value = statuses.get("max_characters") or instance.get("max_toot_chars")  # glitch and Pleroma say so
    return int(value) if value else DEFAULT_MAX_CHARACTERS


def _version(raw: str) -> str | None:
    """The Mastodon version in an instance's version string, read as Mastodon.py reads it."""
    raw = raw.split(" ")[0]
    main, _, extra = raw.partition("+")
    # Hometown says "1.0.6+3.5.3" (its own version, then Mastodon's); glitch says "4.2.1+glitch".
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", extra)
    if match and int(match[1]) >= 1:
        return match[0]
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", main)
    return match[0] if match else None


def _reset_time(value: str | None) -> datetime | None:
    """X-RateLimit-Reset: Mastodon sends ISO 8601; some servers (GoToSocial) send Unix seconds."""
    if not value:
        return None
    try:
        if value.strip().isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        return _aware(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError):
        return None


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _plain(text: str) -> str:
    return " ".join(text.split())


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> str:
    """A status's HTML as its text: paragraphs and line breaks kept, links in full (Mastodon hides
    part of a long link in invisible spans, which are text all the same)."""
    parser = _TextOf()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)

"""Images for X posts: `POST /2/media/upload`, then `POST /2/media/metadata` for the alt text.

tweepy 4.x has no v2 media upload, so this runs on the tweepy Client's own session (pointed at the
configured API address, with the timeout) and its OAuth 1.0a user-context auth. An image for a post
(`tweet_image`, at most 5 MB) goes up in one multipart request; X's chunked INIT/APPEND/FINALIZE
flow is for video and large files. Failures come back as tweepy's own exceptions, so x.py sorts
them with the ones tweepy raises.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

import requests
import tweepy

from scheduler.networks.base import Media, Permanent

UPLOAD_URL = "https://api.x.com/2/media/upload"
METADATA_URL = "https://api.x.com/2/media/metadata"
ALT_TEXT_LIMIT = 1000  # characters, per X's media metadata reference
MAX_IMAGES = 4


def upload(client: tweepy.Client, media: Media) -> str:
    """Upload one image and set its alt text; X's media id for it."""
    path = Path(media.path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Permanent(f"the image {path.name} cannot be read ({error.strerror}); render it again") from None
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    answer = _post(
        client,
        UPLOAD_URL,
        files={"media": (path.name, data, content_type)},
        data={"media_category": "tweet_image", "media_type": content_type},
    )
    media_id = str(answer.json()["data"]["id"])
    if media.alt_text.strip():
        metadata = {"alt_text": {"text": fit_alt_text(media.alt_text)}}
        _post(client, METADATA_URL, json={"id": media_id, "metadata": metadata})
    return media_id


def fit_alt_text(text: str) -> str:
    """Alt text within X's 1000 characters: cut at a word, with an ellipsis, rather than refused."""
    text = text.strip()
    if len(text) <= ALT_TEXT_LIMIT:
        return text
    cut = text[: ALT_TEXT_LIMIT - 1]
    if " " in cut[ALT_TEXT_LIMIT // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def _post(client: tweepy.Client, url: str, **kwargs: Any) -> requests.Response:
    auth = tweepy.OAuth1UserHandler(
        client.consumer_key, client.consumer_secret, client.access_token, client.access_token_secret
    ).apply_auth()
    response = client.session.request(
        "POST", url, headers={"User-Agent": client.user_agent}, auth=auth, **kwargs
    )
    if not 200 <= response.status_code < 300:
        raise as_tweepy_error(response)
    return response


def as_tweepy_error(response: requests.Response) -> tweepy.HTTPException:
    """The exception tweepy's Client.request raises for this answer."""
    errors: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest,
        401: tweepy.Unauthorized,
        403: tweepy.Forbidden,
        404: tweepy.NotFound,
    }
    if response.status_code == 429:
        reset = response.headers.get("x-rate-limit-reset")
        return tweepy.TooManyRequests(response, reset_time=int(reset) if reset and reset.isdigit() else None)
    if response.status_code >= 500:
        return tweepy.TwitterServerError(response)
    return errors.get(response.status_code, tweepy.HTTPException)(response)

"""Filters for post templates: campaign-tagged links, hashtags from tags, and text that may be shortened.

The functions are plain Python (tested without Jinja); `register` installs them in an environment as
filters that take the account, campaign and step from the template's context.
"""

from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote_plus

import jinja2
from jinja2.exceptions import FilterArgumentError

from scheduler.render.fit import mark

UTM_MEDIUM = "social"
# The campaign in links when the context names none.
DEFAULT_CAMPAIGN = "promotion"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
# What separates the words of a multi-word tag; anything else that cannot be in a hashtag is dropped.
WORD_SEPARATORS = frozenset(" /\\")


def utm(url: str | None, *, network: str, campaign: str, content: str) -> str | None:
    """The URL with our four utm_* parameters last, replacing any earlier ones; None or "" as given.

    The rest of the URL is kept byte for byte: the other parameters in their order and encoding, and
    the fragment. Rendering the same URL twice gives the same link, never doubled parameters.
    """
    if not url:
        return url
    rest, hash_mark, fragment = url.partition("#")
    base, _, query = rest.partition("?")
    kept = [
        piece for piece in query.split("&") if piece and unquote_plus(piece.split("=")[0]) not in UTM_KEYS
    ]
    values = (network, UTM_MEDIUM, campaign, content)
    ours = [f"{key}={quote(value, safe='')}" for key, value in zip(UTM_KEYS, values, strict=True)]
    return f"{base}?{'&'.join(kept + ours)}{hash_mark}{fragment}"


def hashtag(tag: str) -> str:
    """`#Word` for one tag ("prison reform" -> "#PrisonReform"); "" when nothing of it can be a hashtag.

    Words are separated by spaces, dashes and slashes; a tag of several words is written in CamelCase
    (each word's first letter raised, the rest as given), a one-word tag as given. Only letters,
    combining marks, digits and underscores are kept; a tag without a letter ("2018") gives "".
    """
    words: list[list[str]] = [[]]
    for char in unicodedata.normalize("NFC", tag):
        category = unicodedata.category(char)
        if char in WORD_SEPARATORS or char.isspace() or category == "Pd":
            words.append([])
        elif category[0] in "LM" or category == "Nd" or char == "_":
            words[-1].append(char)
    parts = ["".join(word) for word in words if word]
    if len(parts) > 1:
        parts = [part[:1].title() + part[1:] for part in parts]
    body = "".join(parts)
    if not any(unicodedata.category(char)[0] == "L" for char in body):
        return ""
    return f"#{body}"


def hashtags(
    tags: Iterable[str] | str, defaults: Iterable[str] | str = (), *, limit: int | None = None
) -> str:
    """The article's tags, then the account's defaults, as hashtags joined with spaces.

    Tags that give the same hashtag ignoring case count once, the first spelling winning; `limit`
    keeps the first so many. "" when there are none.
    """
    seen: set[str] = set()
    found: list[str] = []
    for tag in (*_as_tuple(tags), *_as_tuple(defaults)):
        tagged = hashtag(tag)
        if tagged and tagged.casefold() not in seen:
            seen.add(tagged.casefold())
            found.append(tagged)
    return " ".join(found if limit is None else found[: max(limit, 0)])


# How each filter is written, for the message when a template calls it some other way.
USAGE = {
    "utm": "{{ article.url | utm }} or {{ article.url | utm(campaign='…', content='…') }}",
    "hashtags": "{{ article.tags | hashtags }} or {{ article.tags | hashtags(limit=3) }}",
    "fit": "{{ article.summary | fit }} or {{ article.summary | fit(2) }}",
}


def register(env: jinja2.Environment) -> None:
    """Install `utm`, `hashtags` and `fit` as filters in the environment."""
    env.filters["utm"] = _called_as_written("utm", utm_filter)
    env.filters["hashtags"] = _called_as_written("hashtags", hashtags_filter)
    env.filters["fit"] = _called_as_written("fit", fit_filter)


def _called_as_written(name: str, function: Any) -> Any:
    """The filter, saying how it is written (not Python's TypeError) when a template calls it with
    arguments it does not take."""
    signature = inspect.signature(function)

    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            signature.bind(*args, **kwargs)
        except TypeError:
            raise FilterArgumentError(f"{name} is not written that way: write {USAGE[name]}") from None
        return function(*args, **kwargs)

    if hasattr(function, "jinja_pass_arg"):
        checked.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return checked


@jinja2.pass_context
def utm_filter(
    context: jinja2.runtime.Context, url: str | None, campaign: str | None = None, content: str | None = None
) -> str | None:
    """`{{ article.url | utm }}`: source is the account's network, campaign the context's `campaign`
    (default "promotion"), content the step; either may be given: `utm(campaign="launch")`."""
    account = context.get("account")
    network = getattr(account, "network", None)
    if not isinstance(network, str) or not network:
        raise FilterArgumentError("utm needs the account: render the template as a post for an account")
    return utm(
        url,
        network=network,
        campaign=campaign or _campaign_name(context.get("campaign")),
        content=content or str(context.get("step") or "post"),
    )


@jinja2.pass_context
def hashtags_filter(
    context: jinja2.runtime.Context, tags: Iterable[str] | str, limit: int | None = None
) -> str:
    """`{{ article.tags | hashtags }}`: the article's tags and the account's default hashtags."""
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
        raise FilterArgumentError(f"hashtags(limit) takes a whole number, not {limit!r}")
    if tags and not isinstance(tags, str | list | tuple):
        raise FilterArgumentError(
            f"hashtags takes the article's tags or one tag, not {_kind(tags)}: write {USAGE['hashtags']}"
        )
    defaults = getattr(context.get("account"), "hashtags", ())
    return hashtags(tags or (), defaults or (), limit=limit)


def _kind(value: Any) -> str:
    """What a template passed, in its words: "a number", "an article"."""
    if isinstance(value, bool | int | float):
        return f"a number ({value!r})"
    named = type(value).__name__.removesuffix("View").lower()
    return f"an {named}" if named[:1] in "aeiou" else f"a {named}"


def fit_filter(value: Any, priority: int | None = None) -> str:
    """`{{ article.summary | fit }}`: text the renderer may shorten to keep the post within the limit."""
    try:
        return mark(value) if priority is None else mark(value, priority)
    except ValueError as error:
        raise FilterArgumentError(str(error)) from None


def _campaign_name(campaign: Any) -> str:
    if campaign is None:
        return DEFAULT_CAMPAIGN
    name = campaign if isinstance(campaign, str) else getattr(campaign, "name", None)
    return name if isinstance(name, str) and name else DEFAULT_CAMPAIGN


def _as_tuple(tags: Iterable[str] | str | None) -> tuple[str, ...]:
    """A lone string is one tag, not a sequence of one-letter tags."""
    if not tags:
        return ()
    if isinstance(tags, str):
        return (tags,)
    return tuple(str(tag) for tag in tags if tag is not None)

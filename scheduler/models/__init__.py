"""The tables (the frame): newsroom.py holds articles, accounts, feeds and posts; people.py the users
and what they leave; base.py what both share. Everything is imported from here."""

from scheduler.models.base import (
    ARTICLE_HELD_BACK,
    CARD_REQUESTED,
    POST_IS_REPLY,
    AccountStatus,
    Base,
    CardState,
    PostState,
    Role,
    UTCDateTime,
    new_post_key,
    utcnow,
)
from scheduler.models.newsroom import Account, Article, Attempt, Feed, FeedItem, Post, Quote, feed_accounts
from scheduler.models.people import AccountGroup, ApiToken, ComposeDraft, PostEvent, SignInFailure, User

__all__ = [
    "ARTICLE_HELD_BACK",
    "CARD_REQUESTED",
    "POST_IS_REPLY",
    "Account",
    "AccountGroup",
    "AccountStatus",
    "ApiToken",
    "Article",
    "Attempt",
    "Base",
    "CardState",
    "ComposeDraft",
    "Feed",
    "FeedItem",
    "Post",
    "PostEvent",
    "PostState",
    "Quote",
    "Role",
    "SignInFailure",
    "UTCDateTime",
    "User",
    "feed_accounts",
    "new_post_key",
    "utcnow",
]

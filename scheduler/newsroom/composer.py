"""The composer: one post written once for several accounts, previewed as each network will show it,
customised for a network without losing the others, saved as the editor types, then sent (now, to each
account's queue, at a time in each account's zone, or for approval) with posts.schedule_post, the
function every face schedules with. All the accounts' posts are made, or none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Account, AccountGroup, Article, ComposeDraft, Post, utcnow
from scheduler.newsroom import NewsroomError, history
from scheduler.newsroom.accounts import list_accounts
from scheduler.newsroom.posts import When, choose_quote, due_time, render_for, schedule_post, thread_of
from scheduler.planning import PlanningError
from scheduler.publishing import post_cards
from scheduler.render import RenderError
from scheduler.render.fit import split_thread
from scheduler.render.length import Count, count
from scheduler.wording import marked

STEPS = ("announce", "quote", "reshare")
CARDS = ("headline", "quote")
WHEN = ("queue", "now", "at")
MOST_TEXT = 20_000


@dataclass
class Composition:
    """What the editor has chosen and written so far."""

    article_id: int | None = None
    accounts: list[str] = field(default_factory=list)
    step: str = "announce"
    card: str | None = None
    text: str = ""  # for every network; empty: the step's template, fitted to each network
    custom: dict[str, str] = field(default_factory=dict)  # a network's own text, over `text`
    when: str = "queue"
    at: str = ""  # YYYY-MM-DD HH:MM in each account's own zone
    approval: bool = False  # drafts for an approver, whatever the accounts ask

    @classmethod
    def read(cls, data: dict[str, Any]) -> Composition:
        """From what a page or a saved draft holds, keeping only what can be used."""

        def text(value: Any) -> str:
            return str(value or "").replace("\r\n", "\n").replace("\x00", "")[:MOST_TEXT]

        article = data.get("article_id")
        custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
        return cls(
            article_id=int(article) if str(article or "").isdigit() else None,
            accounts=[str(name)[:100] for name in (data.get("accounts") or []) if str(name).strip()][:200],
            step=data.get("step") if data.get("step") in STEPS else "announce",
            card=data.get("card") if data.get("card") in CARDS else None,
            text=text(data.get("text")),
            custom={
                str(network)[:32]: text(value) for network, value in custom.items() if text(value).strip()
            },
            when=data.get("when") if data.get("when") in WHEN else "queue",
            at=text(data.get("at"))[:40],
            approval=bool(data.get("approval")),
        )

    def stored(self) -> dict[str, Any]:
        return asdict(self)

    def text_for(self, network: str) -> str | None:
        """The editor's text for the network, or None: the step's template."""
        own = self.custom.get(network) or self.text
        return own if own.strip() else None


@dataclass(frozen=True)
class Part:
    text: str
    counted: Count


@dataclass(frozen=True)
class AccountPreview:
    """What one account would publish, as its network counts it, and when; or why it cannot."""

    account: Account
    own: bool  # the editor's text (not the step's template)
    custom: bool  # this network's own text
    parts: list[Part]
    problem: str | None
    card: str | None
    alt: str | None
    link: str | None  # the article's address, shown as the link card the network draws
    due: datetime | None
    due_problem: str | None

    @property
    def ready(self) -> bool:
        return self.problem is None and self.due_problem is None and all(p.counted.fits for p in self.parts)


def chosen_accounts(session: Session, composition: Composition) -> list[Account]:
    known = {account.name: account for account in list_accounts(session)}
    return [known[name] for name in dict.fromkeys(composition.accounts) if name in known]


def previews(
    session: Session, composition: Composition, *, templates_dir: Path, now: datetime
) -> list[AccountPreview]:
    article = session.get(Article, composition.article_id) if composition.article_id else None
    return [
        _preview(session, composition, article, account, templates_dir=templates_dir, now=now)
        for account in chosen_accounts(session, composition)
    ]


def _preview(
    session: Session,
    composition: Composition,
    article: Article | None,
    account: Account,
    *,
    templates_dir: Path,
    now: datetime,
) -> AccountPreview:
    own = composition.text_for(account.network)
    limit = account.options.get("max_characters")
    parts: list[Part] = []
    problem = card = alt = None
    quote = choose_quote(session, article, account) if article and composition.step == "quote" else None
    try:
        if own is not None:
            parts = [Part(p, count(account.network, p, max_characters=limit)) for p in split_thread(own)]
        elif article is None:
            problem = "write the post's text: without an article there is no template to start from"
        elif composition.step == "quote" and quote is None:
            problem = "the article has no pull quote with a known speaker: write the text, or choose announce"
        else:
            rendered = render_for(templates_dir, article, account, composition.step, quote)
            parts = [Part(p, c) for p, c in zip(rendered.parts, rendered.counts, strict=True)]
        if composition.card and article is not None:
            card = composition.card
            alt = post_cards.article_card(templates_dir, article, account, card, quote).alt
    except (RenderError, NewsroomError) as error:
        problem = marked(error)
    due, due_problem = None, None
    try:
        due = _due(session, composition, account, now)
    except NewsroomError as error:
        due_problem = marked(error)
    url = article.canonical_url if article is not None else None
    shown_link = url if url and not card and any(url in part.text for part in parts) else None
    return AccountPreview(
        account,
        own is not None,
        account.network in composition.custom,
        parts,
        problem,
        card,
        alt,
        shown_link,
        due,
        due_problem,
    )


def _due(session: Session, composition: Composition, account: Account, now: datetime) -> datetime:
    if composition.when == "at" and not composition.at.strip():
        raise NewsroomError("give the time, YYYY-MM-DD HH:MM, in each account's zone", field="at")
    when = When(
        at=composition.at if composition.when == "at" else None,
        now=composition.when == "now",
        queue=composition.when == "queue",
    )
    try:
        return due_time(session, when, account, now=now)
    except PlanningError as error:  # no free slot in the planning horizon
        raise NewsroomError(marked(error), field="when") from None


@dataclass(frozen=True)
class Sent:
    account: str
    post_id: int
    parts: int
    due: datetime
    draft: bool


def send(
    session: Session, composition: Composition, *, templates_dir: Path, now: datetime, user_id: int | None
) -> list[Sent]:
    """Make every chosen account's post, or none: NewsroomError names the account that cannot take it."""
    accounts = chosen_accounts(session, composition)
    if not accounts:
        raise NewsroomError("choose at least one account", field="accounts")
    article = session.get(Article, composition.article_id) if composition.article_id else None
    if composition.article_id and article is None:
        raise NewsroomError(f"there is no article {composition.article_id}", field="article")
    if article is not None and article.withdrawn_at is not None:
        raise NewsroomError("the article was withdrawn: nothing more is posted of it", field="article")
    sent = []
    for account in accounts:
        try:
            due = _due(session, composition, account, now)
            quote = (
                choose_quote(session, article, account) if article and composition.step == "quote" else None
            )
            post = schedule_post(
                session,
                article,
                account,
                due_at=due,
                templates_dir=templates_dir,
                step=composition.step if article is not None else "announce",
                text=composition.text_for(account.network),
                card=composition.card if article is not None else None,
                draft=True if composition.approval else None,
                quote=quote,
            )
        except (NewsroomError, RenderError) as error:
            raise NewsroomError(f"{account.name}: {marked(error)}", field=f"account:{account.name}") from None
        chain = thread_of(session, post)
        for part in chain:
            part.created_by_id = user_id
        history.record(session, post.id, "composed", note="from the composer")
        sent.append(Sent(account.name, post.id, len(chain), due, post.state == "draft"))
    return sent


# --- drafts and groups --------------------------------------------------------------------------------


def open_draft(session: Session, user_id: int, composition: Composition) -> ComposeDraft:
    draft = ComposeDraft(user_id=user_id, data=composition.stored())
    session.add(draft)
    session.flush()
    return draft


def own_draft(session: Session, user_id: int, draft_id: int) -> ComposeDraft:
    draft = session.get(ComposeDraft, draft_id) if 0 < draft_id < 2**31 else None
    if draft is None or draft.user_id != user_id:
        raise NewsroomError(f"there is no draft {draft_id} of yours", field="draft")
    return draft


def save(draft: ComposeDraft, composition: Composition, *, version: int) -> bool:
    """Keep the composition unless a later save is kept already (an old retry arriving late)."""
    if version and version <= draft.version:
        return False
    draft.data, draft.version, draft.updated_at = composition.stored(), version or draft.version + 1, utcnow()
    return True


def recent_drafts(session: Session, user_id: int, limit: int = 10) -> list[ComposeDraft]:
    return list(
        session.scalars(
            select(ComposeDraft)
            .where(ComposeDraft.user_id == user_id, ComposeDraft.sent_at.is_(None))
            .order_by(ComposeDraft.updated_at.desc())
            .limit(limit)
        )
    )


def groups(session: Session) -> list[AccountGroup]:
    return list(session.scalars(select(AccountGroup).order_by(AccountGroup.name)))


def group_named(session: Session, name: str) -> AccountGroup:
    group = session.scalar(select(AccountGroup).where(AccountGroup.name == " ".join(name.split())))
    if group is None:
        known = ", ".join(g.name for g in groups(session)) or "none yet"
        raise NewsroomError(f"there is no group named {name!r} (groups: {known})", field="group")
    return group


def use_group(composition: Composition, group: AccountGroup) -> None:
    """Add the group's accounts to those chosen (once each, the chosen first)."""
    composition.accounts = list(dict.fromkeys([*composition.accounts, *group.accounts]))


def save_group(session: Session, name: str, accounts: list[str]) -> AccountGroup:
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise NewsroomError("name the group (at most 100 characters)", field="group")
    known = {account.name for account in list_accounts(session)}
    members = [a for a in dict.fromkeys(accounts) if a in known]
    if not members:
        raise NewsroomError("choose the group's accounts first", field="group")
    group = session.scalar(select(AccountGroup).where(AccountGroup.name == name))
    if group is None:
        group = AccountGroup(name=name)
        session.add(group)
    group.accounts = members
    session.flush()
    return group


def posts_of(session: Session, sent: list[Sent]) -> list[Post]:
    return [post for item in sent if (post := session.get(Post, item.post_id)) is not None]

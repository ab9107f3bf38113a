"""The article page's tools, on a real database with Debian's Chromium drawing the cards: picking a quote,
editing one (its posts follow), the card each account would carry, the card a post carries, and the live
counter's answers (counted as each network counts)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import Article, Post, Quote
from scheduler.publishing import post_cards
from scheduler.render.browser import CardRenderer
from scheduler.render.card_store import PNG_SIGNATURE
from scheduler.web.auth import CSRF_FIELD
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in


def quotes_of(url: str, article_id: int) -> list[tuple[int, str, str | None]]:
    with db.session_scope(url) as session:
        article = session.get(Article, article_id)
        assert article is not None
        return [(q.id, q.text, q.speaker) for q in article.quotes]


def article_id(location: str) -> int:
    return int(location.rsplit("/", 1)[1])


def test_a_picked_quote_is_the_one_the_quote_post_carries(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    attributed = [q for q in quotes_of(database_url, article_id(location)) if q[2]]
    assert len(attributed) >= 2, "the reference article has several attributed quotes"
    second_id, second_text, _ = attributed[1]
    page = site.get(location, params={"quote": second_id})
    assert "(picked: the quote post and card below use it)" in page.text
    assert f'name="quote" value="{second_id}"' in page.text
    # The quote step's preview now shows the picked quote's opening words.
    assert second_text.split()[0] in page.text
    scheduled = site.post(
        f"{location}/posts",
        data={"account": "masto", "step": "quote", "quote": str(second_id), CSRF_FIELD: csrf_of(page.text)},
        follow_redirects=False,
    )
    assert scheduled.status_code == 303, scheduled.text
    with db.session_scope(database_url) as session:
        [post] = session.scalars(select(Post))
        assert post.quote_id == second_id
        assert second_text.split()[0] in post.text


def test_editing_a_quote_renders_its_waiting_posts_again(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    first_id, _, speaker = next(q for q in quotes_of(database_url, article_id(location)) if q[2])
    page = site.get(location, params={"quote": first_id})
    token = csrf_of(page.text)
    site.post(
        f"{location}/posts",
        data={"account": "masto", "step": "quote", "quote": str(first_id), CSRF_FIELD: token},
        follow_redirects=False,
    )
    edited = site.post(
        f"{location}/quotes/{first_id}",
        data={"text": "We fixed the words of this quote.", "speaker": speaker or "", CSRF_FIELD: token},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    with db.session_scope(database_url) as session:
        quote = session.get(Quote, first_id)
        assert quote is not None and quote.text == "We fixed the words of this quote."
        [post] = session.scalars(select(Post))
        assert "We fixed the words of this quote." in post.text
    empty = site.post(f"{location}/quotes/{first_id}", data={"text": "  ", "speaker": "", CSRF_FIELD: token})
    assert empty.status_code == 422 and "the quote is empty" in empty.text
    stranger = site.post(f"{location}/quotes/999999", data={"text": "x", CSRF_FIELD: token})
    assert stranger.status_code == 422 and "has no quote 999999" in stranger.text
    # Approvers read quotes but do not edit them.
    site.cookies.clear()
    sign_in(site, "approver")
    refused = site.post(
        f"{location}/quotes/{first_id}", data={"text": "no", CSRF_FIELD: csrf_of(site.get("/").text)}
    )
    assert refused.status_code == 403


def test_the_article_page_shows_each_account_s_card_drawn_by_chromium(site: TestClient) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    page = site.get(location)
    cards = re.findall(r'<img src="(/articles/\d+/card\.png\?[^"]+)"', page.text)
    assert any("template=quote" in c for c in cards) and any("template=headline" in c for c in cards)
    assert any("account=masto" in c for c in cards) and any("account=outbox" in c for c in cards)
    first = site.get(cards[0].replace("&amp;", "&"))
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    assert first.content.startswith(PNG_SIGNATURE) and len(first.content) > 5000
    again = site.get(cards[0].replace("&amp;", "&"))
    assert again.content == first.content  # the same card, from the store
    unknown = site.get(f"{location}/card.png", params={"template": "nonesuch"})
    assert unknown.status_code == 422 and "no card template 'nonesuch'" in unknown.text
    missing = site.get("/articles/999999/card.png")
    assert missing.status_code == 404


def test_a_post_with_a_card_waits_for_it_and_then_shows_it(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    page = site.get(location)
    scheduled = site.post(
        f"{location}/posts",
        data={"account": "masto", "step": "quote", "card": "quote", CSRF_FIELD: csrf_of(page.text)},
        follow_redirects=False,
    )
    post_url = scheduled.headers["location"]
    waiting = site.get(post_url)
    assert "being made by the cards worker" in waiting.text
    assert site.get(f"{post_url}/card.png").status_code == 404
    # The preview's card is the one the worker would attach: the same template, quote and theme.
    preview = site.get(f"{location}/card.png", params={"account": "masto", "template": "quote"})
    assert preview.status_code == 200
    with db.session_scope(database_url) as session:
        [post] = session.scalars(select(Post))
        assert post.card_template == "quote" and post.card_state == "pending"
        post_id = post.id
    # The cards worker's own job, with its own Chromium.
    settings = site.app.state.settings  # type: ignore[attr-defined]
    with CardRenderer(settings.chromium_path) as renderer:
        made = post_cards.render_post_card(
            lambda: db.session_scope(database_url), post_id, renderer, settings
        )
    assert made == "ready"
    shown = site.get(post_url)
    assert f'<img src="/posts/{post_id}/card.png" alt="' in shown.text
    card = site.get(f"{post_url}/card.png")
    assert card.status_code == 200 and card.content == preview.content
    # A media entry pointing outside the card store is not served.
    with db.session_scope(database_url) as session:
        stored = session.get(Post, post_id)
        assert stored is not None
        stored.media = [{**stored.media[0], "path": "/etc/passwd"}]
    assert site.get(f"{post_url}/card.png").status_code == 404


def test_the_live_counter_counts_as_the_network_does(site: TestClient) -> None:
    sign_in(site, "editor")
    token = csrf_of(site.get("/").text)
    link = "https://example.com/" + "a" * 80
    on_x = site.post("/count", data={"text": f"Read {link}", "account": "outbox", CSRF_FIELD: token})
    assert on_x.status_code == 200
    assert on_x.json()["network"] in ("x", "outbox", "mastodon", "bluesky")
    masto = site.post("/count", data={"text": f"Read {link}", "account": "masto", CSRF_FIELD: token}).json()
    # Mastodon counts any link as 23 characters, whatever its length.
    assert masto == {"network": "mastodon", "parts": [{"length": 5 + 23, "limit": 500, "fits": True}]}
    thread = site.post(
        "/count", data={"text": "one\n---\n" + "é" * 501, "account": "masto", CSRF_FIELD: token}
    ).json()
    assert [p["length"] for p in thread["parts"]] == [3, 501]
    assert [p["fits"] for p in thread["parts"]] == [True, False]
    unknown = site.post("/count", data={"text": "x", "account": "nowhere", CSRF_FIELD: token})
    assert unknown.status_code == 404 and "nowhere" in unknown.json()["error"]
    assert site.post("/count", data={"text": "x", "account": "masto"}).status_code == 403

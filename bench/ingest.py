"""Article ingestion speed, text and HTML, with quote extraction, against baselines in the same run.

Ours:
  text  parse_text + pull_quotes on the team's article texts (tests/data/quotes and the reference)
  html  parse_html + pull_quotes on the same articles laid out as real news pages (nav, sidebar,
        related links, JSON-LD, footer), and on the fixture page tests/data/pages/article.html
  store the text path plus saving article and quotes to a fresh SQLite database, one transaction each
Baselines:
  text_parse_only / html_parse_only  the same parsing without quote extraction: what quotes cost
  trafilatura_extract_default        trafilatura.extract(page) with its defaults, the plain way to use it

One process, one core: articles per second here are per core. Each figure is the best of --repeat
rounds (the least disturbed by other work on a shared machine). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

import trafilatura

from scheduler.articles import ParsedArticle
from scheduler.articles.html import parse_html
from scheduler.articles.quotes import pull_quotes
from scheduler.articles.text import parse_text
from scheduler.newsroom.articles import store_article

ROOT = Path(__file__).resolve().parent.parent
GOAL_PER_S = 100.0


def corpus_texts() -> list[str]:
    texts = [p.read_text() for p in sorted((ROOT / "tests" / "data" / "quotes").glob("*.txt"))]
    texts.append((ROOT / "scheduler" / "demo" / "data" / "kardashian-white-house.txt").read_text())
    return texts


def as_page(article: ParsedArticle, n: int) -> str:
    """The article as a news site would serve it: metadata, navigation and boilerplate around the text."""
    nav = "".join(
        f'<li><a href="/section/{s}">{s.title()}</a></li>' for s in ("news", "sport", "culture", "money")
    )
    related = "".join(f'<li><a href="/story/{n}-{i}">Related story {i}</a></li>' for i in range(8))
    body = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    title = escape(article.title)
    author = escape(article.author or "Staff")
    json_ld = f'{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{title}"}}'
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Example News</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Example News">
<meta name="description" content="{escape(article.paragraphs[0][:150])}">
<meta property="og:image" content="/img/{n}.jpg"><link rel="canonical" href="https://news.example/story/{n}">
<meta property="article:published_time" content="2026-11-2{n % 8}T09:30:00Z">
<meta name="author" content="{author}"><script type="application/ld+json">{json_ld}</script>
<style>body{{font-family:serif}}</style></head><body><header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{title}</h1><p class="byline">By {author}</p>{body}</article>
<aside><h2>Most read</h2><ul>{related}</ul></aside></main>
<footer><p>© 2018 Example News. All rights reserved.</p><ul>{nav}</ul></footer></body></html>"""


def rate(work: Callable[[str], object], items: Sequence[str], repeat: int, minimum_s: float) -> float:
    """Items per second, the best of `repeat` rounds; each round runs the corpus for at least minimum_s."""
    best = 0.0
    for _ in range(repeat):
        done, start = 0, time.perf_counter()
        while True:
            for item in items:
                work(item)
            done += len(items)
            elapsed = time.perf_counter() - start
            if elapsed >= minimum_s:
                break
        best = max(best, done / elapsed)
    return best


def text_with_quotes(text: str) -> object:
    article = parse_text(text)
    return pull_quotes(article.paragraphs, title=article.title)


def html_with_quotes(page: str) -> object:
    article = parse_html(page, url="https://news.example/story")
    return pull_quotes(article.paragraphs, title=article.title)


def storing(folder: Path) -> Callable[[str], object]:
    from scheduler import db

    url = f"sqlite:///{folder / 'bench.db'}"
    db.upgrade_schema(url)

    def store(text: str) -> object:
        with db.session_scope(url) as session:
            # A new title each time so nothing is deduplicated away.
            store.count += 1  # type: ignore[attr-defined]
            return store_article(session, parse_text(f"{store.count} {text}"))  # type: ignore[attr-defined]

    store.count = 0  # type: ignore[attr-defined]
    return store


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (about 15 s)")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    repeat = args.repeat or (2 if args.quick else 5)
    minimum_s = 0.5 if args.quick else 2.0

    texts = corpus_texts()
    pages = [as_page(parse_text(t), n) for n, t in enumerate(texts)]
    pages.append((ROOT / "tests" / "data" / "pages" / "article.html").read_text())
    for page in pages:  # every page must give an article, or the figures mean nothing
        assert parse_html(page).paragraphs

    figures: dict[str, float] = {}
    figures["text_articles_per_s"] = rate(text_with_quotes, texts, repeat, minimum_s)
    figures["html_articles_per_s"] = rate(html_with_quotes, pages, repeat, minimum_s)
    figures["baseline_text_parse_only_per_s"] = rate(parse_text, texts, repeat, minimum_s)
    figures["baseline_html_parse_only_per_s"] = rate(lambda p: parse_html(p), pages, repeat, minimum_s)
    figures["baseline_trafilatura_extract_default_per_s"] = rate(
        trafilatura.extract, pages, repeat, minimum_s
    )
    with tempfile.TemporaryDirectory() as folder:
        figures["text_stored_articles_per_s"] = rate(storing(Path(folder)), texts, 1, minimum_s)

    figures["quotes_share_of_text_time"] = (
        1 - figures["text_articles_per_s"] / figures["baseline_text_parse_only_per_s"]
    )
    figures["quotes_share_of_html_time"] = (
        1 - figures["html_articles_per_s"] / figures["baseline_html_parse_only_per_s"]
    )
    figures["html_vs_trafilatura_default_ratio"] = (
        figures["html_articles_per_s"] / figures["baseline_trafilatura_extract_default_per_s"]
    )
    figures["goal_per_s"] = GOAL_PER_S
    figures["articles_in_corpus"] = len(texts)
    figures["pages_in_corpus"] = len(pages)

    print(f"corpus: {len(texts)} article texts, {len(pages)} pages; best of {repeat} rounds, one core")
    for key, value in figures.items():
        print(f"  {key:45} {value:10.3f}")
    for key in ("text_articles_per_s", "html_articles_per_s"):
        verdict = "meets" if figures[key] >= GOAL_PER_S else "MISSES"
        print(f"{key}: {figures[key]:.0f}/s {verdict} the goal of {GOAL_PER_S:.0f}/s per core")
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}))


if __name__ == "__main__":
    main()

"""Cards from the command line, through the real command: `card`, `accounts theme`, `add --card`, `post`
and `preview`."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from scheduler import db
from scheduler.config import PROJECT_ROOT, get_settings
from scheduler.demo.data import REFERENCE_ARTICLE, REFERENCE_URL
from scheduler.models import Account, utcnow
from scheduler.publishing import post_cards
from scheduler.render.browser import CardRenderer
from scheduler.render.card_store import PNG_SIGNATURE
from tests.cli.test_cli import counts
from tests.command import run

QUOTE = "We have waited a decade for this and I am proud that we finally listened."
# A statement far longer than any quote card holds, even at its smallest font size.
TOO_LONG = "We will keep fighting for every family that is still waiting for a second chance. " * 30
REFERENCE_ALT = (
    "Quote card: “We are optimistic about Ms. Johnson’s future and hopeful that she – and so many like "
    "her – will get a second chance at life.” — Kim Kardashian, example.com."
)


@pytest.fixture(scope="module")
def renderer() -> Iterator[CardRenderer]:
    """One warm Chromium for the renders this process does itself (the commands start their own)."""
    with CardRenderer() as card_renderer:
        yield card_renderer


@pytest.fixture
def initialised(isolated_settings: Path) -> str:
    result = run("init")
    assert result.returncode == 0, result.stderr
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one-line error of a command that failed as users should see it fail: exit 1, no traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ")
    return line.removeprefix("error: ")


def card(out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return run(
        "card",
        "--quote",
        QUOTE,
        "--speaker",
        "Ana Ruiz",
        "--site",
        "Example News",
        *options,
        "--out",
        str(out),
    )


def test_card_writes_the_png_and_its_alt_text_and_the_same_card_again_comes_from_the_store(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first.png", tmp_path / "cards" / "second.png"
    made = card(first, "--size", "square")
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines() == [
        f"{first} (1080x1080, quote card)",
        f"alt text: Quote card: “{QUOTE}” — Ana Ruiz, Example News.",
    ]
    assert Image.open(first).size == (1080, 1080)

    again = card(second, "--size", "square")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == f"{second} (1080x1080, quote card, from the store)"
    assert second.read_bytes() == first.read_bytes()


@pytest.mark.parametrize(
    ("options", "env", "expected"),
    [
        (
            ("--quote", TOO_LONG),
            {},
            f"the quote ({len(TOO_LONG.strip())} characters) does not fit the quote card at 1200x675",
        ),
        (
            ("--template", "nope", "--title", "A title"),
            {},
            "no card template 'nope': use one of breaking, headline, quote",
        ),
        (("--size", "12x12"), {}, "card size 12x12: each side must be between 200 and 4096 pixels"),
        (
            (),
            {"SCHEDULER_CHROMIUM_PATH": "/nonexistent"},
            "cards need Chromium and it is not at /nonexistent",
        ),
    ],
    ids=["quote-too-long", "unknown-template", "bad-size", "no-chromium"],
)
def test_card_errors_are_one_line_saying_what_to_do(
    options: tuple[str, ...],
    env: dict[str, str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "card.png"
    message = refused(card(out, *options))
    assert expected in message
    if options[:1] == ("--quote",):
        assert message.endswith("choose a shorter quote or a taller card size (such as 1080x1350)")
    if options[:1] == ("--template",):
        assert message.endswith("(templates/cards/<name>.html.j2)")
    if env:
        assert "apt-get install chromium" in message
    assert not out.exists()


def test_card_with_an_unknown_template_names_the_known_ones_even_without_a_title(tmp_path: Path) -> None:
    # A mistyped `--template qoute` is about the template, not about a missing --title.
    message = refused(card(tmp_path / "card.png", "--template", "qoute"))
    assert "no card template 'qoute'" in message and "quote" in message.split("'qoute'", 1)[1]


def test_card_template_error_names_the_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    quote_card = templates / "cards" / "quote.html.j2"
    lines = quote_card.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = next(i for i, line in enumerate(lines, start=1) if "{{ card.quote }}" in line)
    lines[broken - 1] = lines[broken - 1].replace("{{ card.quote }}", "{{ card.quote }")
    quote_card.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))

    assert refused(card(tmp_path / "card.png")) == f"cards/quote.html.j2, line {broken}: unexpected '}}'"


def stored_theme(url: str) -> dict[str, str]:
    with db.session_scope(url) as session:
        account = session.scalars(select(Account).where(Account.name == "outbox")).one()
        return dict(account.options.get("theme") or {})


def test_accounts_theme_is_stored_with_a_copy_of_the_logo_and_cards_of_the_account_use_it(
    initialised: str, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 100), (255, 255, 255)).save(logo)
    themed = run("accounts", "theme", "outbox", "--background", "#ff0000", "--logo", str(logo))
    assert themed.returncode == 0, themed.stderr
    assert "background:  #ff0000" in themed.stdout.splitlines()
    kept = (
        get_settings().resolved_media_dir / "logos" / f"{hashlib.sha256(logo.read_bytes()).hexdigest()}.png"
    )
    assert stored_theme(initialised) == {"background": "#ff0000", "logo": str(kept)}
    assert kept.read_bytes() == logo.read_bytes()

    out = tmp_path / "red.png"
    made = card(out, "--account", "outbox")
    assert made.returncode == 0, made.stderr
    small = Image.open(out).convert("RGB").resize((120, 68))
    red = sum(n for n, (r, g, b) in small.getcolors(120 * 68) or [] if r > 200 and g < 60 and b < 60)
    assert red > 0.6 * 120 * 68

    bad_colour = refused(run("accounts", "theme", "outbox", "--background", "red"))
    assert bad_colour == "account 'outbox': theme background 'red' is not a colour like #1a2b3c or #abc"
    missing = tmp_path / "missing.png"
    assert (
        refused(run("accounts", "theme", "outbox", "--logo", str(missing)))
        == f"account 'outbox': theme logo {missing} does not exist"
    )
    assert stored_theme(initialised) == {"background": "#ff0000", "logo": str(kept)}


def card_field(output: str) -> list[str]:
    """`scheduler post`'s card field: its value and the lines indented under it."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("card:"))
    field = [lines[start].removeprefix("card:").strip()]
    for line in lines[start + 1 :]:
        if not line.startswith(" " * 11):
            break
        field.append(line.strip())
    return field


def test_add_with_a_card_shows_it_pending_then_rendered_and_a_bad_card_saves_nothing(
    initialised: str, renderer: CardRenderer
) -> None:
    at = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    add = ("add", str(REFERENCE_ARTICLE), "--url", REFERENCE_URL, "--at", at, "--step", "quote")

    unknown = refused(run(*add, "--card", "nope"))
    assert unknown == (
        "no card template 'nope': use one of breaking, headline, quote (templates/cards/<name>.html.j2)"
    )
    assert counts(initialised) == (0, 0)

    added = run(*add, "--card", "quote")
    assert added.returncode == 0, added.stderr
    scheduled = re.match(r"post (\d+) for 'outbox'", added.stdout)
    assert scheduled is not None
    post_id = int(scheduled[1])
    assert "card: quote at 1200x675, rendered by a worker on the cards queue before the post is due" in (
        added.stdout
    )
    pending = run("post", str(post_id))
    assert pending.returncode == 0, pending.stderr
    assert card_field(pending.stdout) == ["quote 1200x675 (pending)"]

    # What a cards worker does, here in the test's process.
    rendered = post_cards.render_post_card(
        lambda: db.session_scope(initialised), post_id, renderer, get_settings()
    )
    assert rendered == "ready"
    ready = run("post", str(post_id))
    assert ready.returncode == 0, ready.stderr
    shown, path, alt = card_field(ready.stdout)
    assert shown == "quote 1200x675 (ready)"
    assert Path(path).read_bytes().startswith(PNG_SIGNATURE)
    assert Path(path).is_relative_to(get_settings().resolved_media_dir / "cards")
    assert alt == f"alt: {REFERENCE_ALT}"


PREVIEW = ("preview", str(REFERENCE_ARTICLE), "--url", REFERENCE_URL, "--step", "quote")


def test_preview_shows_the_quote_steps_card_and_its_alt_text() -> None:
    shown = run(*PREVIEW)
    assert shown.returncode == 0, shown.stderr
    cards = re.findall(r"^   card: (.+) \(quote, 1200x675\)$", shown.stdout, re.MULTILINE)
    assert len(cards) == 4 and len(set(cards)) == 1  # the same card for every network
    assert Image.open(cards[0]).size == (1200, 675)
    assert shown.stdout.count(f"   alt:  {REFERENCE_ALT}\n") == 4

    as_json = run(*PREVIEW, "--json")
    assert as_json.returncode == 0, as_json.stderr
    entries = json.loads(as_json.stdout)
    assert {entry["network"] for entry in entries} == {"x", "mastodon", "bluesky", "outbox"}
    for entry in entries:
        shown_card = entry["card"]
        assert (shown_card["path"], shown_card["width"], shown_card["height"]) == (cards[0], 1200, 675)
        assert (shown_card["template"], shown_card["alt_text"]) == ("quote", REFERENCE_ALT)


def test_preview_without_cards_starts_no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_CHROMIUM_PATH", "/nonexistent")
    without = run(*PREVIEW, "--no-cards")
    assert without.returncode == 0 and without.stderr == "", without.stderr
    assert "card" not in without.stdout and "== outbox / quote" in without.stdout
    # With cards the same settings do reach for Chromium: each step says why it has no card.
    with_cards = run(*PREVIEW)
    assert with_cards.returncode == 0, with_cards.stderr
    assert with_cards.stdout.count("   card: cannot render: cards need Chromium") == 4
    assert not list((get_settings().resolved_media_dir).rglob("*.png"))

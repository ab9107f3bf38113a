"""The stress card: emoji sequences, CJK, Arabic and Hebrew all drawn with real glyphs from local fonts."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from scheduler.render.browser import CardRenderer
from scheduler.render.cards import SIZES, CardContent, CardSize, Theme, card_page
from tests.conftest import REPO

TEMPLATES = REPO / "templates"
REVIEW_DIR = Path(__file__).parents[2] / "var" / "cards-review"

STRESS_QUOTE = (
    "Great news 👍🏽 from the team 👩🏾‍💻 with the family 👨‍👩‍👧‍👦 and pride 🏳️‍🌈. "
    "我们对未来充满希望。私たちは未来に希望を持っています。우리는 미래에 희망을 갖고 있습니다. "
    "نحن متفائلون بمستقبلها. אנחנו אופטימיים לגבי העתיד."
)
STRESS_CARD = CardContent(
    title="‘Optimistic’ Kim Kardashian meets with Donald Trump 会见",
    quote=STRESS_QUOTE,
    speaker="كيم كارداشيان",
    site="Example News",
)

# One glyph at a fixed size in the middle of an empty card.
GLYPH_TEMPLATE = """{% extends "cards/_base.html.j2" %}
{% block body %}
<span style="position: absolute; left: 60px; top: 300px; font-size: 200px; white-space: nowrap">
  {{- card.quote -}}
</span>
{% endblock %}
"""


@pytest.fixture(scope="module")
def renderer() -> Iterator[CardRenderer]:
    with CardRenderer() as card_renderer:
        yield card_renderer


def image_of(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


@pytest.mark.parametrize("size", [SIZES["square"], SIZES["landscape"]], ids=lambda size: size.name)
def test_stress_card_draws_every_script_with_a_real_glyph(renderer: CardRenderer, size: CardSize) -> None:
    card = renderer.render(card_page(TEMPLATES, "quote", STRESS_CARD, Theme(), size), check_glyphs=True)
    REVIEW_DIR.mkdir(parents=True, exist_ok=True)
    (REVIEW_DIR / f"stress-quote-{size.name}.png").write_bytes(card.png)

    image = image_of(card.png)
    assert image.size == (size.width, size.height)
    assert max(ImageStat.Stat(image).stddev) > 10
    assert card.report.overflows == ()
    assert card.report.missing_glyphs == ()
    fonts = card.report.fonts
    assert "Noto Color Emoji" in fonts
    assert any(font.startswith(("Noto Sans Arabic", "Noto Naskh Arabic")) for font in fonts), fonts
    assert any(font.startswith("Noto Sans Hebrew") for font in fonts), fonts
    assert any(font.startswith("Noto Sans CJK") for font in fonts), fonts


def test_glyph_check_reports_an_unassigned_code_point(renderer: CardRenderer) -> None:
    content = CardContent(quote="An unassigned \u0378 code point", speaker="Kim Kardashian", site="Example")
    page = card_page(TEMPLATES, "quote", content, Theme(), SIZES["square"])
    card = renderer.render(page, check_glyphs=True)
    assert card.report.missing_glyphs == ("\u0378",)


def glyph_width(renderer: CardRenderer, templates: Path, text: str) -> int:
    """The width in pixels of what the card draws for `text`, found against the theme's background."""
    page = card_page(templates, "glyph", CardContent(quote=text), Theme(), SIZES["square"])
    image = image_of(renderer.render(page).png)
    background = Image.new("RGB", image.size, image.getpixel((5, 5)))
    box = ImageChops.difference(image, background).getbbox()
    assert box is not None, f"{text!r} drew nothing"
    return box[2] - box[0]


def test_zwj_emoji_sequences_are_drawn_as_one_glyph(renderer: CardRenderer, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "cards").mkdir(parents=True)
    shutil.copy(TEMPLATES / "cards" / "_base.html.j2", templates / "cards" / "_base.html.j2")
    (templates / "cards" / "glyph.html.j2").write_text(GLYPH_TEMPLATE, encoding="utf-8")

    thumb = glyph_width(renderer, templates, "👍")
    for sequence in ("👨‍👩‍👧‍👦", "🏳️‍🌈", "👩🏾‍💻"):
        assert glyph_width(renderer, templates, sequence) < 1.5 * thumb, sequence
    # The same people without the joiners are four glyphs side by side: the measure tells them apart.
    assert glyph_width(renderer, templates, "👨👩👧👦") > 3 * thumb

"""Quote cards rendered in Chromium: every template at every size, fitting, isolation, the store, alt text."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from scheduler.articles.quotes import pull_quotes
from scheduler.articles.text import parse_text, read_text_file
from scheduler.demo.data import REFERENCE_ARTICLE
from scheduler.render import RenderError
from scheduler.render.browser import CardOverflow, CardRenderer, ChromiumMissing, RenderedCard, chromium_path
from scheduler.render.card_store import PNG_SIGNATURE, CardStore, render_card
from scheduler.render.cards import (
    ALT_TEXT_LIMITS,
    CARD_TEMPLATES,
    SIZES,
    CardContent,
    CardSize,
    Theme,
    ThemeError,
    alt_text,
    card_page,
    parse_size,
)
from tests.conftest import REPO
from tests.httpserver import LocalServer

TEMPLATES = REPO / "templates"
REVIEW_DIR = Path(__file__).parents[2] / "var" / "cards-review"
SITE = "Example News"
DEFAULT_BACKGROUND = (0x0F, 0x17, 0x2A)  # Theme().background
DEFAULT_FOREGROUND = (0xF8, 0xFA, 0xFC)  # Theme().foreground

# Real sentences, more than any quote card holds: about 2,500 characters.
SENTENCES = [
    "Alice Marie Johnson spent more than two decades in a federal prison for a first-time drug offence.",
    "Her case was raised at the White House by advocates who said the sentence was out of all proportion.",
    "Supporters of the reform bill say it would shorten sentences for some nonviolent offenders.",
    "It would also expand programmes that teach inmates a trade and help them find work after release.",
    "Critics warn that judges already have the discretion they need and that the changes go too far.",
    "Others say the bill does not go far enough, because it leaves mandatory minimum sentences in place.",
    "The administration has signalled that it is open to a compromise before the end of the session.",
    "Lawmakers from both parties met this week to discuss the details of the proposal.",
    "Families of people in prison travelled to the capital to tell their stories to members of Congress.",
    "Many of them described years of separation, missed birthdays and children growing up without a parent.",
    "Prison officials said that education programmes reduce the number of people who return to prison.",
    "The cost of keeping one person in a federal prison for a year is now more than thirty thousand dollars.",
    "Economists point out that money spent on training is recovered many times over in taxes and wages.",
    "A vote in the Senate is not expected until the autumn, after the committee has finished its hearings.",
    "Until then, advocates plan to keep the pressure on with letters, meetings and public events.",
    "Johnson herself has said that she hopes her story will help others who are still waiting for a chance.",
    "She spoke of her grandchildren, her faith and the friends who never stopped writing to her.",
    "Her lawyers have asked the president to consider a commutation, and a decision could come at any time.",
    "The White House declined to comment on the timing but said the meeting had been productive.",
    "Reform groups called the meeting a sign that the issue has finally reached the top of the agenda.",
    "They say that the next few months will decide whether the bill becomes law or is set aside once more.",
    "For the families waiting outside, every week without a decision is another week apart.",
    "Several governors have passed similar measures in their states, with results that are closely watched.",
    "In those states, prison populations have fallen while crime rates have continued to decline.",
    "Advocates hope that the example of those states will persuade the lawmakers who are still undecided.",
    "Whatever happens, Johnson says she will keep speaking for the people she left behind.",
]
LONG_QUOTE = " ".join(SENTENCES)


def first_sentences(characters: int) -> str:
    """The first sentences of SENTENCES that make at least `characters` characters."""
    text = ""
    for sentence in SENTENCES:
        text = f"{text} {sentence}".strip()
        if len(text) >= characters:
            return text
    raise AssertionError("SENTENCES are too short")


# Enough for the square and portrait quote cards, too much for the landscape one even at its floor.
MEDIUM_QUOTE = first_sentences(900)


@pytest.fixture(scope="module")
def renderer() -> Iterator[CardRenderer]:
    """One warm Chromium for the whole module: starting it costs about a second."""
    with CardRenderer() as card_renderer:
        yield card_renderer


@pytest.fixture(scope="module")
def reference() -> CardContent:
    """The reference article's title and its best pull quote, credited as the demo shows them."""
    article = parse_text(read_text_file(REFERENCE_ARTICLE, max_bytes=1_000_000))
    best = pull_quotes(article.paragraphs, title=article.title)[0]
    return CardContent(title=article.title, quote=best.text, speaker=best.speaker, site=SITE)


def image_of(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def is_blank(image: Image.Image) -> bool:
    """Nothing drawn: a handful of colours, or hardly any variation between pixels."""
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return len(colours) < 64 or max(ImageStat.Stat(image).stddev) < 10


def pixels_near(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    """How many pixels are within `tolerance` of `colour` in every channel."""
    difference = ImageChops.difference(image, Image.new("RGB", image.size, colour))
    red, green, blue = difference.split()
    furthest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return sum(furthest.histogram()[: tolerance + 1])


def mean_colour(image: Image.Image, box: tuple[float, float, float, float]) -> tuple[float, ...]:
    """The mean colour of a region given as fractions of the width and height."""
    left, top, right, bottom = box
    width, height = image.size
    region = image.crop((int(left * width), int(top * height), int(right * width), int(bottom * height)))
    return tuple(ImageStat.Stat(region).mean)


def fit_limits(html: str) -> dict[str, tuple[float, float]]:
    """Each fitted box's (min, max) font size, as the template wrote them."""
    found = re.findall(r'data-fit="([^"]+)" data-fit-min="([\d.]+)" data-fit-max="([\d.]+)"', html)
    return {name: (float(low), float(high)) for name, low, high in found}


def save_for_review(name: str, png: bytes) -> None:
    REVIEW_DIR.mkdir(parents=True, exist_ok=True)
    (REVIEW_DIR / f"{name}.png").write_bytes(png)


def card_templates(tmp_path: Path, **cards: str) -> Path:
    """A templates folder with the real base template and the given `cards/<name>.html.j2` files."""
    folder = tmp_path / "templates"
    (folder / "cards").mkdir(parents=True)
    shutil.copy(TEMPLATES / "cards" / "_base.html.j2", folder / "cards" / "_base.html.j2")
    for name, text in cards.items():
        (folder / "cards" / f"{name}.html.j2").write_text(text, encoding="utf-8")
    return folder


def photo(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (800, 500)) -> Path:
    """A small real image file: a solid colour with a lighter band, so it is not one flat colour."""
    image = Image.new("RGB", size, colour)
    band = tuple(min(255, c + 40) for c in colour)
    image.paste(band, (0, size[1] // 3, size[0], size[1] // 3 + 20))
    image.save(path)
    return path


def render(
    renderer: CardRenderer,
    template: str,
    content: CardContent,
    *,
    theme: Theme | None = None,
    size: CardSize = SIZES["square"],
    templates: Path = TEMPLATES,
) -> RenderedCard:
    return renderer.render(card_page(templates, template, content, theme or Theme(), size))


# Every template at every size


def test_blank_check_rejects_a_solid_image() -> None:
    assert is_blank(Image.new("RGB", (1080, 1080), DEFAULT_BACKGROUND))
    noise = Image.effect_noise((200, 200), 60).convert("RGB")
    assert not is_blank(noise)


@pytest.mark.parametrize("size_name", list(SIZES))
@pytest.mark.parametrize("template", CARD_TEMPLATES)
def test_reference_card_renders_at_its_size_fitted_and_not_blank(
    renderer: CardRenderer, reference: CardContent, template: str, size_name: str
) -> None:
    size = SIZES[size_name]
    page = card_page(TEMPLATES, template, reference, Theme(), size)
    card = renderer.render(page)
    save_for_review(f"{template}-{size_name}-{size.name}", card.png)

    assert card.png.startswith(PNG_SIGNATURE)
    image = image_of(card.png)
    assert image.size == (size.width, size.height)
    assert not is_blank(image)
    assert pixels_near(image, DEFAULT_FOREGROUND) > 500  # the text, drawn in the theme's foreground
    assert card.report.overflows == ()
    limits = fit_limits(page.html)
    assert limits, "the template marks no box to fit"
    assert set(card.report.font_sizes) == set(limits)
    for box, (low, high) in limits.items():
        assert low <= card.report.font_sizes[box] <= high, box


def test_short_title_gets_the_largest_font_and_the_reference_title_a_smaller_one(
    renderer: CardRenderer, reference: CardContent
) -> None:
    page = card_page(TEMPLATES, "breaking", reference, Theme(), SIZES["landscape"])
    short = card_page(TEMPLATES, "breaking", replace(reference, title="Pardon"), Theme(), SIZES["landscape"])
    _, high = fit_limits(page.html)["title"]
    assert renderer.render(short).report.font_sizes["title"] == high
    assert renderer.render(page).report.font_sizes["title"] < high


# Images: the lead image, the logo, the theme's colours


def test_headline_card_shows_its_lead_image(
    renderer: CardRenderer, reference: CardContent, tmp_path: Path
) -> None:
    green = (20, 170, 40)
    lead = photo(tmp_path / "lead.jpg", green)
    card = render(renderer, "headline", replace(reference, image=str(lead)))
    save_for_review("headline-lead-image", card.png)
    with_photo = image_of(card.png)
    without = image_of(render(renderer, "headline", reference).png)

    # Above the title, where the shade over the photo is lightest.
    red, green_mean, blue = mean_colour(with_photo, (0.3, 0.15, 0.7, 0.3))
    assert green_mean > 120 and green_mean > red + 60 and green_mean > blue + 60
    red, green_mean, blue = mean_colour(without, (0.3, 0.15, 0.7, 0.3))
    assert not (green_mean > red + 60 and green_mean > blue + 60)


@pytest.mark.parametrize("template", CARD_TEMPLATES)
def test_theme_logo_is_drawn(
    renderer: CardRenderer, reference: CardContent, tmp_path: Path, template: str
) -> None:
    magenta = (255, 0, 255)
    logo = tmp_path / "logo.png"
    Image.new("RGB", (240, 96), magenta).save(logo)
    themed = Theme.from_options({"logo": str(logo)})

    with_logo = image_of(render(renderer, template, reference, theme=themed).png)
    without = image_of(render(renderer, template, reference).png)
    assert pixels_near(with_logo, magenta, tolerance=10) > 2_000
    assert pixels_near(without, magenta, tolerance=10) == 0


def test_theme_colours_show_in_the_card(renderer: CardRenderer, reference: CardContent) -> None:
    red = (255, 0, 0)
    theme = Theme.from_options({"background": "#ff0000", "foreground": "#ffffff", "accent": "#000000"})
    image = image_of(render(renderer, "quote", reference, theme=theme).png)
    assert pixels_near(image, red, tolerance=10) > image.width * image.height // 2
    assert pixels_near(image_of(render(renderer, "quote", reference).png), red, tolerance=60) == 0


# Text that does not fit


def test_quote_too_long_for_any_font_size_is_refused_with_advice(
    renderer: CardRenderer, reference: CardContent
) -> None:
    assert len(LONG_QUOTE) > 2_000
    content = replace(reference, quote=LONG_QUOTE)
    with pytest.raises(CardOverflow) as caught:
        render(renderer, "quote", content, size=SIZES["square"])
    message = str(caught.value)
    assert f"the quote ({len(LONG_QUOTE)} characters)" in message
    assert "quote card" in message
    assert "1080x1080" in message
    assert "smallest font size" in message
    assert "choose a shorter quote" in message


@pytest.mark.parametrize("size_name", list(SIZES))
def test_quote_too_long_is_refused_at_every_size(
    renderer: CardRenderer, reference: CardContent, size_name: str
) -> None:
    # The templates scale their font floors with the card, so no size rescues a quote this long.
    with pytest.raises(CardOverflow, match=SIZES[size_name].name):
        render(renderer, "quote", replace(reference, quote=LONG_QUOTE), size=SIZES[size_name])


def test_quote_too_long_for_landscape_fits_a_taller_size(
    renderer: CardRenderer, reference: CardContent
) -> None:
    content = replace(reference, quote=MEDIUM_QUOTE)
    with pytest.raises(CardOverflow, match="1200x675"):
        render(renderer, "quote", content, size=SIZES["landscape"])
    for name in ("square", "portrait"):
        page = card_page(TEMPLATES, "quote", content, Theme(), SIZES[name])
        card = renderer.render(page)
        assert card.report.overflows == ()
        assert card.report.font_sizes["quote"] >= fit_limits(page.html)["quote"][0]
        assert not is_blank(image_of(card.png))


def test_long_title_is_refused_naming_the_title(renderer: CardRenderer, reference: CardContent) -> None:
    with pytest.raises(CardOverflow, match="shorten the title"):
        render(renderer, "breaking", replace(reference, title=LONG_QUOTE), size=SIZES["link"])


# Template errors


BAD_SYNTAX = """{% extends "cards/_base.html.j2" %}
{% block body %}
<div class="card">
  {{ card.quote }
</div>
{% endblock %}
"""
BAD_ATTRIBUTE = """{% extends "cards/_base.html.j2" %}
{% block body %}
<div class="card">
  {{ card.quote }}

  {{ card.nope.deeper }}
</div>
{% endblock %}
"""
BAD_DIVISION = """{% extends "cards/_base.html.j2" %}
{% block body %}
<div class="card">
  {{ 1 / 0 }}
</div>
{% endblock %}
"""


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [(BAD_SYNTAX, 4, "unexpected '}'"), (BAD_ATTRIBUTE, 6, "nope"), (BAD_DIVISION, 4, "division by zero")],
    ids=["syntax", "undefined", "runtime"],
)
def test_template_error_names_file_and_line(
    reference: CardContent, tmp_path: Path, text: str, line: int, reason: str
) -> None:
    templates = card_templates(tmp_path, bad=text)
    with pytest.raises(RenderError) as caught:
        card_page(templates, "bad", reference, Theme(), SIZES["square"])
    message = str(caught.value)
    assert "bad.html.j2" in message
    assert f"line {line}:" in message
    assert reason in message
    assert caught.value.line == line


def test_unknown_template_lists_the_known_ones(reference: CardContent) -> None:
    with pytest.raises(RenderError, match=r"no card template 'nope'.*breaking, headline, quote"):
        card_page(TEMPLATES, "nope", reference, Theme(), SIZES["square"])


# The page loads nothing and runs no template scripts


FITTED_QUOTE = (
    '<div class="fit" data-fit="quote" data-fit-min="20" data-fit-max="80">{{ card.quote }}</div>\n'
)
EXTENDS = '{% extends "cards/_base.html.j2" %}\n{% block body %}\n'


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="{url}" alt="">',
        '<div style="width: 100px; height: 100px; background-image: url({url})"></div>',
        '<link rel="stylesheet" href="{url}">',
        "<style>@font-face {{ font-family: Remote; src: url({url}); }}"
        " .fit {{ font-family: Remote; }}</style>",
    ],
    ids=["img", "css-background", "stylesheet", "font"],
)
def test_card_loading_a_remote_url_is_refused_and_nothing_is_fetched(
    renderer: CardRenderer, tmp_path: Path, http_server: LocalServer, markup: str
) -> None:
    url = http_server.url("/x.png")
    http_server.route("/x.png", body=b"\x89PNG\r\n\x1a\n", content_type="image/png")
    body = FITTED_QUOTE + markup.format(url=url)
    templates = card_templates(tmp_path, remote=f"{EXTENDS}{body}\n{{% endblock %}}\n")
    with pytest.raises(RenderError) as caught:
        render(renderer, "remote", CardContent(quote="Hello"), templates=templates)
    message = str(caught.value)
    assert "cards/remote.html.j2" in message
    assert f"loads {url}" in message
    assert http_server.requests == []
    # The renderer still works afterwards.
    assert not is_blank(image_of(render(renderer, "breaking", CardContent(title="Still working")).png))


@pytest.mark.parametrize("delay", [0, 1])
def test_card_refreshing_to_another_page_is_refused_and_the_next_card_is_clean(
    renderer: CardRenderer, tmp_path: Path, http_server: LocalServer, delay: int
) -> None:
    url = http_server.url("/elsewhere")
    refresh = f'<meta http-equiv="Refresh" content="{delay};url={url}">'
    templates = card_templates(tmp_path, refresh=f"{EXTENDS}{FITTED_QUOTE}{refresh}\n{{% endblock %}}\n")
    with pytest.raises(RenderError, match="refreshes the page"):
        render(renderer, "refresh", CardContent(quote="Hello"), templates=templates)
    assert http_server.requests == []
    card = render(renderer, "quote", CardContent(quote="The next card is whole.", speaker="A. Person"))
    assert not is_blank(image_of(card.png))
    assert card.report.font_sizes["quote"] > 0


def test_template_script_does_not_run(renderer: CardRenderer, tmp_path: Path) -> None:
    script = (
        "<script>document.body.innerHTML = ''; document.body.style.background = '#ff0000';"
        " document.title = 'ran';</script>"
    )
    templates = card_templates(
        tmp_path,
        scripted=f'{EXTENDS}<div class="card">{FITTED_QUOTE}</div>\n{script}\n{{% endblock %}}\n',
    )
    card = render(renderer, "scripted", CardContent(quote="Scripts stay asleep"), templates=templates)
    image = image_of(card.png)
    assert card.report.font_sizes == {"quote": 80.0}
    assert not is_blank(image)
    assert pixels_near(image, DEFAULT_FOREGROUND) > 2_000
    assert pixels_near(image, (255, 0, 0), tolerance=60) == 0


# Chromium missing


def test_missing_chromium_says_how_to_install_it() -> None:
    with pytest.raises(ChromiumMissing) as caught:
        chromium_path(Path("/nonexistent/chromium"))
    message = str(caught.value)
    assert "apt-get install chromium" in message
    assert "SCHEDULER_CHROMIUM_PATH" in message
    assert "/nonexistent/chromium" in message


def test_renderer_with_missing_chromium_raises_a_one_line_error(reference: CardContent) -> None:
    page = card_page(TEMPLATES, "quote", reference, Theme(), SIZES["square"])
    missing = CardRenderer(Path("/nonexistent"))
    with pytest.raises(ChromiumMissing) as caught:
        missing.render(page)
    message = str(caught.value)
    assert "apt-get install chromium" in message
    assert "\n" not in message and "Traceback" not in message
    assert not missing.started


# The card store


def test_store_renders_a_card_once_and_reads_it_back_without_a_browser(
    renderer: CardRenderer, reference: CardContent, tmp_path: Path
) -> None:
    store = CardStore(tmp_path / "media")
    page = card_page(TEMPLATES, "quote", reference, Theme(), SIZES["landscape"])
    first = render_card(renderer, store, page)
    assert first.rendered
    assert first.path == store.path_for(page.key)
    assert (first.template, first.width, first.height) == ("quote", 1200, 675)
    assert first.path.read_bytes().startswith(PNG_SIGNATURE)
    assert Image.open(first.path).size == (1200, 675)

    fresh = CardRenderer()
    again = render_card(fresh, store, card_page(TEMPLATES, "quote", reference, Theme(), SIZES["landscape"]))
    assert not again.rendered
    assert again.path == first.path
    assert not fresh.started


def test_store_keeps_the_old_card_when_the_quote_is_corrected(
    renderer: CardRenderer, reference: CardContent, tmp_path: Path
) -> None:
    store = CardStore(tmp_path / "media")
    original = render_card(
        renderer, store, card_page(TEMPLATES, "quote", reference, Theme(), SIZES["square"])
    )
    before = original.path.read_bytes()
    corrected = replace(reference, quote=reference.quote.replace("Ms. Johnson’s", "Alice Marie Johnson’s"))
    assert corrected.quote != reference.quote

    fixed = render_card(renderer, store, card_page(TEMPLATES, "quote", corrected, Theme(), SIZES["square"]))
    assert fixed.rendered
    assert fixed.key != original.key
    assert fixed.path != original.path
    assert original.path.read_bytes() == before
    assert fixed.path.read_bytes() != before


def test_card_key_changes_with_every_input_and_only_then(reference: CardContent, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "cards", templates / "cards")
    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), (1, 2, 3)).save(logo)

    def key(
        content: CardContent = reference, theme: Theme | None = None, size: CardSize = SIZES["square"]
    ) -> str:
        return card_page(templates, "quote", content, theme or Theme(), size).key

    base = key()
    assert key() == base
    variants = {
        key(replace(reference, speaker="Kim K.")),
        key(size=SIZES["portrait"]),
        key(theme=Theme(accent="#123456")),
        key(theme=Theme(logo=str(logo))),
        card_page(templates, "headline", reference, Theme(), SIZES["square"]).key,
    }
    assert base not in variants and len(variants) == 5

    quote = templates / "cards" / "quote.html.j2"
    quote.write_text(quote.read_text().replace("font-weight: 600", "font-weight: 700"))
    edited = key()
    assert edited != base
    headline_before = card_page(templates, "headline", reference, Theme(), SIZES["square"]).key
    base_template = templates / "cards" / "_base.html.j2"
    base_template.write_text(base_template.read_text() + "\n{# a designer's note #}\n")
    assert key() != edited
    assert card_page(templates, "headline", reference, Theme(), SIZES["square"]).key != headline_before

    # A new logo image under the same file name is a new card too.
    Image.new("RGB", (40, 20), (9, 9, 9)).save(logo)
    assert key(theme=Theme(logo=str(logo))) not in variants


# Alt text


def test_quote_alt_text_for_the_reference_quote(reference: CardContent) -> None:
    assert reference.speaker == "Kim Kardashian"
    expected = f"Quote card: “{reference.quote}” — Kim Kardashian, Example News."
    assert alt_text("quote", reference, ALT_TEXT_LIMITS["x"]) == expected


@pytest.mark.parametrize("network", ["x", "mastodon"])
def test_long_quote_alt_text_is_cut_at_a_word_and_keeps_the_credit(
    reference: CardContent, network: str
) -> None:
    words = (LONG_QUOTE + " ") * 2
    quote = words[:5_000].strip()
    limit = ALT_TEXT_LIMITS[network]
    text = alt_text("quote", replace(reference, quote=quote), limit)
    credit = "” — Kim Kardashian, Example News."

    assert limit - 20 <= len(text) <= limit
    assert text.startswith("Quote card: “")
    assert text.endswith("…" + credit)
    kept = text.removeprefix("Quote card: “").removesuffix("…" + credit)
    assert quote.startswith(kept)
    assert quote[len(kept)] in " ,;:"  # the cut falls between words


def test_headline_and_breaking_alt_text(reference: CardContent) -> None:
    title = "‘Optimistic’ Kim Kardashian meets with Donald Trump to discuss prison reform"
    assert reference.title == title
    assert alt_text("headline", reference, 1000) == f"Headline card: {title} — Example News."
    assert alt_text("breaking", reference, 1000) == f"Breaking news card: {title} — Example News."
    live = replace(reference, label="Live", site="")
    assert alt_text("breaking", live, 1000) == f"Live news card: {title}."


# Sizes and themes


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1080x1080", (1080, 1080)),
        ("square", (1080, 1080)),
        ("1200×675", (1200, 675)),
        (" Portrait ", (1080, 1350)),
    ],
)
def test_parse_size_accepts_dimensions_and_names(text: str, size: tuple[int, int]) -> None:
    parsed = parse_size(text)
    assert (parsed.width, parsed.height) == size


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12x12", "between 200 and 4096"),
        ("99999x10", "between 200 and 4096"),
        ("abc", "is not WIDTHxHEIGHT"),
        ("1080 by 1080", "is not WIDTHxHEIGHT"),
    ],
)
def test_parse_size_refuses_bad_sizes_clearly(text: str, reason: str) -> None:
    with pytest.raises(RenderError, match=reason):
        parse_size(text)


def test_parse_size_error_lists_the_named_sizes() -> None:
    with pytest.raises(RenderError) as caught:
        parse_size("abc")
    assert "'abc'" in str(caught.value)
    assert "square (1080x1080)" in str(caught.value)


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        (
            {"background": "red; background:url(x)"},
            ThemeError,
            ["background", "red; background:url(x)", "#1a2b3c"],
        ),
        ({"accent": "#12345"}, ThemeError, ["accent", "#12345"]),
        ({"font_family": "Inter'; } body { color: red"}, ThemeError, ["font", "Inter'; }"]),
        ({"colour": "#ffffff", "size": 3}, ThemeError, ["unknown theme setting", "colour", "size"]),
        ({"logo": "/nonexistent/logo.png"}, RenderError, ["logo", "/nonexistent/logo.png", "does not exist"]),
    ],
    ids=["colour", "short-colour", "font", "unknown", "missing-logo"],
)
def test_theme_refuses_bad_options_naming_them(
    options: dict[str, object], error: type[Exception], words: list[str]
) -> None:
    with pytest.raises(error) as caught:
        Theme.from_options(options)
    for word in words:
        assert word in str(caught.value)


def test_theme_refuses_a_logo_that_is_not_an_image(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(RenderError, match="is not a PNG, JPEG or GIF image"):
        Theme.from_options({"logo": str(logo)})


def test_theme_accepts_good_options() -> None:
    theme = Theme.from_options({"background": "#FFF", "font_family": "Noto Sans", "accent": "#a1b2c3"})
    assert theme == Theme(background="#FFF", font_family="Noto Sans", accent="#a1b2c3")
    assert theme.font_stack().startswith("'Noto Sans', 'Inter'")
    assert Theme.from_options(None) == Theme()


# Escaping


def test_markup_in_a_quote_is_shown_as_text(renderer: CardRenderer, reference: CardContent) -> None:
    quote = "She wrote <b>bold</b> & </style> on the sign"
    page = card_page(TEMPLATES, "quote", replace(reference, quote=quote), Theme(), SIZES["square"])
    assert "She wrote &lt;b&gt;bold&lt;/b&gt; &amp; &lt;/style&gt; on the sign" in page.html
    assert "<b>bold</b>" not in page.html
    card = renderer.render(page)
    assert card.report.overflows == ()
    assert set(card.report.font_sizes) == {"quote", "speaker", "source"}  # the page after it is intact
    assert not is_blank(image_of(card.png))

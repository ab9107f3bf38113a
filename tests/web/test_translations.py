"""The pages ready for translation: every word a reader sees is marked, the template catalog is what the
templates say today, French translates all of it (same placeholders and tags, nothing fuzzy), and a
reader gets French from their profile's choice or their browser's Accept-Language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from scheduler.web import i18n
from scheduler.web.auth import CSRF_FIELD
from scheduler.web.pages import templates
from tests.conftest import REPO
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in
from tests.web.untranslated import TEMPLATES, all_untranslated

WEB = TEMPLATES.parent

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"</?([a-z][a-z0-9]*)")
# A plural's count may be left out of its singular form ("un seul article" for 1).
PLURAL_COUNTS = {"num", "count"}


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _key(message: str | tuple[str, ...], context: str | None) -> tuple[str | None, tuple[str, ...]]:
    return context, (message,) if isinstance(message, str) else tuple(message)


def _fresh_messages() -> set[tuple[str | None, tuple[str, ...]]]:
    """What `make translations` extracts: the templates' words and the web app's said(…) calls."""
    with (REPO / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "said": None, "said_n": (1, 2)}
    found = extract_from_dir(WEB, method_map, options_map, keywords=keywords)
    return {_key(message, context) for _, _, message, _, context in found}


def test_every_word_of_the_pages_is_marked_for_translation() -> None:
    left = all_untranslated(templates.env)
    listed = [f"{name}:{line}: {text}" for name, found in left.items() for line, text in found]
    assert listed == []


def _problems(source: str | tuple[str, ...], found: Message | None) -> list[str]:
    sources = source if isinstance(source, tuple) else (source,)
    if found is None or found.fuzzy:
        return [f"not translated: {sources[0]!r}"]
    strings = found.string if isinstance(found.string, tuple) else (found.string,)
    if not all(strings):
        return [f"not translated: {sources[0]!r}"]
    problems = []
    wanted = set(PLACEHOLDER.findall(sources[-1])) - PLURAL_COUNTS
    for string in strings:
        if set(PLACEHOLDER.findall(string)) - PLURAL_COUNTS != wanted:
            problems.append(f"placeholders differ: {sources[-1]!r} → {string!r}")
        if sorted(TAG.findall(string)) != sorted(TAG.findall(sources[0])):
            problems.append(f"tags differ: {sources[0]!r} → {string!r}")
    return problems


def test_the_catalog_holds_what_the_templates_say_today() -> None:
    kept = {_key(m.id, m.context) for m in _catalog(i18n.LOCALE_DIR / "messages.pot") if m.id}
    fresh = _fresh_messages()
    assert len(fresh) > 400
    assert sorted(fresh - kept) == [], "new text, not in the catalog yet: run `make translations`"
    assert sorted(kept - fresh) == [], "text no template says any more: run `make translations`"


@pytest.mark.parametrize("language", sorted(set(i18n.LANGUAGES) - {i18n.SOURCE_LANGUAGE}))
def test_each_language_translates_every_message_keeping_its_placeholders_and_tags(language: str) -> None:
    template = _catalog(i18n.LOCALE_DIR / "messages.pot")
    translated = _catalog(i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", language)
    problems = []
    for message in template:
        if message.id:
            problems += _problems(message.id, translated.get(message.id, message.context))
    assert problems == []
    assert translated.num_plurals == 3 if language == "fr" else translated.num_plurals >= 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # nothing here hangs on the database
def test_a_reader_gets_french_from_their_profile_or_their_browser(site: TestClient) -> None:
    english = site.get("/sign-in", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Sign in" in english.text
    french = site.get("/sign-in", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in french.text and "Se connecter" in french.text

    sign_in(site, "editor")
    page = site.get("/profile", headers={"Accept-Language": "en"})
    assert "The pages' language" in page.text and "lundi" not in page.text
    token = csrf_of(page.text)
    unknown = site.post(
        "/profile", data={"timezone": "", "week_start": "", "language": "tlh", CSRF_FIELD: token}
    )
    assert unknown.status_code == 422 and "the pages do not speak &#39;tlh&#39;" in unknown.text
    assert '<option value="tlh"' not in unknown.text and 'id="profile-language"' in unknown.text
    chosen = site.post(
        "/profile",
        data={"timezone": "", "week_start": "", "language": "fr", CSRF_FIELD: token},
        headers={"Accept-Language": "en"},
    )
    # The user's choice wins over the browser's, from the very next page on.
    assert '<html lang="fr">' in chosen.text and "Enregistré" in chosen.text and "lundi" in chosen.text
    dashboard = site.get("/", headers={"Accept-Language": "en"})
    assert "Tableau de bord" in dashboard.text and ">Dashboard<" not in dashboard.text
    # The scripts' words, a 404's title and a notice kept across a redirect speak French too.
    words = re.search(r'<script type="application/json" id="page-words">(.*?)</script>', dashboard.text)
    assert words is not None and json.loads(words.group(1))["Undo"] == "Annuler"
    assert json.loads(words.group(1))["Send to %(num)s account"]["other"] == "Envoyer à %(num)s comptes"
    missing = site.get("/posts/999999")
    assert missing.status_code == 404 and "Publication introuvable" in missing.text
    article = add_reference(site).rsplit("/", 1)[1]
    kept = site.post(f"/articles/{article}/evergreen", data={"action": "off", CSRF_FIELD: token})
    assert "est écarté des partages intemporels" in kept.text
    back = site.post(
        "/profile",
        data={"timezone": "", "week_start": "", "language": "", CSRF_FIELD: token},
        headers={"Accept-Language": "en"},
    )
    assert '<html lang="en">' in back.text and "Saved: the calendar" in back.text


def test_the_pages_gettext_escapes_values_formats_always_and_picks_plurals() -> None:
    page = templates.env.from_string(
        '{{ _("100%% <b>%(x)s</b>", x="<i>") }}|{% trans count=n %}{{ count }} post{% pluralize %}'
        '{{ count }} posts{% endtrans %}|{{ pgettext("calendar button", "today") }}|{% trans x=v %}a {{ x }}'
        "{% endtrans %}"
    )
    with i18n.speaking("en"):
        assert page.render(n=1, v="<&>") == "100% <b>&lt;i&gt;</b>|1 post|today|a &lt;&amp;&gt;"
        assert page.render(n=3, v=7).split("|")[1] == "3 posts"
    with i18n.speaking("fr"):
        assert page.render(n=0, v="x").split("|")[2] == "aujourd'hui"

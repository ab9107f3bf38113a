"""The campaigns pages on a copy of the project's templates: every campaign listed with its steps (a
broken file named as such), an edit checked as planning reads it, refused with its line and given back
as typed, kept whole when it parses and used by the next plan; a new campaign started; only admins edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scheduler.planning.campaigns import load_campaign
from scheduler.web.auth import CSRF_FIELD
from tests.web.test_auth import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EDITED = """name: default
description: Announce, then one quote with a card.
steps:
  - step: announce
    when: on publish
    card: false
  - step: quote
    when: +3 days at 08:30
    card: quote
    same_day: true
"""


def test_a_campaign_is_listed_checked_edited_and_kept(admin_site: TestClient, templates_dir: Path) -> None:
    (templates_dir / "campaigns" / "broken.yml").write_text("name: broken\nsteps: []\n")
    listed = admin_site.get("/campaigns")
    assert listed.status_code == 200
    assert "announce" in listed.text and "+30 days next slot" in listed.text
    assert "Cannot be used" in listed.text and "`steps` must be a list of at least one step" in listed.text

    page = admin_site.get("/campaigns/edit", params={"name": "default"})
    assert page.status_code == 200 and "What an article becomes" in page.text
    before = (templates_dir / "campaigns" / "default.yml").read_text()
    token = csrf_of(page.text)

    checked = admin_site.post(
        "/campaigns/edit", data={"name": "default", "text": EDITED, "action": "preview", CSRF_FIELD: token}
    )
    assert checked.status_code == 200 and "+3 days at 08:30" in checked.text
    assert "may share a day with another post" in checked.text
    assert (templates_dir / "campaigns" / "default.yml").read_text() == before  # a check keeps nothing

    broken = EDITED.replace("when: +3 days at 08:30", "when: whenever")
    refused = admin_site.post(
        "/campaigns/edit", data={"name": "default", "text": broken, "action": "save", CSRF_FIELD: token}
    )
    assert refused.status_code == 422 and "Not saved" in refused.text
    assert "new, not saved yet" not in refused.text  # the file is there: a refused edit does not unmake it
    assert "cannot read when &#39;whenever&#39;" in refused.text and "when: whenever" in refused.text
    bad_yaml = admin_site.post(
        "/campaigns/edit",
        data={"name": "default", "text": "steps: [\n  - step", "action": "save", CSRF_FIELD: token},
    )
    assert bad_yaml.status_code == 422 and "not valid YAML" in bad_yaml.text and ", line " in bad_yaml.text
    assert (templates_dir / "campaigns" / "default.yml").read_text() == before

    saved = admin_site.post(
        "/campaigns/edit",
        data={"name": "default", "text": EDITED.replace("\n", "\r\n"), "action": "save", CSRF_FIELD: token},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "Saved: articles planned from now on follow it" in saved.text
    assert (templates_dir / "campaigns" / "default.yml").read_text() == EDITED
    campaign = load_campaign(templates_dir, "default")
    assert [(s.step, s.when.kind, s.same_day) for s in campaign.steps] == [
        ("announce", "publish", False),
        ("quote", "at", True),
    ]


def test_a_new_campaign_starts_from_an_example_and_names_are_checked(
    admin_site: TestClient, templates_dir: Path
) -> None:
    started = admin_site.get("/campaigns/edit", params={"name": "breaking"})
    assert started.status_code == 200 and "new, not saved yet" in started.text
    assert "name: breaking" in started.text
    assert not (templates_dir / "campaigns" / "breaking.yml").exists()
    named_wrong = admin_site.get("/campaigns/edit", params={"name": "../secrets"})
    assert named_wrong.status_code == 404 and "use letters, digits" in named_wrong.text
    token = csrf_of(started.text)
    text = "name: breaking\nsteps:\n  - step: announce\n    when: on publish\n    card: breaking\n"
    mismatched = admin_site.post(
        "/campaigns/edit",
        data={
            "name": "breaking",
            "text": text.replace("name: breaking", "name: other"),
            "action": "save",
            CSRF_FIELD: token,
        },
    )
    assert mismatched.status_code == 422 and "differs from the file&#39;s name" in mismatched.text
    kept = admin_site.post(
        "/campaigns/edit",
        data={"name": "breaking", "text": text, "action": "save", CSRF_FIELD: token},
        follow_redirects=False,
    )
    assert kept.status_code == 303 and (templates_dir / "campaigns" / "breaking.yml").read_text() == text
    assert "breaking" in admin_site.get("/campaigns").text


def test_editors_see_the_campaigns_but_only_admins_edit_them(site: TestClient) -> None:
    sign_in(site, "editor")
    assert site.get("/campaigns").status_code == 200
    assert "/campaigns/edit" not in site.get("/campaigns").text
    assert site.get("/campaigns/edit", params={"name": "default"}).status_code == 403

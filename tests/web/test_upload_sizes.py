"""An article file over the limit is refused with its real size beside the limit (issue 18, defect 8)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scheduler.web.auth import CSRF_FIELD
from tests.web.test_auth import csrf_of, sign_in


def test_an_upload_over_the_limit_shows_its_real_size_and_the_limit(site: TestClient) -> None:
    sign_in(site, "editor")
    form = site.get("/articles")
    refused = site.post(
        "/articles",
        data={CSRF_FIELD: csrf_of(form.text)},
        files={"upload": ("story.txt", b"A title\n\n" + b"x" * 3_150_000, "text/plain")},
    )
    assert refused.status_code == 422
    assert "the text is 3.15 MB, over the 2.00 MB limit for an article" in refused.text

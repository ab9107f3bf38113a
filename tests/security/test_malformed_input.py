"""Every error handler answers any input with a 4xx, never a 500: lone surrogates, NUL, invalid UTF-8,
huge strings, deep nesting; and what it echoes back stays short and encodable."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from scheduler.web.auth import CSRF_FIELD
from tests.web.test_auth import csrf_of, sign_in

# Raw bodies: json.dumps would refuse some of them, and a client need not be well behaved.
MALFORMED_BODIES = {
    "lone surrogate": b'{"text": "\\ud800 title\\n\\nbody"}',
    "lone surrogate in a key": b'{"\\udfff": "x", "text": "title\\n\\nbody"}',
    "NUL": b'{"text": "title\\u0000\\n\\nbody"}',
    "invalid UTF-8": b'{"text": "\xff\xfe title"}',
    "truncated": b'{"text": "title',
    "deep nesting": b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "huge wrong type": b'{"text": ' + json.dumps(["x" * 1000] * 2000).encode() + b"}",
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
@pytest.mark.parametrize("route", ["/api/v1/articles", "/api/v1/posts"])
def test_a_malformed_body_answers_4xx_in_json_with_a_short_encodable_echo(
    api: TestClient, editor: dict[str, str], route: str, body: bytes
) -> None:
    answer = api.post(route, content=body, headers={**editor, "content-type": "application/json"})
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code >= 400:  # (an unknown field is ignored: the article is added)
        detail = answer.json()["detail"]
        # A reason in words, or the fields at fault as the API's description says.
        assert (isinstance(detail, str) and detail) or all({"loc", "msg", "type"} <= set(p) for p in detail)
    # What comes back is valid UTF-8 and at most a few kilobytes, whatever came in.
    answer.content.decode("utf-8")
    assert len(answer.content) < 8_000


def test_a_lone_surrogate_names_the_field_and_the_problem(api: TestClient, editor: dict[str, str]) -> None:
    answer = api.post(
        "/api/v1/articles",
        content=MALFORMED_BODIES["lone surrogate"],
        headers={**editor, "content-type": "application/json"},
    )
    assert answer.status_code == 422
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["body", "text"] and "unicode" in problem["msg"]
    assert problem["input"] == "\ufffd" * 3 + " title\n\nbody"  # the surrogate's bytes, each replaced


@pytest.mark.parametrize(
    "text", ["\ud800 title\n\nbody", "title\x00\n\nbody", "t" * 300_000], ids=["surrogate", "NUL", "huge"]
)
def test_a_page_form_with_unencodable_or_huge_text_answers_a_page_not_a_500(
    site: TestClient, text: str
) -> None:
    sign_in(site, "editor")
    form = site.get("/articles")
    answer = site.post(
        "/articles",
        content=_form({"text": text, CSRF_FIELD: csrf_of(form.text)}),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert answer.status_code in (303, 400, 413, 422), answer.text[:500]
    answer.content.decode("utf-8")


def _form(fields: dict[str, str]) -> bytes:
    return "&".join(f"{quote(k)}={quote(v, errors='surrogatepass')}" for k, v in fields.items()).encode()

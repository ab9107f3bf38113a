"""No template runs away with the process: the operators and filters that multiply size check first,
loops and output count against a budget, and a render past it fails at its line with "this template
does too much work". Before, `{{ 'x' * 10**9 }}` took 4 GB and two nested range(100000) loops hours."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient

from scheduler.render.sandbox import MAX_SECONDS, BoundedSandbox, TemplateTooCostly, render_bounded
from scheduler.web.auth import CSRF_FIELD
from tests.web.site import add_reference, admin_site, templates_dir  # noqa: F401  (fixtures)
from tests.web.test_auth import csrf_of
from tests.web.test_templates import ANNOUNCE

RUNAWAY = {
    "string times a billion": "{{ 'x' * 10**9 }}",
    "list times a billion": "{{ ([1] * 1000000000) | length }}",
    "a billion times a string": "{{ 1000000000 * 'ab' }}",
    "a huge power": "{{ 10 ** 1000000000 }}",
    "nested ranges": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "nested ranges with output": (
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
    ),
    "doubling a string": (
        "{% set s = ['x' * 100000] %}"
        "{% for i in range(40) %}{% set _ = s.append(s[-1] + s[-1]) %}{% endfor %}"
    ),
    "a wide center": "{{ 'x' | center(1000000000) }}",
    "a wide format": "{{ '%999999999s' | format('x') }}",
    "a wide format by %": "{{ '%999999999d' % 1 }}",
    "a deep indent": "{{ ('a\\n' * 10000) | indent(100000) }}",
}


@pytest.mark.parametrize("source", RUNAWAY.values(), ids=RUNAWAY.keys())
def test_a_runaway_template_fails_fast_and_small(source: str) -> None:
    template = BoundedSandbox().from_string(source)
    started = time.monotonic()
    with pytest.raises(TemplateTooCostly):
        render_bounded(template, {})
    assert time.monotonic() - started < MAX_SECONDS + 1.5


def test_ordinary_templates_render_as_before() -> None:
    env = BoundedSandbox()
    source = (
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ range(3) | list }} {{ range(3) | length }} {{ 'x' | center(5) }}|"
        "{% for i in range(3) | reverse %}{{ i }}{% endfor %} {{ '%5s' | format('y') }} {{ '%03d' % 7 }}"
    )
    assert render_bounded(env.from_string(source), {}) == "ababab 1024 [0, 1, 2] 3   x  |210     y 007"


def test_the_templates_page_says_the_template_does_too_much_work_at_its_line(
    admin_site: TestClient,  # noqa: F811
    templates_dir,  # noqa: F811
) -> None:
    add_reference(admin_site)
    before = (templates_dir / ANNOUNCE).read_text()
    token = csrf_of(admin_site.get("/templates").text)
    runaway = "{{ article.title }}\n{{ 'x' * 10**9 }}"
    started = time.monotonic()
    previewed = admin_site.post(
        "/templates/edit", data={"name": ANNOUNCE, "text": runaway, "action": "preview", CSRF_FIELD: token}
    )
    assert time.monotonic() - started < 10
    told = f"{ANNOUNCE}, line 2: for x, mastodon, bluesky and outbox: this template does too much work"
    assert told in previewed.text and previewed.text.count("this template does too much work") == 1
    refused = admin_site.post(
        "/templates/edit", data={"name": ANNOUNCE, "text": runaway, "action": "save", CSRF_FIELD: token}
    )
    assert refused.status_code == 422 and "Not saved: fix the problems below first." in refused.text
    problems = re.search(r'<ul class="items error">(.*?)</ul>', refused.text, re.S)
    assert problems and told in problems[1]
    assert (templates_dir / ANNOUNCE).read_text() == before

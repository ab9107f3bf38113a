"""The domain's errors name the CLI's options between « »: str() reads them as the CLI spells them,
each other face in its own words, and an option it has no words for as the CLI's."""

from __future__ import annotations

from scheduler.newsroom import NewsroomError
from scheduler.planning import PlanningError
from scheduler.web.words import api_words, page_words
from scheduler.wording import marked, worded


def test_each_face_words_the_same_error_its_own_way() -> None:
    error = NewsroomError(
        "09:00 has already passed; give a later time, or «--now» to post at once", field="at"
    )
    assert str(error) == "09:00 has already passed; give a later time, or --now to post at once"
    assert worded(error, page_words).endswith("or “now (share it at once)” to post at once")
    assert worded(error, api_words).endswith('or "now": true to post at once')
    assert worded(error, lambda option: option) == str(error)
    assert marked(NewsroomError(marked(error))) == marked(error), "marks survive a conversion"


def test_an_account_command_becomes_its_page_or_its_place_in_the_web_app() -> None:
    error = PlanningError("add slots («`scheduler accounts slots ny-x --set …`»)")
    assert str(error) == "add slots (`scheduler accounts slots ny-x --set …`)"
    assert worded(error, page_words) == "add slots (“When it posts” on the page of ny-x (/accounts/ny-x))"
    assert "web app" in worded(error, api_words) and "scheduler" not in worded(error, api_words)

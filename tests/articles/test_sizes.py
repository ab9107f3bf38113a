"""A size refused is shown beside its limit in one unit, never rounded to look equal (issue 18, defect 8:
a 3.15 MB upload was refused as "over 2.0 MB" while its size showed as "2.0 MB")."""

from __future__ import annotations

import pytest

from scheduler.articles import ArticleError
from scheduler.articles.sizes import size_and_limit
from scheduler.articles.sources import read_pasted


@pytest.mark.parametrize(
    ("size", "limit", "shown"),
    [
        (3_150_000, 2_000_000, ("3.15 MB", "2.00 MB")),
        (2_000_001, 2_000_000, ("2,000,001 bytes", "2,000,000 bytes")),
        (2_000_400, 2_000_000, ("2.0004 MB", "2.0000 MB")),
        (2_040_000, 2_000_000, ("2.04 MB", "2.00 MB")),
        (5_123, 1_000, ("5,123 bytes", "1,000 bytes")),
    ],
)
def test_the_size_and_its_limit_are_told_apart(size: int, limit: int, shown: tuple[str, str]) -> None:
    assert size_and_limit(size, limit) == shown


def test_an_upload_read_only_in_part_is_refused_with_its_whole_size() -> None:
    with pytest.raises(ArticleError, match=r"the text is 3\.15 MB, over the 2\.00 MB limit"):
        read_pasted("x" * 2_000_001, max_bytes=2_000_000, size=3_150_000)

"""Sizes told to an editor: the real size beside the limit, in one unit, never rounded to look equal."""

from __future__ import annotations


def size_and_limit(size: int, limit: int) -> tuple[str, str]:
    """("3.15 MB", "2.00 MB"): megabytes with as many decimals as it takes to tell them apart; bytes for
    a limit under 100 kB (or sizes no decimals tell apart)."""
    if limit < 100_000:
        return f"{size:,} bytes", f"{limit:,} bytes"
    for decimals in (2, 3, 4):
        shown = f"{size / 1_000_000:.{decimals}f} MB", f"{limit / 1_000_000:.{decimals}f} MB"
        if shown[0] != shown[1]:
            return shown
    return f"{size:,} bytes", f"{limit:,} bytes"

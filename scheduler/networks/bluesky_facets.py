"""Facets as an `app.bsky.feed.post` record takes them, from those `scheduler.render.facets` detects.

Detection (links, mentions, tags and their UTF-8 byte offsets) lives in render/facets.py and needs no
network; here a mention's handle is swapped for its DID, and a mention whose handle does not resolve
is left as plain text, as Bluesky's own RichText.detectFacets does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from atproto import models

Facet = models.AppBskyRichtextFacet.Main


def record_facets(detected: Iterable[dict[str, Any]], resolve: Callable[[str], str | None]) -> list[Facet]:
    """The facets for the record; `resolve` gives a handle's DID or None (asked once per handle)."""
    dids: dict[str, str | None] = {}
    made = []
    for facet in detected:
        feature = _feature(facet["features"][0], dids, resolve)
        if feature is None:
            continue
        index = models.AppBskyRichtextFacet.ByteSlice(
            byte_start=facet["index"]["byteStart"], byte_end=facet["index"]["byteEnd"]
        )
        made.append(Facet(index=index, features=[feature]))
    return made


def _feature(
    feature: dict[str, Any], dids: dict[str, str | None], resolve: Callable[[str], str | None]
) -> Any:
    kind = feature["$type"].rpartition("#")[2]
    if kind == "link":
        return models.AppBskyRichtextFacet.Link(uri=feature["uri"])
    if kind == "tag":
        return models.AppBskyRichtextFacet.Tag(tag=feature["tag"])
    if kind != "mention":
        raise ValueError(f"unknown facet feature {feature['$type']!r}")
    handle = feature["handle"].lower()
    if handle not in dids:
        dids[handle] = resolve(handle)
    did = dids[handle]
    return models.AppBskyRichtextFacet.Mention(did=did) if did is not None else None

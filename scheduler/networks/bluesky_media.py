"""Images for Bluesky posts: read from disk within the blob size the lexicons allow, with their type and
size in pixels (for the aspect ratio Bluesky shows them in) read from the file's header."""

from __future__ import annotations

import mimetypes
import struct
from dataclasses import dataclass
from pathlib import Path

from scheduler.networks.base import Media, Permanent

MAX_IMAGE_BYTES = 1_000_000  # app.bsky.embed.images and app.bsky.embed.external: a blob's maxSize


@dataclass(frozen=True)
class Image:
    """An image file's bytes, type and size in pixels (0 when the format is not one read here)."""

    data: bytes
    mime_type: str
    width: int
    height: int


def read_image(media: Media) -> Image:
    path = Path(media.path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Permanent(f"image {path.name} cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise Permanent(
            f"image {path.name} is {len(data):,} bytes; Bluesky takes {MAX_IMAGE_BYTES:,} at most"
        )
    mime_type, width, height = sniff(data)
    mime_type = mime_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Image(data, mime_type, width, height)


def sniff(data: bytes) -> tuple[str | None, int, int]:
    """The type and pixel size of a PNG, GIF or JPEG from its header; WebP's type only."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", 0, 0
    if data.startswith(b"\xff\xd8"):
        at = 2
        while at + 9 <= len(data) and data[at] == 0xFF:
            marker, length = data[at + 1], struct.unpack(">H", data[at + 2 : at + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame segment
                height, width = struct.unpack(">HH", data[at + 5 : at + 9])
                return "image/jpeg", width, height
            at += 2 + length
        return "image/jpeg", 0, 0
    return None, 0, 0

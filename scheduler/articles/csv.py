"""Rows of a bulk-import CSV file: which article, for which account, when, with what text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from scheduler.articles import ArticleError
from scheduler.articles.sizes import size_and_limit
from scheduler.articles.text import read_text_file

# A file sent over the web (an upload, an API request's body) is at most this big.
MOST_SENT_BYTES = 2_000_000

# Header names editors use, each mapped to the column it means.
COLUMN_NAMES = {
    "article": "article",
    "url": "article",
    "file": "article",
    "account": "account",
    "time": "time",
    "at": "time",
    "when": "time",
    "text": "text",
}


@dataclass(frozen=True)
class CsvRow:
    """One row; `line` is where it starts in the file (the header is line 1)."""

    line: int
    article: str
    account: str | None
    time: str | None
    text: str | None


def read_rows(path: Path, *, max_bytes: int) -> list[CsvRow]:
    """Every data row of the file, or ArticleError when the file itself cannot be an import."""
    return parse_rows(read_text_file(path, max_bytes=max_bytes), name=str(path))


def sent_rows(text: str, *, name: str, max_bytes: int) -> list[CsvRow]:
    """Every data row of a file's text sent over the web (`name` names it in the messages), held to
    what a file is (its size, text without NUL characters)."""
    size, most = len(text.encode()), min(max_bytes, MOST_SENT_BYTES)
    if size > most:
        shown, limit = size_and_limit(size, most)
        raise ArticleError(f"{name}: {shown}, over the {limit} limit for a file sent over the web")
    if "\x00" in text:
        raise ArticleError(f"{name}: holds NUL characters, so it is not a CSV file's text")
    return parse_rows(text.removeprefix("\ufeff"), name=name)


def parse_rows(text: str, *, name: str) -> list[CsvRow]:
    """Every data row of a file's text (`name` says which file in the messages), or ArticleError when
    it cannot be an import."""
    # Lines end only at \n or \r\n: a U+2028 inside a cell is part of the cell (str.splitlines would split).
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ArticleError(
            f"{name}: no header row; the first row names the columns: article,account,time,text"
        ) from None
    except csv.Error as error:
        raise ArticleError(f"{name}, line 1: {error}") from None
    columns = _columns(name, header)
    rows: list[CsvRow] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            if len(values) > len(columns):
                raise ArticleError(
                    f"{name}, line {line}: {len(values)} values for {len(columns)} columns; "
                    "quote values that contain commas"
                )
            cells = dict(zip(columns, (v.strip() for v in values), strict=False))
            rows.append(
                CsvRow(
                    line=line,
                    article=cells.get("article", ""),
                    account=cells.get("account") or None,
                    time=cells.get("time") or None,
                    text=cells.get("text") or None,
                )
            )
    except csv.Error as error:
        raise ArticleError(f"{name}, line {reader.line_num}: {error}") from None
    if not rows:
        raise ArticleError(f"{name}: the file has a header but no rows to import")
    return rows


def _columns(name: str, header: list[str]) -> list[str]:
    columns = []
    for given in header:
        key = given.strip().lower()
        if key not in COLUMN_NAMES:
            raise ArticleError(
                f"{name}: unknown column {given.strip()!r}; the columns are article (a URL or file), "
                "account, time (optional: the next free slot) and text (optional)"
            )
        columns.append(COLUMN_NAMES[key])
    duplicated = {c for c in columns if columns.count(c) > 1}
    if duplicated:
        raise ArticleError(f"{name}: the column {sorted(duplicated)[0]!r} is given twice")
    if "article" not in columns:
        raise ArticleError(f"{name}: no 'article' column; give each row's article as a URL or a file path")
    return columns

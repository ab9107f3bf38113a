"""Rows of a bulk-import CSV file: which article, for which account, when, with what text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from scheduler.articles import ArticleError
from scheduler.articles.text import read_text_file

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
    text = read_text_file(path, max_bytes=max_bytes)
    # Lines end only at \n or \r\n: a U+2028 inside a cell is part of the cell (str.splitlines would split).
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ArticleError(
            f"{path}: no header row; the first row names the columns: article,account,time,text"
        ) from None
    except csv.Error as error:
        raise ArticleError(f"{path}, line 1: {error}") from None
    columns = _columns(path, header)
    rows: list[CsvRow] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            if len(values) > len(columns):
                raise ArticleError(
                    f"{path}, line {line}: {len(values)} values for {len(columns)} columns; "
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
        raise ArticleError(f"{path}, line {reader.line_num}: {error}") from None
    if not rows:
        raise ArticleError(f"{path}: the file has a header but no rows to import")
    return rows


def _columns(path: Path, header: list[str]) -> list[str]:
    columns = []
    for name in header:
        key = name.strip().lower()
        if key not in COLUMN_NAMES:
            raise ArticleError(
                f"{path}: unknown column {name.strip()!r}; the columns are article (a URL or file), "
                "account, time (optional: the next free slot) and text (optional)"
            )
        columns.append(COLUMN_NAMES[key])
    duplicated = {c for c in columns if columns.count(c) > 1}
    if duplicated:
        raise ArticleError(f"{path}: the column {sorted(duplicated)[0]!r} is given twice")
    if "article" not in columns:
        raise ArticleError(f"{path}: no 'article' column; give each row's article as a URL or a file path")
    return columns

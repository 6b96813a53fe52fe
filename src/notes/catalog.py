"""The pages as a pandas DataFrame: what the analysis notebooks read, never a copy of the data."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from notes.cache import cached_pages
from notes.chapters import CHAPTER_BY_SLUG, CHAPTER_SLUGS
from notes.freshness import FIELDS, check_fields, page_fields, record_reads

BOOK_ENV = "NOTES_BOOK"
# Every row has these, whatever fields were asked for: which page, and where it lives.
IDENTITY = ("slug", "chapter", "chapter_title", "docname", "path")
# Columns computed from a field, present when that field is.
DERIVED = {"published": ("year", "month")}


def find_book(start: Path | None = None) -> Path:
    """The book folder: $NOTES_BOOK, else a ``book/`` beside the working folder or above it.

    Notebooks run with their own folder as the working folder, both under ``jb build`` and
    under nbval, so walking up finds the book they belong to.
    """
    if os.environ.get(BOOK_ENV):
        return Path(os.environ[BOOK_ENV])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "book"
        if (candidate / "_toc.yml").exists():
            return candidate
        if folder.name == "book" and (folder / "_toc.yml").exists():
            return folder
    raise FileNotFoundError(f"no book/ with a _toc.yml found from {here} upwards")


def load(book: Path | None = None, fields: Iterable[str] = FIELDS) -> pd.DataFrame:
    """One row per paper page, in chapter order then by title, with only the given fields.

    A notebook names the fields it reads, and gets no others, so the record of what it read
    (``freshness.record_reads``) is exact: the build re-executes it only when those change.
    """
    names = check_fields(fields)
    record_reads(names)
    book = book or find_book()
    rows = []
    for page in cached_pages(book):
        values = page_fields(page)
        row: dict[str, Any] = {
            "slug": page.slug,
            "chapter": page.chapter,
            "chapter_title": CHAPTER_BY_SLUG[page.chapter].title,
            "docname": page.docname,
            "path": page.path,
        }
        row.update((name, values[name]) for name in names)
        if "published" in names:
            published = values["published"]
            row["year"] = int(published[:4]) if published else None
            row["month"] = published[:7] if published else None
        rows.append(row)
    columns = [*IDENTITY, *(c for n in names for c in (n, *DERIVED.get(n, ())))]
    frame = pd.DataFrame(rows, columns=columns)
    frame["chapter"] = pd.Categorical(
        frame["chapter"], categories=list(CHAPTER_SLUGS), ordered=True
    )
    if "year" in frame:
        frame["year"] = frame["year"].astype("Int64")
    order = ["chapter", "title"] if "title" in frame else ["chapter", "slug"]
    return frame.sort_values(order, key=_sort_key).reset_index(drop=True)


def _sort_key(column: pd.Series) -> pd.Series:
    return column.str.casefold() if column.dtype == object else column

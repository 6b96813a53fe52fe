"""The pages as a pandas DataFrame: what the analysis notebooks read, never a copy of the data."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from notes.chapters import CHAPTER_BY_SLUG, CHAPTER_SLUGS
from notes.pages import load_pages

BOOK_ENV = "NOTES_BOOK"
COLUMNS = (
    "slug",
    "chapter",
    "chapter_title",
    "title",
    "status",
    "arxiv",
    "published",
    "year",
    "month",
    "authors",
    "code",
    "tags",
    "claims",
    "abstract",
    "path",
    "docname",
)


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


def load(book: Path | None = None) -> pd.DataFrame:
    """One row per paper page, in chapter order then by title."""
    book = book or find_book()
    rows = []
    for page in load_pages(book):
        paper = page.data.get("paper") or {}
        published = str(paper.get("published") or "") or None
        rows.append(
            {
                "slug": page.slug,
                "chapter": page.chapter,
                "chapter_title": CHAPTER_BY_SLUG[page.chapter].title,
                "title": page.title,
                "status": page.data.get("status") or "stub",
                "arxiv": paper.get("arxiv"),
                "published": published,
                "year": int(published[:4]) if published else None,
                "month": published[:7] if published else None,
                "authors": list(paper.get("authors") or []),
                "code": paper.get("code"),
                "tags": list(page.data.get("tags") or []),
                "claims": [dict(c) for c in page.data.get("claims") or [] if isinstance(c, dict)],
                "abstract": page.abstract,
                "path": page.path,
                "docname": f"{page.chapter}/{page.slug}",
            }
        )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["chapter"] = pd.Categorical(
        frame["chapter"], categories=list(CHAPTER_SLUGS), ordered=True
    )
    frame["year"] = frame["year"].astype("Int64")
    return frame.sort_values(["chapter", "title"], key=_sort_key).reset_index(drop=True)


def _sort_key(column: pd.Series) -> pd.Series:
    return column.str.casefold() if column.dtype == object else column

"""BibTeX: stable unique keys, entries pybtex parses, titles that render back as written."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from pybtex.database import parse_string
from pybtex.plugin import find_plugin

from notes.bibtex import bibliography, cite_key, entry
from notes.importer import read_papers
from notes.pages import load_pages

from .conftest import BOOK, ROOT, TESTS, listed_papers

KEY = re.compile(r"^[A-Z][A-Za-z]*(\d{4}|nd)[a-z0-9]+$")


@functools.cache
def _plain_text_style() -> tuple[Any, Any]:
    """pybtex's plain style and text backend, looked up once (each lookup scans every
    installed package's entry points)."""
    return find_plugin("pybtex.style.formatting", "plain")(), find_plugin(
        "pybtex.backends", "text"
    )()


def _render_title(bib: str) -> str:
    data = parse_string(bib, "bibtex")
    style, backend = _plain_text_style()
    (formatted,) = style.format_entries(data.entries.values())
    return formatted.text.render(backend)


def test_keys_are_unique_well_formed_and_stable() -> None:
    pages = load_pages(BOOK)
    keys = [cite_key(p.slug, p.data["paper"]) for p in pages]
    assert len(set(keys)) == len(keys) == listed_papers()  # a page per paper of data/*.txt
    assert all(KEY.match(key) for key in keys)
    loong = next(p for p in pages if p.slug == "loongtrain")
    assert cite_key(loong.slug, loong.data["paper"]) == "Gu2024loongtrain"


def test_the_book_bibliography_parses_with_every_page() -> None:
    data = parse_string(bibliography(load_pages(BOOK)), "bibtex")
    assert len(data.entries) == listed_papers()
    entry_ = data.entries["Gu2024loongtrain"]
    assert entry_.fields["eprint"] == "2406.18485"
    assert str(entry_.persons["author"][0]) == "Gu, Diandian"


@pytest.mark.parametrize("listing", ["hostile.txt"])
def test_hostile_titles_give_valid_entries(listing: str) -> None:
    for paper in read_papers([TESTS / "listings" / listing], None, ROOT):
        rendered = _render_title(entry("x", paper.title, {"id": "x"}))
        assert rendered  # parsed and formatted without error
        if not set("{}\\~") & set(paper.title):
            assert rendered.startswith(paper.title.rstrip("."))


def test_seed_titles_render_back_as_written() -> None:
    for page in load_pages(BOOK):
        if "{" in page.title:
            continue
        rendered = _render_title(entry(page.slug, page.title, page.data["paper"]))
        assert page.title.rstrip("?!.") in rendered

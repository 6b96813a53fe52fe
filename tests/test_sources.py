"""Every abstract in the book has a source a reader can check, and the foundation papers each
chapter is built on are present (or listed as missing, with the reason) in ``data/``.

An abstract comes either from a scraped listing in ``data/`` (the page's ``paper.source``),
verbatim, or from a listing of papers added by hand, whose metadata row and page carry the
public URL it was copied from (``paper.abstract_url``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from notes.listing import normalise_title, parse_listing
from notes.pages import load_pages

from .conftest import BOOK, ROOT

SCRAPED = {"data/hf-trending-scalability.txt"}  # listings saved as scraped, with their chrome
FOUNDATIONS = ROOT / "data" / "foundations.csv"
PAGES = load_pages(BOOK)


def _listing(source: str) -> dict[str, str]:
    return {normalise_title(p.title): p.abstract for p in parse_listing(ROOT / source)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_abstract_is_the_listings_text_and_has_a_source(page) -> None:
    paper = page.data["paper"]
    source = str(paper["source"])
    assert (ROOT / source).is_file(), f"{page.docname}: source {source} is not in the repository"
    abstracts = _listing(source)
    assert abstracts.get(page.key) == page.abstract, f"{page.docname}: abstract differs"
    if source not in SCRAPED:
        url = str(paper.get("abstract_url") or "")
        assert url.startswith("https://"), f"{page.docname}: no public source URL recorded"


def _plan() -> list[dict[str, str]]:
    with FOUNDATIONS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_foundation_papers_are_in_their_chapters_or_listed_missing() -> None:
    where = {page.key: page.chapter for page in PAGES}
    plan = _plan()
    assert len(plan) == 40
    for row in plan:
        key = normalise_title(row["title"])
        if row["status"] == "in":
            assert where.get(key) == row["chapter"], row["title"]
        else:
            assert row["status"] == "missing" and row["note"], row["title"]
            assert key not in where, f"{row['title']} is in the book but listed as missing"


def test_eight_foundation_papers_per_topical_chapter_are_planned() -> None:
    chapters = [row["chapter"] for row in _plan()]
    for chapter in ("training-systems", "serving", "scaling-laws", "moe", "agents"):
        assert chapters.count(chapter) == 8, chapter


def test_hand_added_listings_have_metadata_with_their_source() -> None:
    with (ROOT / "data" / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        rows = {normalise_title(r["title"]): r for r in csv.DictReader(handle)}
    for listing in sorted(Path(ROOT / "data").glob("foundations-*.txt")):
        for paper in parse_listing(listing):
            row = rows[normalise_title(paper.title)]
            assert row["abstract_url"].startswith("https://"), paper.title

"""Chapter syntheses stay true to the chapter: every paper once in its timeline, in date order.

A page added to or moved out of a chapter must show up in (or leave) the chapter's timeline;
these tests read the real chapter pages, so a stale timeline fails here before the build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from notes.chapters import CHAPTERS
from notes.pages import Page, load_pages

from .conftest import BOOK, ROOT

LINK = re.compile(r"\[(?P<text>(?:[^\]\\]|\\.)*)\]\((?P<target>[^)#\s]+\.md)(?:#[^)]*)?\)")
UNKNOWN_DATE = "date unknown"


def _synthesised_chapters() -> list[str]:
    """Topical chapters whose page carries a synthesis (a Timeline section)."""
    return [
        chapter.slug
        for chapter in CHAPTERS
        if chapter.slug != "other"
        and "\n## Timeline\n" in (BOOK / chapter.slug / "index.md").read_text(encoding="utf-8")
    ]


def _section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section, up to the next second-level heading."""
    _, found, rest = text.partition(f"\n## {heading}\n")
    assert found, f"no '## {heading}' section"
    return rest.split("\n## ", 1)[0]


def _escape(title: str) -> str:
    return re.sub(r"([*_<$])", r"\\\1", title)


def _published(page: Page) -> str:
    published = (page.data.get("paper") or {}).get("published")
    return str(published) if published else UNKNOWN_DATE


@pytest.fixture(scope="module")
def pages() -> dict[str, list[Page]]:
    by_chapter: dict[str, list[Page]] = {}
    for page in load_pages(BOOK):
        by_chapter.setdefault(page.chapter, []).append(page)
    return by_chapter


@pytest.mark.parametrize("chapter", _synthesised_chapters())
def test_timeline_lists_every_paper_once_in_date_order(chapter, pages) -> None:
    text = (BOOK / chapter / "index.md").read_text(encoding="utf-8")
    rows = [
        line
        for line in _section(text, "Timeline").splitlines()
        if line.startswith("| ") and not line.startswith(("| Published", "| ---"))
    ]
    by_slug = {page.slug: page for page in pages[chapter]}
    listed = []
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split(" | ")]
        assert len(cells) == 3 and cells[2], f"a timeline row needs date, paper and idea: {row}"
        links = list(LINK.finditer(cells[1]))
        assert len(links) == 1, f"one paper per row: {row}"
        slug = Path(links[0]["target"]).stem
        assert slug in by_slug, f"{slug} is not a page of {chapter}"
        assert links[0]["text"] == _escape(by_slug[slug].title)
        assert cells[0] == _published(by_slug[slug]), f"{slug}: date as in its front matter"
        listed.append(slug)
    assert sorted(listed) == sorted(by_slug), "every page of the chapter exactly once"
    dates = [_published(by_slug[slug]) for slug in listed]
    known = [date for date in dates if date != UNKNOWN_DATE]
    assert dates == known + [UNKNOWN_DATE] * (len(dates) - len(known)), "undated pages go last"
    assert known == sorted(known), "papers in order of publication"


@pytest.mark.parametrize("chapter", _synthesised_chapters())
def test_reading_path_and_open_questions_rest_on_pages(chapter, pages) -> None:
    text = (BOOK / chapter / "index.md").read_text(encoding="utf-8")
    slugs = {page.slug for page in pages[chapter]}
    path = [
        line for line in _section(text, "Reading path").splitlines() if re.match(r"\d+\. ", line)
    ]
    assert 5 <= len(path) <= 8
    for line in path:
        assert Path(LINK.search(line)["target"]).stem in slugs, line
    questions = re.split(r"\n- ", "\n" + _section(text, "Open questions").strip())[1:]
    assert questions
    for question in questions:
        assert LINK.search(question), f"an open question links the pages it rests on: {question}"


@pytest.mark.parametrize("chapter", _synthesised_chapters())
def test_comparison_points_at_the_chapter_table(chapter) -> None:
    text = (BOOK / chapter / "index.md").read_text(encoding="utf-8")
    label = f"{chapter}-comparison"
    assert re.search(
        rf"\{{ref\}}`[^`]*<{label}>`|\{{ref\}}`{label}`", _section(text, "How the papers compare")
    )
    notebook = json.loads((ROOT / "notebooks" / "comparisons.ipynb").read_text(encoding="utf-8"))
    assert any(f"({label})=" in "".join(cell["source"]) for cell in notebook["cells"])


@pytest.mark.parametrize("chapter", _synthesised_chapters())
def test_every_link_of_the_synthesis_resolves(chapter) -> None:
    index = BOOK / chapter / "index.md"
    for match in LINK.finditer(index.read_text(encoding="utf-8")):
        assert (index.parent / match["target"]).is_file(), match["target"]

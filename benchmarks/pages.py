"""The repository the benchmark reads, and the pages of the project copies it measures in.

Copies are made by ``notes.testing.copy_project``, as the tests make theirs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from notes.pages import iter_page_paths, read_page_text
from notes.testing import ROOT, chapter_names

BOOK = ROOT / "book"
SEED = ROOT / "data" / "hf-trending-scalability.txt"
PAGE_LINK = re.compile(r"\[([^\]]+)\]\(([^)#\s]+\.md)(#[^)\s]*)?\)")


def paper_pages(book: Path) -> list[Path]:
    return sorted(iter_page_paths(book))


def front_matter(page: Path) -> dict[str, Any]:
    return read_page_text(page).data


def html_path(book: Path, page: Path | str) -> Path:
    """The HTML a source page (path, or docname relative to the book) is built into."""
    relative = Path(page).relative_to(book) if Path(page).is_absolute() else Path(page)
    return book / "_build" / "html" / relative.with_suffix(".html")


def unlink_missing_pages(book: Path) -> int:
    """In the chapter pages of a copy, turn links to pages that are not there into text.

    The chapters' placement notes link the real papers, which an emptied copy does not have.
    """
    count = 0

    def unlink(match: re.Match[str], folder: Path) -> str:
        nonlocal count
        if (folder / match[2]).exists():
            return match[0]
        count += 1
        return match[1]

    # The glossary's "See:" lines link real papers too.
    for index in [
        *(book / chapter / "index.md" for chapter in chapter_names(book)),
        book / "glossary.md",
    ]:
        if not index.exists():
            continue
        text = index.read_text(encoding="utf-8")
        fixed = PAGE_LINK.sub(lambda m, f=index.parent: unlink(m, f), text)
        if fixed != text:
            index.write_text(fixed, encoding="utf-8")
    return count


SLUGS_LINE = re.compile(r"^:slugs: .*$", re.MULTILINE)


def regroup_cards(book: Path) -> int:
    """In a synthetic copy, give a chapter's own pages to its themed card groups in turn: their
    ``:slugs:`` name real papers, which the copy lacks (an empty group is an empty grid)."""
    groups = 0
    for chapter in chapter_names(book):
        index = book / chapter / "index.md"
        text = index.read_text(encoding="utf-8")
        count = len(SLUGS_LINE.findall(text))
        if not count:
            continue
        slugs = sorted(p.stem for p in index.parent.glob("*.md") if p.name != "index.md")
        shares = iter([" ".join(slugs[i::count]) for i in range(count)])
        index.write_text(SLUGS_LINE.sub(lambda _, s=shares: f":slugs: {next(s)}", text), "utf-8")
        groups += count
    return groups

"""Recognise a paper the book already has under another title, and flag the near misses.

Titles are matched after normalisation (case, punctuation, spacing), so those differences
never make a second page. Beyond that a paper is the same as a page when

- both have the same arXiv id (versions ignored), or
- one title is the other without its subtitle, and the abstracts agree, or
- the titles differ by a few characters (a later version's edit), and the abstracts agree.

A title close to a page's without that evidence is a near miss: the paper is imported and
the report names the page, for a person to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from notes.listing import normalise_title
from notes.model import Paper
from notes.pages import Page

NEAR_DUPLICATE = 88  # token-sort similarity (0-100) of normalised titles that deserves a look
CLOSE_TITLE = 90  # similarity of normalised titles that, with agreeing abstracts, is the same
SAME_ABSTRACT = 85  # token-sort similarity of normalised abstracts that says "the same paper"
SUBTITLE = re.compile(r"\s*(?::|\s[-\u2013\u2014]\s)\s*")  # "Name: subtitle", "Name - subtitle"
VERSION = re.compile(r"v\d+$")


@dataclass(frozen=True)
class Recognised:
    page: Page
    reason: str


class Index:
    """The book's pages, indexed for the questions above."""

    def __init__(self, pages: list[Page]) -> None:
        self.pages = pages
        self.by_key = {page.key: page for page in pages}
        self.by_arxiv: dict[str, Page] = {}
        for page in pages:
            arxiv = _page_arxiv(page)
            if arxiv:
                self.by_arxiv.setdefault(arxiv, page)
        self.by_main = {main_title(page.title): page for page in pages if has_subtitle(page.title)}
        self.keys = [page.key for page in pages]

    def same_paper(self, paper: Paper) -> Recognised | None:
        """The page that holds this paper under another title, with the evidence; else None."""
        if paper.arxiv:
            page = self.by_arxiv.get(base_id(paper.arxiv))
            if page is not None:
                return Recognised(page, f"same arXiv id {base_id(paper.arxiv)}")
        key = normalise_title(paper.title)
        shorter = self.by_main.get(key) if not has_subtitle(paper.title) else None
        longer = self.by_key.get(main_title(paper.title)) if has_subtitle(paper.title) else None
        for page in (shorter, longer):
            if page is not None and _abstracts_agree(paper, page):
                return Recognised(page, "the same title without its subtitle, the same abstract")
        for page_key, score, _ in process.extract(
            key, self.keys, scorer=fuzz.ratio, score_cutoff=CLOSE_TITLE, limit=3
        ):
            page = self.by_key[page_key]
            if _abstracts_agree(paper, page):
                return Recognised(page, f"title {score:.0f}% the same, the same abstract")
        return None

    def near_misses(self, paper: Paper) -> tuple[str, ...]:
        """Human-readable notes, one per page whose title is close to the paper's."""
        matches = process.extract(
            normalise_title(paper.title),
            self.keys,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=NEAR_DUPLICATE,
            limit=None,
        )
        notes = [
            f"title is close to {self.by_key[key].title!r} "
            f"({self.by_key[key].path}, {score:.0f}% similar)"
            for key, score, _ in matches
        ]
        close = {self.by_key[key].path for key, _, _ in matches}
        main = main_title(paper.title)
        for page in (self.by_main.get(main), self.by_key.get(main)):
            if page is not None and page.path not in close:
                close.add(page.path)
                notes.append(f"title names the same work as {page.title!r} ({page.path})")
        return tuple(notes)

    def add(self, paper: Paper, page: Page) -> None:
        """Count a page planned in this run, so a second listing of it by arXiv id is caught."""
        if paper.arxiv:
            self.by_arxiv.setdefault(base_id(paper.arxiv), page)


def base_id(arxiv: str) -> str:
    return VERSION.sub("", arxiv.strip())


def has_subtitle(title: str) -> bool:
    return bool(SUBTITLE.search(title.strip()))


def main_title(title: str) -> str:
    """The normalised title before its subtitle ("LoongTrain" of "LoongTrain: Efficient ...")."""
    return normalise_title(SUBTITLE.split(title.strip(), maxsplit=1)[0])


def _page_arxiv(page: Page) -> str | None:
    info = page.data.get("paper")
    arxiv = info.get("arxiv") if isinstance(info, dict) else None
    return base_id(str(arxiv)) if arxiv else None


def _abstracts_agree(paper: Paper, page: Page) -> bool:
    if not page.abstract:
        return False
    score = fuzz.token_sort_ratio(normalise_title(paper.abstract), normalise_title(page.abstract))
    return score >= SAME_ABSTRACT

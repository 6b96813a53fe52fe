"""The book's Atom feed: one entry per paper added and per note that reached ``reviewed``.

Entries carry the paper's title, the reader's summary (or the abstract's first sentence), the
chapter and the page's URL, dated by ``notes.history``; the feed's own date is its newest
entry's, so a rebuild of the same pages writes the same bytes. Written with feedgen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from notes.chapters import CHAPTER_BY_SLUG
from notes.glance import reader_summary
from notes.history import PageDates
from notes.pages import Page

FEED_FILE = "feed.xml"
KIND_TITLES = {"added": "New paper", "reviewed": "Notes reviewed"}


@dataclass(frozen=True)
class FeedItem:
    kind: str  # "added" or "reviewed"
    when: datetime
    docname: str
    title: str
    chapter: str
    summary: str


def feed_items(pages: list[Page], dates: dict[str, PageDates]) -> list[FeedItem]:
    """Every dated event, newest first (ties by title, so the order never varies)."""
    items = []
    for page in pages:
        known = dates.get(page.docname)
        if known is None:
            continue
        summary = reader_summary(page.data, page.abstract)[0]
        chapter = CHAPTER_BY_SLUG[page.chapter].title
        for kind, when in (("added", known.added), ("reviewed", known.reviewed)):
            if when is not None:
                items.append(FeedItem(kind, when, page.docname, page.title, chapter, summary))
    return sorted(items, key=lambda i: (-i.when.timestamp(), i.title.casefold(), i.kind))


def page_url(base_url: str, docname: str) -> str:
    return f"{base_url}{docname}.html"


def atom_feed(items: list[FeedItem], *, base_url: str, title: str, author: str) -> bytes:
    """The Atom document for ``items`` (already newest first) under ``base_url`` (ending "/")."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(base_url + FEED_FILE)
    feed.title(title)
    feed.subtitle("Papers added to the book and notes that reached reviewed")
    feed.author({"name": author})
    feed.link(href=base_url + FEED_FILE, rel="self", type="application/atom+xml")
    feed.link(href=base_url, rel="alternate", type="text/html")
    feed.language("en")
    feed.updated(items[0].when if items else datetime(1970, 1, 1, tzinfo=UTC))
    for item in items:
        url = page_url(base_url, item.docname)
        entry = feed.add_entry(order="append")
        entry.id(f"{url}#{item.kind}")
        entry.title(f"{KIND_TITLES[item.kind]}: {item.title}")
        entry.link(href=url, rel="alternate", type="text/html")
        entry.updated(item.when)
        entry.published(item.when)
        entry.summary(f"{item.summary} ({item.chapter})")
        entry.category(term=item.docname.partition("/")[0], label=item.chapter)
    return feed.atom_str(pretty=True)

"""Dates from git and front matter, the Atom feed and the sitemap, on copies of the real book."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import feedparser

from notes.check import check_book
from notes.cli import main
from notes.feed import atom_feed, feed_items
from notes.history import page_dates
from notes.pages import load_pages
from notes.sitemap import NAMESPACE, robots_txt, sitemap_xml

BASE = "https://example.org/book/"


def _git(repo: Path, *args: str, when: str | None = None) -> None:
    env = dict(os.environ)
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )


def _commit(repo: Path, message: str, when: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message, when=when)


def test_without_git_only_the_added_date_dates_a_page(project: Path) -> None:
    assert main(["add", "--title", "A Fresh Paper on Pipeline Parallelism", "--abstract",
                 "We schedule pipeline stages to cut bubbles by 30%.",
                 "--chapter", "training-systems", "--listing", str(project.parent / "c.txt"),
                 "--book", str(project)]) == 0  # fmt: skip
    pages = load_pages(project)
    dates = page_dates(project, pages)
    dated = {doc: d for doc, d in dates.items() if d.added}
    titles = {p.docname: p.title for p in pages}
    assert [titles[doc] for doc in dated] == ["A Fresh Paper on Pipeline Parallelism"]
    today = datetime.now(UTC).date()
    only = next(iter(dated.values()))
    assert only.added.date() == today and only.changed == only.added and only.reviewed is None
    assert not [p for p in check_book(project) if "added" in p.message]  # the schema knows it
    items = feed_items(pages, dates)
    assert [(i.kind, i.title) for i in items] == [
        ("added", "A Fresh Paper on Pipeline Parallelism")
    ]


def test_git_dates_follow_moves_and_the_review(project: Path) -> None:
    repo = project.parent
    _git(repo, "init", "-q")
    _commit(repo, "pages", "2026-01-10T10:00:00+00:00")
    page = project / "training-systems" / "megascale.md"
    page.write_text(page.read_text().replace("status: reviewed", "status: draft"))
    _commit(repo, "draft", "2026-02-01T10:00:00+00:00")
    page.write_text(page.read_text().replace("status: draft", "status: reviewed"))
    _commit(repo, "reviewed again", "2026-03-01T10:00:00+00:00")
    assert main(["move", "megascale", "other", "--book", str(project)]) == 0
    _commit(repo, "move", "2026-04-01T10:00:00+00:00")

    dates = page_dates(project, load_pages(project))
    moved = dates["other/megascale"]
    assert moved.added == datetime(2026, 1, 10, 10, tzinfo=UTC)
    assert moved.reviewed == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert moved.changed == datetime(2026, 4, 1, 10, tzinfo=UTC)
    other = dates["serving/distserve"]
    assert other.added == other.changed == datetime(2026, 1, 10, 10, tzinfo=UTC)
    assert other.reviewed == other.added  # reviewed when it was first committed


def test_feed_is_valid_atom_newest_first_and_stable(project: Path) -> None:
    repo = project.parent
    _git(repo, "init", "-q")
    _commit(repo, "pages", "2026-01-10T10:00:00+00:00")
    listing = project.parent / "new.txt"
    listing.write_text(
        "A Newer Paper on KV Cache Eviction\n"
        "We evict KV cache entries early to serve longer contexts.\n"
    )
    assert main(["import", str(listing), "--book", str(project)]) == 0
    pages = load_pages(project)
    atom = atom_feed(feed_items(pages, page_dates(project, pages)), base_url=BASE,
                     title="T", author="A")  # fmt: skip
    parsed = feedparser.parse(atom)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    entries = parsed.entries
    reviewed = [p for p in pages if p.data.get("status") == "reviewed"]
    assert len(entries) == len(pages) + len(reviewed)
    assert entries[0].title == "New paper: A Newer Paper on KV Cache Eviction"
    assert entries[0].link.startswith(BASE) and entries[0].link.endswith(".html")
    assert "We evict KV cache entries early to serve longer contexts." in entries[0].summary
    stamps = [e.updated_parsed for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    assert len({e.id for e in entries}) == len(entries)
    again = atom_feed(feed_items(pages, page_dates(project, pages)), base_url=BASE,
                      title="T", author="A")  # fmt: skip
    assert again == atom


def test_sitemap_lists_each_page_once_and_robots_points_to_it() -> None:
    xml = sitemap_xml(BASE, ["intro", "serving/distserve", "notebooks/landscape"])
    locs = [e.text for e in ElementTree.fromstring(xml).iter(f"{{{NAMESPACE}}}loc")]
    assert locs == [
        f"{BASE}intro.html",
        f"{BASE}notebooks/landscape.html",
        f"{BASE}serving/distserve.html",
    ]
    assert f"Sitemap: {BASE}sitemap.xml" in robots_txt(BASE).splitlines()


def test_preview_tags_escape_any_title_and_cut_long_descriptions() -> None:
    from bs4 import BeautifulSoup
    from docutils.core import publish_doctree

    from notes.preview import page_description, page_title, preview_tags

    title = '<script>alert("x")</script> & "Quotes"'
    tags = preview_tags(
        title=title, description="D & <b>", url=BASE, site_name="S", image=BASE + "i.png",
        image_alt="A",
    )  # fmt: skip
    head = BeautifulSoup(tags, "html.parser")
    assert head.find("meta", property="og:title")["content"] == title
    assert head.find("meta", attrs={"name": "description"})["content"] == "D & <b>"
    assert head.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"
    assert "<script>" not in tags
    doctree = publish_doctree("Heading\n=======\n\n" + "word " * 100 + "\n\nLater.\n")
    assert page_title(doctree) == "Heading"
    description = page_description(doctree)
    assert description.endswith(" …") and len(description) <= 205
    assert page_description(publish_doctree("Short text.\n\nSecond.\n")) == "Short text. Second."

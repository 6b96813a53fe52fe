"""Add papers one at a time: record them in a contributions listing and create their pages.

The listing keeps ``data/`` the record of every abstract in the book, so a later
``notes import data/*.txt`` finds nothing new; the page is made exactly as the importer makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from notes.importer import (
    CREATED,
    Action,
    apply,
    join_metadata,
    plan_import,
    project_root,
    source_name,
)
from notes.listing import normalise_title, parse_listing, parse_listing_text
from notes.model import NotesError, Paper
from notes.pages import load_pages, read_exact, write_atomic
from notes.same import Index


@dataclass(frozen=True)
class Added:
    action: Action
    near_duplicates: tuple[str, ...]  # human-readable notes, one per similar existing page


def parse_input(text: str, name: str) -> list[Paper]:
    """Papers given on the command line or in a file, checked like any listing."""
    return parse_listing_text(text, name)


def add_papers(
    papers: list[Paper],
    *,
    book: Path,
    listing: Path,
    metadata: Path | None,
    chapter: str | None = None,
    answers: Path | None = None,
    look_up: Callable[[list[Paper]], list[Paper]] | None = None,
) -> list[Added]:
    """Append the papers to ``listing`` and create their pages; refuse papers that have a page.

    ``look_up`` fills in metadata the files do not have (the arXiv lookup), before a paper
    is compared with the book's pages by arXiv id.
    """
    pages = load_pages(book)
    existing = {page.key: page for page in pages}
    for paper in papers:
        page = existing.get(normalise_title(paper.title))
        if page is not None:
            raise NotesError(
                paper.source, paper.line, f"{paper.title!r} already has a page: {page.path}"
            )
    listed = parse_listing(listing) if listing.exists() else []
    listed_keys = {normalise_title(p.title) for p in listed}
    new_text = "".join(
        f"{p.title}\n{p.abstract}\n" for p in papers if normalise_title(p.title) not in listed_keys
    )
    old_text = read_exact(listing) if listing.exists() else ""
    separator = "" if not old_text or old_text.endswith("\n") else "\n"
    combined = old_text + separator + new_text
    # The listing must still parse after the append; planned from the listing as it will be,
    # so source and line are what an import would record.
    root = project_root(book)
    everything = parse_listing_text(combined, listing, source=source_name(listing, root))
    wanted = {normalise_title(p.title): p for p in papers}
    chosen = join_metadata(
        [p for p in everything if normalise_title(p.title) in wanted], metadata, answers
    )
    if look_up is not None:
        chosen = look_up(chosen)
    index = Index(pages)
    for paper in chosen:
        same = index.same_paper(paper)
        if same is not None:
            given = wanted[normalise_title(paper.title)]
            raise NotesError(
                given.source,
                given.line,
                f"{paper.title!r} is already in the book as {same.page.path} ({same.reason})",
            )
    actions = [a for a in plan_import(chosen, book, refresh=False) if a.kind == CREATED]
    if chapter:
        actions = [replace(a, chapter=chapter, path=book / chapter / a.path.name) for a in actions]

    write_atomic(listing, combined)
    apply(actions)
    return [Added(action, action.near_misses) for action in actions]

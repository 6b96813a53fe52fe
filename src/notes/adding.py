"""Add papers one at a time: record them in a contributions listing and create their pages.

The listing keeps ``data/`` the record of every abstract in the book, so a later
``notes import data/*.txt`` finds nothing new; the page is made exactly as the importer makes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rapidfuzz import fuzz, process

from notes.importer import (
    CREATED,
    Action,
    apply,
    plan_import,
    project_root,
    read_papers,
    source_name,
)
from notes.listing import normalise_title, parse_listing, parse_listing_text
from notes.model import NotesError, Paper
from notes.pages import load_pages, read_exact, write_atomic

NEAR_DUPLICATE = 88  # token-sort similarity (0-100) of normalised titles that deserves a look


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
) -> list[Added]:
    """Append the papers to ``listing`` and create their pages; refuse titles that have a page."""
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
    parse_listing_text(combined, listing)  # the listing must still parse after the append

    root = project_root(book)
    wanted = {normalise_title(p.title) for p in papers}
    # Plan from the listing as it will be, so source and line are what an import would record.
    staged = listing.with_name(f".{listing.name}.staged")
    staged.write_text(combined, encoding="utf-8")
    try:
        everything = read_papers([staged], metadata, root)
    finally:
        staged.unlink()
    chosen = [replace(p, source=source_name(listing, root)) for p in everything]
    chosen = [p for p in chosen if normalise_title(p.title) in wanted]
    actions = [a for a in plan_import(chosen, book, refresh=False) if a.kind == CREATED]
    if chapter:
        actions = [replace(a, chapter=chapter, path=book / chapter / a.path.name) for a in actions]

    write_atomic(listing, combined)
    apply(actions)
    keys = [page.key for page in pages]
    return [
        Added(action, _near_duplicates(action.paper.title, keys, existing)) for action in actions
    ]


def _near_duplicates(title: str, keys: list[str], existing: dict) -> tuple[str, ...]:
    matches = process.extract(
        normalise_title(title), keys, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE
    )
    return tuple(
        f"title is close to {existing[key].title!r} ({existing[key].path}, {score:.0f}% similar)"
        for key, score, _ in matches
    )

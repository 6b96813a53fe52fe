"""Import listings into the book: plan every change first, then write, so errors write nothing."""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from notes.classify import Classifier
from notes.extract import code_url
from notes.listing import normalise_title, parse_listing
from notes.metadata import load_metadata
from notes.model import NotesError, Paper, Suggestion
from notes.pages import (
    Page,
    load_pages,
    read_exact,
    read_page_text,
    replace_blocks,
    replace_front_matter_keys,
    split_page,
    write_atomic,
)
from notes.render import (
    BLOCK_NAMES,
    GENERATED_KEYS,
    contributor_front_matter,
    generated_front_matter,
    render_block,
    render_front_matter,
    render_page,
)
from notes.slugs import unique_slug

CREATED, UNCHANGED, REFRESHED = "created", "unchanged", "refreshed"
FILLABLE_KEYS = ("tags", "claims")


@dataclass(frozen=True)
class Action:
    """What the import does (or would do) for one paper."""

    kind: str
    chapter: str
    path: Path
    paper: Paper
    text: str | None = None  # the new file content, for created and refreshed pages
    suggestion: Suggestion | None = None


def project_root(book: Path) -> Path:
    return book.resolve().parent


def source_name(listing: Path, root: Path) -> str:
    """How a listing is named on its pages: relative to the project root when inside it."""
    resolved = listing.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(resolved, root)).as_posix()


def read_papers(listings: list[Path], metadata: Path | None, root: Path) -> list[Paper]:
    """Parse every listing and join metadata; a title in two listings is an error."""
    known = load_metadata(metadata) if metadata else {}
    papers: list[Paper] = []
    first_seen: dict[str, Paper] = {}
    for listing in listings:
        for paper in parse_listing(listing, source=source_name(listing, root)):
            key = normalise_title(paper.title)
            if key in first_seen:
                other = first_seen[key]
                raise NotesError(
                    listing, paper.line, f"title also listed at {other.source}:{other.line}"
                )
            first_seen[key] = paper
            meta = known.get(key)
            paper = replace(paper, code=code_url(paper.abstract))
            if meta:
                paper = replace(
                    paper,
                    arxiv=meta.arxiv,
                    published=meta.published,
                    authors=meta.authors,
                    abstract_url=meta.abstract_url,
                )
            papers.append(paper)
    return papers


# Classifying and rendering a page (extraction, YAML) costs about 3 ms; past this many new
# pages the work is spread over the machine's cores. Below it, starting workers costs more.
PARALLEL_FROM = 500


def plan_import(
    papers: list[Paper], book: Path, *, refresh: bool, fill_empty: bool = False
) -> list[Action]:
    """Decide, for each paper, whether to create, refresh or leave its page; writes nothing."""
    pages = load_pages(book)
    by_key: dict[str, Page] = {page.key: page for page in pages}
    taken = {page.slug for page in pages} | {p.stem for p in book.glob("*/*.md")}
    actions: list[Action | None] = []
    new_pages: list[tuple[int, Paper, str]] = []  # (index in actions, paper, slug)
    for paper in papers:
        page = by_key.get(normalise_title(paper.title))
        if page is None:
            slug = unique_slug(paper.title, taken)  # in listing order: the same at every run
            taken.add(slug)
            new_pages.append((len(actions), paper, slug))
            actions.append(None)
        elif refresh:
            current = read_exact(page.path)
            new = refreshed_text(page.path, paper, fill_empty=fill_empty, current=current)
            kind = UNCHANGED if new == current else REFRESHED
            actions.append(Action(kind, page.chapter, page.path, paper, new))
        else:
            actions.append(Action(UNCHANGED, page.chapter, page.path, paper))
    if new_pages:
        # Trained on the pages only when a page is to be made.
        classifier = Classifier.from_pages(pages)
        added = datetime.now(UTC).date().isoformat()  # the page's "added" date
        jobs = [(paper, slug, added) for _, paper, slug in new_pages]
        for (index, paper, slug), (suggestion, text) in zip(
            new_pages, _classify_and_render(classifier, jobs), strict=True
        ):
            path = book / suggestion.chapter / f"{slug}.md"
            actions[index] = Action(CREATED, suggestion.chapter, path, paper, text, suggestion)
    return [action for action in actions if action is not None]


def _classify_and_render(
    classifier: Classifier, jobs: list[tuple[Paper, str, str]]
) -> list[tuple[Suggestion, str]]:
    """Each new page's chapter and text; on every core for a large import."""
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_FROM or workers < 2:
        _start_worker(classifier)
        return [_classify_and_render_one(job) for job in jobs]
    chunk = max(1, len(jobs) // (workers * 8))
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(classifier,)) as pool:
        return list(pool.map(_classify_and_render_one, jobs, chunksize=chunk))


_worker_classifier: Classifier | None = None


def _start_worker(classifier: Classifier) -> None:
    global _worker_classifier
    _worker_classifier = classifier


def _classify_and_render_one(job: tuple[Paper, str, str]) -> tuple[Suggestion, str]:
    paper, slug, added = job
    assert _worker_classifier is not None
    return _worker_classifier.classify(paper), render_page(paper, slug, added)


def refreshed_text(
    path: Path, paper: Paper, *, fill_empty: bool = False, current: str | None = None
) -> str:
    """The page with generator-owned parts rewritten; every other byte as it was.

    With ``fill_empty``, contributor-owned ``tags`` and ``claims`` that are still empty get the
    extractor's suggestions, as a new page would; a non-empty value is never touched.
    """
    page = read_page_text(path) if current is None else split_page(path, current)
    generated = generated_front_matter(paper, path.stem)
    rendered_keys = {key: render_front_matter({key: generated[key]}) for key in GENERATED_KEYS}
    if fill_empty:
        suggested = contributor_front_matter(paper)
        for key in FILLABLE_KEYS:
            if not page.data.get(key) and suggested[key]:
                rendered_keys[key] = render_front_matter({key: suggested[key]})
    front = replace_front_matter_keys(page, rendered_keys)
    blocks = {name: render_block(name, paper, path.stem) for name in BLOCK_NAMES}
    body = replace_blocks(page.body, blocks)
    return "---\n" + "".join(front) + "---\n" + body


def apply(actions: list[Action]) -> None:
    for action in actions:
        if action.kind == CREATED:
            assert action.text is not None
            write_atomic(action.path, action.text, create_only=True)
        elif action.kind == REFRESHED:
            assert action.text is not None
            write_atomic(action.path, action.text)


def summarise(actions: list[Action]) -> dict[str, Counter[str]]:
    """Counts of created / unchanged / refreshed pages per chapter."""
    table: dict[str, Counter[str]] = {}
    for action in actions:
        table.setdefault(action.chapter, Counter())[action.kind] += 1
    return table

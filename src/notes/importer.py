"""Import listings into the book: plan every change first, then write, so errors write nothing."""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from notes.answers import MATCH, Answer, load_answers
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
from notes.same import Index, base_id
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
    same_as: str | None = None  # why an unchanged page holds this paper under another title
    near_misses: tuple[str, ...] = ()  # pages a person should compare a created page with


def project_root(book: Path) -> Path:
    return book.resolve().parent


def source_name(listing: Path, root: Path) -> str:
    """How a listing is named on its pages: relative to the project root when inside it."""
    resolved = listing.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(resolved, root)).as_posix()


def read_papers(
    listings: list[Path], metadata: Path | None, root: Path, *, answers: Path | None = None
) -> list[Paper]:
    """Parse every listing and join metadata; a title in two listings is an error.

    A row of ``metadata`` (written by a person) wins over a recorded arXiv answer.
    """
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
            papers.append(paper)
    return join_metadata(papers, metadata, answers)


def join_metadata(
    papers: list[Paper], metadata: Path | None, answers: Path | None = None
) -> list[Paper]:
    """Each paper with its code link and whatever metadata is known for its title."""
    known = load_metadata(metadata) if metadata else {}
    looked_up = load_answers(answers) if answers else {}
    joined = []
    for paper in papers:
        key = normalise_title(paper.title)
        paper = replace(paper, code=code_url(paper.abstract))
        meta = known.get(key)
        if meta:
            paper = replace(
                paper,
                arxiv=meta.arxiv,
                published=meta.published,
                authors=meta.authors,
                abstract_url=meta.abstract_url,
            )
        elif key in looked_up:
            paper = with_answer(paper, looked_up[key])
        joined.append(paper)
    return joined


def with_answer(paper: Paper, answer: Answer) -> Paper:
    """The paper with what a matching arXiv answer says; other answers change nothing."""
    if answer.outcome != MATCH:
        return paper
    return replace(paper, arxiv=answer.arxiv_id, published=answer.published, authors=answer.authors)


def has_metadata(paper: Paper) -> bool:
    return bool(paper.arxiv or paper.authors)


# Classifying and rendering a page (extraction, YAML) costs about 3 ms; past this many new
# pages the work is spread over the machine's cores. Below it, starting workers costs more.
PARALLEL_FROM = 500


def plan_import(
    papers: list[Paper], book: Path, *, refresh: bool, fill_empty: bool = False
) -> list[Action]:
    """Decide, for each paper, whether to create, refresh or leave its page; writes nothing.

    A paper the book holds under another title (`notes.same`) is left alone and reported,
    never imported again; nor is a second paper with the arXiv id of one created in this run.
    """
    pages = load_pages(book)
    by_key: dict[str, Page] = {page.key: page for page in pages}
    index = Index(pages)
    taken = {page.slug for page in pages} | {p.stem for p in book.glob("*/*.md")}
    actions: list[Action | None] = []
    new_pages: list[tuple[int, Paper, str]] = []  # (index in actions, paper, slug)
    new_ids: dict[str, int] = {}  # arXiv id -> position in new_pages
    repeats: list[tuple[int, Paper, int]] = []  # (index in actions, paper, position in new_pages)
    for paper in papers:
        page = by_key.get(normalise_title(paper.title))
        if page is None:
            same = index.same_paper(paper)
            if same is not None:
                held, why = same.page, same.reason
                actions.append(Action(UNCHANGED, held.chapter, held.path, paper, same_as=why))
                continue
            if paper.arxiv and base_id(paper.arxiv) in new_ids:
                repeats.append((len(actions), paper, new_ids[base_id(paper.arxiv)]))
                actions.append(None)
                continue
            slug = unique_slug(paper.title, taken)  # in listing order: the same at every run
            taken.add(slug)
            if paper.arxiv:
                new_ids[base_id(paper.arxiv)] = len(new_pages)
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
        jobs = [(paper, slug) for _, paper, slug in new_pages]
        for (position, paper, slug), (suggestion, text) in zip(
            new_pages, _classify_and_render(classifier, jobs), strict=True
        ):
            path = book / suggestion.chapter / f"{slug}.md"
            actions[position] = Action(
                CREATED,
                suggestion.chapter,
                path,
                paper,
                text,
                suggestion,
                near_misses=index.near_misses(paper),
            )
    for position, paper, first in repeats:
        created = actions[new_pages[first][0]]
        assert created is not None
        reason = f"same arXiv id {base_id(paper.arxiv or '')} as {created.paper.title!r}"
        actions[position] = Action(UNCHANGED, created.chapter, created.path, paper, same_as=reason)
    return [action for action in actions if action is not None]


def _classify_and_render(
    classifier: Classifier, jobs: list[tuple[Paper, str]]
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


def _classify_and_render_one(job: tuple[Paper, str]) -> tuple[Suggestion, str]:
    paper, slug = job
    assert _worker_classifier is not None
    return _worker_classifier.classify(paper), render_page(paper, slug)


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
            try:
                write_atomic(action.path, action.text, create_only=True)
            except FileExistsError as error:
                raise NotesError(
                    action.path, 0, "a file appeared here while the import ran; run it again"
                ) from error
        elif action.kind == REFRESHED:
            assert action.text is not None
            write_atomic(action.path, action.text)


def summarise(actions: list[Action]) -> dict[str, Counter[str]]:
    """Counts of created / unchanged / refreshed pages per chapter."""
    table: dict[str, Counter[str]] = {}
    for action in actions:
        table.setdefault(action.chapter, Counter())[action.kind] += 1
    return table

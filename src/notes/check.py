"""Validate every page of the book and report problems as ``path:line: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from notes.chapters import CHAPTER_SLUGS
from notes.listing import normalise_title
from notes.model import NotesError
from notes.pages import PageText, find_blocks, iter_page_paths, load_pages, read_page_text
from notes.render import BLOCK_NAMES

PLACEMENT_CONFIDENCE = 0.6  # warn only when the classifier is this sure of another chapter


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


def check_book(book: Path, *, placement: bool = False) -> list[Problem]:
    """All problems found in the book's paper pages, sorted by file and line.

    With ``placement``, also warn about pages whose folder disagrees with a confident
    suggestion of the classifier trained on all pages.
    """
    problems = _check_pages(book)
    if placement and not any(p.severity == "error" for p in problems):
        problems.extend(placement_warnings(book))
    return sorted(problems)


def placement_warnings(book: Path) -> list[Problem]:
    from notes.classify import out_of_fold  # scikit-learn only when asked for

    pages = load_pages(book)
    suggestions = out_of_fold(pages)
    warnings = []
    for page in pages:
        suggestion = suggestions.get(page.path)
        if suggestion is None or suggestion.chapter == page.chapter:
            continue
        if suggestion.score >= PLACEMENT_CONFIDENCE:
            warnings.append(
                Problem(
                    _display(page.path),
                    1,
                    f"in '{page.chapter}' but the classifier suggests '{suggestion.chapter}' "
                    f"({suggestion.score:.2f}: {'; '.join(suggestion.reasons)}); "
                    "move it with `notes move` or say why on the chapter page",
                    "warning",
                )
            )
    return warnings


def _check_pages(book: Path) -> list[Problem]:
    problems: list[Problem] = []
    titles: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for path in iter_page_paths(book):
        shown = _display(path)
        if path.parent.name not in CHAPTER_SLUGS:
            known = ", ".join(CHAPTER_SLUGS)
            problems.append(
                Problem(shown, 1, f"folder '{path.parent.name}' is not a chapter ({known})")
            )
        try:
            page = read_page_text(path)
        except NotesError as error:
            problems.append(Problem(shown, error.line, error.message))
            continue
        problems.extend(_check_page(shown, page))
        title = page.data.get("title")
        if isinstance(title, str) and title.strip():
            key = normalise_title(title)
            if key in titles:
                problems.append(
                    Problem(shown, page.key_line("title"), f"same title as {titles[key]}")
                )
            else:
                titles[key] = shown
        if path.stem in slugs:
            problems.append(Problem(shown, 1, f"same slug '{path.stem}' as {slugs[path.stem]}"))
        else:
            slugs[path.stem] = shown
    return problems


def _check_page(shown: str, page: PageText) -> list[Problem]:
    problems: list[Problem] = []
    title = page.data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(shown, page.key_line("title"), "front matter needs a 'title'"))
    paper = page.data.get("paper")
    if not isinstance(paper, dict):
        problems.append(Problem(shown, page.key_line("paper"), "front matter needs a 'paper' map"))
    elif paper.get("id") != page.path.stem:
        problems.append(
            Problem(
                shown,
                page.key_line("paper"),
                f"paper.id is {paper.get('id')!r} but the file is named '{page.path.stem}'",
            )
        )
    blocks = find_blocks(page.body.splitlines())
    for name in BLOCK_NAMES:
        if name not in blocks:
            problems.append(
                Problem(
                    shown,
                    page.body_start_line,
                    f"generated block '{name}' is missing or not closed "
                    f"('% notes:{name}:start' ... '% notes:{name}:end'); "
                    "`notes import --refresh` restores it",
                )
            )
    return problems


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()

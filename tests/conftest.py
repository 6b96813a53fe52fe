"""Shared fixtures: the repository's real data, throwaway copies of the book, and one strict
build of a copy that tests read but never change.

Markers (declared in pyproject.toml): ``build`` for tests that run `jb build`, ``browser``
for tests that drive Chromium, ``kernel`` for tests that start Jupyter kernels, ``slow`` for
whole-book measurements that take more than a few seconds. `make test-fast` leaves all four
out. A test that changes a built book takes the ``changing_built`` fixture, never ``built``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from notes.importer import read_papers
from notes.pages import iter_page_paths
from notes.testing import (
    ROOT,
    SPHINX_PROBLEM,
    copy_project,
    jb_build,
    restore_book,
    snapshot_book,
)

__all__ = ["ROOT", "copy_project", "jb_build"]

# Property tests check promises, not speed: on a busy two-core machine the default 200 ms
# deadline per example fails them at random.
settings.register_profile("notes", deadline=None)
settings.load_profile("notes")

SEED = ROOT / "data" / "hf-trending-scalability.txt"
METADATA = ROOT / "data" / "metadata.csv"
BOOK = ROOT / "book"
TESTS = Path(__file__).resolve().parent
HOSTILE = TESTS / "listings" / "hostile.txt"
LOCK_NAME = ".notes.lock"

# No test asks the real arXiv API: imports are offline unless a test points the lookup at its
# own server on 127.0.0.1 (tests/test_lookup.py). Set for the session, so subprocesses inherit it.
os.environ["NOTES_OFFLINE"] = "1"


def page_count(book: Path) -> int:
    """How many paper pages ``book`` holds, counted from its files."""
    return sum(1 for _ in iter_page_paths(book))


def listed_papers(*listings: Path) -> int:
    """How many papers the listings hold (every listing in data/ when none is named)."""
    chosen = list(listings) or sorted((ROOT / "data").glob("*.txt"))
    return len(read_papers(chosen, None, ROOT))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project with the committed pages; returns its book folder."""
    return copy_project(tmp_path)


@pytest.fixture
def empty_book(tmp_path: Path) -> Path:
    """A copy of the project whose chapter folders hold only their index.md."""
    return copy_project(tmp_path, with_pages=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (build output and the writers' lock file excluded)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink() and "_build" not in p.parts and p.name != LOCK_NAME
    }


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A copy of the project with the hostile listing imported, built strictly once.

    Shared by the build tests and the browser tests (one build is the slow part): read it,
    never change it; use ``changing_built`` to change it.
    """
    from notes.cli import main

    book = copy_project(tmp_path_factory.mktemp("build"))
    assert main(["import", str(HOSTILE), "--book", str(book)]) == 0
    result = jb_build(book)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    assert not SPHINX_PROBLEM.search(log), log[-5000:]
    return book


@pytest.fixture
def changing_built(built: Path, tmp_path: Path) -> Iterator[Path]:
    """The built book, for a test that edits and rebuilds it; put back as built afterwards.

    Sphinx rebuilds incrementally only at the path a book was built in, so the test gets the
    session's book itself, and every byte and mtime of it is restored when the test ends
    (passed or failed): the next test, in any order, sees the book as first built.
    """
    kept = tmp_path / "built-book"
    snapshot_book(built, kept)
    try:
        yield built
    finally:
        restore_book(built, kept)


REPOSITORY_URL = "https://github.com/scaling-notes/scaling-notes"
FORK_URL = "https://github.com/a-fork/notes-fork"
HOSTILE_NOTES = TESTS / "hostile_notes"
SAFE_NOTES = TESTS / "safe_notes"
EXPECT = re.compile(r"^% expect: (?P<line>\d+): (?P<message>.+)$", re.MULTILINE)


def note_snippets(folder: Path) -> list[Path]:
    """The snippet files of a folder of notes (one case per file)."""
    return sorted(folder.glob("*.md"))


def expected_findings(snippet: Path) -> list[tuple[int, str]]:
    """A snippet's ``% expect: LINE: MESSAGE`` comments: line in the snippet, message start."""
    text = snippet.read_text(encoding="utf-8")
    return [(int(m["line"]), m["message"]) for m in EXPECT.finditer(text)]


def insert_into_key_ideas(page: Path, snippet: Path) -> int:
    """Put a snippet into a page's "Key ideas", after its guiding comment, as a contributor
    would; returns the page line where the snippet's first line landed."""
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    heading = lines.index("## Key ideas\n")
    comment = next(i for i in range(heading + 1, len(lines)) if lines[i].startswith("%"))
    snippet_lines = snippet.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[comment + 1 : comment + 1] = ["\n", *snippet_lines]
    page.write_text("".join(lines), encoding="utf-8")
    return comment + 3  # 1-based: the comment, a blank line, then the snippet


@dataclass
class NotesBuild:
    """A built copy of the book with snippets placed: snippet name -> (page, first line)."""

    book: Path
    placed: dict[str, tuple[Path, int]]
    log: str
    returncode: int


@pytest.fixture(scope="session")
def hostile_notes_built(tmp_path_factory) -> NotesBuild:
    """A copy of the project with each hostile snippet (and the safe ones) in the Key ideas
    of a page of its own, built once with -W --keep-going. Its ``_config.yml`` names a fork
    (repository.url and branch), so its buttons show that they follow the setting.

    --keep-going writes every page, so the HTML is what a build without -W publishes.
    """
    from notes.pages import load_pages

    book = copy_project(tmp_path_factory.mktemp("hostile-notes"))
    config = book.parent / "_config.yml"  # a fork: the buttons must follow repository.url
    text = config.read_text(encoding="utf-8")
    for old, new in ((REPOSITORY_URL, FORK_URL), ("branch: main", "branch: fork-branch")):
        assert old in text
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    pages = sorted(load_pages(book), key=lambda p: p.docname)
    snippets = note_snippets(HOSTILE_NOTES) + note_snippets(SAFE_NOTES)
    placed = {}
    for snippet, page in zip(snippets, pages, strict=False):
        placed[snippet.stem] = (page.path, insert_into_key_ideas(page.path, snippet))
    result = jb_build(book)
    return NotesBuild(book, placed, result.stdout + result.stderr, result.returncode)

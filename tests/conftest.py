"""Shared fixtures: the repository's real data, throwaway copies of the book, and one strict
build of a copy that tests read but never change.

Markers (declared in pyproject.toml): ``build`` for tests that run `jb build`, ``browser``
for tests that drive Chromium, ``slow`` for whole-book measurements that take more than a few
seconds. `make test-fast` leaves all three out. A test that changes a built book takes the
``changing_built`` fixture, never ``built``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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

SEED = ROOT / "data" / "hf-trending-scalability.txt"
METADATA = ROOT / "data" / "metadata.csv"
BOOK = ROOT / "book"
TESTS = Path(__file__).resolve().parent
HOSTILE = TESTS / "listings" / "hostile.txt"


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
    """Every file under ``folder`` (build output excluded) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink() and "_build" not in p.parts
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

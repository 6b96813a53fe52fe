"""Shared fixtures: the repository's real data, and throwaway copies of the book."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check promises, not speed: on a busy two-core machine the default 200 ms
# deadline per example fails them at random.
settings.register_profile("notes", deadline=None)
settings.load_profile("notes")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "hf-trending-scalability.txt"
METADATA = ROOT / "data" / "metadata.csv"
BOOK = ROOT / "book"
TESTS = Path(__file__).resolve().parent
LOCK_NAME = ".notes.lock"

# No test asks the real arXiv API: imports are offline unless a test points the lookup at its
# own server on 127.0.0.1 (tests/test_lookup.py). Set for the session, so subprocesses inherit it.
os.environ["NOTES_OFFLINE"] = "1"


def copy_project(target: Path, *, with_pages: bool = True) -> Path:
    """Copy what `jb build book/` reads (config, toc, notebooks, book) into ``target``.

    The symlinks in book/ are kept as symlinks, so the copy has the same layout as the repo.
    Returns the copied book folder.
    """
    for name in ("_config.yml", "_toc.yml", "CONTRIBUTING.md"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "notebooks", target / "notebooks", ignore=_ignore_checkpoints)
    shutil.copytree(ROOT / "data", target / "data")
    book = target / "book"
    shutil.copytree(
        BOOK,
        book,
        symlinks=True,
        ignore=shutil.ignore_patterns("_build", *([] if with_pages else ["*.md"])),
    )
    if not with_pages:
        for name in ("intro.md", "contributing.md"):
            shutil.copy2(BOOK / name, book / name)
    return book


def _ignore_checkpoints(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n == ".ipynb_checkpoints"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project with the committed pages; returns its book folder."""
    return copy_project(tmp_path)


@pytest.fixture
def empty_book(tmp_path: Path) -> Path:
    """A copy of the project whose chapter folders hold no pages yet."""
    return copy_project(tmp_path, with_pages=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (build output and the writers' lock file excluded)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink() and "_build" not in p.parts and p.name != LOCK_NAME
    }


JB = Path(sys.executable).with_name("jb")
HOSTILE = TESTS / "listings" / "hostile.txt"
SPHINX_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL):")


def jb_build(book: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JB), "build", str(book), "-W", "-n", "--keep-going", *extra],
        capture_output=True,
        text=True,
        check=False,
        cwd=book.parent,
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A copy of the project with the hostile listing imported, built strictly once.

    Shared by the build tests and the browser tests (one build is the slow part).
    """
    from notes.cli import main

    book = copy_project(tmp_path_factory.mktemp("build"))
    assert main(["import", str(HOSTILE), "--book", str(book)]) == 0
    result = jb_build(book)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    # Sphinx's own format; the kernel's "[IPKernelApp] WARNING |" notice about TCP is not one.
    assert not SPHINX_PROBLEM.search(log), log[-5000:]
    return book

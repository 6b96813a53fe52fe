"""Copies of the project and strict builds of them, shared by the tests and the benchmarks.

Both need a throwaway copy of what `jb build book/` reads and the book's strict build
command; keeping one definition here means "a copy without pages" and "the strict build" mean
the same thing in a test and in a measurement.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

# The repository this (editable) package was installed from.
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv's bin: jb, notes, sphinx-build
# The README's `make book`, run from the project root.
STRICT_BUILD = ("build", "book/", "-W", "-n", "--keep-going")
# Sphinx's own format; the kernel's "[IPKernelApp] WARNING |" notice about TCP is not one.
SPHINX_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL):")
PROJECT_FILES = ("_config.yml", "_toc.yml", "CONTRIBUTING.md")
_SKIPPED = ("_build", ".ipynb_checkpoints")


def chapter_names(book: Path) -> list[str]:
    """The chapter folders of a book: those with an index.md (not symlinks)."""
    return sorted(p.parent.name for p in book.glob("*/index.md") if not p.parent.is_symlink())


def copy_project(target: Path, *, with_pages: bool = True, root: Path = ROOT) -> Path:
    """Copy what `jb build book/` reads (config, toc, notebooks, data, book) into ``target``.

    book/'s symlinks stay symlinks, so the copy has the repository's layout; build output is
    left out. Without pages, each chapter folder keeps only its index.md, so the copy still
    builds. Returns the copy's book folder.
    """
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(root / name, target / name)
    shutil.copytree(root / "notebooks", target / "notebooks", ignore=_skip)
    shutil.copytree(root / "data", target / "data")
    book = root / "book"
    chapters = {str(book / name) for name in chapter_names(book)}

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = set(_skip(directory, names))
        if not with_pages and directory in chapters:
            ignored |= {n for n in names if n.endswith(".md") and n != "index.md"}
        return ignored

    shutil.copytree(book, target / "book", symlinks=True, ignore=ignore)
    return target / "book"


def _skip(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n in _SKIPPED]


def strict_build_command(book: Path) -> list[str]:
    """The strict build of ``book`` (run from its parent, the project copy's root)."""
    return [str(BIN / "jb"), *STRICT_BUILD[:1], str(book), *STRICT_BUILD[2:]]


def jb_build(book: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Build ``book`` strictly, as `make book` does; the caller judges the result."""
    return subprocess.run(
        [*strict_build_command(book), *extra],
        capture_output=True,
        text=True,
        check=False,
        cwd=book.parent,
    )


def snapshot_book(book: Path, snapshot: Path) -> None:
    """Keep a copy of ``book`` (sources and build output) with its mtimes."""
    shutil.copytree(book, snapshot, symlinks=True)  # copy2 keeps the mtimes


def restore_book(book: Path, snapshot: Path) -> None:
    """Put back ``book`` exactly as snapshotted: same path, same bytes, same mtimes.

    Sphinx refuses an environment whose source folder moved, so a built book can only be
    reused for an incremental build at the path it was built in.
    """
    shutil.rmtree(book)
    shutil.copytree(snapshot, book, symlinks=True)

"""Parsed pages cached on disk, keyed by a hash of their bytes and of this package.

Each analysis notebook runs in its own kernel, and the Sphinx extension needs the pages too;
parsing YAML front matter is the slow part (about 1.5 ms a page), so the first reader of a
build parses and every later one unpickles. A page edit, added page or package change makes a
new key, so a stale entry is never read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from notes.freshness import package_fingerprint
from notes.pages import Page, iter_page_paths, load_pages

CACHE_FOLDER = Path("_build") / ".notes-cache"


def pages_key(book: Path) -> str:
    hasher = hashlib.sha256(package_fingerprint().encode())
    hasher.update(str(book.resolve()).encode() + b"\0")  # pages hold absolute paths
    for path in iter_page_paths(book):
        hasher.update(path.relative_to(book).as_posix().encode() + b"\0")
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def cached_pages(book: Path) -> list[Page]:
    """``load_pages(book)``, from the cache when no page changed since it was written."""
    folder = book / CACHE_FOLDER
    target = folder / f"pages-{pages_key(book)[:32]}.pickle"
    if target.exists():
        try:
            with target.open("rb") as stream:
                return pickle.load(stream)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            pass  # a cache written by other code, or half-written: parse again
    pages = load_pages(book)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("pages-*.pickle"):
            old.unlink(missing_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as stream:
            pickle.dump(pages, stream, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(target)
    except OSError:
        pass  # a read-only book still builds, just without the cache
    return pages

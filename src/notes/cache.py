"""Work cached on disk between builds and kernels, keyed by a hash of what it depends on.

Each analysis notebook runs in its own kernel, and the Sphinx extension needs the pages too;
parsing YAML front matter is the slow part (about 1.5 ms a page), so the first reader of a
build parses and every later one unpickles. The related-papers lists need scikit-learn, whose
import alone takes a second; they are kept until a title or abstract changes. A changed input
or package makes a new key, so a stale entry is never read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from notes.freshness import package_fingerprint
from notes.pages import Page, iter_page_paths, load_pages

CACHE_FOLDER = Path("_build") / ".notes-cache"


T = TypeVar("T")


def cached(book: Path, kind: str, inputs: Iterable[str], compute: Callable[[], T]) -> T:
    """``compute()``, or its result from an earlier call with the same ``inputs`` and package.

    One file per ``kind`` is kept; a failure to read or write the cache only costs the time.
    """
    hasher = hashlib.sha256(package_fingerprint().encode())
    for item in inputs:
        hasher.update(item.encode() + b"\0")
    return _cached_file(book / CACHE_FOLDER, kind, hasher.hexdigest()[:32], compute)


def _cached_file(folder: Path, kind: str, key: str, compute: Callable[[], T]) -> T:
    target = folder / f"{kind}-{key}.pickle"
    if target.exists():
        try:
            with target.open("rb") as stream:
                return pickle.load(stream)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            pass  # a cache written by other code, or half-written: compute again
    value = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{kind}-*.pickle"):
            old.unlink(missing_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(target)
    except OSError:
        pass  # a read-only book still builds, just without the cache
    return value


def pages_key(book: Path) -> str:
    hasher = hashlib.sha256(package_fingerprint().encode())
    hasher.update(str(book.resolve()).encode() + b"\0")  # pages hold absolute paths
    for path in iter_page_paths(book):
        hasher.update(path.relative_to(book).as_posix().encode() + b"\0")
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def cached_pages(book: Path) -> list[Page]:
    """``load_pages(book)``, from the cache when no page changed since it was written."""
    return _cached_file(
        book / CACHE_FOLDER, "pages", pages_key(book)[:32], lambda: load_pages(book)
    )

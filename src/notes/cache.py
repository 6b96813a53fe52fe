"""Work cached on disk between builds and kernels, keyed by a hash of what it depends on.

Each analysis notebook runs in its own kernel, and the Sphinx extension needs the pages too;
parsing YAML front matter is the slow part (about 4 ms a page), so the first reader of a
build parses and every later one unpickles, and a page is parsed again only when its bytes
change. The related-papers lists need scikit-learn, whose import alone takes a second; they
are kept until a title or abstract changes. A changed input or package makes a new key, so a
stale entry is never read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from notes.chapters import CHAPTER_SLUGS
from notes.freshness import package_fingerprint
from notes.pages import Page, iter_page_paths, load_page

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
    value = _read_pickle(folder / f"{kind}-{key}.pickle")
    if value is not None:
        return value
    value = compute()
    _write_pickle(folder, kind, key, value)
    return value


# The parsed pages: for each page file (path in the book), the hash of its bytes and the Page.
PageEntries = dict[str, tuple[str, Page]]


def cached_pages(book: Path) -> list[Page]:
    """``load_pages(book)``, parsing only the page files whose bytes changed since last time.

    One cache file per book (pages hold absolute paths) and package version; after an edit to
    one page, a rebuild parses that page rather than all of them.
    """
    hasher = hashlib.sha256(package_fingerprint().encode())
    hasher.update(str(book.resolve()).encode())
    folder, key = book / CACHE_FOLDER, hasher.hexdigest()[:32]
    known: PageEntries = _read_pickle(folder / f"pages-{key}.pickle") or {}
    entries: PageEntries = {}
    for path in iter_page_paths(book):
        if path.parent.name not in CHAPTER_SLUGS:
            continue
        name = path.relative_to(book).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        entry = known.get(name)
        entries[name] = entry if entry and entry[0] == digest else (digest, load_page(path))
    if entries != known:
        _write_pickle(folder, "pages", key, entries)
    return [page for _, page in entries.values()]


def _read_pickle(target: Path) -> Any:
    """What ``target`` holds, or None when it is missing or unreadable."""
    try:
        with target.open("rb") as stream:
            return pickle.load(stream)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        return None  # none yet, or written by other code, or half-written: compute again


def _write_pickle(folder: Path, kind: str, key: str, value: Any) -> None:
    """Keep ``value`` as the one cache file of ``kind``; a failure only costs time later."""
    target = folder / f"{kind}-{key}.pickle"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{kind}-*.pickle"):
            if old != target:
                old.unlink(missing_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(target)
    except OSError:
        pass  # a read-only book still builds, just without the cache

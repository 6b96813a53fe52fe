"""One writer at a time: `notes import` and `notes add` hold a lock on the book while they work.

The lock is ``book/.notes.lock`` (an advisory ``flock`` through filelock, released by the
kernel when a process dies, so a killed run never leaves the book locked). Whoever holds it
is the only writer, so temporary files found then were stranded by a killed run and are
removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from notes.chapters import CHAPTER_SLUGS
from notes.model import NotesError
from notes.pages import sweep_temporary_files

LOCK_NAME = ".notes.lock"


@contextmanager
def book_lock(book: Path, *, wait: float = 0, also_sweep: tuple[Path, ...] = ()) -> Iterator[None]:
    """Hold the book's lock, waiting up to ``wait`` seconds for another run to finish."""
    path = book / LOCK_NAME
    lock = FileLock(path, timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        waited = f" after waiting {wait:g} s" if wait > 0 else ""
        raise NotesError(
            path,
            0,
            f"another `notes import` or `notes add` is writing this book{waited}; "
            "let it finish (or pass --wait SECONDS to wait for it)",
        ) from None
    try:
        folders = [book / chapter for chapter in CHAPTER_SLUGS if (book / chapter).is_dir()]
        for folder in [*folders, *also_sweep]:
            if folder.is_dir():
                sweep_temporary_files(folder)
        yield
    finally:
        lock.release()

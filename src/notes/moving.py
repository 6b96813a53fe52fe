"""Move a page to another chapter: the folder is the chapter, so moving is a rename."""

from __future__ import annotations

import os
from pathlib import Path

from notes.chapters import CHAPTER_SLUGS
from notes.model import NotesError
from notes.pages import iter_page_paths


def move_page(book: Path, slug: str, chapter: str) -> Path:
    """Rename book/<old>/<slug>.md to book/<chapter>/<slug>.md without touching its bytes."""
    if chapter not in CHAPTER_SLUGS:
        raise NotesError(book, 0, f"unknown chapter '{chapter}' ({', '.join(CHAPTER_SLUGS)})")
    matches = [path for path in iter_page_paths(book) if path.stem == slug]
    if not matches:
        raise NotesError(book, 0, f"no page named '{slug}.md' in any chapter")
    if len(matches) > 1:
        raise NotesError(matches[1], 1, f"slug '{slug}' is used by more than one page")
    source = matches[0]
    target = book / chapter / source.name
    if source == target:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    os.link(source, target)  # refuses to replace an existing file
    source.unlink()
    return target

"""Move a page to another chapter: the folder is the chapter, so moving is a rename.

The page keeps every byte; Markdown links to it from other pages of the book are rewritten,
so the book keeps building strictly.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from notes.chapters import CHAPTER_SLUGS
from notes.model import NotesError
from notes.pages import iter_page_paths, read_exact, write_atomic

# [text](target) or [text](<target>), target possibly with a #fragment.
LINK = re.compile(r"(?P<open>\]\(\s*<?)(?P<target>[^)\s<>#]+\.md)(?P<rest>#[^)\s>]*)?(?=>?\s*\))")


def move_page(book: Path, slug: str, chapter: str) -> Path:
    """Rename book/<old>/<slug>.md to book/<chapter>/<slug>.md; fix links to it elsewhere."""
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
    for markdown in sorted(book.glob("**/*.md")):
        if "_build" not in markdown.parts and markdown != target:
            _relink(markdown, source.resolve(), target.resolve())
    return target


def _relink(markdown: Path, old: Path, new: Path) -> None:
    text = read_exact(markdown)
    folder = markdown.parent.resolve()

    def replace(match: re.Match[str]) -> str:
        if (folder / match["target"]).resolve() != old:
            return match.group(0)
        relative = Path(os.path.relpath(new, folder)).as_posix()
        return f"{match['open']}{relative}{match['rest'] or ''}"

    updated = LINK.sub(replace, text)
    if updated != text:
        write_atomic(markdown, updated)

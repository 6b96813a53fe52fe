"""Parse abstract listings: plain text scraped from a trending-papers page.

The format, as scraped: optional page chrome, the word "Subscribe" glued to the first title,
then title and abstract lines alternating. Blank lines between records are tolerated.
Every problem is reported as ``FILE:LINE: message`` before anything is written.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from notes.model import NotesError, Paper

PAGE_CHROME = frozenset(
    {
        "Get trending papers in your email inbox once a day!",
        "Get trending papers in your email inbox!",
        "Subscribe",
    }
)
GLUED_PREFIX = "Subscribe"
MAX_TITLE_CHARS = 300
MIN_ABSTRACT_CHARS = 40
SHORT_ABSTRACT_CHARS = 200
SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")


def parse_listing(path: str | Path, *, source: str | None = None) -> list[Paper]:
    """Read one listing file; ``source`` is the name recorded on each paper (default: the path)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotesError(path, 0, f"cannot read listing: {error.strerror}") from error
    return parse_listing_text(_decode(raw, path), path, source=source)


def parse_listing_text(text: str, path: str | Path, *, source: str | None = None) -> list[Paper]:
    """Parse listing text; ``path`` is only used in messages and as the default source."""
    # Lines are counted as editors count them: by "\n" only (a stray "\r" is stripped).
    lines = [(number, line.strip()) for number, line in enumerate(text.split("\n"), start=1)]
    content = [(number, line) for number, line in lines if line]
    content = _drop_chrome(content)
    if not content:
        raise NotesError(path, 1, "no papers found: the listing is empty or holds only page chrome")

    papers: list[Paper] = []
    seen: dict[str, int] = {}
    for index in range(0, len(content), 2):
        title_line, title = content[index]
        _check_text(path, title_line, title)
        _check_title(path, title_line, title)
        if index + 1 >= len(content):
            raise NotesError(path, title_line, f"title {_short(title)} has no abstract after it")
        abstract_line, abstract = content[index + 1]
        _check_text(path, abstract_line, abstract)
        _check_abstract(path, abstract_line, abstract, title)
        key = normalise_title(title)
        if key in seen:
            raise NotesError(
                path, title_line, f"duplicate title {_short(title)} (first at line {seen[key]})"
            )
        seen[key] = title_line
        papers.append(
            Paper(title=title, abstract=abstract, source=source or str(path), line=title_line)
        )
    return papers


# What str.isalnum() rejects: \w is exactly isalnum() plus the underscore.
NOT_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)
def normalise_title(title: str) -> str:
    """The key titles are matched on: case, punctuation, spacing and Unicode forms ignored.

    Remembered: an import asks for each title's key several times (listing, metadata, the
    book's pages, the same-paper checks)."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(NOT_ALNUM.sub(" ", folded).split())


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise NotesError(path, line, "not UTF-8 text") from error


def _drop_chrome(content: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Skip leading chrome lines and unglue "Subscribe" from the first title."""
    start = 0
    while start < len(content) and content[start][1] in PAGE_CHROME:
        start += 1
    content = content[start:]
    if content and content[0][1].startswith(GLUED_PREFIX):
        number, line = content[0]
        rest = line[len(GLUED_PREFIX) :]
        # Only a glued prefix is chrome: "Subscriber Churn at Scale" keeps its first word.
        if rest and (rest[0].isupper() or not rest[0].isalpha()):
            content[0] = (number, rest.strip())
    return content


# Unicode's control characters (category Cc) are exactly C0, DEL and C1; tab is allowed.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _check_text(path: Path, line: int, text: str) -> None:
    match = CONTROL_CHARACTER.search(text)
    if match:
        raise NotesError(path, line, f"control character U+{ord(match[0]):04X} in the text")


def _check_title(path: Path, line: int, title: str) -> None:
    if len(title) > MAX_TITLE_CHARS:
        raise NotesError(
            path,
            line,
            f"title is {len(title):,} characters long (limit {MAX_TITLE_CHARS}): "
            "is an abstract where a title should be, or is a line missing above it?",
        )
    if len(SENTENCE_BREAK.findall(title)) >= 2 and title.endswith("."):
        raise NotesError(
            path,
            line,
            "this line reads like an abstract (several sentences) where a title should be",
        )


def _check_abstract(path: Path, line: int, abstract: str, title: str) -> None:
    if len(abstract) < MIN_ABSTRACT_CHARS:
        raise NotesError(
            path,
            line,
            f"abstract of {_short(title)} is only {len(abstract)} characters "
            f"(at least {MIN_ABSTRACT_CHARS}): is a title where an abstract should be?",
        )
    if len(abstract) < SHORT_ABSTRACT_CHARS and not re.search(r"[.!?]", abstract):
        raise NotesError(
            path,
            line,
            f"abstract of {_short(title)} has no sentence in it: is a title where an abstract "
            "should be, or is a line missing?",
        )


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")

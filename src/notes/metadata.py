"""Paper metadata (arXiv id, date, authors) joined to listings on the normalised title."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from notes.listing import normalise_title
from notes.model import NotesError

ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")
PUBLISHED = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
REQUIRED_COLUMNS = ("title", "arxiv_id", "published", "authors")


@dataclass(frozen=True)
class Metadata:
    arxiv: str | None
    published: str | None
    authors: tuple[str, ...]
    abstract_url: str | None = None


def load_metadata(path: str | Path) -> dict[str, Metadata]:
    """Read the metadata CSV into a map from normalised title to what is known."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise NotesError(path, 0, f"cannot read metadata: {error.strerror}") from error
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise NotesError(path, 1, f"metadata is missing column(s): {', '.join(missing)}")
        known: dict[str, Metadata] = {}
        for row in reader:
            line = reader.line_num
            key = normalise_title(row["title"] or "")
            if not key:
                raise NotesError(path, line, "metadata row has no title")
            known[key] = _parse_row(row, path, line)
    return known


def _parse_row(row: dict[str, str], path: Path, line: int) -> Metadata:
    arxiv = (row["arxiv_id"] or "").strip() or None
    if arxiv and not ARXIV_ID.match(arxiv):
        raise NotesError(path, line, f"arxiv_id {arxiv!r} is not of the form 2406.18485")
    published = (row["published"] or "").strip() or None
    if published and not PUBLISHED.match(published):
        raise NotesError(path, line, f"published {published!r} is not YYYY-MM or YYYY-MM-DD")
    if not published and arxiv:
        # New-style arXiv ids start with the year and month of first submission.
        published = f"20{arxiv[:2]}-{arxiv[2:4]}"
    authors = tuple(a.strip() for a in (row["authors"] or "").split(";") if a.strip())
    abstract_url = (row.get("abstract_url") or "").strip() or None
    if abstract_url and not abstract_url.startswith("https://"):
        raise NotesError(path, line, f"abstract_url {abstract_url!r} is not an https URL")
    return Metadata(arxiv=arxiv, published=published, authors=authors, abstract_url=abstract_url)

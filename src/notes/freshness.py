"""Which aggregate pages a change makes stale: a digest of the page fields each one reads.

Sphinx re-reads a page when its own source changes. The analysis notebooks and the tag and
card pages aggregate every paper page instead, so each records which fields it reads, and the
Sphinx extension re-reads one only when a digest of those fields over all pages differs from
the last build's: editing a page's notes re-executes nothing, adding a page re-executes every
table that lists papers, and a status change re-executes only the tables that show status.

The notebooks run in a kernel, so their record travels through a file named by an
environment variable the extension sets before myst-nb starts each notebook's kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from notes.pages import Page

# The fields of a page an aggregate can read; a page's chapter and slug always count.
FIELDS = (
    "title",
    "summary",
    "checked",
    "status",
    "arxiv",
    "published",
    "authors",
    "code",
    "tags",
    "claims",
    "abstract",
)
RECORD_ENV = "NOTES_READS_RECORD"


def check_fields(fields: Iterable[str]) -> tuple[str, ...]:
    """The fields, in canonical order; an unknown name is a programming error worth a stop."""
    wanted = set(fields)
    unknown = wanted - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown page fields {sorted(unknown)}; known: {', '.join(FIELDS)}")
    return tuple(f for f in FIELDS if f in wanted)


def page_fields(page: Page) -> dict[str, Any]:
    """Every field of ``FIELDS`` as the catalogue shows it."""
    paper = page.data.get("paper") or {}
    return {
        "title": page.title,
        "summary": page.data.get("summary") or None,
        "checked": page.data.get("checked") is True,
        "status": page.data.get("status") or "stub",
        "arxiv": paper.get("arxiv"),
        "published": str(paper.get("published") or "") or None,
        "authors": [str(a) for a in paper.get("authors") or []],
        "code": paper.get("code"),
        "tags": [str(t) for t in page.data.get("tags") or []],
        "claims": [dict(c) for c in page.data.get("claims") or [] if isinstance(c, dict)],
        "abstract": page.abstract,
    }


def digest(pages: Iterable[Page], fields: Iterable[str]) -> str:
    """A hash of the given fields of every page, with each page's chapter and slug."""
    names = check_fields(fields)
    hasher = hashlib.sha256()
    for page in sorted(pages, key=lambda p: (p.chapter, p.slug)):
        values = page_fields(page)
        record = [page.chapter, page.slug, [values[name] for name in names]]
        hasher.update(json.dumps(record, default=str, sort_keys=True).encode())
        hasher.update(b"\n")
    return hasher.hexdigest()


def record_reads(fields: Iterable[str]) -> None:
    """Add ``fields`` to the running notebook's record, when the build asked for one."""
    target = os.environ.get(RECORD_ENV)
    if not target:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    known = recorded_reads(path) or ()
    path.write_text(json.dumps(list(check_fields([*known, *fields]))), encoding="utf-8")


def recorded_reads(path: Path) -> tuple[str, ...] | None:
    """The fields a notebook's kernel recorded; None when it never read the catalogue."""
    if not path.exists():
        return None
    return check_fields(json.loads(path.read_text(encoding="utf-8")))


def package_fingerprint() -> str:
    """A hash of this package's code and data: aggregates' output depends on them too."""
    root = Path(__file__).parent
    hasher = hashlib.sha256()
    for path in sorted([*root.glob("*.py"), *root.glob("data/*")]):
        hasher.update(path.name.encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()

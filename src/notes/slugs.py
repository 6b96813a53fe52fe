"""Short, stable, unique ASCII file names for papers.

A slug depends on the title alone (so re-importing gives the same name), is the short name
before a colon when the title has one ("LoongTrain: ..." -> ``loongtrain``), and otherwise a
few leading words. Collisions get a suffix derived from the title's hash, not from import order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Container

from anyascii import anyascii
from slugify import slugify

SHORT_NAME_MAX_WORDS = 4
MIN_SHORT_NAME_CHARS = 3
LEADING_WORDS = 5
MAX_SLUG_CHARS = 48
# Names the book itself uses in a chapter folder or at the top level of the build.
RESERVED = frozenset({"index", "genindex", "search", "intro", "notebooks", "_static", "_sources"})


def base_slug(title: str) -> str:
    """The preferred slug for a title, before collisions are considered."""
    ascii_title = anyascii(title)
    head, colon, tail = ascii_title.partition(":")
    if colon and 0 < len(head.split()) <= SHORT_NAME_MAX_WORDS:
        candidate = _slug(head)
        if len(candidate) < MIN_SHORT_NAME_CHARS:  # "S*: Test Time ..." -> s-test-time-scaling
            candidate = _slug(" ".join([head, *tail.split()[:3]]))
        if candidate:
            return candidate
    words = ascii_title.split()
    candidate = _slug(" ".join(words[:LEADING_WORDS]))
    if candidate and candidate not in RESERVED:
        return candidate
    return "paper-" + title_hash(title)


def title_hash(title: str, length: int = 6) -> str:
    return hashlib.sha1(title.encode("utf-8")).hexdigest()[:length]


def unique_slug(title: str, taken: Container[str]) -> str:
    """The slug for a new page, avoiding every name in ``taken`` and the reserved names.

    ``taken`` is only asked about membership, never copied: an import of n papers stays linear.
    """
    base = base_slug(title)
    for candidate in (base, *(f"{base}-{title_hash(title, n)}" for n in (6, 10, 40))):
        if candidate not in taken and candidate not in RESERVED:
            return candidate
    raise ValueError(f"no free slug for title {title!r}")


def _slug(text: str) -> str:
    slug = slugify(text, max_length=MAX_SLUG_CHARS, word_boundary=True, lowercase=True)
    return "" if slug in RESERVED else slug

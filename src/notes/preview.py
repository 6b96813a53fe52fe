"""Link previews: the Open Graph and Twitter-card ``<meta>`` tags of a page.

A shared link shows the page's title, a description and the site image. A paper page's
description is the reader's summary (``notes.sphinx_share`` passes it); any other page's is
the start of its text. sphinxext-opengraph writes the same tags, but it imports matplotlib when
Sphinx loads it (for social-card images this book does not use): 0.75 s on every build, a
quarter of the rebuild after editing a page, for a dozen tags.
"""

from __future__ import annotations

import html

from docutils import nodes

DESCRIPTION_CHARS = 200  # a longer text is cut at a word, with an ellipsis


def preview_tags(
    *, title: str, description: str, url: str, site_name: str, image: str, image_alt: str
) -> str:
    """The tags, one a line; every value is escaped here, so any text is safe to pass."""
    tags = [
        ("property", "og:type", "website"),
        ("property", "og:site_name", site_name),
        ("property", "og:title", title),
        ("property", "og:url", url),
        ("property", "og:image", image),
        ("property", "og:image:alt", image_alt),
        ("name", "twitter:card", "summary"),
        ("name", "twitter:title", title),
        ("name", "twitter:image", image),
    ]
    if description:
        tags += [
            ("property", "og:description", description),
            ("name", "description", description),
            ("name", "twitter:description", description),
        ]
    return "".join(
        f'<meta {kind}="{key}" content="{html.escape(value, quote=True)}" />\n'
        for kind, key, value in tags
    )


def page_title(doctree: nodes.document | None) -> str:
    """The text of the page's first heading; empty without one."""
    heading = next(iter(doctree.findall(nodes.title)), None) if doctree else None
    return heading.astext().strip() if heading is not None else ""


def page_description(doctree: nodes.document | None, limit: int = DESCRIPTION_CHARS) -> str:
    """The start of the page's prose: its first paragraphs, cut at a word near ``limit``."""
    if doctree is None:
        return ""
    words: list[str] = []
    length = 0
    for paragraph in doctree.findall(nodes.paragraph):
        if paragraph.parent is not None and isinstance(paragraph.parent, nodes.admonition):
            continue  # a box beside the text, not its opening
        for word in paragraph.astext().split():
            if length + len(word) > limit:
                return " ".join(words) + " …"
            words.append(word)
            length += len(word) + 1
    return " ".join(words)

"""Render a paper page (MyST markdown) following the page contract.

Generator-owned parts: the front matter keys ``title`` and ``paper``, and the blocks between
``% notes:NAME:start`` and ``% notes:NAME:end`` markers. Everything else is the contributor's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from notes.bibtex import cite_key, entry
from notes.extract import extract
from notes.markup import dump_yaml, escape_inline, fence_for
from notes.model import Paper

GENERATED_KEYS = ("title", "paper")
BLOCK_NAMES = ("header", "abstract", "glance", "citation")
ABSTRACT_DIRECTIVE = "paper-abstract"
NOTE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("TL;DR", "What the paper does and why it matters, in one or two sentences of your own."),
    ("Key ideas", "The mechanisms or insights that make it work; a short list is fine."),
    (
        "Results worth remembering",
        "Numbers a reader should carry away, with the setting they hold in "
        "(hardware, model size, baseline).",
    ),
    (
        "Limitations and open questions",
        "What the paper does not show, assumptions that may not hold, what you would test next.",
    ),
    (
        "Related",
        "Other pages of this book and how they relate, e.g. [DistServe](../serving/distserve.md).",
    ),
)
STATUSES = ("stub", "draft", "reviewed")


def generated_front_matter(paper: Paper, slug: str) -> dict[str, Any]:
    """The front matter keys the generator owns and rewrites on ``--refresh``."""
    info: dict[str, Any] = {"id": slug, "source": paper.source}
    if paper.arxiv:
        info["arxiv"] = paper.arxiv
    if paper.published:
        info["published"] = paper.published
    if paper.authors:
        info["authors"] = list(paper.authors)
    if paper.code:
        info["code"] = paper.code
    if paper.abstract_url:
        info["abstract_url"] = paper.abstract_url
    return {"title": paper.title, "paper": info}


def contributor_front_matter(paper: Paper) -> dict[str, Any]:
    """Keys suggested once, at creation (or to fill empty ones); contributors own them."""
    found = extract(paper.title, paper.abstract)
    return {
        "summary": found.summary,
        "tags": list(found.tags),
        "claims": [claim.as_dict() for claim in found.claims],
        "checked": False,  # a reader sets it after checking summary and claims
        "status": STATUSES[0],
    }


def render_front_matter(data: dict[str, Any]) -> str:
    return dump_yaml(data)


def render_block(name: str, paper: Paper, slug: str) -> str:
    """One generator-owned block, markers included, ending with a newline."""
    renderers = {"header": _header, "abstract": _abstract, "glance": _glance, "citation": _citation}
    body = renderers[name](paper, slug)
    return (
        f"% notes:{name}:start (generated: `notes import --refresh` rewrites this block)\n"
        f"{body}"
        f"% notes:{name}:end\n"
    )


def render_page(paper: Paper, slug: str) -> str:
    """The full text of a new page."""
    front = render_front_matter(
        generated_front_matter(paper, slug) | contributor_front_matter(paper)
    )
    blocks = "\n".join(render_block(name, paper, slug) for name in BLOCK_NAMES)
    sections = "\n".join(f"## {heading}\n\n% {prompt}\n" for heading, prompt in NOTE_SECTIONS)
    return f"---\n{front}---\n\n{blocks}\n{sections}"


def _header(paper: Paper, slug: str) -> str:
    links = _links(paper)
    line = f"\n{links}\n" if links else ""
    return f"# {escape_inline(paper.title)}\n{line}\n"


def _links(paper: Paper) -> str:
    parts: list[str] = []
    if paper.arxiv:
        parts.append(f"[arXiv:{paper.arxiv}](https://arxiv.org/abs/{paper.arxiv})")
        parts.append(f"[PDF](https://arxiv.org/pdf/{paper.arxiv})")
    else:
        query = urlencode({"query": paper.title, "searchtype": "title"})
        parts.append(f"[search arXiv for the title](<https://arxiv.org/search/?{query}>)")
    if paper.code:
        parts.append(f"[code](<{paper.code}>)")
    if paper.abstract_url:
        parts.append(f"[abstract source](<{paper.abstract_url}>)")
    if paper.published:
        parts.append(f"published {paper.published}")
    if paper.authors:
        parts.append(escape_inline(", ".join(paper.authors)))
    return " · ".join(parts)


def _abstract(paper: Paper, slug: str) -> str:
    fence = fence_for(paper.abstract)
    return f"{fence}{{{ABSTRACT_DIRECTIVE}}}\n{paper.abstract}\n{fence}\n"


GLANCE_DIRECTIVE = "paper-glance"


def _glance(paper: Paper, slug: str) -> str:
    """The At-a-glance box is built from the front matter at build time (``notes.glance``)."""
    return f"```{{{GLANCE_DIRECTIVE}}}\n```\n"


def _citation(paper: Paper, slug: str) -> str:
    info = generated_front_matter(paper, slug)["paper"]
    bib = entry(slug, paper.title, info)
    inner = fence_for(bib)
    outer = inner + "`"
    return (
        f"Cite as {{cite:t}}`{cite_key(slug, info)}`.\n\n"
        f"{outer}{{dropdown}} BibTeX entry\n{inner}bibtex\n{bib}{inner}\n{outer}\n"
    )

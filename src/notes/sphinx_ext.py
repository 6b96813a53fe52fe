"""The book's Sphinx extension: the verbatim abstract, cards, tags and related papers on the
pages, papers.json, the generated bibliography, and fixes to what the themes emit (those
that rely on other packages' internals live in ``notes.upstream``).

Enable with ``sphinx: extra_extensions: [notes.sphinx_ext]`` in ``_config.yml``. What a build
re-reads, and the notebooks run side by side, live in ``notes.sphinx_fresh``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from notes import __version__, bibtex, safety, sphinx_share, upstream
from notes.chapters import CHAPTER_BY_SLUG, CHAPTER_SLUGS
from notes.markup import fence_for
from notes.render import NOTE_SECTIONS
from notes.sphinx_fresh import (
    RelatedList,
    book_pages,
    finish_reads_record,
    freeze_pages,
    is_paper_page,
    merge_reads,
    note_reads,
    outdated_aggregates,
    outdated_related,
    purge_reads,
    read_notebook,
    start_notebooks,
    stop_notebooks,
    thaw_pages,
)

logger = logging.getLogger(__name__)


def guard_contributor_pages(app: Sphinx, docname: str, source: list[str]) -> None:
    """Refuse what ``notes check`` refuses, on every page of a chapter folder, at build time.

    A page that never went through ``notes check`` still cannot publish a live script or a
    file from outside the book: each finding is a warning naming page and line (an error
    under ``-W``), and the blocks holding them are read as literal text.
    """
    if docname.partition("/")[0] not in CHAPTER_SLUGS or "/" not in docname:
        return
    extensions = upstream.myst_extensions(app.env)
    path = Path(app.env.doc2path(docname))
    findings = safety.scan_page(source[0], path, Path(app.srcdir), extensions)
    for finding in findings:
        logger.warning(
            finding.message, location=(docname, finding.line), type="notes", subtype="unsafe"
        )
    if findings:
        safe = safety.neutralise(source[0], findings, extensions)
        if safety.scan_page(safe, path, Path(app.srcdir), extensions):  # not expected
            fence = fence_for(source[0])
            safe = f"{fence}text\n{source[0]}\n{fence}\n"  # the whole page as text
        source[0] = safe


class PaperAbstract(SphinxDirective):
    """Show the directive's body as plain text in an "Abstract" admonition.

    The body is never parsed: ``$``, ``*``, ``<script>``, ``{role}`` and ``:::`` stay text.
    The directive takes no options or arguments, so MyST passes every body line through.
    """

    has_content = True
    required_arguments = 0
    optional_arguments = 0

    def run(self) -> list[nodes.Node]:
        text = "\n".join(self.content)
        admonition = nodes.admonition(classes=["paper-abstract", "note"])
        admonition += nodes.title(text="Abstract")
        admonition += nodes.paragraph(text, nodes.Text(text))
        self.set_source_info(admonition)
        return [admonition]


class PaperGlance(SphinxDirective):
    """The page's At-a-glance box, built from its front matter at every read (``notes.glance``):
    the summary and claims a reader curated, so a correction shows without regenerating."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from docutils.statemachine import StringList

        from notes.glance import glance_markdown

        docname = self.env.docname
        page = next((p for p in book_pages(Path(self.env.srcdir)) if p.docname == docname), None)
        if page is None:
            return []
        container = nodes.container(classes=["notes-glance-box"])
        lines = glance_markdown(page).splitlines()
        self.state.nested_parse(StringList(lines, docname), self.content_offset, container)
        return [container]


def doc_link(docname: str, title: str | None = None) -> addnodes.pending_xref:
    """A checked link to a page, as ``{doc}`` makes: with ``title``, or the page's own title."""
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="doc",
        reftarget=f"/{docname}",
        refexplicit=title is not None,
        refwarn=True,
    )
    ref += nodes.inline(text=title or docname)  # without a title, Sphinx puts the page's in
    return ref


def add_related(app: Sphinx, doctree: nodes.document) -> None:
    """Append a "Related papers" section to each paper page, linking its nearest pages.

    Runs at read time, before the table-of-contents collector, so the section is in the
    page's contents; the links are ordinary doc references, checked like any other.
    """
    docname = app.env.docname
    neighbours = getattr(app.env, "notes_related", {}).get(docname)
    top = next(iter(doctree.findall(nodes.section)), None)
    if not is_paper_page(docname) or not neighbours or top is None:
        return
    section = nodes.section(ids=["related-papers"], names=["related papers"])
    section += nodes.title(text="Related papers")
    section += nodes.paragraph(
        text="The papers in this book closest to this one by the words of their titles and "
        "abstracts (TF-IDF cosine similarity), recomputed at every build."
    )
    items = nodes.bullet_list(classes=["notes-related"])
    for target, _title in neighbours:
        ref = doc_link(target)
        chapter = CHAPTER_BY_SLUG[target.partition("/")[0]].title
        items += nodes.list_item("", nodes.paragraph("", "", ref, nodes.Text(f" · {chapter}")))
    section += items
    top += section


def write_bibliography(app: Sphinx, config: Config) -> None:
    """Regenerate the book's .bib from the pages before sphinxcontrib-bibtex reads it.

    Written only when its text changes, so an unchanged bibliography does not make Sphinx
    re-read every citing page.
    """
    if config.notes_bibliography:
        target = Path(app.srcdir) / config.notes_bibliography
        bibtex.write_bibliography(target, book_pages(Path(app.srcdir)))


def mark_stubs(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Tell readers that an empty page is waiting for notes, and where to start.

    Status lives in the contributor-owned front matter, so the banner is added at build time
    rather than written into the page.
    """
    if not is_paper_page(docname):
        return
    if app.env.metadata.get(docname, {}).get("status", "stub") != "stub":
        return
    first_note = next(
        (s for s in doctree.findall(nodes.section) if s[0].astext() == NOTE_SECTIONS[0][0]), None
    )
    if first_note is None:
        return
    paragraph = nodes.paragraph(classes=["notes-stub"])
    paragraph += nodes.Text("No notes yet: this page is a stub waiting for its first reader. ")
    target = app.config.notes_contributing_page
    if target in app.env.all_docs:
        uri = app.builder.get_relative_uri(docname, target)
        paragraph += nodes.reference("", "How to contribute", refuri=uri, internal=True)
        paragraph += nodes.Text(".")
    first_note.insert(1, paragraph)  # after the section title


def paper_index(book: Path, related: dict[str, RelatedList]) -> list[dict[str, Any]]:
    """One record per paper, for tools: title, slug, chapter, the reader's summary (and whether
    a reader checked it), typed claims, tags, arXiv id, page URL and related papers."""
    from notes.glance import page_claims, reader_summary

    records = []
    for page in book_pages(book):
        paper = page.data.get("paper") or {}
        summary, state = reader_summary(page.data, page.abstract)
        records.append(
            {
                "title": page.title,
                "slug": page.slug,
                "chapter": page.chapter,
                "summary": summary,
                "summary_state": state,
                "claims": [claim.as_dict() for claim in page_claims(page.data)],
                "tags": list(page.data.get("tags") or []),
                "status": page.data.get("status"),
                "arxiv": paper.get("arxiv"),
                "published": paper.get("published"),
                "url": f"{page.chapter}/{page.slug}.html",
                "related": [doc for doc, _ in related.get(page.docname, [])],
            }
        )
    return sorted(records, key=lambda r: (r["chapter"], r["slug"]))


def write_paper_index(app: Sphinx, exception: Exception | None) -> None:
    """Publish ``papers.json`` beside the HTML, so the book is machine-readable."""
    if exception is None and app.builder.format == "html":
        records = paper_index(Path(app.srcdir), getattr(app.env, "notes_related", {}))
        target = Path(app.outdir) / "papers.json"
        target.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", "utf-8")


class PaperTags(SphinxDirective):
    """Every tag of the vocabulary that some page carries, with links to those pages."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from notes.schema import tag_vocabulary

        pages = book_pages(Path(self.env.srcdir))
        note_reads(self.env, self.env.docname, ("title", "tags"))
        result: list[nodes.Node] = []
        for tag, meaning in tag_vocabulary().items():
            tagged = sorted(
                (p for p in pages if tag in (p.data.get("tags") or [])),
                key=lambda p: p.title.casefold(),
            )
            if not tagged:
                continue
            section = nodes.section(ids=[f"tag-{tag}"], names=[f"tag-{tag}"])
            section += nodes.title(text=f"{tag} ({len(tagged)})")
            section += nodes.paragraph(text=meaning)
            items = nodes.bullet_list()
            for page in tagged:
                ref = doc_link(page.docname, page.title)
                items += nodes.list_item("", nodes.paragraph("", "", ref))
            section += items
            result.append(section)
        return result


# Outline badges: dark text on the card keeps axe's colour-contrast check happy in both themes.
STATUS_BADGES = {
    "stub": "bdg-dark-line",
    "draft": "bdg-primary-line",
    "reviewed": "bdg-success-line",
}


GROUP_SLUGS = re.compile(r"^:slugs:(.*)$", re.MULTILINE)


class PaperCards(SphinxDirective):
    """A card per paper of this page's chapter: title, a one-line summary, status and tags.

    The cards are written as sphinx-design MyST and parsed in place, so they look like the
    rest of the book; the page depends on every paper page of its chapter.
    """

    has_content = False
    # A chapter page may show its papers in themed groups: ``:slugs: a b c`` picks the cards,
    # and ``:ungrouped:`` shows the chapter's papers that no group of the page names yet (a
    # page just imported), so every paper stays reachable from its chapter.
    option_spec: ClassVar[dict[str, Any]] = {
        "slugs": lambda text: (text or "").split(),
        "ungrouped": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        from docutils.statemachine import StringList

        from notes.glance import reader_summary
        from notes.markup import escape_inline

        chapter = self.env.docname.partition("/")[0]
        pages = [p for p in book_pages(Path(self.env.srcdir)) if p.chapter == chapter]
        wanted = self.options.get("slugs")
        if wanted is not None:
            pages = [p for p in pages if p.slug in wanted]
        if "ungrouped" in self.options:
            grouped = set(
                GROUP_SLUGS.findall(
                    Path(self.env.doc2path(self.env.docname)).read_text(encoding="utf-8")
                )
            )
            grouped = {slug for line in grouped for slug in line.split()}
            pages = [p for p in pages if p.slug not in grouped]
            if not pages:
                return [nodes.paragraph(text="Every paper of this chapter is in a group above.")]
        fields = ("title", "status", "tags", "summary", "checked", "abstract")
        note_reads(self.env, self.env.docname, fields)
        lines = [":::::{grid} 1 1 2 2", ":gutter: 2", ""]
        for page in sorted(pages, key=lambda p: p.title.casefold()):
            summary, state = reader_summary(page.data, page.abstract)
            if state != "checked":
                summary = f"({state}) {summary}"
            status = str(page.data.get("status") or "stub")
            tags = ", ".join(str(t) for t in page.data.get("tags") or [])
            badge = STATUS_BADGES.get(status, "bdg-dark-line")
            footer = f"{{{badge}}}`{status}`" + (f" {escape_inline(tags)}" if tags else "")
            lines += [
                f"::::{{grid-item-card}} {escape_inline(page.title)}",
                f":link: /{page.docname}",
                ":link-type: doc",
                "",
                escape_inline(summary),
                "",
                ":::{card-footer}",
                footer,
                ":::",
                "::::",
                "",
            ]
        lines.append(":::::")
        container = nodes.container(classes=["notes-cards"])
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return [container]


def show_tags(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """A line of the page's tags, each linking to its entry on the tags page."""
    if not is_paper_page(docname) or "tags" not in app.env.all_docs:
        return
    tags = app.env.metadata.get(docname, {}).get("tags") or []
    if isinstance(tags, str):
        try:
            tags = json.loads(tags)
        except ValueError:
            tags = [tags]
    abstract = next(
        (n for n in doctree.findall(nodes.admonition) if "paper-abstract" in n["classes"]), None
    )
    if not tags or abstract is None:
        return
    line = nodes.paragraph(classes=["notes-tags"])
    line += nodes.Text("Tags: ")
    base = app.builder.get_relative_uri(docname, "tags")
    for index, tag in enumerate(tags):
        if index:
            line += nodes.Text(", ")
        line += nodes.reference("", str(tag), refuri=f"{base}#tag-{tag}", internal=True)
    abstract.parent.insert(abstract.parent.index(abstract), line)


# When each build started writing, by id(app): an incremental build fixes only the HTML it
# wrote. Pages may be written in other processes (``upstream.write_on_every_core``), so what
# was written is read from the files' times rather than recorded as each is written.
_WRITE_STARTED: dict[int, int] = {}


def note_write_start(app: Sphinx) -> None:
    _WRITE_STARTED[id(app)] = time.time_ns()


def fix_html(app: Sphinx, exception: Exception | None) -> None:
    started = _WRITE_STARTED.pop(id(app), 0)
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for path in sorted(out.rglob("*.html")):
        if path.stat().st_mtime_ns < started or "_static" in path.relative_to(out).parts:
            continue
        text = path.read_text(encoding="utf-8")
        fixed = upstream.fix_markup(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("notes_notebook_folder", "notebooks", "env", [str])
    # Kernels run side by side (0: one per CPU core; 1: myst-nb executes them one by one).
    app.add_config_value("notes_execute_workers", 0, "", [int])
    # Those kernels are forked from one process that imported the libraries once (False: each
    # kernel starts Python and imports them itself).
    app.add_config_value("notes_warm_kernels", True, "", [bool])
    app.add_config_value("notes_bibliography", "", "env", [str])
    app.add_config_value("notes_contributing_page", "contributing", "env", [str])
    app.connect("doctree-resolved", mark_stubs)
    app.connect("config-inited", write_bibliography)
    app.connect("builder-inited", upstream.register_pybtex_plugins)
    app.add_search_language(upstream.CachedStemEnglish)
    app.add_directive("paper-abstract", PaperAbstract)
    app.add_directive("paper-tags", PaperTags)
    app.add_directive("paper-cards", PaperCards)
    app.add_directive("paper-glance", PaperGlance)
    app.connect("build-finished", write_paper_index)
    app.connect("build-finished", fix_html)
    app.connect("doctree-resolved", show_tags)
    app.connect("env-before-read-docs", start_notebooks)
    app.connect("env-purge-doc", purge_reads)
    app.connect("env-merge-info", merge_reads)
    app.connect("source-read", read_notebook)
    app.connect("source-read", guard_contributor_pages)
    app.connect("build-finished", stop_notebooks)
    app.connect("doctree-read", finish_reads_record)
    app.connect("env-get-outdated", outdated_aggregates)
    app.connect("env-get-outdated", outdated_related)
    # Before the table-of-contents collector (priority 500) records the page's sections.
    app.connect("doctree-read", add_related, priority=400)
    # After the book theme's own handler (priority 500) has set the raw title.
    app.connect("html-page-context", upstream.escape_page_title, priority=900)
    app.connect("html-page-context", upstream.drop_thebe, priority=900)
    app.connect("builder-inited", note_write_start)
    app.connect("builder-inited", freeze_pages)
    app.connect("build-finished", thaw_pages)
    app.add_config_value("notes_write_workers", 0, "", [int])
    app.connect("env-check-consistency", upstream.write_on_every_core)
    sphinx_share.setup(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}

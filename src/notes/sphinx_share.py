"""What makes the book findable, followable and shareable: the Atom feed, the sitemap and
robots.txt, link previews (``notes.preview``), the What's new page, and Bokeh's library for
the Landscape map, served once from ``_static``.

Every absolute URL derives from one setting, ``html.baseurl`` in ``_config.yml`` (Sphinx's
``html_baseurl``). Set up by ``notes.sphinx_ext``.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from notes import feed, history, landscape, preview, sitemap
from notes.chapters import CHAPTER_BY_SLUG
from notes.sphinx_fresh import book_pages, is_paper_page

logger = logging.getLogger(__name__)
WHATS_NEW_COUNT = 30  # papers added, and notes changed, that the What's new page lists
FEED_TITLE = "What's new"

# Dates of the pages, computed once per build (git is asked once), by id(app).
_DATES: dict[int, dict[str, history.PageDates]] = {}


def base_url(app: Sphinx) -> str:
    """``html_baseurl`` with one trailing slash; empty when the book has none."""
    url = str(app.config.html_baseurl or "").strip()
    return url.rstrip("/") + "/" if url else ""


def book_dates(app: Sphinx) -> dict[str, history.PageDates]:
    book = Path(app.srcdir)
    if id(app) not in _DATES:
        _DATES[id(app)] = history.page_dates(book, book_pages(book))
    return _DATES[id(app)]


def book_title(app: Sphinx) -> str:
    """The book's title as Jupyter Book sets it (``html_title``; Sphinx's ``project`` is unset)."""
    return str(app.config.html_title or app.config.project)


def check_base_url(app: Sphinx) -> None:
    if app.builder.format == "html" and not base_url(app):
        logger.warning("html.baseurl is not set in _config.yml: no feed, sitemap or robots.txt")


def write_share_files(app: Sphinx, exception: Exception | None) -> None:
    """Write feed.xml, sitemap.xml and robots.txt beside the HTML, and Bokeh's library into
    ``_static`` when the book has a map."""
    if exception is not None or app.builder.format != "html":
        _DATES.pop(id(app), None)
        return
    out = Path(app.outdir)
    url = base_url(app)
    if url:
        pages = book_pages(Path(app.srcdir))
        items = feed.feed_items(pages, book_dates(app))
        title = f"{book_title(app)}: {FEED_TITLE}"
        atom = feed.atom_feed(items, base_url=url, title=title, author=str(app.config.author))
        _write_if_changed(out / feed.FEED_FILE, atom)
        docs = sorted(app.env.found_docs)
        _write_if_changed(out / sitemap.SITEMAP_FILE, sitemap.sitemap_xml(url, docs))
        _write_if_changed(out / "robots.txt", sitemap.robots_txt(url).encode())
    _DATES.pop(id(app), None)
    target = out / "_static" / landscape.bokeh_script_name()
    if not target.exists():
        shutil.copyfile(landscape.bokeh_script(), target)


def _write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def add_page_meta(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """On every page, the feed's ``<link rel="alternate">`` and the link-preview tags (a paper
    page's title and reader's summary); on a page holding a map, Bokeh's library."""
    pathto = context.get("pathto")
    if pathto is not None:
        href = html.escape(pathto(feed.FEED_FILE, 1), quote=True)
        title = html.escape(f"{book_title(app)}: {FEED_TITLE}", quote=True)
        link = f'<link rel="alternate" type="application/atom+xml" title="{title}" href="{href}" />'
        context["metatags"] = context.get("metatags", "") + link + "\n"
    context["metatags"] = context.get("metatags", "") + _preview(app, pagename, doctree)
    if f'class="{landscape.MAP_CLASS}"' in str(context.get("body", "")):
        app.add_js_file(landscape.bokeh_script_name())


def _preview(app: Sphinx, pagename: str, doctree: nodes.document | None) -> str:
    from notes.glance import reader_summary

    page = None
    if is_paper_page(pagename):
        page = next((p for p in book_pages(Path(app.srcdir)) if p.docname == pagename), None)
    if page is not None:
        title, description = page.title, reader_summary(page.data, page.abstract)[0]
    else:
        title, description = preview.page_title(doctree), preview.page_description(doctree)
    url = base_url(app)
    site = book_title(app)
    return preview.preview_tags(
        title=title or site,
        description=description or app.config.notes_site_description,
        url=f"{url}{app.builder.get_target_uri(pagename)}",
        site_name=site,
        image=url + app.config.notes_site_image,
        image_alt=app.config.notes_site_image_alt,
    )


# One line of the What's new page: (section key, date, docname, title, the text after it).
WhatsNewLine = tuple[str, str, str, str, str]
WHATS_NEW_SECTIONS = (
    ("papers-added", "Papers added", "added"),
    ("notes-changed", "Notes changed", "changed"),
)


def whats_new_lines(app: Sphinx) -> list[WhatsNewLine]:
    """What the What's new page lists, newest first in each section."""
    pages = {p.docname: p for p in book_pages(Path(app.srcdir))}
    dates = book_dates(app)
    lines: list[WhatsNewLine] = []
    for key, _, field in WHATS_NEW_SECTIONS:
        dated = [(getattr(d, field), doc) for doc, d in dates.items() if getattr(d, field)]
        dated.sort(key=lambda pair: (-pair[0].timestamp(), pages[pair[1]].title.casefold()))
        for when, doc in dated[:WHATS_NEW_COUNT]:
            page = pages[doc]
            status = str(page.data.get("status") or "stub")
            chapter = CHAPTER_BY_SLUG[page.chapter].title
            suffix = f" · {chapter}" + (f" · {status}" if field == "changed" else "")
            lines.append((key, when.date().isoformat(), doc, page.title, suffix))
    return lines


class WhatsNew(SphinxDirective):
    """The papers added and the notes changed most recently, with their dates."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from notes.sphinx_ext import doc_link

        lines = whats_new_lines(self.env.app)
        self.env.notes_whats_new = lines  # type: ignore[attr-defined]  # see outdated_whats_new
        result: list[nodes.Node] = []
        for key, title, _ in WHATS_NEW_SECTIONS:
            section = nodes.section(ids=[key], names=[key])
            section += nodes.title(text=title)
            items = nodes.bullet_list(classes=["notes-whats-new"])
            shown = [line for line in lines if line[0] == key]
            for _, day, doc, page_title, suffix in shown:
                line = nodes.paragraph()
                line += nodes.Text(f"{day} · ")
                line += doc_link(doc, page_title)
                line += nodes.Text(suffix)
                items += nodes.list_item("", line)
            if not shown:
                section += nodes.paragraph(text="No dated pages yet.")
            section += items
            result.append(section)
        return result


def feed_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{feed}`Atom feed``: a link to the book's feed from any page."""
    docname = inliner.document.settings.env.docname
    uri = "../" * docname.count("/") + feed.FEED_FILE
    return [nodes.reference(rawtext, text, refuri=uri, classes=["notes-feed"])], []


def outdated_whats_new(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """The What's new page, when what it lists changed: its dates come from git, which no
    file Sphinx watches records, so what it showed when last read is compared with now.
    Re-reading it at every build also made Sphinx rewrite the pages around it and pickle its
    environment: a third of a second of a rebuild where nothing changed."""
    page = app.config.notes_whats_new_page
    if page not in env.found_docs:
        return []
    return [page] if getattr(env, "notes_whats_new", None) != whats_new_lines(app) else []


def setup(app: Sphinx) -> None:
    app.add_config_value("notes_whats_new_page", "whats-new", "env", [str])
    # Link previews: the site image (under html_static_path) and text for pages without prose.
    app.add_config_value("notes_site_image", "_static/site-card.png", "html", [str])
    app.add_config_value("notes_site_image_alt", "", "html", [str])
    app.add_config_value("notes_site_description", "", "html", [str])
    app.add_directive("whats-new", WhatsNew)
    app.add_role("feed", feed_role)
    app.connect("builder-inited", check_base_url)
    app.connect("env-get-outdated", outdated_whats_new)
    app.connect("html-page-context", add_page_meta)
    app.connect("build-finished", write_share_files)

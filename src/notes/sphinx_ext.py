"""Sphinx glue: the verbatim abstract directive, and notebooks that are never stale.

Enable with ``sphinx: extra_extensions: [notes.sphinx_ext]`` in ``_config.yml``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from notes import __version__, bibtex
from notes.chapters import CHAPTER_SLUGS
from notes.render import NOTE_SECTIONS


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


def is_paper_page(docname: str) -> bool:
    chapter, _, name = docname.partition("/")
    return chapter in CHAPTER_SLUGS and bool(name) and name != "index" and "/" not in name


def is_analysis_notebook(env: BuildEnvironment, docname: str) -> bool:
    return docname.startswith(f"{env.config.notes_notebook_folder}/")


def outdated_notebooks(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read (and so re-execute) the analysis notebooks whenever any paper page changed.

    Sphinx re-reads only changed files, and execution caches key on a notebook's own code,
    so a notebook that aggregates the pages would otherwise show stale tables.
    """
    if not any(is_paper_page(doc) for doc in added | changed | removed):
        return []
    return sorted(
        doc
        for doc in env.found_docs
        if is_analysis_notebook(env, doc) and doc not in added | changed
    )


def escape_page_title(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Escape the plain-text page title that sphinx-book-theme prints unescaped.

    The theme sets ``pagetitle`` to the title's raw text and writes ``<h1>{{ pagetitle }}</h1>``
    into its print header, so a paper titled ``<script>...`` would run in the reader's browser.
    """
    if isinstance(context.get("pagetitle"), str):
        context["pagetitle"] = html.escape(context["pagetitle"], quote=True)


def write_bibliography(app: Sphinx, config: Config) -> None:
    """Regenerate the book's .bib from the pages before sphinxcontrib-bibtex reads it.

    Written only when its text changes, so an unchanged bibliography does not make Sphinx
    re-read every citing page.
    """
    if config.notes_bibliography:
        target = Path(app.srcdir) / config.notes_bibliography
        bibtex.write_bibliography(Path(app.srcdir), target)


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


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("notes_notebook_folder", "notebooks", "env", [str])
    app.add_config_value("notes_bibliography", "", "env", [str])
    app.add_config_value("notes_contributing_page", "contributing", "env", [str])
    app.connect("doctree-resolved", mark_stubs)
    app.connect("config-inited", write_bibliography)
    app.add_directive("paper-abstract", PaperAbstract)
    app.connect("env-get-outdated", outdated_notebooks)
    # After the book theme's own handler (priority 500) has set the raw title.
    app.connect("html-page-context", escape_page_title, priority=900)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}

"""Every place the book relies on another package's internals, and nothing else.

The build reaches past public APIs in a few places: to record notebook execution the way
myst-nb does, to escape a title sphinx-book-theme prints raw, to patch markup that
pydata-sphinx-theme and docutils emit, to drop sphinx-thebe's scripts, to cache Sphinx's
English stemmer, to prime pybtex's plugin registry and to let Sphinx write pages on every
core. Each reliance sits here, next to the upstream shape it assumes, and
``tests/test_upstream.py`` checks that shape against the installed versions, so an upgrade
that changes it fails a named test instead of a page.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.search.en import SearchEnglish


class UpstreamChanged(ExtensionError):
    """An upgraded package no longer has the shape this module relies on."""

    def __init__(self, package: str, relied_on: str, why: str) -> None:
        super().__init__(
            f"{package} changed: notes.upstream relies on {relied_on} ({why}); "
            f"pin {package} to the version in constraints.txt or update notes/upstream.py"
        )


# --- myst-nb: execution data of the notebooks run side by side ---------------------------------


def exec_data_setter() -> Callable[[BuildEnvironment, str, dict[str, Any]], None]:
    """myst-nb's ``NbMetadataCollector.set_exec_data``, imported only when a notebook ran.

    notes.sphinx_fresh executes the notebooks itself and records each run where myst-nb's
    own execution would (the execution statistics page and ``reports/`` read it there).
    """
    try:
        from myst_nb.sphinx_ import NbMetadataCollector
    except ImportError as error:
        raise UpstreamChanged(
            "myst-nb", "myst_nb.sphinx_.NbMetadataCollector", "recording notebook runs"
        ) from error
    setter = getattr(NbMetadataCollector, "set_exec_data", None)
    if not callable(setter):
        raise UpstreamChanged(
            "myst-nb", "NbMetadataCollector.set_exec_data(env, docname, value)", "recording runs"
        )
    return setter


def set_exec_data(env: BuildEnvironment, docname: str, data: dict[str, Any]) -> None:
    """Record a notebook's execution as myst-nb records its own."""
    exec_data_setter()(env, docname, data)


def exec_data(env: BuildEnvironment) -> dict[str, dict[str, Any]]:
    """What myst-nb recorded per executed notebook (runtime, mtime, method, ...), by docname.

    Read from a built book's pickled environment by the build-speed benchmark.
    """
    try:
        from myst_nb.sphinx_ import NbMetadataCollector
    except ImportError as error:
        raise UpstreamChanged(
            "myst-nb", "myst_nb.sphinx_.NbMetadataCollector", "reading notebook runs"
        ) from error
    per_doc = NbMetadataCollector.get_doc_data(env)
    return {doc: dict(d["exec_data"]) for doc, d in sorted(per_doc.items()) if d.get("exec_data")}


# --- myst-parser: the extensions the build parses pages with ---------------------------------


def myst_extensions(env: BuildEnvironment) -> Any:
    """The MyST extensions this build enables, as myst-parser keeps them on the environment
    (``env.myst_config.enable_extensions``), so the build guard tokenises pages as the build
    parses them (``notes.safety``)."""
    extensions = getattr(getattr(env, "myst_config", None), "enable_extensions", None)
    if extensions is None:
        raise UpstreamChanged(
            "myst-parser", "env.myst_config.enable_extensions", "checking pages as they parse"
        )
    return extensions


# --- sphinx-book-theme: the print header's raw page title --------------------------------------

# The theme's html-page-context handler sets this key to the title's raw text, and its
# layout.html prints it unescaped: ``<h1>{{ pagetitle }}</h1>``.
THEME_TITLE_KEY = "pagetitle"


def escape_page_title(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Escape the plain-text page title that sphinx-book-theme prints unescaped.

    A paper titled ``<script>...`` would otherwise run in the reader's browser. Connected
    after the theme's own handler (priority 500).
    """
    if isinstance(context.get(THEME_TITLE_KEY), str):
        context[THEME_TITLE_KEY] = html.escape(context[THEME_TITLE_KEY], quote=True)


# --- pydata-sphinx-theme and docutils: markup patched in the written HTML ----------------------

# The navigation's expand toggles are <summary> elements with only an icon (axe: summary-name;
# pydata_sphinx_theme.toctree.add_collapse_checkboxes writes them), and docutils' HTML writer
# marks the bibliography role="list" around children that are not list items
# (axe: aria-required-children).
TOGGLE_MARKUP = '<summary><span class="toctree-toggle" role="presentation">'
CITATION_LIST_MARKUP = '<div role="list" class="citation-list">'
HTML_FIXES = (
    (
        TOGGLE_MARKUP,
        '<summary aria-label="Show or hide this section\'s pages">'
        '<span class="toctree-toggle" role="presentation">',
    ),
    (CITATION_LIST_MARKUP, '<div class="citation-list">'),
)


def fix_markup(text: str) -> str:
    for old, new in HTML_FIXES:
        text = text.replace(old, new)
    return text


# --- sphinx-thebe: its scripts, recognised by their text ----------------------------------------

THEBE_CONFIG_MARKER = "THEBE_JS_URL"  # in the body of the inline configuration script
THEBE_SCRIPT = "sphinx-thebe.js"


def is_thebe_script(script: object) -> bool:
    """Whether a ``script_files`` entry is one of sphinx-thebe's scripts."""
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return THEBE_CONFIG_MARKER in body or THEBE_SCRIPT in str(script)


def drop_thebe(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Leave out sphinx-thebe's scripts: the book runs no live code, and sphinx-thebe adds its
    configuration script once per read phase, so pages declared THEBE_JS_URL twice (a console
    error in every browser)."""
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not is_thebe_script(s)]


# --- Sphinx: the English search index's stemmer -------------------------------------------------


class CachedStemEnglish(SearchEnglish):
    """English search index with each word's stem computed once per build.

    Sphinx stems every word of every page for the search index, some 200 words a paper, and
    abstracts repeat their vocabulary: Porter stemming was a tenth of the build at 1,000 papers.
    Relies on ``SearchLanguage.__init__`` calling ``init(options)`` and on ``stem(word)``.
    """

    def init(self, options: dict[str, str]) -> None:
        super().init(options)
        self.stem = lru_cache(maxsize=1 << 16)(super().stem)  # type: ignore[method-assign]


# --- pybtex: the run-time plugin registry -------------------------------------------------------


def register_pybtex_plugins(app: Sphinx | None = None) -> None:
    """Look every pybtex plugin up once, at the start of the build.

    pybtex searches all installed packages' entry points on each lookup (about 10 ms), and
    sphinxcontrib-bibtex looks a plugin up for every citation it resolves: 10 s for a book of
    1,000 papers. Plugins registered at run time (``pybtex.plugin.register_plugin``) are found
    by a dictionary lookup before the entry points are searched.
    """
    from importlib.metadata import distributions

    from pybtex.plugin import PluginGroupNotFound, register_plugin

    for distribution in distributions():
        for entry_point in distribution.entry_points:
            if not entry_point.group.startswith("pybtex."):
                continue
            try:
                register_plugin(entry_point.group, entry_point.name, entry_point.load(), True)
            except (PluginGroupNotFound, ValueError, ImportError):
                continue  # a group pybtex does not look plugins up in


# --- Sphinx: writing pages in parallel ---------------------------------------------------------


def write_on_every_core(app: Sphinx, env: BuildEnvironment) -> None:
    """Let Sphinx write the HTML pages in forked processes, on ``notes_write_workers`` cores.

    ``jb build`` has no ``-j``, and reading must stay in one process (the notebooks' kernels
    hand their results to the reading process), but writing is half a clean build and each
    page is written on its own. Sphinx decides whether to write in parallel after the
    consistency check, from ``app.parallel`` and ``app.is_parallel_allowed("write")``; this
    handler of ``env-check-consistency`` sets ``app.parallel`` just before that decision.
    """
    from sphinx.util.parallel import parallel_available

    workers = int(app.config.notes_write_workers) or (os.cpu_count() or 1)
    if workers > 1 and parallel_available and app.parallel <= 1:
        # The main process resolves each page's doctree while the others write:
        # Sphinx starts app.parallel - 1 writers.
        app.parallel = workers + 1

"""Which pages a build re-reads, and the analysis notebooks run side by side.

Sphinx re-reads a page when its own file changes. The notebooks, the Tags page and the chapter
cards aggregate every paper page, and each page's "Related papers" list depends on the others,
so these hooks decide what else to re-read (``notes.freshness`` digests, related lists), and
start the notebooks' kernels before the read phase (``notes.execute``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util import logging

from notes import freshness, upstream
from notes.cache import cached_pages
from notes.chapters import CHAPTER_SLUGS
from notes.execute import Execution, Job, NotebookRunner
from notes.pages import Page, iter_page_paths

_PAGES_CACHE: dict[str, tuple[tuple[tuple[str, int], ...], list[Page]]] = {}


# Books whose pages are not re-checked on each call: set for the length of a build (below).
_FROZEN: set[str] = set()


def book_pages(book: Path) -> list[Page]:
    """The book's pages, read once per build: the card, tag, index, related and bibliography
    hooks all need them. Re-read when any page file changes; parsed pages are also cached on
    disk, where the notebooks' kernels find them."""
    cached = _PAGES_CACHE.get(str(book))
    if cached is not None and str(book) in _FROZEN:
        return cached[1]
    signature = tuple((str(p), p.stat().st_mtime_ns) for p in iter_page_paths(book))
    if cached is None or cached[0] != signature:
        cached = (signature, cached_pages(book))
        _PAGES_CACHE[str(book)] = cached
    return cached[1]


def freeze_pages(app: Sphinx) -> None:
    """A build does not change the pages it builds: from its start, calls skip the check of
    every page file's time. Each page's at-a-glance box and link preview ask for the pages,
    so at 3,000 papers that check was a third of the build (two walks of 3,000 files for each
    of 3,000 pages)."""
    book = Path(app.srcdir)
    book_pages(book)
    _FROZEN.add(str(book))


def thaw_pages(app: Sphinx, exception: Exception | None) -> None:
    _FROZEN.discard(str(Path(app.srcdir)))


def is_paper_page(docname: str) -> bool:
    chapter, _, name = docname.partition("/")
    return chapter in CHAPTER_SLUGS and bool(name) and name != "index" and "/" not in name


def is_analysis_notebook(env: BuildEnvironment, docname: str) -> bool:
    return docname.startswith(f"{env.config.notes_notebook_folder}/")


def reads_record(app: Sphinx, docname: str) -> Path:
    """Where a notebook's kernel records the catalogue fields it read."""
    return Path(app.doctreedir) / "notes-reads" / f"{docname}.json"


def note_reads(env: BuildEnvironment, docname: str, fields: tuple[str, ...] | None) -> None:
    """Remember which page fields ``docname`` read, and their digest at this build."""
    reads: dict[str, tuple[str, ...] | None] = env.notes_reads  # type: ignore[attr-defined]
    digests: dict[str, str | None] = env.notes_digests  # type: ignore[attr-defined]
    reads[docname] = fields
    pages = book_pages(Path(env.srcdir))
    digests[docname] = None if fields is None else freshness.digest(pages, fields)


# Notebook runners of the builds in progress, by id(app): not in the pickled environment.
_RUNNERS: dict[int, NotebookRunner] = {}
# Execution data of the notebooks the runner executed, until their doctree is read.
_EXEC_DATA: dict[str, dict[str, Any]] = {}


def start_notebooks(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Start executing the notebooks to be read, side by side, and read them last.

    Runs when myst-nb would execute every notebook it reads (``execute_notebooks: force``)
    and ``notes_execute_workers`` allows more than one kernel. Sphinx reads the Markdown pages
    meanwhile; by the time it reaches the notebooks most have run.
    """
    init_reads(app, env, docnames)
    notebooks = [doc for doc in docnames if is_analysis_notebook(env, doc)]
    for docname in notebooks:
        reads_record(app, docname).unlink(missing_ok=True)
    excluded = app.config.nb_execution_excludepatterns
    notebooks = [  # myst-nb's own rule for notebooks left unexecuted
        doc
        for doc in notebooks
        if not any(PurePosixPath(Path(env.doc2path(doc)).as_posix()).match(p) for p in excluded)
    ]
    workers = app.config.notes_execute_workers or os.cpu_count() or 1
    if not notebooks or workers < 2 or app.config.nb_execution_mode != "force":
        return
    if app.parallel > 1:  # sphinx-build -j reads in forked processes, away from the runner
        return
    docnames[:] = [doc for doc in docnames if doc not in notebooks] + notebooks
    runner = NotebookRunner(workers, warm=app.config.notes_warm_kernels)
    runner.start(
        [
            Job(
                docname=doc,
                path=Path(env.doc2path(doc)),
                timeout=app.config.nb_execution_timeout,
                allow_errors=app.config.nb_execution_allow_errors,
                env={**os.environ, freshness.RECORD_ENV: str(reads_record(app, doc))},
            )
            for doc in notebooks
        ]
    )
    _RUNNERS[id(app)] = runner


def read_notebook(app: Sphinx, docname: str, source: list[str]) -> None:
    """Give myst-nb the notebook the runner executed, or let myst-nb execute it.

    Either way the kernel learns where to record the catalogue fields it reads.
    """
    os.environ.pop(freshness.RECORD_ENV, None)
    if not is_analysis_notebook(app.env, docname):
        return
    runner = _RUNNERS.get(id(app))
    execution = runner.result(docname) if runner else None
    if execution is None:  # myst-nb executes it; its kernel inherits this process's environment
        os.environ[freshness.RECORD_ENV] = str(reads_record(app, docname))
        return
    report_execution(app, docname, execution)
    notebook = execution.notebook
    notebook.metadata.setdefault(app.config.nb_metadata_key, {})["execution_mode"] = "off"
    source[0] = nbformat.writes(notebook)


def report_execution(app: Sphinx, docname: str, execution: Execution) -> None:
    """Log and record an execution as myst-nb does its own: a failure is a warning (an error
    under ``-W``) with the traceback in ``reports/``; the runtime goes in the execution data."""
    logger = logging.getLogger(__name__)
    if execution.error is not None and app.config.nb_execution_raise_on_error:
        raise ExtensionError(f"Executing notebook {docname} failed") from execution.error
    if execution.error is not None:
        report = Path(app.outdir, "reports", *f"{docname}.err.log".split("/"))
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(execution.traceback or "", encoding="utf-8")
        logger.warning(
            f"Executing notebook failed: {type(execution.error).__name__} (traceback in {report})",
            location=docname,
            type="mystnb",
            subtype="exec",
        )
    else:
        logger.info(f"Executed notebook in {execution.runtime:.2f} seconds", location=docname)
    _EXEC_DATA[docname] = {
        "mtime": time.time(),
        "runtime": execution.runtime,
        "method": "force",
        "succeeded": execution.error is None,
        "error": type(execution.error).__name__ if execution.error else None,
        "traceback": execution.traceback if execution.error else None,
    }


def finish_reads_record(app: Sphinx, doctree: nodes.document) -> None:
    """After the notebook ran: keep the fields it read, and their digest, in the environment."""
    docname = app.env.docname
    if is_analysis_notebook(app.env, docname):
        os.environ.pop(freshness.RECORD_ENV, None)
        note_reads(app.env, docname, freshness.recorded_reads(reads_record(app, docname)))
        if docname in _EXEC_DATA:
            upstream.set_exec_data(app.env, docname, _EXEC_DATA.pop(docname))


def stop_notebooks(app: Sphinx, exception: Exception | None) -> None:
    _RUNNERS.pop(id(app), None)


def init_reads(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    for name in ("notes_reads", "notes_digests"):
        if not hasattr(env, name):
            setattr(env, name, {})


def purge_reads(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    for name in ("notes_reads", "notes_digests"):
        getattr(env, name, {}).pop(docname, None)


def merge_reads(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    """Parallel reads: take the records of the documents the other process read."""
    for name in ("notes_reads", "notes_digests"):
        mine, theirs = getattr(env, name), getattr(other, name, {})
        mine.update((doc, theirs[doc]) for doc in docnames if doc in theirs)


def outdated_aggregates(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read the notebooks, tag and card pages whose fields changed in any page.

    Sphinx re-reads only changed files, and execution caches key on a notebook's own code, so
    a page that aggregates the others would show stale tables. Each such page recorded which
    fields it read (``notes.freshness``); it is re-read when their digest over all pages now
    differs, or when this package's code changed. A notebook with no record yet is re-read.
    """
    code = freshness.package_fingerprint()
    code_changed = getattr(env, "notes_package_fingerprint", None) != code
    env.notes_package_fingerprint = code  # type: ignore[attr-defined]
    reads: dict[str, tuple[str, ...] | None] = getattr(env, "notes_reads", {})
    digests: dict[str, str | None] = getattr(env, "notes_digests", {})
    pages = book_pages(Path(app.srcdir))
    current: dict[tuple[str, ...], str] = {}
    stale = []
    for doc in sorted(env.found_docs - added - changed):
        if doc not in reads:
            if is_analysis_notebook(env, doc):
                stale.append(doc)
            continue
        fields = reads[doc]
        if code_changed:
            stale.append(doc)
        elif fields is not None:
            if fields not in current:
                current[fields] = freshness.digest(pages, fields)
            if current[fields] != digests.get(doc):
                stale.append(doc)
    return stale


RelatedList = list[tuple[str, str]]  # (docname, title) of each neighbour, nearest first


def related_by_page(book: Path, pages: list[Page]) -> dict[str, RelatedList]:
    """Each paper page's nearest pages by the words of title and abstract (cached on disk
    until a page is added, moved or removed, or a title or abstract changes)."""
    from notes.related import cached_text_model, paper_text

    titles = {p.docname: p.title for p in pages}
    model = cached_text_model(book, [(p.docname, paper_text(p.title, p.abstract)) for p in pages])
    return {
        doc: [(near, titles[near]) for near, _ in neighbours]
        for doc, neighbours in zip(model.docnames, model.neighbours, strict=True)
    }


def outdated_related(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read the pages whose "Related papers" list changed.

    Adding a page can make it a neighbour of pages nobody touched; a neighbour's new title
    must show too. Sphinx knows neither, so the lists are computed here, before reading.
    """
    previous: dict[str, RelatedList] = getattr(env, "notes_related", {})
    book = Path(app.srcdir)
    current = related_by_page(book, book_pages(book))
    env.notes_related = current  # type: ignore[attr-defined]
    return sorted(
        doc
        for doc, neighbours in current.items()
        if doc in env.found_docs and doc not in added | changed and previous.get(doc) != neighbours
    )

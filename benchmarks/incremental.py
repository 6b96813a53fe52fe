"""Section 2: strict rebuilds after one change, each starting from the same freshly built
state, with checks that every table shows the change."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notes.testing import copy_project, restore_book, snapshot_book

from .htmltext import (
    TABLE,
    article_text,
    contains_words,
    describe_missing,
    missing,
    normalise,
    notebook_exec_data,
    re_executed,
    read_html,
    table_parts,
    table_words,
    unescape,
)
from .pages import front_matter, html_path, paper_pages
from .results import Context, Measurement, _round, progress
from .runs import BenchError, build_activity, jb_build, notes_import, require_success

PROSE_PAGE = "training-systems/megascale.md"
PROSE_HEADING = "## TL;DR"
STUB_BANNER = "waiting for its first reader"
PROBE_TITLE = "Throughput Probe {tag}: Paged KV Cache Scheduling for Serving Large Language Models"
PROBE_ABSTRACT = (
    "Serving large language models at scale is limited by GPU memory and by scheduling "
    "overheads. We present Throughput Probe, a serving system that batches speculative decoding "
    "requests across GPUs and keeps the KV cache in pages. Throughput Probe improves throughput "
    "by 2.5x over vLLM while keeping latency within the service-level objective."
)


@dataclass
class Book:
    """The built copy the incremental runs start from, and what it showed before any change."""

    project: Path
    snapshot: Path
    titles: list[str]
    exec_data: dict[str, dict[str, Any]]
    status_page: Path  # relative to the book: a stub page whose status is changed

    @property
    def book(self) -> Path:
        return self.project / "book"


Change = dict[str, Any]
Apply = Callable[[Context, Book, int], Change]
Verify = Callable[[Context, Book, Change], None]


def change_nothing(ctx: Context, base: Book, index: int) -> Change:
    return {}


def verify_nothing(ctx: Context, base: Book, change: Change) -> None:
    notebooks = base.book / "_build" / "html" / "notebooks"
    gone = missing(table_words(notebooks / "overview.html"), base.titles)
    detail = describe_missing(gone)
    ctx.check("no change", "overview.html table lists every paper", not gone, detail)


def edit_prose(ctx: Context, base: Book, index: int) -> Change:
    page = base.book / PROSE_PAGE
    sentence = f"Benchmark sentence {ctx.token} {index}, appended to time an incremental build."
    page.write_text(append_to_section(page, PROSE_HEADING, sentence), encoding="utf-8")
    return {"sentence": sentence}


def append_to_section(page: Path, heading: str, sentence: str) -> str:
    """The page's text with ``sentence`` as a new paragraph at the end of the section."""
    lines = page.read_text(encoding="utf-8").split("\n")
    if heading not in lines:
        raise BenchError(f"{page} has no {heading!r} heading to add a sentence to")
    start = lines.index(heading)
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"#{1,6} ", lines[i])), len(lines)
    )
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = ["", sentence]
    return "\n".join(lines)


def verify_prose(ctx: Context, base: Book, change: Change) -> None:
    scenario = "edit note prose"
    page = article_text(html_path(base.book, PROSE_PAGE))
    shown = contains_words(f" {normalise(unescape(page))} ", change["sentence"])
    ctx.check(scenario, f"sentence shown on {Path(PROSE_PAGE).stem}.html", shown)
    for name in ("overview", "papers"):
        built = base.book / "_build" / "html" / "notebooks" / f"{name}.html"
        gone = missing(table_words(built), base.titles)
        detail = describe_missing(gone)
        ctx.check(scenario, f"{name}.html lists all {len(base.titles)} papers", not gone, detail)
        same = table_parts(built) == table_parts(html_path(base.snapshot, f"notebooks/{name}"))
        ctx.check(scenario, f"{name}.html tables unchanged", same)


def add_page(ctx: Context, base: Book, index: int) -> Change:
    title = PROBE_TITLE.format(tag=f"{ctx.token}{index}")
    listing = base.project / "data" / f"bench-add-{ctx.token}-{index}.txt"
    listing.write_text(f"{title}\n{PROBE_ABSTRACT}\n", encoding="utf-8")
    log = ctx.log(f"add-page-import-{index}")
    run = notes_import(base.project, str(listing.relative_to(base.project)), log, ctx.timeout)
    require_success(run, "notes import (add page)", sphinx=False)
    created = re.search(r"^created (\S+\.md)", run.text(), re.M)
    if not created:
        raise BenchError("notes import created no page for the probe listing", run.log)
    page = base.project / created[1]
    data = front_matter(page)
    return {
        "title": title,
        "page": page,
        "tags": list(data.get("tags") or []),
        "claims": len(data.get("claims") or []),
        "import_seconds": run.seconds,
    }


def verify_add(ctx: Context, base: Book, change: Change) -> None:
    scenario, title, page = "add page", change["title"], change["page"]
    ctx.check(scenario, "new page built", html_path(base.book, page).exists(), page.name)
    notebooks = base.book / "_build" / "html" / "notebooks"
    for name in ("overview", "papers", "claims"):
        shown = contains_words(table_words(notebooks / f"{name}.html"), title)
        detail = "" if shown or name != "claims" else f"{change['claims']} claim(s) on the page"
        ctx.check(scenario, f"title in {name}.html tables", shown, detail)
    chapter = html_path(base.book, page.parent / "index.md")
    text = f" {normalise(unescape(article_text(chapter)))} "
    ctx.check(scenario, f"card on {page.parent.name}/index.html", contains_words(text, title))
    if change["tags"]:
        tags = f" {normalise(unescape(article_text(html_path(base.book, 'tags'))))} "
        detail = ", ".join(change["tags"])
        ctx.check(scenario, "listed on tags.html", contains_words(tags, title), detail)


def change_status(ctx: Context, base: Book, index: int) -> Change:
    page = base.book / base.status_page
    text = page.read_text(encoding="utf-8")
    changed = re.sub(r"^status: stub$", "status: draft", text, count=1, flags=re.M)
    if changed == text:
        raise BenchError(f"{page} has no 'status: stub' line to change")
    page.write_text(changed, encoding="utf-8")
    return {}


def verify_status(ctx: Context, base: Book, change: Change) -> None:
    scenario, page = "change status", base.status_page
    link = page.with_suffix(".html").as_posix()
    before = read_html(html_path(base.snapshot, "notebooks/progress"))
    listed_before = link in "".join(TABLE.findall(before))
    progress_html = read_html(html_path(base.book, "notebooks/progress"))
    listed = link in "".join(TABLE.findall(progress_html))
    detail = "" if listed_before else "baseline: the stub was not listed before the change"
    ctx.check(scenario, "progress.html no longer lists it", listed_before and not listed, detail)
    banner = STUB_BANNER in article_text(html_path(base.book, page))
    ctx.check(scenario, f"no stub banner on {page.stem}.html", not banner)
    index = page.parent / "index"
    drafts_before = article_text(html_path(base.snapshot, index)).count(">draft</span>")
    drafts = article_text(html_path(base.book, index)).count(">draft</span>")
    detail = f"{drafts_before} -> {drafts} draft badges"
    ctx.check(
        scenario, f"draft badge on {page.parent}/index.html", drafts == drafts_before + 1, detail
    )


SCENARIOS: tuple[tuple[str, str, Apply, Verify], ...] = (
    ("rebuild-nothing", "incremental: no change", change_nothing, verify_nothing),
    ("rebuild-prose", "incremental: edit note prose (TL;DR of one page)", edit_prose, verify_prose),
    ("rebuild-add", "incremental: add page (notes import of 1 paper)", add_page, verify_add),
    ("rebuild-status", "incremental: change status stub -> draft", change_status, verify_status),
)


def prepare_incremental(ctx: Context) -> Book:
    project = copy_project(ctx.workdir / "incremental" / "project").parent
    jb_build(project, ctx.log("incremental-base"), ctx.build_timeout)
    snapshot = ctx.workdir / "incremental" / "snapshot"
    snapshot_book(project / "book", snapshot)
    pages = paper_pages(project / "book")
    stubs = [p for p in pages if front_matter(p).get("status") == "stub"]
    if not stubs:
        raise BenchError("no stub page to change the status of")
    return Book(
        project=project,
        snapshot=snapshot,
        titles=[str(front_matter(p)["title"]) for p in pages],
        exec_data=notebook_exec_data(project / "book"),
        status_page=stubs[0].relative_to(project / "book"),
    )


def section_incremental(ctx: Context) -> None:
    base = prepare_incremental(ctx)
    for key, label, apply, verify in SCENARIOS:
        runs, activity, executed, extra = [], [], [], []
        for index in range(ctx.runs):
            restore_book(base.book, base.snapshot)
            change = apply(ctx, base, index)
            run = jb_build(base.project, ctx.log(f"{key}-{index}"), ctx.build_timeout)
            runs.append(run)
            activity.append(build_activity(run))
            executed.append(re_executed(base.exec_data, notebook_exec_data(base.book)))
            extra.append(change.get("import_seconds"))
            verify(ctx, base, change)
            progress(f"{label} {index + 1}/{ctx.runs}: {run.seconds:.1f} s")
        details: dict[str, Any] = {
            "docs_read": [a["read"] for a in activity],
            "notebooks_re_executed": [len(e) for e in executed],
            "notebooks_total": len(base.exec_data),
        }
        if any(s is not None for s in extra):
            details["import_seconds"] = [_round(s) for s in extra]
        ctx.add(Measurement(key, label, runs, details))

"""Sections 1 and 4: clean strict builds of a copy of the book, and each notebook's runtime
in them."""

from __future__ import annotations

import shutil
import statistics
from typing import Any

from notes.testing import copy_project

from .htmltext import notebook_exec_data
from .pages import paper_pages
from .results import Context, Measurement, _round, progress
from .runs import jb_build


def section_clean(ctx: Context) -> None:
    runs = []
    for index in range(ctx.runs):
        project = copy_project(ctx.workdir / f"clean-{index}").parent
        shutil.rmtree(project / "book" / "_build", ignore_errors=True)
        run = jb_build(project, ctx.log(f"clean-{index}"), ctx.build_timeout)
        runs.append(run)
        ctx.exec_runs.append(notebook_exec_data(project / "book"))
        pages = len(paper_pages(project / "book"))
        ctx.discard(project)
        progress(f"clean build {index + 1}/{ctx.runs}: {run.seconds:.1f} s")
    ctx.add(Measurement("clean", f"clean strict build ({pages} papers)", runs, {"pages": pages}))


def section_notebooks(ctx: Context) -> None:
    if not ctx.exec_runs:  # the clean section did not run: one clean build, not timed
        project = copy_project(ctx.workdir / "notebooks").parent
        jb_build(project, ctx.log("notebooks-build"), ctx.build_timeout)
        ctx.exec_runs.append(notebook_exec_data(project / "book"))
        ctx.discard(project)
    progress(f"notebook runtimes from {len(ctx.exec_runs)} clean build(s)")


def notebook_rows(ctx: Context) -> list[dict[str, Any]]:
    docs = sorted({doc for run in ctx.exec_runs for doc in run})
    rows = []
    for doc in docs:
        times = [run[doc]["runtime"] for run in ctx.exec_runs if run.get(doc, {}).get("runtime")]
        rows.append(
            {
                "notebook": doc,
                "runs": len(times),
                "median_s": _round(statistics.median(times)) if times else None,
                "min_s": _round(min(times, default=None)),
                "max_s": _round(max(times, default=None)),
                "method": ctx.exec_runs[-1].get(doc, {}).get("method"),
                "succeeded": all(run.get(doc, {}).get("succeeded") for run in ctx.exec_runs),
            }
        )
    return rows

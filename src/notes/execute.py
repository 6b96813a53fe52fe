"""Run the analysis notebooks side by side, while Sphinx reads the other pages.

myst-nb executes a notebook when Sphinx reads it, one notebook after another, and each spends
most of its second or two starting a kernel and importing pandas, matplotlib and scikit-learn.
Those are separate processes, so on a machine with more than one core they can run together
and alongside Sphinx parsing the Markdown pages. The Sphinx extension starts them before the
read phase and hands myst-nb each executed notebook as it reads it.
"""

from __future__ import annotations

import asyncio
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode


@dataclass(frozen=True)
class Job:
    """One notebook to execute, in its own folder, with the kernel's environment."""

    docname: str
    path: Path
    timeout: int | None
    allow_errors: bool
    env: dict[str, str]


@dataclass(frozen=True)
class Execution:
    notebook: NotebookNode
    runtime: float
    error: BaseException | None = None
    traceback: str | None = None


class NotebookRunner:
    """Executes jobs on a background thread, at most ``workers`` kernels at a time."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.results: dict[str, Future[Execution]] = {}
        self._thread: threading.Thread | None = None

    def start(self, jobs: list[Job]) -> None:
        self.results = {job.docname: Future() for job in jobs}
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._run_all(jobs),), name="notes-notebooks", daemon=True
        )
        self._thread.start()

    def result(self, docname: str) -> Execution | None:
        """The executed notebook, waiting for it; None when it was not among the jobs."""
        future = self.results.get(docname)
        return None if future is None else future.result()

    async def _run_all(self, jobs: list[Job]) -> None:
        limit = asyncio.Semaphore(self.workers)

        async def run(job: Job) -> None:
            future = self.results[job.docname]
            try:
                async with limit:
                    future.set_result(await execute(job))
            except BaseException as error:  # never leave a reader waiting
                future.set_exception(error)

        await asyncio.gather(*(run(job) for job in jobs))


async def execute(job: Job) -> Execution:
    """Execute one notebook as myst-nb's direct mode does: in its folder, stopping at the
    first error unless errors are allowed, with the notebook's own ``execution`` metadata
    overriding the timeout and ``allow_errors``."""
    notebook = nbformat.read(job.path, as_version=4)
    settings = notebook.metadata.get("execution", {})
    client = NotebookClient(
        notebook,
        timeout=settings.get("timeout", job.timeout),
        allow_errors=settings.get("allow_errors", job.allow_errors),
        record_timing=False,
        resources={"metadata": {"path": str(job.path.parent)}},
    )
    start = time.perf_counter()
    try:
        await client.async_execute(env=job.env)
    except Exception as error:  # a cell error, a timeout or a dead kernel: report, not crash
        return Execution(notebook, time.perf_counter() - start, error, traceback.format_exc())
    return Execution(notebook, time.perf_counter() - start)

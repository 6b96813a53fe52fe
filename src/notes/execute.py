"""Run the analysis notebooks side by side, while Sphinx reads the other pages.

myst-nb executes a notebook when Sphinx reads it, one notebook after another, and each spends
most of its second or two starting a kernel and importing pandas, matplotlib and scikit-learn.
Those are separate processes, so on a machine with more than one core they can run together
and alongside Sphinx parsing the Markdown pages. The Sphinx extension starts them before the
read phase and hands myst-nb each executed notebook as it reads it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat import NotebookNode
from traitlets import Unicode, default
from traitlets.config import Config

from notes import warm_kernels


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


class KernelServer:
    """The warm process that forks every kernel of a build (``notes.warm_kernels``)."""

    def __init__(self, modules: tuple[str, ...] = warm_kernels.PRELOAD) -> None:
        self._folder = tempfile.mkdtemp(prefix="notes-kernels-")
        self.socket = str(Path(self._folder, "server.sock"))
        with warm_kernels.listen(self.socket) as listener:
            fd = str(listener.fileno())
            command = [sys.executable, "-m", "notes.warm_kernels", "serve", fd, *modules]
            # Its stdin is its lifeline: when this process closes it, or dies, the server ends.
            # The environment is os.environ, as the kernels get it: a library of this process
            # may have changed the C-level one (readline sets COLUMNS and LINES).
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, env=dict(os.environ), pass_fds=[listener.fileno()]
            )

    def config(self) -> Config:
        """nbclient configuration that starts kernels through this server."""
        return Config({"WarmKernelManager": {"server_socket": self.socket}})

    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)


def is_plain_ipykernel(argv: list[str]) -> bool:
    """Whether a kernelspec starts this Python's ipykernel, which a fork can stand in for."""
    pythons = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info)}
    return (
        len(argv) == 5
        and (argv[0] in pythons or argv[0] == sys.executable)
        and argv[1:4] == ["-m", "ipykernel_launcher", "-f"]
    )


class WarmSpecManager(KernelSpecManager):
    """Kernelspecs as installed, except that this Python's ipykernel comes from the server."""

    server_socket = Unicode(help="the kernel server's socket")

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        if not self.server_socket or not is_plain_ipykernel(spec.argv):
            return spec
        relay = [sys.executable, "-m", "notes.warm_kernels", "relay", self.server_socket]
        return KernelSpec(**{**spec.to_dict(), "argv": [*relay, *spec.argv[3:]]})


class WarmKernelManager(AsyncKernelManager):
    server_socket = Unicode("", config=True, help="the kernel server's socket; empty: none")

    @default("kernel_spec_manager")
    def _warm_spec_manager(self) -> KernelSpecManager:
        return WarmSpecManager(data_dir=self.data_dir, server_socket=self.server_socket)


class NotebookRunner:
    """Executes jobs on a background thread, at most ``workers`` kernels at a time, forked
    from one warm server unless ``warm`` is false."""

    def __init__(self, workers: int, warm: bool = True) -> None:
        self.workers = max(1, workers)
        self.warm = warm
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
        server = None
        if self.warm and jobs:
            try:
                server = KernelServer()
            except OSError:  # no socket here (a folder path too long, say): fresh kernels
                server = None

        async def run(job: Job) -> None:
            future = self.results[job.docname]
            try:
                async with limit:
                    future.set_result(await execute(job, server))
            except BaseException as error:  # never leave a reader waiting
                future.set_exception(error)

        try:
            await asyncio.gather(*(run(job) for job in jobs))
        finally:
            if server:
                server.stop()


async def execute(job: Job, server: KernelServer | None = None) -> Execution:
    """Execute one notebook as myst-nb's direct mode does: in its folder, stopping at the
    first error unless errors are allowed, with the notebook's own ``execution`` metadata
    overriding the timeout and ``allow_errors``; its kernel forked by ``server`` if given."""
    notebook = nbformat.read(job.path, as_version=4)
    settings = notebook.metadata.get("execution", {})
    client = NotebookClient(
        notebook,
        timeout=settings.get("timeout", job.timeout),
        allow_errors=settings.get("allow_errors", job.allow_errors),
        record_timing=False,
        resources={"metadata": {"path": str(job.path.parent)}},
        kernel_manager_class=WarmKernelManager,
        config=server.config() if server else Config(),
    )
    start = time.perf_counter()
    try:
        await client.async_execute(env=job.env)
    except Exception as error:  # a cell error, a timeout or a dead kernel: report, not crash
        return Execution(notebook, time.perf_counter() - start, error, traceback.format_exc())
    return Execution(notebook, time.perf_counter() - start)

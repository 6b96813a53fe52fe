"""How to pay the analysis notebooks' kernel start-up once: the options, measured.

Runs the book's notebooks, as many at a time as the build does, four ways, and compares each
notebook's outputs with a fresh kernel's (volatile itables ids normalised):

- fresh: a new kernel per notebook (nbclient's default; the baseline);
- reuse: one kernel per worker, reused with IPython's reset (namespace cleared, modules
  imported since a snapshot taken after the imports removed: ``reset(aggressive=True)``, whose
  own snapshot, taken when the shell starts, would remove numpy, which cannot load twice);
- pool: a kernel per notebook, all started at once when the build starts, each importing
  pandas, matplotlib, itables and the notes modules in a silent start-up cell;
- fork: ``notes.warm_kernels``, kernels forked from one process that imported them (the
  build's choice).

    python benchmarks/kernel_options.py [--runs 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from notes.execute import Job, KernelServer, execute  # noqa: E402
from notes.warm_kernels import PRELOAD  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IMPORTS = "\n".join(f"import {m}" for m in PRELOAD if m != "ipykernel.kernelapp")
ITABLES_ID = re.compile(r"itables_[0-9a-f]{8}(_[0-9a-f]{4}){3}_[0-9a-f]{12}")


def outputs(notebook: nbformat.NotebookNode) -> str:
    cells = [(c.execution_count, c.outputs) for c in notebook.cells if c.cell_type == "code"]
    return ITABLES_ID.sub("ID", json.dumps(cells, sort_keys=True))


def client(path: Path, **kwargs: object) -> NotebookClient:
    notebook = nbformat.read(path, as_version=4)
    return NotebookClient(
        notebook,
        timeout=300,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        **kwargs,
    )


async def silent(km: AsyncKernelManager, code: str) -> None:
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=120)
        reply = await kc.execute_interactive(code, silent=True, store_history=False, timeout=300)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()


async def start_kernel(cwd: Path) -> AsyncKernelManager:
    km = AsyncKernelManager(kernel_name="python3")
    await km.start_kernel(cwd=str(cwd), env=dict(os.environ))
    return km


Runner = Callable[[list[Path], int], Awaitable[dict[str, str]]]


async def run_fresh(paths: list[Path], workers: int) -> dict[str, str]:
    limit = asyncio.Semaphore(workers)

    async def one(path: Path) -> tuple[str, str]:
        async with limit:
            job = Job(path.stem, path, 300, False, dict(os.environ))
            return path.stem, outputs((await execute(job, None)).notebook)

    return dict(await asyncio.gather(*(one(p) for p in paths)))


async def run_fork(paths: list[Path], workers: int) -> dict[str, str]:
    server = KernelServer()
    limit = asyncio.Semaphore(workers)

    async def one(path: Path) -> tuple[str, str]:
        async with limit:
            job = Job(path.stem, path, 300, False, dict(os.environ))
            return path.stem, outputs((await execute(job, server)).notebook)

    try:
        return dict(await asyncio.gather(*(one(p) for p in paths)))
    finally:
        server.stop()


async def run_pool(paths: list[Path], workers: int) -> dict[str, str]:
    async def warm(path: Path) -> AsyncKernelManager:
        km = await start_kernel(path.parent)
        await silent(km, IMPORTS)
        return km

    pool = [asyncio.ensure_future(warm(p)) for p in paths]  # all start when the build does
    limit = asyncio.Semaphore(workers)

    async def one(path: Path, ready: asyncio.Future[AsyncKernelManager]) -> tuple[str, str]:
        async with limit:
            km = await ready
            try:
                nb_client = client(path, km=km)
                await nb_client.async_execute()
                return path.stem, outputs(nb_client.nb)
            finally:
                await km.shutdown_kernel(now=True)

    return dict(await asyncio.gather(*(one(p, k) for p, k in zip(paths, pool, strict=True))))


async def run_reuse(paths: list[Path], workers: int) -> dict[str, str]:
    queue: asyncio.Queue[Path] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    results: dict[str, str] = {}
    reset = "get_ipython().reset(new_session=True, aggressive=True)"

    async def worker() -> None:
        km = await start_kernel(paths[0].parent)
        snapshot = "get_ipython()._sys_modules_keys = set(sys.modules)"
        await silent(km, f"{IMPORTS}\nimport sys\n{snapshot}")
        try:
            while not queue.empty():
                path = queue.get_nowait()
                await silent(km, f"{reset}\nimport os\nos.chdir({str(path.parent)!r})")
                nb_client = client(path, km=km)
                await nb_client.async_execute()
                results[path.stem] = outputs(nb_client.nb)
        finally:
            await km.shutdown_kernel(now=True)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return results


OPTIONS: dict[str, Runner] = {
    "fresh": run_fresh,
    "reuse": run_reuse,
    "pool": run_pool,
    "fork": run_fork,
}


LEAK_PROBE = (
    [
        "leaked = 1",
        "import json, matplotlib, pandas as pd\njson.leaked = 2",
        "matplotlib.rcParams['lines.linewidth'] = 9\npd.set_option('display.max_rows', 3)",
    ],
    [
        "print('leaked' in globals())",
        "import json, matplotlib, pandas as pd\nprint(hasattr(json, 'leaked'))",
        "print(matplotlib.rcParams['lines.linewidth'], pd.get_option('display.max_rows'))",
    ],
)


def leak_probe(name: str, folder: Path) -> str:
    """What a notebook sees of the one before it on the same worker (fresh: nothing)."""
    paths = []
    for index, sources in enumerate(LEAK_PROBE):
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(source) for source in sources],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        )
        paths.append(folder / f"probe{index}.ipynb")
        nbformat.write(notebook, paths[-1])
    second = json.loads(asyncio.run(OPTIONS[name](paths, 1))["probe1"])
    return " | ".join("".join(o.get("text", "") for o in cell[1]).strip() for cell in second)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated options")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(OPTIONS)
    times: dict[str, list[float]] = {name: [] for name in names}
    reference: dict[str, str] | None = None
    same: dict[str, list[str]] = {}
    for run in range(args.runs):
        for name in ["fresh", *[n for n in names if n != "fresh"]]:
            start = time.perf_counter()
            result = asyncio.run(OPTIONS[name](NOTEBOOKS, args.workers))
            seconds = time.perf_counter() - start
            if name == "fresh" and reference is None:
                reference = result
            if name in times:
                times[name].append(seconds)
            assert reference is not None
            differ = sorted(k for k in reference if result.get(k) != reference[k])
            same.setdefault(name, differ)
            print(f"run {run + 1} {name}: {seconds:.1f} s, differ from fresh: {differ or 'none'}")
    load = os.getloadavg()[0]
    print(f"\n{len(NOTEBOOKS)} notebooks, {args.workers} at a time; load at the end {load:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            median = statistics.median(times[name])
            print(f"{name:6} median {median:5.1f} s   outputs differing from fresh: {same[name]}")
            print(f"       the next notebook sees: {leak_probe(name, Path(folder))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Kernels forked from the warm server give what fresh kernels give, and share nothing."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook

from notes.execute import Execution, Job, KernelServer, execute, is_plain_ipykernel
from notes.warm_kernels import INLINE_BACKEND, env_differences

# Every test here starts kernels: `make test-build` runs them, `make test-fast` leaves them out.
pytestmark = pytest.mark.kernel

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Volatile parts of an output, different between two fresh kernels too: itables' table ids and
# the random document and element ids of Bokeh's map.
VOLATILE = [
    (re.compile(r"itables_[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}"), "ID"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "UUID"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[KernelServer]:
    server = KernelServer()
    yield server
    server.stop()


def run(path: Path, server: KernelServer | None, env: dict[str, str] | None = None) -> Execution:
    job = Job(path.stem, path, timeout=120, allow_errors=False, env=env or dict(os.environ))
    return asyncio.run(execute(job, server))


def outputs(notebook: NotebookNode) -> list[tuple[int | None, str]]:
    """Each code cell's execution count and outputs, volatile parts normalised."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            text = json.dumps(cell.outputs, sort_keys=True)
            for pattern, replacement in VOLATILE:
                text = pattern.sub(replacement, text)
            cells.append((cell.execution_count, text))
    return cells


def write_notebook(path: Path, *sources: str) -> Path:
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, path)
    return path


def test_the_server_imported_the_libraries_before_the_notebook(
    server: KernelServer, tmp_path: Path
) -> None:
    """Otherwise the comparisons below would compare two fresh kernels."""
    probe = write_notebook(tmp_path / "probe.ipynb", "import sys\nprint('pandas' in sys.modules)")
    assert run(probe, server).notebook.cells[0].outputs[0]["text"] == "True\n"
    assert run(probe, None).notebook.cells[0].outputs[0]["text"] == "False\n"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_analysis_notebook_gives_what_a_fresh_kernel_gives(
    server: KernelServer, path: Path
) -> None:
    warm, fresh = run(path, server), run(path, None)
    assert warm.error is None, warm.traceback
    assert fresh.error is None, fresh.traceback
    assert outputs(warm.notebook) == outputs(fresh.notebook)


def test_nothing_one_notebook_defines_reaches_the_next(
    server: KernelServer, tmp_path: Path
) -> None:
    first = write_notebook(
        tmp_path / "first.ipynb",
        "leaked = 1",
        "import json, matplotlib, pandas as pd\njson.leaked = 2",
        "matplotlib.rcParams['lines.linewidth'] = 9\npd.set_option('display.max_rows', 3)",
        "from notes import analysis\nanalysis.leaked = 3\nanalysis.init_tables()",
    )
    second = write_notebook(
        tmp_path / "second.ipynb",
        "print('leaked' in globals())",
        "import json, matplotlib, pandas as pd\nprint(hasattr(json, 'leaked'))",
        "print(matplotlib.rcParams['lines.linewidth'], pd.get_option('display.max_rows'))",
        "from notes import analysis\nprint(hasattr(analysis, 'leaked'))",
    )
    assert run(first, server).error is None
    warm, fresh = run(second, server), run(second, None)
    assert [cell.outputs[0]["text"] for cell in warm.notebook.cells] == [
        "False\n",
        "False\n",
        "1.5 60\n",
        "False\n",
    ]
    assert outputs(warm.notebook) == outputs(fresh.notebook)
    assert [cell.execution_count for cell in warm.notebook.cells] == [1, 2, 3, 4]


def test_the_kernel_sees_its_own_folder_and_environment(
    server: KernelServer, tmp_path: Path
) -> None:
    (tmp_path / "nearby.py").write_text("VALUE = 'found'\n", encoding="utf-8")
    probe = write_notebook(
        tmp_path / "probe.ipynb",
        f"import os\nprint(os.getcwd() == {str(tmp_path.resolve())!r})",
        "import nearby\nprint(nearby.VALUE, os.environ['NOTES_READS_RECORD'])",
    )
    warm = run(probe, server, {**os.environ, "NOTES_READS_RECORD": "record.json"})
    texts = [cell.outputs[0]["text"] for cell in warm.notebook.cells]
    assert texts == ["True\n", "found record.json\n"]


def test_a_kernel_whose_environment_differs_starts_fresh(
    server: KernelServer, tmp_path: Path
) -> None:
    """A variable an import may read at import time: the server's imports cannot stand in."""
    probe = write_notebook(tmp_path / "probe.ipynb", "import sys\nprint('pandas' in sys.modules)")
    env = {**os.environ, "PANDAS_SOMETHING": "1"}
    assert run(probe, server, env).notebook.cells[0].outputs[0]["text"] == "False\n"
    served = {"MPLBACKEND": INLINE_BACKEND, **os.environ}  # as the server sets it
    assert env_differences(env, served) == {"PANDAS_SOMETHING"}
    assert env_differences({**os.environ, "NOTES_READS_RECORD": "x"}, served) == set()


def test_a_timed_out_kernel_is_stopped_and_reported(server: KernelServer, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    slow = write_notebook(
        tmp_path / "slow.ipynb",
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)",
    )
    job = Job("slow", slow, timeout=3, allow_errors=False, env=dict(os.environ))
    start = time.perf_counter()
    execution = asyncio.run(execute(job, server))
    assert execution.error is not None and "timed out" in str(execution.error).lower()
    assert time.perf_counter() - start < 30
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists(), "the kernel outlived its notebook"


def test_only_this_pythons_ipykernel_is_forked() -> None:
    assert is_plain_ipykernel(["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    assert not is_plain_ipykernel(["/usr/bin/other", "-m", "ipykernel_launcher", "-f", "{c}"])
    assert not is_plain_ipykernel(["python", "-m", "other_kernel", "-f", "{connection_file}"])


def test_without_a_server_the_kernel_starts_fresh(tmp_path: Path) -> None:
    """A server that failed to start (a module it could not import, say) costs only speed."""
    broken = KernelServer(modules=("no_such_module_anywhere",))
    probe = write_notebook(tmp_path / "probe.ipynb", "import sys\nprint('pandas' in sys.modules)")
    try:
        execution = run(probe, broken)  # before or after the server gave up
    finally:
        broken.stop()
    assert execution.error is None, execution.traceback
    assert execution.notebook.cells[0].outputs[0]["text"] == "False\n"


def test_many_kernels_at_once_all_finish_and_the_server_stays_up(
    server: KernelServer, tmp_path: Path
) -> None:
    """Kernels ending together (a relay's exit and its kernel's in one wake-up of the server)."""
    paths = [write_notebook(tmp_path / f"n{i}.ipynb", f"print({i})") for i in range(8)]

    async def all_of_them() -> list[Execution]:
        limit = asyncio.Semaphore(4)

        async def one(path: Path) -> Execution:
            async with limit:
                return await execute(Job(path.stem, path, 60, False, dict(os.environ)), server)

        return await asyncio.gather(*(one(p) for p in paths))

    for _ in range(2):
        executions = asyncio.run(all_of_them())
        texts = [e.notebook.cells[0].outputs[0]["text"] for e in executions]
        assert texts == [f"{i}\n" for i in range(8)]
    assert server.running()


def test_a_relay_gone_as_its_kernel_ends_leaves_the_server_serving(tmp_path: Path) -> None:
    """A kernel's end and its relay's end seen in one wake-up of the server, many times."""
    local = KernelServer(modules=())
    try:
        for _ in range(20):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.connect(local.socket)
                request = {"argv": ["--version"], "cwd": str(tmp_path), "env": dict(os.environ)}
                socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
                assert "pid" in json.loads(conn.makefile("rb").readline())
            time.sleep(0.05)
        assert local.running()
        probe = write_notebook(tmp_path / "probe.ipynb", "print('still serving')")
        output = run(probe, local).notebook.cells[0].outputs[0]["text"]
        assert output == "still serving\n"
    finally:
        local.stop()

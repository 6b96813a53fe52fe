"""Running a command and measuring it: wall time, CPU time of its process tree, peak memory,
and for builds where the time went and what Sphinx read."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notes.testing import BIN, SPHINX_PROBLEM, strict_build_command

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ENV_UPDATE = re.compile(r"updating environment: (?:\[[^\]]*\] )?(\d+) added, (\d+) changed")
READING = re.compile(r"^reading sources\.\.\. \[", re.M)
WRITING = re.compile(r"^writing output\.\.\. \[", re.M)

# Runs the command given after the stats path, then writes its wall time, CPU time and the
# largest resident set of it and its descendants (RUSAGE_CHILDREN: every waited-for process).
WRAPPER = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
stats = {"returncode": code, "seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
         "maxrss_kb": usage.ru_maxrss}
with open(sys.argv[1], "w") as out:
    json.dump(stats, out)
print(f"[build_speed] maxrss_kb={usage.ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


class BenchError(Exception):
    """A failure that makes the measurements meaningless, with the log that shows why."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


# --- running and measuring commands ------------------------------------------------------------


@dataclass
class Run:
    """One measured command: wall seconds, CPU seconds of its process tree, peak RSS."""

    seconds: float
    cpu_seconds: float
    peak_kb: int
    returncode: int
    log: Path
    timed_out: bool = False
    started: float = 0.0  # wall clock (epoch seconds) when the command was started
    phases: dict[str, float] = field(default_factory=dict)

    def text(self) -> str:
        return ANSI.sub("", self.log.read_text(encoding="utf-8", errors="replace"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "peak_mb": round(self.peak_kb / 1024, 1),
            "timed_out": self.timed_out,
            "phases_s": self.phases,
        }


def command_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "NOTES_BOOK"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def measure(command: Sequence[str], cwd: Path, log: Path, timeout: float) -> Run:
    """Run ``command`` in ``cwd`` through the wrapper; output goes to ``log``."""
    stats = log.with_name(log.name + ".rusage.json")
    stats.unlink(missing_ok=True)
    started = time.time()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, str(stats), *map(str, command)],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=command_env(),
            start_new_session=True,  # its own process group, so a timeout kills the whole tree
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return Run(timeout, 0.0, 0, -signal.SIGKILL, log, timed_out=True, started=started)
    if not stats.exists():
        raise BenchError(f"the measuring wrapper exited {process.returncode} without stats", log)
    data = json.loads(stats.read_text(encoding="utf-8"))
    seconds, cpu, peak, code = (
        data[k] for k in ("seconds", "cpu_seconds", "maxrss_kb", "returncode")
    )
    return Run(seconds, cpu, peak, code, log, started=started)


def require_success(run: Run, what: str, *, sphinx: bool = True) -> None:
    """Stop the benchmark if the command failed, timed out or (for builds) logged a problem."""
    if run.timed_out:
        raise BenchError(f"{what} timed out after {run.seconds:.0f} s", run.log)
    problem = SPHINX_PROBLEM.search(run.text()) if sphinx else None
    if run.returncode != 0 or problem:
        reason = f"exit {run.returncode}" + (f", log has {problem[0]}" if problem else "")
        raise BenchError(f"{what} failed ({reason})", run.log)


def jb_build(project: Path, log: Path, timeout: float) -> Run:
    run = measure(strict_build_command(Path("book")), project, log, timeout)
    require_success(run, f"jb build in {project}")
    built = project / "book" / "_build"
    run.phases = build_phases(built / ".doctrees", built / "html", run)
    return run


def build_phases(doctrees: Path, html_dir: Path, run: Run) -> dict[str, float]:
    """Where a build's time went, from the mtimes of what Sphinx wrote (approximate).

    startup: until the first doctree written in this build; read: until the environment was
    pickled (parsing, and executing notebooks); write: until the search index (resolving and
    writing HTML); finish: the rest (build-finished hooks, exit). Empty if nothing was read.
    """

    def mtime(path: Path) -> float | None:
        stamp = path.stat().st_mtime if path.exists() else None
        return stamp if stamp is not None and stamp >= run.started else None

    env, search = mtime(doctrees / "environment.pickle"), mtime(html_dir / "searchindex.js")
    if env is None or search is None:
        return {}
    stamps = (mtime(p) for p in doctrees.rglob("*.doctree"))
    first = min((t for t in stamps if t is not None), default=env)
    end = run.started + run.seconds
    return {
        "startup_s": round(first - run.started, 2),
        "read_s": round(env - first, 2),
        "write_s": round(search - env, 2),
        "finish_s": round(end - search, 2),
    }


def notes_import(project: Path, listing: str, log: Path, timeout: float) -> Run:
    # --offline: this measures the importer, not the arXiv API (one request per 3 s).
    command = [BIN / "notes", "import", listing, "--book", "book", "--offline"]
    return measure(command, project, log, timeout)


def build_activity(run: Run) -> dict[str, int]:
    """Documents Sphinx found changed (its own count), read and written, from the build log."""
    text = run.text()
    match = ENV_UPDATE.search(text)
    return {
        "added": int(match[1]) if match else 0,
        "changed": int(match[2]) if match else 0,
        "read": len(READING.findall(text)),
        "written": len(WRITING.findall(text)),
    }

"""How fast does the book build, rebuild and import, and what would any Sphinx toolchain pay?

Why: every build executes the analysis notebooks and runs `notes.sphinx_ext`, so build time is
the cost contributors pay for each change. This measures it on the current machine against
explicit targets (printed at the end, "met" or "not met"), so a change to the extension or the
importer is judged by numbers rather than impressions.

What it measures, each as the median, min and max of --runs runs, with CPU time and peak
memory (the largest `ru_maxrss` of the measured command or any one of its descendants, read by a
small wrapper process), and for builds a rough split into startup / read (including notebook
execution) / write / finish, from the mtimes of what Sphinx wrote:

- clean: a clean strict build of a copy of the book (`jb build book/ -W -n --keep-going`);
- notebooks: each analysis notebook's execution time as myst-nb recorded it in those builds
  (read from Sphinx's environment pickle);
- floor: plain `sphinx-build -b html -q` of the same chapter pages with myst-parser only (no
  notebooks, default theme, trivial stand-ins for the book's directives and roles);
- incremental: strict rebuilds after one change, each run starting from the same freshly built
  state (book/ and its build output restored from a snapshot, mtimes kept): no change, a
  sentence added to a page's TL;DR, a page added with `notes import`, a page's status changed
  from stub to draft; with freshness checks on the HTML (pass/fail), the number of documents
  Sphinx read and of notebooks myst-nb re-executed;
- import: `notes import` of the seed and of synthetic listings (1,000 to 10,000 papers made
  from the seed's abstracts under new titles, with the seed's dates and authors as metadata)
  into a copy whose chapters are empty, with seconds per 1,000 papers; and the import floor,
  a minimal importer kept here (parse, slug, YAML front matter, atomic write) on the largest;
- large: a clean strict build of a synthetic book of 3,000 papers (the chapter pages' links to
  the real papers, which that copy lacks, are turned into plain text there).

Everything runs in copies under a temporary folder, through the public commands (`notes`, `jb`,
`sphinx-build`) and the files they write; the repository itself is only read. A build that
fails stops the benchmark with its log tail (exit 2); a failed freshness check makes it exit 1,
after the results are written. Timings on a busy machine are noisy: compare medians, CPU time.

Run: .venv/bin/python benchmarks/build_speed.py [--runs N] [--only SECTION[,SECTION]]
         [--sizes 1000,2500,5000,10000] [--quick] [--json FILE] [--markdown FILE] [--keep]
Sections: clean, notebooks, floor, incremental, import, large. `make bench` runs everything and
writes benchmarks/results.json and benchmarks/results.md (about 10-30 minutes with 3 runs);
`--quick` (one run each, imports of 1,000 only, no large book) is for development;
`--large-papers N` sets the synthetic book's size.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import importlib.metadata
import importlib.util
import io
import json
import os
import pickle
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from notes.freshness import package_fingerprint
from notes.listing import parse_listing
from notes.pages import iter_page_paths, read_page_text

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SEED = ROOT / "data" / "hf-trending-scalability.txt"
BIN = Path(sys.executable).parent  # the virtualenv's bin: jb, notes, sphinx-build

SECTIONS = ("clean", "notebooks", "floor", "incremental", "import", "large")
DEFAULT_SIZES = (1000, 2500, 5000, 10000)
LARGE_PAPERS = 3000
IMPORT_TARGET_PAPERS = 10000
JB_BUILD = ("build", "book/", "-W", "-n", "--keep-going")
PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinx-book-theme", "itables")

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SPHINX_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL):")  # not the kernel's "WARNING |"
ENV_UPDATE = re.compile(r"updating environment: (?:\[[^\]]*\] )?(\d+) added, (\d+) changed")
READING = re.compile(r"^reading sources\.\.\. \[", re.M)
WRITING = re.compile(r"^writing output\.\.\. \[", re.M)
TABLE = re.compile(r"<table\b.*?</table>", re.S)
ITABLES_DATA = re.compile(r'"data_json": ("(?:[^"\\]|\\.)*")')
ITABLES_ID = re.compile(r"itables_[0-9a-f]{8}_[0-9a-f_]+")
ARTICLE = re.compile(r"<article\b[^>]*>(.*)</article>", re.S)
PAGE_LINK = re.compile(r"\[([^\]]+)\]\(([^)#\s]+\.md)(#[^)\s]*)?\)")

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
CHROME = (
    "Get trending papers in your email inbox once a day!",
    "Get trending papers in your email inbox!",
)
CODE_WORDS = (
    ("Amber", "Brisk", "Cobalt", "Dusky", "Ember", "Garnet", "Hazel", "Indigo", "Jade", "Lunar"),
    ("Falcon", "Heron", "Lynx", "Marten", "Osprey", "Plover", "Raven", "Stoat", "Tern", "Wren"),
)
MAX_TITLE_CHARS = 280
FLOOR_LITERAL = ("paper-abstract", "dropdown")  # directives whose body is shown as text
# Directives built from other pages or the front matter.
FLOOR_EMPTY = ("paper-cards", "paper-tags", "bibliography", "paper-glance")
FLOOR_ROLES = ("t", "p", "ts", "ps", "alp", "author", "year")  # {cite:X}; {cite} also stubbed


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
    run = measure([BIN / "jb", *JB_BUILD], project, log, timeout)
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
    return measure([BIN / "notes", "import", listing, "--book", "book"], project, log, timeout)


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


# --- project copies and pages ------------------------------------------------------------------


def chapter_names(book: Path = BOOK) -> list[str]:
    return sorted(p.parent.name for p in book.glob("*/index.md") if not p.parent.is_symlink())


def copy_project(target: Path, *, with_pages: bool = True) -> Path:
    """Copy what `jb build book/` reads (config, toc, notebooks, data, book) to ``target``.

    As tests/conftest.py does: book/'s symlinks stay symlinks, build output is left out. Without
    pages, the chapter folders keep their index.md only (the book still builds).
    Returns the copy's root.
    """
    target.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "CONTRIBUTING.md"):
        shutil.copy2(ROOT / name, target / name)
    checkpoints = shutil.ignore_patterns(".ipynb_checkpoints")
    shutil.copytree(ROOT / "notebooks", target / "notebooks", ignore=checkpoints)
    shutil.copytree(ROOT / "data", target / "data")
    chapters = {str(BOOK / name) for name in chapter_names()}

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = {n for n in names if n in ("_build", ".ipynb_checkpoints")}
        if not with_pages and directory in chapters:
            ignored |= {n for n in names if n.endswith(".md") and n != "index.md"}
        return ignored

    shutil.copytree(BOOK, target / "book", symlinks=True, ignore=ignore)
    return target


def paper_pages(book: Path) -> list[Path]:
    return sorted(iter_page_paths(book))


def front_matter(page: Path) -> dict[str, Any]:
    return read_page_text(page).data


def html_path(book: Path, page: Path | str) -> Path:
    """The HTML a source page (path, or docname relative to the book) is built into."""
    relative = Path(page).relative_to(book) if Path(page).is_absolute() else Path(page)
    return book / "_build" / "html" / relative.with_suffix(".html")


SLUGS_LINE = re.compile(r"^:slugs: .*$", re.M)


def regroup_cards(book: Path) -> int:
    """In a synthetic copy, give the chapter's own pages to its themed card groups in turn:
    their ``:slugs:`` name real papers, which the copy lacks (an empty group is an error)."""
    groups = 0
    for chapter in chapter_names(book):
        index = book / chapter / "index.md"
        text = index.read_text(encoding="utf-8")
        count = len(SLUGS_LINE.findall(text))
        if not count:
            continue
        slugs = sorted(p.stem for p in index.parent.glob("*.md") if p.name != "index.md")
        shares = iter([" ".join(slugs[i::count]) for i in range(count)])
        index.write_text(SLUGS_LINE.sub(lambda _, s=shares: f":slugs: {next(s)}", text), "utf-8")
        groups += count
    return groups


def unlink_missing_pages(book: Path) -> int:
    """In the chapter pages of a copy, turn links to pages that are not there into text.

    The chapters' placement notes link the real papers, which an emptied copy does not have.
    """
    count = 0

    def unlink(match: re.Match[str], folder: Path) -> str:
        nonlocal count
        if (folder / match[2]).exists():
            return match[0]
        count += 1
        return match[1]

    # The glossary's "See:" lines link real papers too.
    for index in [
        *(book / chapter / "index.md" for chapter in chapter_names(book)),
        book / "glossary.md",
    ]:
        if not index.exists():
            continue
        text = index.read_text(encoding="utf-8")
        fixed = PAGE_LINK.sub(lambda m, f=index.parent: unlink(m, f), text)
        if fixed != text:
            index.write_text(fixed, encoding="utf-8")
    return count


def snapshot_book(project: Path, snapshot: Path) -> None:
    shutil.copytree(project / "book", snapshot, symlinks=True)  # copy2 keeps the mtimes


def restore_book(project: Path, snapshot: Path) -> None:
    """Put back book/ (sources and build output) exactly as built: same paths, same mtimes."""
    shutil.rmtree(project / "book")
    shutil.copytree(snapshot, project / "book", symlinks=True)


# --- reading the HTML -----------------------------------------------------------------------


def normalise(text: str) -> str:
    """Words only: case, punctuation, markup remnants and Unicode forms ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


def unescape(text: str) -> str:
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)
    text = re.sub(r"\\[nrt]", " ", text)
    for _ in range(3):  # titles in itables data are escaped more than once
        text = html.unescape(text)
    return text


def read_html(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def table_parts(path: Path) -> list[Any]:
    """A notebook page's tables: HTML tables (random itables ids blanked) and itables rows.

    The navigation lists every page too, so freshness is judged on the tables alone.
    """
    text = read_html(path)
    tables: list[Any] = [ITABLES_ID.sub("itables_ID", t) for t in TABLE.findall(text)]
    return tables + [json.loads(json.loads(data)) for data in ITABLES_DATA.findall(text)]


def table_words(path: Path) -> str:
    parts = table_parts(path)
    return f" {normalise(unescape(json.dumps(parts, ensure_ascii=False)))} "


def article_text(path: Path) -> str:
    """The page's own content, without the navigation that lists every page."""
    text = read_html(path)
    match = ARTICLE.search(text)
    return match[1] if match else text


def contains_words(haystack: str, needle: str) -> bool:
    return f" {normalise(needle)} " in haystack


def missing(haystack: str, titles: Iterable[str]) -> list[str]:
    return [title for title in titles if not contains_words(haystack, title)]


def _titles(titles: list[str], limit: int = 3) -> str:
    if not titles:
        return ""
    more = f" and {len(titles) - limit} more" if len(titles) > limit else ""
    return f"missing {len(titles)}: " + "; ".join(t[:50] for t in titles[:limit]) + more


def notebook_exec_data(book: Path) -> dict[str, dict[str, Any]]:
    """What myst-nb recorded per notebook (runtime, mtime, method), from Sphinx's pickle."""
    with (book / "_build" / ".doctrees" / "environment.pickle").open("rb") as handle:
        env = pickle.load(handle)
    try:
        from myst_nb.sphinx_ import NbMetadataCollector

        per_doc = NbMetadataCollector.get_doc_data(env)
    except ImportError:  # another myst-nb layout: the collector's attribute on the environment
        per_doc = getattr(env, "nb_metadata", {})
    return {doc: dict(d["exec_data"]) for doc, d in sorted(per_doc.items()) if d.get("exec_data")}


def re_executed(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    return [doc for doc, data in after.items() if before.get(doc, {}).get("mtime") != data["mtime"]]


# --- results -----------------------------------------------------------------------------------


@dataclass
class Measurement:
    key: str
    label: str
    runs: list[Run]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> list[Run]:
        return [run for run in self.runs if not run.timed_out]

    @property
    def timed_out(self) -> bool:
        return any(run.timed_out for run in self.runs)

    @property
    def median(self) -> float | None:
        return statistics.median(r.seconds for r in self.done) if self.done else None

    def phases(self) -> dict[str, float]:
        """The median of each build phase over the runs that recorded them."""
        runs = [r.phases for r in self.done if r.phases]
        return {k: round(statistics.median(p[k] for p in runs), 2) for k in (runs or [{}])[0]}

    def as_dict(self) -> dict[str, Any]:
        done = self.done
        return {
            "label": self.label,
            "runs": len(done),
            "median_s": _round(self.median),
            "min_s": _round(min((r.seconds for r in done), default=None)),
            "max_s": _round(max((r.seconds for r in done), default=None)),
            "cpu_median_s": _round(
                statistics.median(r.cpu_seconds for r in done) if done else None
            ),
            "peak_mb": _round(max((r.peak_kb for r in done), default=0) / 1024 or None, 1),
            "timed_out": self.timed_out,
            "phases_median_s": self.phases(),
            "samples": [r.as_dict() for r in self.runs],
            **self.details,
        }


@dataclass
class Check:
    scenario: str
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Context:
    workdir: Path
    runs: int
    sizes: list[int]
    timeout: float
    build_timeout: float
    keep: bool = False  # keep the project copies (for inspection) rather than delete them
    large_papers: int = LARGE_PAPERS
    measurements: dict[str, Measurement] = field(default_factory=dict)
    exec_runs: list[dict[str, dict[str, Any]]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    listings: dict[int, Listing] = field(default_factory=dict)
    token: str = field(default_factory=lambda: secrets.token_hex(2))
    _logs: int = 0

    def log(self, name: str) -> Path:
        self._logs += 1
        folder = self.workdir / "logs"
        folder.mkdir(exist_ok=True)
        return folder / f"{self._logs:03d}-{name}.log"

    def discard(self, project: Path) -> None:
        if not self.keep:
            shutil.rmtree(project)

    def add(self, measurement: Measurement) -> None:
        self.measurements[measurement.key] = measurement

    def check(self, scenario: str, name: str, passed: bool, detail: str = "") -> None:
        self.checks.append(Check(scenario, name, passed, detail))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def progress(message: str) -> None:
    print(f"[build_speed] {message}", file=sys.stderr, flush=True)


# --- 1. clean build and 4. notebook runtimes ---------------------------------------------------


def section_clean(ctx: Context) -> None:
    runs = []
    for index in range(ctx.runs):
        project = copy_project(ctx.workdir / f"clean-{index}")
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
        project = copy_project(ctx.workdir / "notebooks")
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


# --- 3. the floor ------------------------------------------------------------------------------


FLOOR_CONF = '''\
"""Plain Sphinx + myst-parser over the book's chapter pages: what any toolchain must pay."""

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.domains import Domain

project = "floor"
extensions = ["myst_parser"]
myst_enable_extensions = {extensions!r}
smartquotes = False
exclude_patterns = ["_build"]


class Literal(Directive):
    """Stand-in: the body as a literal block (as the book shows an abstract, unparsed)."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self):
        text = "\\n".join(self.content)
        return [nodes.literal_block(text, text)]


class Empty(Literal):
    """Stand-in for directives built from other pages (cards, tags, bibliography)."""

    def run(self):
        return []


def text_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


class Cite(Domain):
    """Stand-in for sphinxcontrib-bibtex's cite domain, so {{cite:t}} resolves quietly."""

    name = "cite"
    label = "citation stand-in"
    roles = {{name: text_role for name in {roles!r}}}


def setup(app):
    for name in {literal!r}:
        app.add_directive(name, Literal)
    for name in {empty!r}:
        app.add_directive(name, Empty)
    app.add_role("cite", text_role)
    app.add_domain(Cite)
    return {{"parallel_read_safe": True}}
'''

FLOOR_INDEX = """\
# Floor

```{toctree}
:glob:

*/*
glossary
notebook-labels
```
"""
LABEL_LINE = re.compile(r"^\(([\w-]+)\)=\n(#+ .*)$", re.M)


def notebook_labels() -> str:
    """Stand-ins for the labelled headings of the notebooks (not in the floor) pages link."""
    lines = ["# Notebook labels", ""]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                for label, heading in LABEL_LINE.findall("".join(cell["source"])):
                    lines += [f"({label})=", "## " + heading.lstrip("# "), ""]
    return "\n".join(lines)


def myst_extensions() -> list[str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return list(config["parse"]["myst_enable_extensions"])


def make_floor_source(src: Path) -> int:
    """The chapter folders' pages, an index with a glob toctree and a minimal conf.py."""
    pages = 0
    for chapter in chapter_names():
        (src / chapter).mkdir(parents=True)
        for page in sorted((BOOK / chapter).glob("*.md")):
            shutil.copy2(page, src / chapter / page.name)
            pages += 1
    (src / "index.md").write_text(FLOOR_INDEX, encoding="utf-8")
    shutil.copy2(BOOK / "glossary.md", src / "glossary.md")  # the terms chapter pages link
    (src / "notebook-labels.md").write_text(notebook_labels(), encoding="utf-8")
    conf = FLOOR_CONF.format(
        extensions=myst_extensions(),
        roles=FLOOR_ROLES,
        literal=FLOOR_LITERAL,
        empty=FLOOR_EMPTY,
    )
    (src / "conf.py").write_text(conf, encoding="utf-8")
    return pages


def section_floor(ctx: Context) -> None:
    src = ctx.workdir / "floor" / "src"
    out = ctx.workdir / "floor" / "_build"
    pages = make_floor_source(src)
    runs = []
    for index in range(ctx.runs):
        shutil.rmtree(out, ignore_errors=True)
        command = [BIN / "sphinx-build", "-b", "html", "-q", src, out / "html"]
        run = measure(command, src.parent, ctx.log(f"floor-{index}"), ctx.build_timeout)
        require_success(run, "floor sphinx-build")
        run.phases = build_phases(out / "html" / ".doctrees", out / "html", run)
        runs.append(run)
        progress(f"floor {index + 1}/{ctx.runs}: {run.seconds:.1f} s")
    label = f"floor: sphinx-build + myst-parser, same chapter pages ({pages} pages)"
    ctx.add(Measurement("floor", label, runs, {"pages": pages}))


# --- 2. incremental builds ---------------------------------------------------------------------


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
    ctx.check("no change", "overview.html table lists every paper", not gone, _titles(gone))


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
        ctx.check(
            scenario, f"{name}.html lists all {len(base.titles)} papers", not gone, _titles(gone)
        )
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
    project = copy_project(ctx.workdir / "incremental" / "project")
    jb_build(project, ctx.log("incremental-base"), ctx.build_timeout)
    snapshot = ctx.workdir / "incremental" / "snapshot"
    snapshot_book(project, snapshot)
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
            restore_book(base.project, base.snapshot)
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


# --- 5. imports --------------------------------------------------------------------------------


def seed_metadata() -> dict[str, dict[str, str]]:
    """data/metadata.csv rows by normalised title."""
    with (ROOT / "data" / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        return {normalise(row["title"]): row for row in csv.DictReader(handle)}


def synthetic_listing(count: int) -> tuple[str, str]:
    """``count`` papers made from the seed's abstracts, each with a new unique title: the
    listing, in the scraped format (two lines of page chrome, "Subscribe" glued to the first
    title), and a metadata CSV giving each the date and authors of the paper it copies (no
    arXiv id, so no two pages claim the same paper)."""
    seed, known = parse_listing(SEED), seed_metadata()
    first, second = CODE_WORDS
    lines = list(CHROME)
    rows = [["title", "arxiv_id", "published", "authors"]]
    for index in range(count):
        paper = seed[index % len(seed)]
        name = f"{first[index % len(first)]} {second[(index // len(first)) % len(second)]}"
        title = f"{name} {index + 1}: {paper.title}"
        if len(title) > MAX_TITLE_CHARS:
            title = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
        lines += [title, paper.abstract]
        meta = known.get(normalise(paper.title))
        if meta:
            arxiv = (meta.get("arxiv_id") or "").strip()
            published = (meta.get("published") or "").strip()
            published = published or (f"20{arxiv[:2]}-{arxiv[2:4]}" if arxiv else "")
            rows.append([title, "", published, meta.get("authors") or ""])
    lines[len(CHROME)] = "Subscribe" + lines[len(CHROME)]
    table = io.StringIO()
    csv.writer(table, lineterminator="\n").writerows(rows)
    return "\n".join(lines) + "\n", table.getvalue()


@dataclass(frozen=True)
class Listing:
    path: Path
    metadata: Path | None  # None: the project's default, data/metadata.csv
    papers: int


def listing_for(ctx: Context, count: int) -> Listing:
    if count not in ctx.listings:
        folder = ctx.workdir / "listings"
        folder.mkdir(exist_ok=True)
        text, metadata = synthetic_listing(count)
        path, meta = folder / f"synthetic-{count}.txt", folder / f"synthetic-{count}.csv"
        path.write_text(text, encoding="utf-8")
        meta.write_text(metadata, encoding="utf-8")
        ctx.listings[count] = Listing(path, meta, count)
    return ctx.listings[count]


def import_into_empty(ctx: Context, listing: Listing, name: str) -> tuple[Run, Path]:
    """`notes import` of ``listing`` into a fresh copy with empty chapters; checks the count."""
    project = copy_project(ctx.workdir / name, with_pages=False)
    command = ["import", f"data/{listing.path.name}", "--book", "book"]
    for path in (listing.path, listing.metadata):
        if path is not None and not (project / "data" / path.name).exists():
            shutil.copy2(path, project / "data" / path.name)
    if listing.metadata is not None:
        command += ["--metadata", f"data/{listing.metadata.name}"]
    run = measure([BIN / "notes", *command], project, ctx.log(name), ctx.timeout)
    if run.timed_out:
        return run, project
    require_success(run, f"notes import of {listing.papers:,} papers", sphinx=False)
    created = len(paper_pages(project / "book"))
    if created != listing.papers:
        raise BenchError(f"notes import made {created:,} pages, not {listing.papers:,}", run.log)
    return run, project


def section_import(ctx: Context) -> None:
    cases = [(Listing(SEED, None, len(parse_listing(SEED))), "the seed")]
    cases += [(listing_for(ctx, n), "synthetic") for n in sorted(set(ctx.sizes))]
    limit: int | None = None  # the size that timed out: larger sizes are skipped
    for listing, kind in cases:
        count = listing.papers
        label = f"notes import: {count:,} abstracts ({kind}) into an empty book"
        if limit is not None and count >= limit:
            ctx.add(Measurement(f"import-{count}", label, [], {"papers": count, "skipped": True}))
            continue
        runs = []
        for index in range(ctx.runs):
            run, project = import_into_empty(ctx, listing, f"import-{count}-{index}")
            ctx.discard(project)
            runs.append(run)
            state = "timed out" if run.timed_out else f"{run.seconds:.1f} s"
            progress(f"import {count:,} {index + 1}/{ctx.runs}: {state}")
            if run.timed_out:
                limit = count
                break
        ctx.add(Measurement(f"import-{count}", label, runs, {"papers": count}))
    if limit is None and cases[-1][1] == "synthetic":
        section_import_floor(ctx, cases[-1][0])


# The floor of any importer: parse the listing, slug each title, write YAML front matter and the
# abstract atomically. No metadata, classification, extraction or duplicate check.
IMPORT_FLOOR = """\
import os, sys, tempfile
from pathlib import Path
import yaml
from slugify import slugify

CHROME = {chrome!r}
listing, folder = Path(sys.argv[1]), Path(sys.argv[2])
lines = [l.strip() for l in listing.read_text(encoding="utf-8").splitlines()]
lines = [l for l in lines if l and l not in CHROME]
lines[0] = lines[0].removeprefix("Subscribe")
folder.mkdir(parents=True, exist_ok=True)
seen = set()
for title, abstract in zip(lines[0::2], lines[1::2]):
    slug = base = slugify(title, max_length=60, word_boundary=True)
    n = 1
    while slug in seen:
        n += 1
        slug = f"{{base}}-{{n}}"
    seen.add(slug)
    front = yaml.safe_dump({{"title": title, "paper": {{"id": slug, "source": listing.name}},
                            "status": "stub"}}, allow_unicode=True, sort_keys=False)
    text = f"---\\n{{front}}---\\n\\n# {{title}}\\n\\n{{abstract}}\\n"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, folder / f"{{slug}}.md")
print(len(seen), "pages")
"""


def section_import_floor(ctx: Context, listing: Listing) -> None:
    script = ctx.workdir / "import_floor.py"
    script.write_text(IMPORT_FLOOR.format(chrome=CHROME), encoding="utf-8")
    runs = []
    for index in range(ctx.runs):
        out = ctx.workdir / f"import-floor-{index}"
        command = [sys.executable, str(script), str(listing.path), str(out / "other")]
        run = measure(command, ctx.workdir, ctx.log(f"import-floor-{index}"), ctx.timeout)
        require_success(run, "the import floor", sphinx=False)
        written = len(list((out / "other").glob("*.md")))
        if written != listing.papers:
            raise BenchError(f"the import floor wrote {written:,} pages, not {listing.papers:,}")
        ctx.discard(out)
        runs.append(run)
        progress(f"import floor {listing.papers:,} {index + 1}/{ctx.runs}: {run.seconds:.1f} s")
    label = f"import floor: {listing.papers:,} abstracts, parse, slug, front matter, atomic write"
    ctx.add(Measurement(f"floor-import-{listing.papers}", label, runs, {"papers": listing.papers}))


# --- 6. a large synthetic book -----------------------------------------------------------------


def section_large(ctx: Context) -> None:
    listing = listing_for(ctx, ctx.large_papers)
    imported, project = import_into_empty(ctx, listing, "large")
    if imported.timed_out:
        raise BenchError(f"notes import of {ctx.large_papers:,} papers timed out", imported.log)
    unlinked = unlink_missing_pages(project / "book")
    regroup_cards(project / "book")
    pages = len(paper_pages(project / "book"))
    runs, notebooks = [], []
    for index in range(ctx.runs):
        shutil.rmtree(project / "book" / "_build", ignore_errors=True)
        run = jb_build(project, ctx.log(f"large-{index}"), ctx.build_timeout)
        runs.append(run)
        exec_data = notebook_exec_data(project / "book")
        notebooks.append(sum(d.get("runtime") or 0 for d in exec_data.values()))
        progress(f"{pages:,}-paper book {index + 1}/{ctx.runs}: {run.seconds:.1f} s")
    ctx.discard(project)
    details = {
        "pages": pages,
        "notebooks_s": [_round(s) for s in notebooks],
        "unlinked_placement_links": unlinked,
    }
    label = f"clean strict build, synthetic book ({pages:,} papers)"
    ctx.add(Measurement("large", label, runs, details))


# --- targets and report ------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: float | None
    limit: float
    strict: bool = False  # "<" rather than "<="
    unit: str = ""
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value < self.limit if self.strict else self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.name,
            "value": _round(self.value),
            "limit": f"{'<' if self.strict else '<='} {self.limit:g}{self.unit}",
            "met": self.met,
            "note": self.note,
        }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def import_targets(ctx: Context) -> list[Target]:
    imports = sorted(
        (m.details["papers"], m) for k, m in ctx.measurements.items() if k.startswith("import-")
    )
    synthetic = [(n, m) for n, m in imports if n in ctx.sizes]
    big = ctx.measurements.get(f"import-{IMPORT_TARGET_PAPERS}")
    floor = ctx.measurements.get(f"floor-import-{IMPORT_TARGET_PAPERS}")
    note = "not measured"
    if big is not None:
        note = "" if big.median is not None else "timed out" if big.timed_out else "skipped"
    name = f"import {IMPORT_TARGET_PAPERS:,} abstracts / import floor"
    value = ratio(big.median if big else None, floor.median if floor else None)
    targets = [Target(name, value, 2.0, unit="x", note=note)]
    done = [(n, m.median / n * 1000) for n, m in synthetic if m.median is not None]
    if len(done) >= 2:
        (small, first), (large, last) = done[0], done[-1]
        name = f"import linearity: s per 1,000 at {large:,} / at {small:,}"
        targets.append(Target(name, last / first, 1.25, note="1.0 is linear"))
    else:
        targets.append(Target("import linearity (needs two sizes)", None, 1.25))
    return targets


def targets(ctx: Context) -> list[Target]:
    def median(key: str) -> float | None:
        m = ctx.measurements.get(key)
        return m.median if m else None

    clean, floor = median("clean"), median("floor")
    clean_pages = ctx.measurements["clean"].details["pages"] if "clean" in ctx.measurements else 0
    large = ctx.measurements.get("large")
    per_page = ratio(
        ratio(large.median if large else None, large.details["pages"] if large else None),
        ratio(clean, clean_pages),
    )
    peak = max((r.peak_kb for r in large.done), default=0) / 1024 if large else None
    return [
        Target("clean build / floor", ratio(clean, floor), 2.0, unit="x"),
        Target("edit-prose rebuild / clean build", ratio(median("rebuild-prose"), clean), 0.2),
        Target("add-page rebuild / clean build", ratio(median("rebuild-add"), clean), 0.5),
        Target("change-status rebuild / clean build", ratio(median("rebuild-status"), clean), 0.60),
        *import_targets(ctx),
        Target(
            f"{ctx.large_papers:,}-paper book: s per page / {clean_pages}-paper s per page",
            per_page,
            1.0,
        ),
        Target(f"{ctx.large_papers:,}-paper book peak MB", peak or None, 2048, strict=True),
    ]


def machine() -> dict[str, Any]:
    cpuinfo = _read("/proc/cpuinfo")
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": models[0] if models else platform.processor(),
        "cpus": len(models) or os.cpu_count(),
        "ram_gb": round(int(memory[1]) / 1024**2, 1) if memory else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git": git_state(),
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def git_state() -> str | None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    try:
        head = git("rev-parse", "--short", "HEAD").strip()
        dirty = len(git("status", "--porcelain").splitlines())
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (f" with {dirty} uncommitted change(s)" if dirty else "")


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]

    def text(self) -> str:
        widths = [
            max(len(row[i]) for row in [self.header, *self.rows]) for i in range(len(self.header))
        ]
        lines = [
            self.title,
            "  ".join(h.ljust(w) for h, w in zip(self.header, widths, strict=True)),
        ]
        lines.append("  ".join("-" * w for w in widths))
        lines += [
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in self.rows
        ]
        return "\n".join(line.rstrip() for line in lines)

    def markdown(self) -> str:
        def row(cells: list[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        lines = [f"## {self.title}", "", row(self.header), row(["---"] * len(self.header))]
        return "\n".join([*lines, *(row(r) for r in self.rows)])


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def measurement_note(m: Measurement) -> str:
    notes = []
    if phases := m.phases():
        notes.append("phases " + " / ".join(f"{k[:-2]} {v:.1f}" for k, v in phases.items()))
    if "notebooks_re_executed" in m.details:
        executed = ", ".join(map(str, m.details["notebooks_re_executed"]))
        notes.append(f"notebooks re-executed {executed} (of {m.details['notebooks_total']})")
        notes.append(f"docs read {', '.join(map(str, m.details['docs_read']))}")
    if "import_seconds" in m.details:
        seconds = ", ".join(fmt(s) for s in m.details["import_seconds"])
        notes.append(f"notes import before it (not timed): {seconds} s")
    if "notebooks_s" in m.details:
        notes.append(f"notebooks ran {', '.join(fmt(s, 1) for s in m.details['notebooks_s'])} s")
    if m.details.get("papers") and m.median is not None:
        notes.append(f"{m.median / m.details['papers'] * 1000:.2f} s per 1,000 papers")
    if m.details.get("pages") and m.median is not None:
        notes.append(f"{m.median / m.details['pages']:.3f} s per page")
    if m.timed_out:
        notes.append(f"timed out after {m.runs[-1].seconds:.0f} s")
    if m.details.get("skipped"):
        notes.append("skipped: a smaller size timed out")
    return "; ".join(notes)


def tables(ctx: Context, report: dict[str, Any]) -> list[Table]:
    rows = []
    for m in ctx.measurements.values():
        d = m.as_dict()
        rows.append(
            [
                m.label,
                str(d["runs"]),
                fmt(d["median_s"]),
                fmt(d["min_s"]),
                fmt(d["max_s"]),
                fmt(d["cpu_median_s"]),
                fmt(d["peak_mb"], 0),
                measurement_note(m),
            ]
        )
    header = ["measurement", "runs", "median s", "min s", "max s", "CPU s", "peak MB", "notes"]
    result = [Table("Measurements", header, rows)]
    if report["notebooks"]:
        result.append(notebook_table(ctx, report["notebooks"]))
    if report["checks"]:
        check_rows = [
            [c["scenario"], c["check"], "pass" if c["passed"] else "FAIL", c["detail"]]
            for c in report["checks"]
        ]
        header = ["scenario", "check", "result", "detail"]
        result.append(Table("Freshness checks", header, check_rows))
    target_rows = [
        [t["target"], fmt(t["value"]), t["limit"], _met(t["met"]), t["note"]]
        for t in report["targets"]
    ]
    result.append(Table("Targets", ["target", "value", "limit", "met", "note"], target_rows))
    return result


def _met(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "not met")


def notebook_table(ctx: Context, rows: list[dict[str, Any]]) -> Table:
    clean = ctx.measurements.get("clean")
    total = sum(r["median_s"] or 0 for r in rows)
    body = []
    for r in [*rows, {"notebook": "all notebooks", "median_s": total}]:
        share = ratio(r["median_s"], clean.median if clean else None)
        body.append(
            [
                r["notebook"],
                fmt(r["median_s"]),
                fmt(r.get("min_s")),
                fmt(r.get("max_s")),
                "-" if share is None else f"{share:.0%}",
            ]
        )
    header = ["notebook", "median s", "min s", "max s", "/ clean build wall time"]
    title = "Notebook execution (myst-nb runtime in the clean builds; may overlap if concurrent)"
    return Table(title, header, body)


def aggregate_checks(checks: list[Check]) -> list[dict[str, Any]]:
    """One row per check: passed only if it passed in every run; the first failure's detail."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for c in checks:
        row = rows.setdefault(
            (c.scenario, c.name),
            {"scenario": c.scenario, "check": c.name, "passed": True, "runs": 0, "detail": ""},
        )
        row["runs"] += 1
        if row["passed"] and (not c.passed or not row["detail"]):
            row["detail"] = c.detail
        row["passed"] = row["passed"] and c.passed
    return list(rows.values())


def build_report(ctx: Context, info: dict[str, Any], error: BenchError | None) -> dict[str, Any]:
    return {
        "machine": info,
        "settings": {
            "runs": ctx.runs,
            "import_sizes": ctx.sizes,
            "timeout_s": ctx.timeout,
            "build_timeout_s": ctx.build_timeout,
            "build_command": "jb build " + " ".join(JB_BUILD[1:]),
            "peak_memory": "largest ru_maxrss of the command or any one descendant",
        },
        "measurements": {k: m.as_dict() for k, m in ctx.measurements.items()},
        "notebooks": notebook_rows(ctx),
        "checks": aggregate_checks(ctx.checks),
        "targets": [t.as_dict() for t in targets(ctx)],
        "warnings": ctx.warnings,
        "error": None if error is None else str(error),
    }


def machine_lines(info: dict[str, Any]) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    return [
        f"- CPU: {info['cpu']} x {info['cpus']}; RAM {info['ram_gb']} GB",
        f"- Python {info['python']} on {info['platform']}",
        f"- {packages}",
        f"- date {info['date']}; load average at start {info['load_average']}",
        f"- repository at {info['git']}",
    ]


def markdown(report: dict[str, Any], tables_: list[Table]) -> str:
    settings = report["settings"]
    lines = [
        "# Build speed",
        "",
        "Written by `benchmarks/build_speed.py` (`make bench`); medians of "
        f"{settings['runs']} run(s); peak memory is the {settings['peak_memory']}.",
        "",
        *machine_lines(report["machine"]),
    ]
    for table in tables_:
        lines += ["", table.markdown()]
    lines += extra_lines(report)
    return "\n".join(lines).rstrip() + "\n"


def extra_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    if report["warnings"]:
        lines += ["", "## Warnings", "", *(f"- {w}" for w in report["warnings"])]
    if report["error"]:
        lines += ["", "## Stopped", "", f"- {report['error']}"]
    return lines


def text_report(report: dict[str, Any], tables_: list[Table]) -> str:
    lines = ["Build speed", *machine_lines(report["machine"])]
    for table in tables_:
        lines += ["", table.text()]
    lines += [line.replace("## ", "") for line in extra_lines(report)]
    return "\n".join(lines)


# --- command line ------------------------------------------------------------------------------

SECTION_RUNNERS: dict[str, Callable[[Context], None]] = {
    "clean": section_clean,
    "notebooks": section_notebooks,
    "floor": section_floor,
    "incremental": section_incremental,
    "import": section_import,
    "large": section_large,
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--only", type=_names, help=f"comma-separated of: {', '.join(SECTIONS)}")
    parser.add_argument(
        "--sizes", type=_sizes, help="synthetic import sizes (default 1000,2500,5000,10000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 run, import 1,000 only, no large book"
    )
    parser.add_argument(
        "--large-papers", type=int, default=LARGE_PAPERS, help="synthetic book size (3000)"
    )
    parser.add_argument("--timeout", type=float, default=600, help="per import, s (default 600)")
    parser.add_argument(
        "--build-timeout", type=float, default=3600, help="per build, s (default 3600)"
    )
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--markdown", type=Path, help="write the report as Markdown to this file")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder: logs and every project copy"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def _names(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown section(s) {unknown}; known: {SECTIONS}")
    return names


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(n.replace("_", "")) for n in value.split(",") if n.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers: {value!r}") from error
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def plan(args: argparse.Namespace) -> tuple[list[str], int, list[int]]:
    """Sections to run (in a fixed order), runs per measurement and import sizes."""
    chosen = set(args.only or SECTIONS)
    if args.quick and not args.only:
        chosen.discard("large")
    runs = 1 if args.quick else args.runs
    sizes = args.sizes or ([1000] if args.quick else list(DEFAULT_SIZES))
    return [s for s in SECTIONS if s in chosen], runs, sizes


def run_sections(ctx: Context, sections: list[str]) -> BenchError | None:
    fingerprint = package_fingerprint()
    for name in sections:
        progress(f"section {name}")
        try:
            SECTION_RUNNERS[name](ctx)
        except BenchError as error:
            return error
        finally:
            current = package_fingerprint()
            if current != fingerprint:
                ctx.warnings.append(
                    f"the notes package changed during section {name!r}: "
                    "its measurements may mix two versions of the code"
                )
                fingerprint = current
    return None


def show_error(error: BenchError) -> None:
    print(f"\nbuild_speed: {error}", file=sys.stderr)
    if error.log and error.log.exists():
        tail = error.log.read_text(encoding="utf-8", errors="replace")[-5000:]
        print(f"--- last lines of {error.log} ---\n{ANSI.sub('', tail)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sections, runs, sizes = plan(args)
    info = machine()
    workdir = Path(tempfile.mkdtemp(prefix="build-speed-"))
    ctx = Context(workdir, runs, sizes, args.timeout, args.build_timeout, keep=args.keep)
    ctx.large_papers = args.large_papers
    progress(f"sections {', '.join(sections)}; {runs} run(s); work folder {workdir}")
    try:
        error = run_sections(ctx, sections)
    except BaseException:
        progress(f"interrupted; work folder kept: {workdir}")
        raise
    report = build_report(ctx, info, error)
    tables_ = tables(ctx, report)
    print(text_report(report, tables_))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if args.markdown:
        args.markdown.write_text(markdown(report, tables_), encoding="utf-8")
    if error is not None:
        show_error(error)
    if args.keep or error is not None:
        progress(f"work folder kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if error is not None:
        return 2
    return 1 if any(not c["passed"] for c in report["checks"]) else 0


if __name__ == "__main__":
    sys.exit(main())

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
  into a copy whose chapters are empty, with seconds per 1,000 papers;
- large: a clean strict build of a synthetic book of 1,000 papers (the chapter pages' links to
  the real papers, which that copy lacks, are turned into plain text there).

Everything runs in copies under a temporary folder, through the public commands (`notes`, `jb`,
`sphinx-build`) and the files they write; the repository itself is only read. A build that
fails stops the benchmark with its log tail (exit 2); a failed freshness check makes it exit 1,
after the results are written. Timings on a busy machine are noisy: compare medians, CPU time.

Run: .venv/bin/python -m benchmarks.build_speed [--runs N] [--only SECTION[,SECTION]]
         [--sizes 1000,2500,5000,10000] [--quick] [--json FILE] [--markdown FILE] [--keep]
Sections: clean, notebooks, floor, incremental, import, large. `make bench` runs everything and
writes benchmarks/results.json and benchmarks/results.md (about 10-30 minutes with 3 runs);
`--quick` (one run each, imports of 1,000 only, no 1,000-paper book) is for development.

The package: runs (measuring a command), pages and htmltext (the copies and their HTML),
results (what a run collects), one module per section (clean, floor_build, incremental,
importing), targets (each limit with its origin) and report (text, Markdown, JSON).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from notes.freshness import package_fingerprint

from .clean import section_clean, section_notebooks
from .floor_build import section_floor
from .importing import section_import, section_large
from .incremental import section_incremental
from .report import build_report, machine, markdown, tables, text_report
from .results import Context, progress
from .runs import ANSI, BenchError

SECTIONS = ("clean", "notebooks", "floor", "incremental", "import", "large")
DEFAULT_SIZES = (1000, 2500, 5000, 10000)


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
        "--quick", action="store_true", help="1 run, import 1,000 only, no 1,000-paper book"
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

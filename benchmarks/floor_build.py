"""Section 3: the floor, a plain `sphinx-build` with myst-parser over the book's chapter pages
(configuration: benchmarks/floor/conf.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from notes.testing import BIN, ROOT, chapter_names

from .pages import BOOK
from .results import Context, Measurement, progress
from .runs import build_phases, measure, require_success

FLOOR = Path(__file__).resolve().parent / "floor"


def make_floor_source(src: Path) -> int:
    """The chapter folders' pages, an index with a glob toctree, the floor's conf.py and the
    book's _config.yml it reads the MyST extensions from."""
    pages = 0
    for chapter in chapter_names(BOOK):
        (src / chapter).mkdir(parents=True)
        for page in sorted((BOOK / chapter).glob("*.md")):
            shutil.copy2(page, src / chapter / page.name)
            pages += 1
    for name in ("conf.py", "index.md"):
        shutil.copy2(FLOOR / name, src / name)
    shutil.copy2(ROOT / "_config.yml", src / "_config.yml")
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

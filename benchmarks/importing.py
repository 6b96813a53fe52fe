"""Sections 5 and 6: `notes import` of the seed and of synthetic listings into a copy with
empty chapters, the import floor (a minimal importer kept here), and a clean build of a
synthetic book of 3,000 papers."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

from notes.listing import parse_listing
from notes.testing import BIN, ROOT, copy_project

from .htmltext import normalise, notebook_exec_data
from .pages import SEED, paper_pages, regroup_cards, unlink_missing_pages
from .results import Context, Measurement, _round, progress
from .runs import BenchError, Run, jb_build, measure, require_success

LARGE_PAPERS = 3000  # issue 15: "a synthetic 3,000-paper book builds clean ..."
IMPORT_TARGET_PAPERS = 10000
CHROME = (
    "Get trending papers in your email inbox once a day!",
    "Get trending papers in your email inbox!",
)
CODE_WORDS = (
    ("Amber", "Brisk", "Cobalt", "Dusky", "Ember", "Garnet", "Hazel", "Indigo", "Jade", "Lunar"),
    ("Falcon", "Heron", "Lynx", "Marten", "Osprey", "Plover", "Raven", "Stoat", "Tern", "Wren"),
)
MAX_TITLE_CHARS = 280


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
    project = copy_project(ctx.workdir / name, with_pages=False).parent
    command = ["import", f"data/{listing.path.name}", "--book", "book", "--offline"]
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
        command = [str(BIN / "python"), str(script), str(listing.path), str(out / "other")]
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


# --- 6. a large synthetic book -------------------------------------------------------------------


def section_large(ctx: Context) -> None:
    listing = listing_for(ctx, LARGE_PAPERS)
    imported, project = import_into_empty(ctx, listing, "large")
    if imported.timed_out:
        raise BenchError(f"notes import of {LARGE_PAPERS:,} papers timed out", imported.log)
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

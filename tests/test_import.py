"""The importer's promises: idempotent, never overwrites, refresh keeps contributors' bytes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.check import check_book
from notes.cli import main
from notes.importer import read_papers
from notes.listing import parse_listing
from notes.pages import read_exact, write_atomic

from .conftest import BOOK, METADATA, ROOT, SEED, TESTS, copy_project, snapshot

SEED_PAPERS = len(parse_listing(SEED))


def run_import(book: Path, *listings: Path, extra: tuple[str, ...] = ()) -> int:
    """Run `notes import`; the seed is read from the copy's own data/, as a maintainer would."""
    own = [book.parent / "data" / SEED.name if listing == SEED else listing for listing in listings]
    args = ["import", *map(str, own), "--book", str(book), "--metadata", str(METADATA)]
    return main([*args, *extra])


def test_import_of_the_seed_creates_a_page_per_paper(empty_book: Path, capsys) -> None:
    assert run_import(empty_book, SEED) == 0
    pages = sorted(empty_book.glob("*/*.md"))
    pages = [p for p in pages if p.name != "index.md"]
    assert len(pages) == SEED_PAPERS
    out = capsys.readouterr().out
    assert re.search(rf"^total\s+{SEED_PAPERS}\s+0\s+0$", out, re.MULTILINE)


def test_second_import_changes_nothing(empty_book: Path, capsys) -> None:
    run_import(empty_book, SEED)
    before = snapshot(empty_book)
    mtimes = {p: p.stat().st_mtime_ns for p in empty_book.rglob("*.md")}
    for extra in ((), ("--refresh",)):
        assert run_import(empty_book, SEED, extra=extra) == 0
        assert snapshot(empty_book) == before
        assert {p: p.stat().st_mtime_ns for p in empty_book.rglob("*.md")} == mtimes
    assert re.search(rf"^total\s+0\s+{SEED_PAPERS}\s+0$", capsys.readouterr().out, re.MULTILINE)


def test_import_of_the_seed_on_the_committed_book_changes_nothing(project: Path) -> None:
    before = snapshot(project)
    assert run_import(project, SEED, extra=("--refresh",)) == 0
    assert snapshot(project) == before


def test_committed_pages_are_what_the_importer_renders(project: Path, capsys) -> None:
    """The committed book is the importer's output plus curation: a refresh is a no-op."""
    run_import(project, SEED, extra=("--refresh", "--dry-run"))
    out = capsys.readouterr().out
    assert "refreshed" not in out.split("pages")[0]
    assert re.search(rf"^total\s+0\s+{SEED_PAPERS}\s+0$", out, re.MULTILINE)


def test_dry_run_writes_nothing(empty_book: Path, capsys) -> None:
    before = snapshot(empty_book)
    assert run_import(empty_book, SEED, extra=("--dry-run",)) == 0
    assert snapshot(empty_book) == before
    assert "would be created" in capsys.readouterr().out


@pytest.mark.parametrize(
    "bad", sorted((TESTS / "bad_listings").glob("*.txt")), ids=lambda p: p.name
)
def test_malformed_listing_writes_nothing(empty_book: Path, bad: Path, capsys) -> None:
    before = snapshot(empty_book)
    # The good seed comes first: even its pages must not be written.
    assert run_import(empty_book, SEED, bad) == 1
    assert snapshot(empty_book) == before
    err = capsys.readouterr().err
    assert re.search(rf"{re.escape(str(bad))}:\d+: ", err)


def test_a_page_moved_to_another_chapter_is_found_by_title(project: Path) -> None:
    page = next(project.glob("*/loongtrain.md"))
    target = project / "other" / "loongtrain.md"
    page.rename(target)
    before = snapshot(project)
    assert run_import(project, SEED, extra=("--refresh",)) == 0
    assert snapshot(project) == before
    assert not page.exists()


def test_create_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "page.md"
    target.write_text("mine")
    with pytest.raises(FileExistsError):
        write_atomic(target, "generated", create_only=True)
    assert target.read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["page.md"]  # no temp file left behind


def test_new_paper_whose_slug_is_taken_gets_another_name(empty_book: Path, tmp_path: Path) -> None:
    listing = tmp_path / "two.txt"
    abstract = "We study training at scale with many GPUs. It works well in practice at scale."
    listing.write_text(f"LoongTrain: One\n{abstract}\nLoongTrain: Two\n{abstract}\n")
    assert run_import(empty_book, listing) == 0
    names = sorted(p.stem for p in empty_book.glob("*/loongtrain*.md"))
    assert len(names) == 2 and names[0] == "loongtrain" and names[1].startswith("loongtrain-")


# --- refresh keeps every byte outside the generated parts ---------------------------------

NOTE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300).filter(
    lambda s: "% notes:" not in s and "---" not in s
)
EXTRA_KEY_VALUE = st.text(st.characters(whitelist_categories=("L", "N", "Zs")), max_size=40)


@pytest.fixture(scope="module")
def seed_book(tmp_path_factory) -> Path:
    """A copy holding the seed's first papers (LoongTrain first), imported from the copy's own
    seed listing cut to them: a page refreshes the same among six pages as among all, and each
    example refreshes the whole listing twice."""
    book = copy_project(tmp_path_factory.mktemp("seed"), with_pages=False)
    first = parse_listing(SEED)[:6]
    assert first[0].title.startswith("LoongTrain")
    listing = book.parent / "data" / SEED.name
    listing.write_text("".join(f"{p.title}\n{p.abstract}\n\n" for p in first), "utf-8")
    run_import(book, SEED)
    return book


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(note=NOTE_TEXT, tag=EXTRA_KEY_VALUE, stale=st.text(max_size=50))
def test_refresh_keeps_contributor_text_byte_for_byte(
    seed_book: Path, tmp_path_factory, note: str, tag: str, stale: str
) -> None:
    work = tmp_path_factory.mktemp("refresh")
    book = work / "book"
    shutil.copytree(seed_book, book, symlinks=True)
    shutil.copytree(seed_book.parent / "data", work / "data")
    (page,) = book.glob("*/loongtrain.md")
    original = read_exact(page)

    # A contributor fills a section, adds a front matter key and edits tags; a generated
    # block and a generated key go stale (hand-edited), as they would after a metadata fix.
    edited = original.replace("tags:\n", f"tags:\n  - {tag!r}\n", 1).replace(
        "status: stub", f"status: stub\nreviewer: {tag!r}", 1
    )
    edited = edited.replace("## TL;DR\n", f"## TL;DR\n\n{note}\n").replace(
        "Efficiently training LLMs", f"{stale}Efficiently training LLMs"
    )
    edited = edited.replace("arxiv: '2406.18485'", "arxiv: '0000.00000'", 1)
    page.write_bytes(edited.encode("utf-8"))

    assert run_import(book, SEED, extra=("--refresh",)) == 0
    refreshed = read_exact(page)

    # Generated parts are back to what the importer renders ...
    assert "0000.00000" not in refreshed
    assert stale + "Efficiently" not in refreshed or stale == ""
    # ... and everything the contributor wrote is there, byte for byte, in place.
    expected = (
        original.replace("tags:\n", f"tags:\n  - {tag!r}\n", 1)
        .replace("status: stub", f"status: stub\nreviewer: {tag!r}", 1)
        .replace("## TL;DR\n", f"## TL;DR\n\n{note}\n")
    )
    assert refreshed == expected
    # A second refresh changes nothing.
    assert run_import(book, SEED, extra=("--refresh",)) == 0
    assert read_exact(page) == refreshed


def test_refresh_restores_a_deleted_generated_block(project: Path) -> None:
    page = project / "training-systems" / "loongtrain.md"
    original = read_exact(page)
    start = original.index("% notes:abstract:start")
    end = original.index("% notes:abstract:end") + len("% notes:abstract:end\n")
    block = original[start:end]
    page.write_text(original[:start] + original[end:], encoding="utf-8")
    assert check_book(project)  # the missing block is a problem ...
    assert run_import(project, SEED, extra=("--refresh",)) == 0
    restored = read_exact(page)
    assert check_book(project) == []  # ... that the refresh mends
    assert restored.count(block) == 1
    assert restored.index("% notes:header:end") < restored.index(block) < restored.index("## TL;DR")
    assert run_import(project, SEED, extra=("--refresh",)) == 0
    assert read_exact(page) == restored


def test_metadata_joins_on_normalised_title() -> None:
    papers = read_papers([SEED], METADATA, ROOT)
    loong = papers[0]
    assert loong.arxiv == "2406.18485" and loong.published == "2024-06-26"
    assert loong.authors[0] == "Diandian Gu"
    assert sum(1 for p in papers if p.arxiv) == 112
    # Without a date in the metadata, the month comes from the new-style arXiv id.
    assert all(p.published for p in papers if p.arxiv)


def test_committed_book_matches_repository_book() -> None:
    assert (BOOK / "_config.yml").resolve() == (ROOT / "_config.yml").resolve()
    assert (BOOK / "_toc.yml").resolve() == (ROOT / "_toc.yml").resolve()
    assert (BOOK / "notebooks").resolve() == (ROOT / "notebooks").resolve()


def test_a_large_import_writes_the_same_pages_on_one_core_or_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Past PARALLEL_FROM new pages the work goes to worker processes; nothing may differ."""
    from notes import importer

    seed = parse_listing(SEED)
    count = importer.PARALLEL_FROM + 20
    records = [
        (f"Variant {i} of {seed[i % len(seed)].title}", seed[i % len(seed)].abstract)
        for i in range(count)
    ]
    listing = tmp_path / "large.txt"
    listing.write_text("".join(f"{t}\n{a}\n" for t, a in records), encoding="utf-8")
    results = []
    for parallel_from in (importer.PARALLEL_FROM, 10**9):
        monkeypatch.setattr(importer, "PARALLEL_FROM", parallel_from)
        folder = tmp_path / f"from-{parallel_from}"
        folder.mkdir()
        book = copy_project(folder, with_pages=False)
        assert main(["import", str(listing), "--book", str(book)]) == 0
        # The listing is outside the project, so pages name it by a relative path that
        # differs per copy; compare everything else.
        results.append(
            {k: v.replace(f"from-{parallel_from}".encode(), b"") for k, v in snapshot(book).items()}
        )
    assert len([k for k in results[0] if k.count("/") == 1]) >= count
    assert results[0] == results[1]

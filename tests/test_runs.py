"""Runs that overlap or die: one writer at a time; a killed import leaves what a rerun completes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notes.cli import main
from notes.pages import iter_page_paths, read_page_text

from .conftest import ROOT, copy_project, snapshot

LOCK = ".notes.lock"
SEED_NAME = "hf-trending-scalability.txt"

# Runs `notes` in a child that kills itself (SIGKILL: no cleanup, no finally) at the n-th call
# of one step of writing a page, so the test can stop an import exactly there.
DIE_AT = """
import os, signal, sys
import notes.importer, notes.pages
point, n = sys.argv[1], int(sys.argv[2])
calls = 0
def dying(original):
    def wrapper(*args, **kwargs):
        global calls
        calls += 1
        if calls == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)
    return wrapper
if point == "between-pages":  # pages 1..n-1 written, the n-th not begun
    notes.importer.write_atomic = dying(notes.pages.write_atomic)
elif point == "mid-page":  # the n-th page's text written to an unnamed file, not yet named
    notes.pages._name_unnamed = dying(notes.pages._name_unnamed)
elif point == "mid-replace":  # a refreshed page's text named as a temporary, not yet renamed
    notes.pages.os.replace = dying(os.replace)
from notes.cli import main
sys.exit(main(sys.argv[3:]))
"""


def notes_child(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "notes.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def import_args(book: Path, *extra: str) -> list[str]:
    return ["import", str(book.parent / "data" / SEED_NAME), "--book", str(book), *extra]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """The book after one uninterrupted import of the seed into empty chapters."""
    book = copy_project(tmp_path_factory.mktemp("reference"), with_pages=False)
    assert main(import_args(book)) == 0
    return snapshot(book)


def stray_files(book: Path) -> list[Path]:
    return [p for p in book.rglob(".*") if p.name != LOCK and "_build" not in p.parts]


def assert_whole_pages(book: Path, reference: dict[str, bytes]) -> None:
    """Every page there is complete: byte for byte what the uninterrupted import wrote."""
    for path in iter_page_paths(book):
        if path.name == "index.md":
            continue
        name = path.relative_to(book).as_posix()
        assert path.read_bytes() == reference[name], name
        read_page_text(path)


def hold_lock(book: Path) -> subprocess.Popen[str]:
    """Another process holding the book's lock, as a running import would."""
    code = (
        "import sys, time\nfrom filelock import FileLock\n"
        "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(book / LOCK)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_stops_with_a_message_naming_the_lock(empty_book: Path, capsys) -> None:
    holder = hold_lock(empty_book)
    try:
        before = snapshot(empty_book.parent)
        assert main(import_args(empty_book)) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: {empty_book / LOCK}:0: another `notes import` or `notes")
        assert "--wait SECONDS" in err
        listing = empty_book.parent / "data" / "contributions.txt"
        add = ["add", "--book", str(empty_book), "--listing", str(listing)]
        abstract = "We add one paper while an import runs. It must wait for the import to end."
        assert main([*add, "--title", "A Paper Added Meanwhile", "--abstract", abstract]) == 1
        assert f"{empty_book / LOCK}:0: another" in capsys.readouterr().err
        assert snapshot(empty_book.parent) == before
    finally:
        holder.kill()
        holder.wait()


def test_a_second_writer_can_wait_for_the_first(
    empty_book: Path, reference: dict[str, bytes]
) -> None:
    holder = hold_lock(empty_book)
    started = time.monotonic()
    waiting = notes_child(*import_args(empty_book, "--wait", "60"), cwd=ROOT)
    time.sleep(1.5)
    assert waiting.poll() is None  # still waiting
    holder.kill()  # the lock dies with its holder
    holder.wait()
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert time.monotonic() - started >= 1.5
    assert snapshot(empty_book) == reference


def test_two_imports_at_once_make_the_book_of_one(
    empty_book: Path, reference: dict[str, bytes]
) -> None:
    runs = [notes_child(*import_args(empty_book), cwd=ROOT) for _ in range(2)]
    results = [(run.wait(timeout=300), *run.communicate()) for run in runs]
    for code, _, err in results:
        assert "Traceback" not in err
        assert code == 0 or (code == 1 and f"{empty_book / LOCK}:0: another" in err), err
    assert 0 in [code for code, _, _ in results]
    assert snapshot(empty_book) == reference
    assert stray_files(empty_book) == []


@pytest.mark.parametrize(
    ("point", "n"),
    [("between-pages", 1), ("between-pages", 60), ("mid-page", 1), ("mid-page", 119)],
)
def test_an_import_killed_midway_leaves_whole_pages_and_a_rerun_completes(
    empty_book: Path, reference: dict[str, bytes], point: str, n: int
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", DIE_AT, point, str(n), *import_args(empty_book)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    written = [p for p in iter_page_paths(empty_book) if p.name != "index.md"]
    assert len(written) == n - 1
    assert_whole_pages(empty_book, reference)
    assert stray_files(empty_book) == []
    assert main(import_args(empty_book)) == 0
    assert snapshot(empty_book) == reference


def test_a_refresh_killed_midway_is_completed_by_a_rerun(project: Path) -> None:
    """A refresh replaces pages: a kill can strand a named temporary, which the rerun removes."""
    paths = [path for path in iter_page_paths(project) if path.name != "index.md"]
    pages = [p for p in paths if read_page_text(p).data["paper"]["source"].endswith(SEED_NAME)][:3]
    for page in pages:  # a generated block gone stale, as after a metadata fix
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("% notes:header:end", "stale\n% notes:header:end", 1))
    child = subprocess.run(
        [sys.executable, "-c", DIE_AT, "mid-replace", "2", *import_args(project, "--refresh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert len(stray_files(project)) == 1  # the second page's new text, under a temporary name
    assert main(import_args(project, "--refresh")) == 0
    assert stray_files(project) == []
    for page in pages:
        assert "stale\n" not in page.read_text(encoding="utf-8")

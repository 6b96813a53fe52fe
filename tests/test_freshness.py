"""What makes an aggregate page stale: field digests, the reads record, the page cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notes import catalog, freshness
from notes.cache import CACHE_FOLDER, cached_pages
from notes.pages import load_pages

from .conftest import page_count

PAGE = "training-systems/megascale.md"


def _edit(book: Path, old: str, new: str, *, count: int = 1) -> None:
    path = book / PAGE
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), "utf-8")


def _digests(book: Path) -> dict[str, str]:
    pages = load_pages(book)
    return {f: freshness.digest(pages, [f]) for f in freshness.FIELDS}


def test_note_prose_changes_no_digest(project: Path) -> None:
    before = _digests(project)
    _edit(project, "## TL;DR\n", "## TL;DR\n\nA new sentence of notes.\n")
    after = _digests(project)
    assert before == after


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("status: reviewed", "status: draft", "status"),
        ("  - fault-tolerance\n", "  - fault-tolerance\n  - pipeline-parallelism\n", "tags"),
        ("value: 55.2", "value: 55.3", "claims"),
    ],
)
def test_a_field_change_changes_that_digest_only(
    project: Path, old: str, new: str, field: str
) -> None:
    before = _digests(project)
    _edit(project, old, new)
    after = _digests(project)
    assert [f for f in freshness.FIELDS if before[f] != after[f]] == [field]


def test_adding_or_moving_a_page_changes_every_digest(project: Path) -> None:
    before = freshness.digest(load_pages(project), [])
    (project / PAGE).rename(project / "other" / "megascale.md")
    assert freshness.digest(load_pages(project), []) != before


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown page fields"):
        freshness.check_fields(["title", "tldr"])


def test_reads_are_recorded_only_when_asked(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "reads" / "nb.json"
    monkeypatch.delenv(freshness.RECORD_ENV, raising=False)
    catalog.load(project, fields=["title"])
    assert not record.exists()
    monkeypatch.setenv(freshness.RECORD_ENV, str(record))
    catalog.load(project, fields=["tags", "title"])
    catalog.load(project, fields=["status"])
    assert json.loads(record.read_text("utf-8")) == ["title", "status", "tags"]
    assert freshness.recorded_reads(record) == ("title", "status", "tags")
    assert freshness.recorded_reads(tmp_path / "none.json") is None


def test_the_catalogue_holds_only_the_fields_asked_for(project: Path) -> None:
    frame = catalog.load(project, fields=["status", "published"])
    assert list(frame.columns) == [*catalog.IDENTITY, "status", "published", "year", "month"]
    with pytest.raises(KeyError):
        frame["title"]  # a notebook cannot read what it did not name
    everything = catalog.load(project)
    assert set(freshness.FIELDS) <= set(everything.columns)
    assert len(frame) == len(everything) == page_count(project)


def test_cached_pages_follow_every_edit(project: Path) -> None:
    first = cached_pages(project)
    assert first == load_pages(project)
    assert len(list((project / CACHE_FOLDER).glob("pages-*.pickle"))) == 1
    assert cached_pages(project) == first
    _edit(project, "status: reviewed", "status: draft")
    edited = cached_pages(project)
    assert edited == load_pages(project) != first
    assert len(list((project / CACHE_FOLDER).glob("pages-*.pickle"))) == 1


def test_after_an_edit_only_the_edited_page_is_parsed_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import notes.cache

    cached_pages(project)
    parsed: list[str] = []
    real = notes.cache.load_page

    def counting(path: Path):
        parsed.append(path.name)
        return real(path)

    monkeypatch.setattr(notes.cache, "load_page", counting)
    assert cached_pages(project) == load_pages(project)
    assert parsed == []
    page = project / "moe" / "moec.md"
    page.write_text(page.read_text("utf-8").replace("status:", "status: draft\n#", 1), "utf-8")
    edited = cached_pages(project)
    assert parsed == ["moec.md"]
    assert edited == load_pages(project)
    assert next(p for p in edited if p.slug == "moec").data["status"] == "draft"


def test_a_broken_cache_file_is_parsed_again(project: Path) -> None:
    cached_pages(project)
    (cache,) = (project / CACHE_FOLDER).glob("pages-*.pickle")
    cache.write_bytes(b"not a pickle")
    assert cached_pages(project) == load_pages(project)


def test_cached_work_is_computed_once_per_inputs(tmp_path: Path) -> None:
    from notes.cache import cached

    calls: list[str] = []

    def compute(value: str) -> str:
        calls.append(value)
        return value.upper()

    assert cached(tmp_path, "demo", ["a", "b"], lambda: compute("ab")) == "AB"
    assert cached(tmp_path, "demo", ["a", "b"], lambda: compute("ab")) == "AB"
    assert cached(tmp_path, "demo", ["a", "c"], lambda: compute("ac")) == "AC"
    assert calls == ["ab", "ac"]
    assert len(list((tmp_path / CACHE_FOLDER).glob("demo-*.pickle"))) == 1


def test_during_a_build_the_pages_are_read_once_and_after_it_again(project: Path) -> None:
    """While a build runs, asking for the pages costs no walk of the page files; a later
    build (or caller) sees an edit."""
    from types import SimpleNamespace

    from notes.sphinx_fresh import book_pages, freeze_pages, thaw_pages

    app = SimpleNamespace(srcdir=str(project))
    freeze_pages(app)  # type: ignore[arg-type]
    try:
        during = book_pages(project)
        _edit(project, "status: reviewed", "status: draft")
        assert book_pages(project) is during
    finally:
        thaw_pages(app, None)  # type: ignore[arg-type]
    after = book_pages(project)
    assert after == load_pages(project) != during

"""The same paper is imported once: recognised under another title, or flagged for a person."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from notes.cli import main
from notes.importer import CREATED, UNCHANGED, plan_import
from notes.model import Paper
from notes.pages import load_pages

from .conftest import BOOK, TESTS, snapshot

CASES = list(csv.DictReader((TESTS / "same" / "cases.csv").open(encoding="utf-8")))
PAGES = {page.slug: page for page in load_pages(BOOK)}
OTHER_ABSTRACT = (
    "We measure how recommendation models behave when their embedding tables grow. "
    "Accuracy rises by 3% on a public click-through benchmark."
)


def offered(case: dict) -> Paper:
    slug = case["abstract_of"]
    abstract = PAGES[slug].abstract if slug else OTHER_ABSTRACT
    return Paper(title=case["title"], abstract=abstract, source="data/week.txt", line=1)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['expected']}:{c['title'][:40]}")
def test_a_paper_is_recognised_or_flagged(case: dict) -> None:
    (action,) = plan_import([offered(case)], BOOK, refresh=False)
    expected = case["expected"]
    page = PAGES.get(case["page"])
    if expected in ("existing", "same"):
        assert action.kind == UNCHANGED and action.path == page.path
        assert (action.same_as is not None) == (expected == "same")
    else:
        assert action.kind == CREATED
        flagged = [note for note in action.near_misses if str(page.path) in note] if page else []
        assert (len(flagged) == 1) == (expected == "near"), action.near_misses
        if expected == "new":
            assert action.near_misses == ()


def test_the_same_arxiv_id_is_the_same_paper() -> None:
    """A later version's title, known by arXiv id (from metadata.csv or the lookup)."""
    paper = replace(offered(CASES[-1]), arxiv="2406.18485v3")
    (action,) = plan_import([paper], BOOK, refresh=False)
    assert action.kind == UNCHANGED and action.path == PAGES["loongtrain"].path
    assert action.same_as == "same arXiv id 2406.18485"


def test_two_new_titles_with_one_arxiv_id_make_one_page() -> None:
    first = Paper("A New Paper", OTHER_ABSTRACT, "data/week.txt", 1, arxiv="2612.00001")
    second = Paper(
        "A New Paper, Retitled", OTHER_ABSTRACT, "data/week.txt", 3, arxiv="2612.00001v2"
    )
    created, repeat = plan_import([first, second], BOOK, refresh=False)
    assert created.kind == CREATED and repeat.kind == UNCHANGED
    assert repeat.path == created.path and "'A New Paper'" in (repeat.same_as or "")


def test_import_reports_the_page_and_writes_nothing(project: Path, capsys) -> None:
    case = CASES[1]  # "LoongTrain", the page's abstract
    listing = project.parent / "data" / "week.txt"
    listing.write_text(f"{case['title']}\n{PAGES['loongtrain'].abstract}\n", encoding="utf-8")
    before = snapshot(project)
    assert main(["import", str(listing), "--book", str(project)]) == 0
    out = capsys.readouterr().out
    assert "already in the book: data/week.txt:1 'LoongTrain' is " in out
    assert "training-systems/loongtrain.md (the same title without its subtitle" in out
    assert snapshot(project) == before

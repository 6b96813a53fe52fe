"""The listing parser on the real seed, on tolerated variations and on malformed input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.listing import normalise_title, parse_listing, parse_listing_text
from notes.model import NotesError

from .conftest import SEED, TESTS

BAD = TESTS / "bad_listings"
EXPECTED_ERRORS = list(csv.DictReader((BAD / "expected.csv").open(encoding="utf-8")))


def test_seed_has_119_papers_and_drops_the_page_chrome() -> None:
    papers = parse_listing(SEED)
    assert len(papers) == 119
    first = papers[0]
    assert first.title == (
        "LoongTrain: Efficient Training of Long-Sequence LLMs with Head-Context Parallelism"
    )
    assert first.line == 3
    assert first.abstract.startswith("Efficiently training LLMs with long sequences")
    assert not any(p.title.startswith("Subscribe") or "trending papers" in p.title for p in papers)
    assert papers[-1].title == "Scaling Laws for Optimal Data Mixtures"
    assert papers[-1].line == 239


def test_seed_abstracts_are_the_listing_lines_verbatim() -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for paper in parse_listing(SEED):
        assert lines[paper.line] == paper.abstract  # the line after the title, unchanged


@pytest.mark.parametrize("name", ["blank-lines.txt", "crlf.txt"])
def test_blank_lines_and_crlf_are_tolerated(name: str) -> None:
    papers = parse_listing(TESTS / "listings" / name)
    assert [p.title for p in papers] == ["First Paper: A Study", "Second Paper"]
    assert all(p.abstract.endswith(".") and "\r" not in p.abstract for p in papers)


def test_a_title_beginning_with_subscribe_as_a_word_is_kept() -> None:
    text = "Subscriber Churn at Scale\n" + "We study churn. " * 10
    assert parse_listing_text(text, "x.txt")[0].title == "Subscriber Churn at Scale"


@pytest.mark.parametrize("case", EXPECTED_ERRORS, ids=[c["file"] for c in EXPECTED_ERRORS])
def test_malformed_listing_names_file_and_line(case: dict[str, str]) -> None:
    path = BAD / case["file"]
    with pytest.raises(NotesError) as caught:
        parse_listing(path)
    assert caught.value.path == str(path)
    assert caught.value.line == int(case["line"])
    assert case["message"] in caught.value.message
    assert str(caught.value).startswith(f"{path}:{case['line']}: ")


def test_every_bad_listing_has_an_expected_message() -> None:
    files = {p.name for p in BAD.glob("*.txt")}
    assert files == {c["file"] for c in EXPECTED_ERRORS}


def test_missing_file_is_a_notes_error(tmp_path: Path) -> None:
    with pytest.raises(NotesError, match="cannot read listing"):
        parse_listing(tmp_path / "nope.txt")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_either_parses_or_fails_with_a_line(text: str) -> None:
    try:
        papers = parse_listing_text(text, "fuzz.txt")
    except NotesError as error:
        assert error.path == "fuzz.txt"
        assert 1 <= error.line <= max(1, text.count("\n") + text.count("\r") + 1)
    else:
        assert papers and all(p.title and p.abstract for p in papers)


def test_normalised_titles_ignore_case_punctuation_and_spacing() -> None:
    assert normalise_title("S*: Test  Time Scaling") == normalise_title("s - test time scaling")
    assert normalise_title("DεpS") != normalise_title("DpS")

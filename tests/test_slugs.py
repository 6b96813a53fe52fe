"""Slugs: short, ASCII, unique and stable, on the seed and on generated titles."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from notes.listing import parse_listing
from notes.slugs import RESERVED, base_slug, unique_slug

from .conftest import SEED

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def test_short_name_before_the_colon() -> None:
    assert base_slug("LoongTrain: Efficient Training of Long-Sequence LLMs") == "loongtrain"
    assert base_slug("SWAN: SGD with Normalization and Whitening") == "swan"


def test_leading_words_without_a_colon() -> None:
    assert (
        base_slug("Scaling Laws for Neural Language Models") == "scaling-laws-for-neural-language"
    )


def test_non_ascii_is_transliterated() -> None:
    assert base_slug("DεpS: Delayed ε-Shrinking for Faster Once-For-All Training") == "deps"


def test_one_letter_short_name_takes_a_few_more_words() -> None:
    assert base_slug("S*: Test Time Scaling for Code Generation") == "s-test-time-scaling"


def test_title_without_usable_letters_gets_a_stable_hashed_name() -> None:
    first = base_slug("???")
    assert first == base_slug("???")
    assert first.startswith("paper-") and SLUG.match(first)
    assert base_slug("!!!") != first


def test_reserved_names_are_never_used() -> None:
    assert base_slug("Index") not in RESERVED
    assert unique_slug("Index: A Paper", set()) not in RESERVED


def test_seed_slugs_are_unique_short_ascii_and_stable() -> None:
    titles = [p.title for p in parse_listing(SEED)]
    taken: set[str] = set()
    for title in titles:
        slug = unique_slug(title, taken)
        assert SLUG.match(slug), slug
        assert len(slug) <= 48
        taken.add(slug)
    assert len(taken) == len(titles)
    again: set[str] = set()
    for title in titles:
        again.add(unique_slug(title, again))
    assert again == taken


@given(st.text(min_size=1, max_size=200))
def test_any_title_gets_an_ascii_slug(title: str) -> None:
    slug = unique_slug(title, set())
    assert SLUG.match(slug), slug
    assert slug not in RESERVED
    assert slug == unique_slug(title, set())


@given(st.text(min_size=1, max_size=80), st.sets(st.text(min_size=1, max_size=20), max_size=5))
def test_unique_slug_avoids_every_taken_name(title: str, other_taken: set[str]) -> None:
    taken = other_taken | {base_slug(title)}
    assert unique_slug(title, taken) not in taken

"""Rendered pages against golden files, and the escaping that keeps untrusted text inert.

Regenerate the golden files on purpose with ``REGEN_GOLDEN=1 pytest tests/test_render.py``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notes.importer import read_papers
from notes.markup import escape_inline, fence_for, load_yaml
from notes.render import render_page

from .conftest import METADATA, ROOT, SEED, TESTS

GOLDEN = TESTS / "golden"
SEED_CASES = {
    "loongtrain": "LoongTrain",  # full metadata, many authors
    "performance-scaling-via-optimal-transport": "Performance Scaling via Optimal Transport",
    "swe-bench-goes-live": "SWE-bench Goes Live!",  # code link in the abstract
    "is-the-number-of-trainable": "Is the Number of Trainable",  # no arXiv id known
}


def _seed_paper(prefix: str):
    papers = read_papers([SEED], METADATA, ROOT)
    return next(p for p in papers if p.title.startswith(prefix))


def _compare(name: str, text: str) -> None:
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("REGEN_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}; run with REGEN_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("slug", sorted(SEED_CASES))
def test_seed_page_matches_golden(slug: str) -> None:
    _compare(slug, render_page(_seed_paper(SEED_CASES[slug]), slug))


def test_hostile_pages_match_golden() -> None:
    papers = read_papers([TESTS / "listings" / "hostile.txt"], None, ROOT)
    for index, paper in enumerate(papers, start=1):
        _compare(f"hostile-{index}", render_page(paper, f"hostile-{index}"))


def test_front_matter_reads_back_as_the_same_strings() -> None:
    papers = read_papers([TESTS / "listings" / "hostile.txt", SEED], METADATA, ROOT)
    for paper in papers:
        text = render_page(paper, "x")
        front = text.split("---\n")[1]
        data = load_yaml(front)
        assert data["title"] == paper.title
        assert data["paper"].get("arxiv") == paper.arxiv
        assert data["paper"].get("published") == paper.published
        assert data["status"] == "stub"


@pytest.mark.parametrize(
    "text", ["$x$", "*a*", "<script>", "{role}`x`", "a_b_c", "[l](u)", "&amp;", "# h #", "\\"]
)
def test_escape_inline_leaves_no_unescaped_markup(text: str) -> None:
    escaped = escape_inline(text)
    for ch in "$*<>{}`_[]&#\\":
        count = text.count(ch)
        if count:
            assert escaped.count("\\" + ch) >= count


def test_fence_is_longer_than_any_backtick_run() -> None:
    assert fence_for("no ticks") == "```"
    assert fence_for("a ```` b") == "`````"


def test_golden_folder_has_no_stale_files() -> None:
    expected = {f"{slug}.md" for slug in SEED_CASES}
    hostile = (TESTS / "listings" / "hostile.txt").read_text(encoding="utf-8").count("\n") // 2
    expected |= {f"hostile-{i}.md" for i in range(1, hostile + 1)}
    assert {p.name for p in Path(GOLDEN).glob("*.md")} == expected

"""Chapter pages that group their cards by theme cover every paper of the chapter exactly once.

A grouped chapter page shows its papers in several ``paper-cards`` blocks, each naming its
slugs; the directive silently skips a slug with no page, so a typo or a new page would drop a
paper from the chapter page without any build warning. The pages are read with markdown-it
(the parser MyST is built on), so only real directive fences count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from .conftest import BOOK

# The chapters whose page must be grouped; any other chapter page that uses :slugs: is checked too.
GROUPED = {"other"}


@dataclass(frozen=True)
class CardBlock:
    """One ``paper-cards`` fence: the line it starts on and the slugs it names (None: all)."""

    line: int
    slugs: tuple[str, ...] | None
    ungrouped: bool = False  # shows the pages no group names yet


def card_blocks(index: Path) -> list[CardBlock]:
    """Every ``paper-cards`` directive of a chapter page, with its ``:slugs:`` option."""
    tokens = MarkdownIt("commonmark").parse(index.read_text(encoding="utf-8"))
    blocks = []
    for token in tokens:
        if token.type != "fence" or token.info.strip() != "{paper-cards}":
            continue
        slugs = None
        ungrouped = False
        for option in token.content.splitlines():
            key, _, value = option.strip().partition(" ")
            if key == ":slugs:":
                slugs = tuple(value.split())
            ungrouped = ungrouped or key == ":ungrouped:"
        blocks.append(CardBlock(token.map[0] + 1 if token.map else 0, slugs, ungrouped))
    return blocks


def grouping_problems(chapter: Path) -> list[str]:
    """``index.md:LINE: message`` for every paper missing, repeated or unknown in the groups."""
    index = chapter / "index.md"
    pages = {p.stem for p in chapter.glob("*.md")} - {"index"}
    blocks = card_blocks(index)
    problems = [
        f"{index}:{b.line}: paper-cards without :slugs:"
        for b in blocks
        if b.slugs is None and not b.ungrouped
    ]
    seen: Counter[str] = Counter()
    for block in blocks:
        for slug in block.slugs or ():
            seen[slug] += 1
            if slug not in pages:
                problems.append(f"{index}:{block.line}: '{slug}' has no page in {chapter.name}/")
    problems += [f"{index}: '{s}' is in {n} groups" for s, n in sorted(seen.items()) if n > 1]
    problems += [f"{index}: '{s}' is in no group" for s in sorted(pages - set(seen))]
    return problems


def _grouped_chapters() -> list[str]:
    found = {
        index.parent.name
        for index in BOOK.glob("*/index.md")
        if any(b.slugs is not None for b in card_blocks(index))
    }
    return sorted(found | GROUPED)


@pytest.mark.parametrize("chapter", _grouped_chapters())
def test_every_page_is_in_exactly_one_group(chapter: str) -> None:
    assert card_blocks(BOOK / chapter / "index.md"), "the chapter page shows no cards"
    assert grouping_problems(BOOK / chapter) == []


def _chapter(tmp_path: Path, slugs: list[str], groups: list[str]) -> Path:
    chapter = tmp_path / "other"
    chapter.mkdir()
    for slug in slugs:
        (chapter / f"{slug}.md").write_text("# page\n", encoding="utf-8")
    fences = "".join(f"\n```{{paper-cards}}\n{g}\n```\n" for g in groups)
    # A fence inside a longer fence is an example, not a directive: it must not count.
    example = "\n````md\n```{paper-cards}\n:slugs: nowhere\n```\n````\n"
    (chapter / "index.md").write_text(f"# Other\n{fences}{example}", encoding="utf-8")
    return chapter


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([":slugs: a b", ":slugs: c"], []),
        ([":slugs: a b", ":slugs: b c"], ["'b' is in 2 groups"]),
        ([":slugs: a b"], ["'c' is in no group"]),
        ([":slugs: a b c d"], ["'d' has no page in other/"]),
        ([":slugs: a b c", ""], ["paper-cards without :slugs:"]),
    ],
    ids=["complete", "repeated", "missing", "unknown", "ungrouped"],
)
def test_grouping_problems_name_the_slug(
    tmp_path: Path, groups: list[str], expected: list[str]
) -> None:
    problems = grouping_problems(_chapter(tmp_path, ["a", "b", "c"], groups))
    assert [p.split(": ", 1)[1] for p in problems] == expected
    assert all(p.startswith(str(tmp_path / "other" / "index.md")) for p in problems)

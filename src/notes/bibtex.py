"""BibTeX for the book's papers: one entry per page, keys stable and unique by construction.

The key is the first author's family name, the year and the page's slug without dashes
(``Gu2024loongtrain``): slugs are unique in the book, so keys are too, and a key never
changes when other papers are added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from anyascii import anyascii

from notes.pages import Page, read_exact, write_atomic

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# How each character renders through pybtex (what sphinxcontrib-bibtex uses), checked one by
# one: these escapes come out as the character; "$" and "^" are safest raw; "\{" is not.
BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
}
SPECIAL = re.compile("|".join(re.escape(ch) for ch in BIBTEX_SPECIAL))


LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')")


def escape(text: str) -> str:
    """Text safe inside a BibTeX field: specials escaped, unbalanced braces dropped, and
    TeX ligatures ("--", "``", "''") broken with an empty group so they stay as written."""
    text = SPECIAL.sub(lambda m: BIBTEX_SPECIAL[m.group(0)], _balanced_braces(text))
    return LIGATURE.sub("{}", text)


def _balanced_braces(text: str) -> str:
    kept: list[str] = []
    open_at: list[int] = []
    for ch in text:
        if ch == "{":
            open_at.append(len(kept))
        elif ch == "}":
            if not open_at:
                continue  # a closing brace with no opening one
            open_at.pop()
        kept.append(ch)
    for index in reversed(open_at):  # opening braces never closed
        del kept[index]
    return "".join(kept)


def cite_key(slug: str, paper: dict[str, Any]) -> str:
    authors = paper.get("authors") or []
    family = _family_name(authors[0]) if authors else "Anon"
    year = _year(paper) or "nd"
    return f"{family}{year}{slug.replace('-', '')}"


def entry(slug: str, title: str, paper: dict[str, Any]) -> str:
    """One ``@misc`` entry (arXiv preprints are cited as such)."""
    fields: list[tuple[str, str]] = [("title", "{" + escape(title) + "}")]
    authors = paper.get("authors") or []
    if authors:
        fields.append(("author", " and ".join(escape(str(a)) for a in authors)))
    year = _year(paper)
    if year:
        fields.append(("year", year))
    published = str(paper.get("published") or "")
    if len(published) >= 7:
        fields.append(("month", MONTHS[int(published[5:7]) - 1]))
    arxiv = paper.get("arxiv")
    if arxiv:
        fields += [
            ("eprint", str(arxiv)),
            ("archivePrefix", "arXiv"),
            ("url", f"https://arxiv.org/abs/{arxiv}"),
        ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{cite_key(slug, paper)},\n{body}\n}}\n"


def page_entry(page: Page) -> str:
    return entry(page.slug, page.title, page.data.get("paper") or {})


def bibliography(pages: Iterable[Page]) -> str:
    """Every page's entry, sorted by key, as the text of ``references.bib``."""
    entries = sorted((cite_key(p.slug, p.data.get("paper") or {}), page_entry(p)) for p in pages)
    header = "% Generated from the pages' front matter by notes.bibtex; do not edit.\n\n"
    return header + "\n".join(text for _, text in entries)


def write_bibliography(target: Path, pages: Iterable[Page]) -> bool:
    """Write ``target`` when its text would change; returns whether it did."""
    text = bibliography(pages)
    if target.exists() and read_exact(target) == text:
        return False
    write_atomic(target, text)
    return True


def _family_name(author: str) -> str:
    words = anyascii(author).replace(",", " ").split()
    letters = re.sub(r"[^A-Za-z]", "", words[-1]) if words else ""
    return (letters[:1].upper() + letters[1:]) or "Anon"


def _year(paper: dict[str, Any]) -> str | None:
    published = str(paper.get("published") or "")
    if published[:4].isdigit():
        return published[:4]
    arxiv = str(paper.get("arxiv") or "")
    return f"20{arxiv[:2]}" if arxiv[:4].isdigit() else None

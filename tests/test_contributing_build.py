"""What a contributor meets in the built book: repository buttons that follow `_config.yml`,
and hostile notes that fail the strict build, naming page and line, and publish nothing live."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from notes.markup import load_yaml

from .conftest import (
    FORK_URL,
    HOSTILE_NOTES,
    REPOSITORY_URL,
    SAFE_NOTES,
    NotesBuild,
    expected_findings,
    note_snippets,
)

pytestmark = pytest.mark.build
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _html(book: Path, docname: str) -> BeautifulSoup:
    path = book / "_build" / "html" / f"{docname}.html"
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def _pages(book: Path) -> list[str]:
    """Every page's docname in the built site (theme templates under _static and the
    redirect at index.html excluded)."""
    html = book / "_build" / "html"
    return sorted(
        p.relative_to(html).with_suffix("").as_posix()
        for p in html.rglob("*.html")
        if p.relative_to(html).parts[0][0] != "_" and 'http-equiv="Refresh"' not in p.read_text()
    )


@pytest.fixture(params=["committed", "fork"])
def built_with_config(request) -> Path:
    """The book as committed, and a copy whose `_config.yml` names a fork and its branch."""
    if request.param == "committed":
        return request.getfixturevalue("built")
    return request.getfixturevalue("hostile_notes_built").book


def test_buttons_follow_the_repository_setting(built_with_config: Path) -> None:
    book = built_with_config
    repository = load_yaml((book / "_config.yml").read_text("utf-8"))["repository"]
    url, branch, folder = repository["url"], repository["branch"], repository["path_to_book"]
    other = REPOSITORY_URL if url == FORK_URL else FORK_URL
    pages = _pages(book)
    assert "serving/distserve" in pages
    for docname in pages:
        page = _html(book, docname)
        repo = [a["href"] for a in page.select("a.btn-source-repository-button")]
        issues = [a["href"] for a in page.select("a.btn-source-issues-button")]
        edit = [a["href"] for a in page.select("a.btn-source-edit-button")]
        assert repo == [url], docname
        assert len(issues) == 1 and issues[0].startswith(f"{url}/issues/new"), docname
        source = next((s for s in (".md", ".ipynb") if (book / f"{docname}{s}").exists()), None)
        if source is not None:  # generated pages (search, index of terms) have no source
            assert edit == [f"{url}/edit/{branch}/{folder}/{docname}{source}"], docname
        assert other not in str(page), docname
    edit = _html(book, "serving/distserve").select_one("a.btn-source-edit-button")["href"]
    assert edit == f"{url}/edit/{branch}/book/serving/distserve.md"


def _log_line(build: NotesBuild, snippet: str, line: int, message: str) -> str | None:
    page, first = build.placed[snippet]
    prefix = f"{page}:{first + line - 1}: WARNING: {message}"
    log = ANSI_COLOUR.sub("", build.log)
    return next((x for x in log.splitlines() if x.startswith(prefix)), None)


@pytest.mark.parametrize("snippet", note_snippets(HOSTILE_NOTES), ids=lambda p: p.stem)
def test_strict_build_fails_naming_page_and_line(
    hostile_notes_built: NotesBuild, snippet: Path
) -> None:
    build = hostile_notes_built
    assert build.returncode != 0
    for line, message in expected_findings(snippet):
        assert _log_line(build, snippet.stem, line, message), (message, build.log[-3000:])


def test_the_build_warns_about_the_hostile_notes_and_nothing_else(
    hostile_notes_built: NotesBuild,
) -> None:
    log = ANSI_COLOUR.sub("", hostile_notes_built.log)
    warnings = [line for line in log.splitlines() if ": WARNING: " in line]
    expected = sum(len(expected_findings(s)) for s in note_snippets(HOSTILE_NOTES))
    assert len(warnings) == expected, "\n".join(warnings)


@pytest.mark.parametrize("snippet", note_snippets(HOSTILE_NOTES), ids=lambda p: p.stem)
def test_hostile_note_is_published_inert(hostile_notes_built: NotesBuild, snippet: Path) -> None:
    build = hostile_notes_built
    page_path, _ = build.placed[snippet.stem]
    docname = page_path.relative_to(build.book).with_suffix("").as_posix()
    raw = (build.book / "_build" / "html" / f"{docname}.html").read_text("utf-8")
    page = BeautifulSoup(raw, "html.parser")
    assert not [s for s in page.find_all("script") if "alert(" in s.get_text()]
    assert not [t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert not page.select('[href^="javascript:"], [href^="data:"], [src^="data:text"]')
    assert not page.select("main iframe, main style, main object, main embed")
    assert "root:x:0:0" not in raw  # /etc/passwd
    assert "set up .venv on first use" not in raw  # the README, outside the book
    downloads = build.book / "_build" / "html" / "_downloads"
    assert not list(downloads.rglob("config")) and not list(downloads.rglob("metadata.csv"))
    assert not list((build.book / "_build" / "html" / "_images").glob("metadata*"))
    # The refused block is still there for the reader, as text.
    key_ideas = page.select_one("main section#key-ideas")
    assert key_ideas is not None and key_ideas.select("pre"), docname


@pytest.mark.parametrize("snippet", note_snippets(SAFE_NOTES), ids=lambda p: p.stem)
def test_safe_notes_build_without_a_warning(hostile_notes_built: NotesBuild, snippet: Path) -> None:
    build = hostile_notes_built
    page_path, _ = build.placed[snippet.stem]
    assert str(page_path) not in build.log
    docname = page_path.relative_to(build.book).with_suffix("").as_posix()
    main = _html(build.book, docname).select_one("main section#key-ideas")
    assert main.select("sub") and main.select("kbd") and main.select("abbr[title]")
    assert main.select("em") and main.select("span.math, .math")
    assert main.select("img[src$='favicon.svg']")
    assert main.select("a[href$='distserve.html']")

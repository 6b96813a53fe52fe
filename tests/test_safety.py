"""Contributor content stays inert: each hostile note is refused by `notes check` with its line,
safe Markdown passes, and a refused block is rendered as literal text."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from notes.check import check_book
from notes.cli import main
from notes.markup import load_yaml
from notes.safety import (
    DEFAULT_EXTENSIONS,
    Finding,
    html_findings,
    markdown_parser,
    neutralise,
    path_problem,
    refused_scheme,
    scan_page,
)

from .conftest import (
    BOOK,
    HOSTILE_NOTES,
    SAFE_NOTES,
    expected_findings,
    insert_into_key_ideas,
    note_snippets,
)

PAGE = Path("serving") / "distserve.md"


@pytest.fixture
def one_page(empty_book: Path) -> Path:
    """A copy of the project with one real page (checking 160 pages per case is slow)."""
    for index in BOOK.glob("*/index.md"):
        (empty_book / index.relative_to(BOOK)).write_bytes(index.read_bytes())
    (empty_book / PAGE).write_bytes((BOOK / PAGE).read_bytes())
    return empty_book


@pytest.mark.parametrize("snippet", note_snippets(HOSTILE_NOTES), ids=lambda p: p.stem)
def test_notes_check_refuses_each_hostile_note_at_its_line(
    one_page: Path, snippet: Path, capsys
) -> None:
    project = one_page
    expected = expected_findings(snippet)
    assert expected, f"{snippet.name} has no '% expect: LINE: MESSAGE' line"
    first = insert_into_key_ideas(project / PAGE, snippet)
    problems = [p for p in check_book(project) if p.path.endswith(PAGE.as_posix())]
    found = sorted((p.line, p.message) for p in problems)
    assert len(found) == len(expected), found
    for line, message in expected:
        assert any(at == first + line - 1 and text.startswith(message) for at, text in found), (
            line,
            message,
            found,
        )
    assert main(["check", "--book", str(project), "--no-placement"]) == 1
    out = capsys.readouterr().out
    line, message = expected[0]
    assert f"{PAGE.as_posix()}:{first + line - 1}: {message}" in out


@pytest.mark.parametrize("snippet", note_snippets(SAFE_NOTES), ids=lambda p: p.stem)
def test_safe_markdown_passes(one_page: Path, snippet: Path) -> None:
    insert_into_key_ideas(one_page / PAGE, snippet)
    assert check_book(one_page) == []


def test_chapter_pages_follow_the_same_rules(one_page: Path) -> None:
    project = one_page
    index = project / "moe" / "index.md"
    index.write_text(index.read_text("utf-8") + "\n<script>alert(1)</script>\n", "utf-8")
    line = index.read_text("utf-8").splitlines().index("<script>alert(1)</script>") + 1
    (problem,) = check_book(project)
    assert (problem.path.endswith("moe/index.md"), problem.line) == (True, line)
    assert problem.message.startswith("raw HTML <script> is not allowed")


def test_an_included_file_inside_the_book_follows_the_same_rules(one_page: Path) -> None:
    project = one_page
    (project / "images" / "notes.md").write_text("Fine.\n\n<script>alert(1)</script>\n")
    page = project / PAGE
    text = "```{include} ../images/notes.md\n```\n"
    (project / "snippet.md").write_text(text)
    first = insert_into_key_ideas(page, project / "snippet.md")
    (problem,) = [p for p in check_book(project) if p.path.endswith(PAGE.as_posix())]
    assert problem.line == first
    assert problem.message.startswith("included file '../images/notes.md', line 3: raw HTML")


def test_a_symbolic_link_out_of_the_book_is_refused(tmp_path: Path) -> None:
    book = tmp_path / "book"
    (book / "serving").mkdir(parents=True)
    os.symlink("/etc", book / "etc")
    assert path_problem("../etc/hostname", book / "serving", book) == (
        "leaves the book folder (through a symbolic link)"
    )
    assert path_problem("../images/icon.svg", book / "serving", book) is None
    assert path_problem("../../x", book / "serving", book) == "leaves the book folder"


def test_front_matter_that_would_make_a_page_a_notebook_is_refused() -> None:
    text = "---\ntitle: X\njupytext:\n  formats: md:myst\n---\n\n# X\n"
    assert scan_page(text, BOOK / PAGE, BOOK) == [
        Finding(
            3,
            "front matter key 'jupytext' is not allowed: it changes how the page is parsed or run",
        )
    ]


HTML_CASES = [
    ("<sub>2</sub>", []),
    ('<abbr title="mixture of experts">MoE</abbr>', []),
    ("<kbd lang='en'>C</kbd><br/>", []),
    ("<SCRIPT>alert(1)</SCRIPT>", ["raw HTML <script>"]),
    ("<sub/onmouseover=alert(1)>x</sub>", ["event-handler attribute onmouseover="]),
    ('<sub class="x">x</sub>', ["attribute class= on <sub>"]),
    ("<sub title=x>x</sub>", ["<sub> must be written plainly"]),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', ["raw HTML <a>", "javascript: URL in href="]),
    ("<object data='x.swf'></object>", ["raw HTML <object>"]),
    ("<!-- a comment -->", []),
]


@pytest.mark.parametrize(("html", "starts"), HTML_CASES, ids=[c[0] for c in HTML_CASES])
def test_raw_html_is_read_by_a_parser_with_a_strict_allow_list(
    html: str, starts: list[str]
) -> None:
    messages = sorted({f.message for f in html_findings(html, 1)})
    assert len(messages) == len(starts), messages
    for start in starts:
        assert any(m.startswith(start) for m in messages), (start, messages)


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        (" JaVa\tScRipt:alert(1)", "javascript"),
        ("java%0ascript:alert(1)", "javascript"),
        ("vbscript:msgbox", "vbscript"),
        ("data:text/html,x", "data"),
        ("file:///etc/passwd", "file"),
        ("https://arxiv.org/abs/1", None),
        ("../serving/distserve.md", None),
        ("mailto:a@b.c", None),
    ],
)
def test_refused_url_schemes(url: str, scheme: str | None) -> None:
    assert refused_scheme(url) == scheme


def test_neutralise_renders_refused_blocks_as_text_and_keeps_the_rest() -> None:
    text = "\n".join(
        [
            "---",
            "title: X",
            "---",
            "# X",
            "",
            "Kept *as* Markdown.",
            "",
            "- a list with <img src=x onerror=alert(1)>",
            "- and a second item",
            "",
            "````{note}",
            "```{raw} html",
            "<script>alert(2)</script>",
            "```",
            "````",
            "",
            "Also kept.",
            "",
        ]
    )
    findings = scan_page(text, BOOK / PAGE, BOOK)
    assert [f.line for f in findings] == [8, 8, 12]
    safe = neutralise(text, findings, DEFAULT_EXTENSIONS)
    assert scan_page(safe, BOOK / PAGE, BOOK) == []
    html = markdown_parser(frozenset(DEFAULT_EXTENSIONS)).render(safe)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<em>as</em>" in html and "<p>Also kept.</p>" in html


def test_the_parser_yields_the_tokens_the_rules_read() -> None:
    """Contract with myst-parser's markdown-it set-up: if a token shape changes, say so here
    rather than let hostile notes through."""
    text = (
        "<div>\n\nx <b>y</b> [l](javascript:x) ![i](a.png) {download}`f <a.txt>`\n\n"
        "```{raw} html\nz\n```\n\n:::{note}\nw\n:::\n"
    )
    tokens = markdown_parser(frozenset(DEFAULT_EXTENSIONS)).parse(text)
    by_type = {t.type: t for t in tokens}
    assert by_type["html_block"].map == [0, 1]
    assert by_type["fence"].info == "{raw} html" and by_type["fence"].map == [4, 7]
    assert by_type["colon_fence"].info == "{note}"
    children = {c.type: c for c in reversed(by_type["inline"].children)}
    assert children["html_inline"].content == "<b>"
    assert children["link_open"].attrs["href"] == "javascript:x"
    assert children["image"].attrs["src"] == "a.png"
    assert children["myst_role"].meta["name"] == "download"
    assert children["myst_role"].content == "f <a.txt>"


def test_the_committed_book_is_inert() -> None:
    for path in sorted(BOOK.glob("*/*.md")):
        assert scan_page(path.read_text("utf-8"), path, BOOK) == [], path


def test_links_in_math_follow_the_url_rules() -> None:
    text = "Fine: $\\href{https://arxiv.org}{x}$.\n\nNot: $\\href{javascript:alert(1)}{x}$.\n"
    assert scan_page(text, BOOK / PAGE, BOOK) == [
        Finding(3, "javascript: URL in \\href in math is not allowed")
    ]


def test_neutralise_comments_out_refused_front_matter_keys() -> None:
    text = "---\ntitle: X\njupytext:\n  formats: md:myst\nstatus: stub\n---\n\n# X\n"
    findings = scan_page(text, BOOK / PAGE, BOOK)
    safe = neutralise(text, findings, DEFAULT_EXTENSIONS)
    assert safe.splitlines()[2:4] == ["# jupytext:", "#   formats: md:myst"]
    assert scan_page(safe, BOOK / PAGE, BOOK) == []
    assert load_yaml(safe.split("---\n")[1]) == {"title": "X", "status": "stub"}


def test_directive_arguments_and_options_follow_the_url_rules() -> None:
    text = "```{button-link} javascript:alert(1)\nGo\n```\n\n"
    text += ":::{card} T\n:link: data:text/html,x\n:::\n"
    assert scan_page(text, BOOK / PAGE, BOOK) == [
        Finding(1, "javascript: URL in the argument of {button-link} is not allowed"),
        Finding(6, "data: URL in option :link: is not allowed"),
    ]


def _fake_app(config: object) -> SimpleNamespace:
    env = SimpleNamespace(myst_config=config, doc2path=lambda docname: BOOK / f"{docname}.md")
    return SimpleNamespace(env=env, srcdir=str(BOOK))


def test_the_build_guard_warns_with_page_and_line_and_neutralises(caplog, monkeypatch) -> None:
    import logging

    from myst_parser.config.main import MdParserConfig

    # An earlier in-process Sphinx build leaves its handlers (which rewrite the location into
    # "path:line" and the message with it) on the "sphinx" logger, and stops propagation.
    sphinx_logger = logging.getLogger("sphinx")
    monkeypatch.setattr(sphinx_logger, "handlers", [])
    monkeypatch.setattr(sphinx_logger, "propagate", True)

    from notes.sphinx_ext import guard_contributor_pages

    app = _fake_app(MdParserConfig(enable_extensions=set(DEFAULT_EXTENSIONS)))
    text = (BOOK / PAGE).read_text("utf-8") + "\n<script>alert(1)</script>\n"
    source = [text]
    guard_contributor_pages(app, "serving/distserve", source)
    (record,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert record.location == ("serving/distserve", text.count("\n"))
    assert record.getMessage().startswith("raw HTML <script> is not allowed")
    assert source[0].endswith("```text\n<script>alert(1)</script>\n```\n")
    other = ["<script>alert(1)</script>\n"]  # top-level pages are the maintainers'
    guard_contributor_pages(app, "intro", other)
    assert other == ["<script>alert(1)</script>\n"]


def test_the_build_guard_says_so_if_myst_parser_changes() -> None:
    """Contract with myst-parser: its Sphinx extension keeps the parser settings in
    env.myst_config; if that goes, the build stops with a message rather than skip the rules."""
    from sphinx.errors import ExtensionError

    from notes.sphinx_ext import guard_contributor_pages

    with pytest.raises(ExtensionError, match=r"env\.myst_config"):
        guard_contributor_pages(_fake_app(None), "serving/distserve", ["# X\n"])

"""Validate every page of the book and report problems as ``path:line: message``.

Errors (exit 1): front matter that does not parse or breaks the schema (src/notes/data/), a
page outside a chapter or the table of contents, duplicate titles or slugs, missing or
misordered note sections, a ``reviewed`` page with an empty section or a placeholder, a summary
longer than one sentence of 35 words, a claim whose quote is not in the abstract, whose range
runs backwards or whose relative unit does not say which way it changed, and content that
would not stay inert in a reader's browser (``notes.safety``: raw HTML, ``raw``/``eval-rst``,
files from outside the book), on paper pages and chapter pages alike.
Warnings (exit 0): a placement the classifier doubts.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase

from notes.chapters import CHAPTER_SLUGS
from notes.listing import normalise_title
from notes.model import NotesError
from notes.pages import (
    Page,
    PageText,
    abstract_from_body,
    find_blocks,
    iter_page_paths,
    read_exact,
    read_page_text,
)
from notes.render import BLOCK_NAMES, NOTE_SECTIONS
from notes.safety import myst_extensions, scan_page
from notes.schema import describe, schema_errors

PLACEMENT_CONFIDENCE = 0.6  # warn only when the classifier is this sure of another chapter
PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|XXX)\b|lorem ipsum|\.\.\.\s*$", re.IGNORECASE)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,}|:{3,})")


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_book(book: Path, *, placement: bool = False) -> list[Problem]:
    """All problems found in the book's paper pages, sorted by file and line.

    With ``placement``, also warn about pages whose folder disagrees with a confident
    suggestion of a classifier that did not see them.
    """
    problems, pages = _check_pages(book)
    problems.extend(_chapter_page_problems(book))
    if placement and not any(p.severity == "error" for p in problems):
        problems.extend(placement_warnings(pages))
    return sorted(problems)


def placement_warnings(pages: list[Page]) -> list[Problem]:
    from notes.classify import out_of_fold  # scikit-learn only when asked for

    suggestions = out_of_fold(pages)
    warnings = []
    for page in pages:
        suggestion = suggestions.get(page.path)
        if suggestion is None or suggestion.chapter == page.chapter:
            continue
        if suggestion.score >= PLACEMENT_CONFIDENCE:
            warnings.append(
                Problem(
                    _display(page.path),
                    1,
                    f"in '{page.chapter}' but the classifier suggests '{suggestion.chapter}' "
                    f"({suggestion.score:.2f}: {'; '.join(suggestion.reasons)}); "
                    "move it with `notes move` or say why on the chapter page",
                    "warning",
                )
            )
    return warnings


def _check_pages(book: Path) -> tuple[list[Problem], list[Page]]:
    """Every page's problems, and the pages that parsed: each file is read once."""
    problems: list[Problem] = []
    pages: list[Page] = []
    titles: dict[str, str] = {}
    slugs: dict[str, str] = {}
    toc_patterns = _toc_patterns(book)
    extensions = myst_extensions(book)
    for path in iter_page_paths(book):
        shown = _display(path)
        if path.parent.name not in CHAPTER_SLUGS:
            known = ", ".join(CHAPTER_SLUGS)
            problems.append(
                Problem(shown, 1, f"folder '{path.parent.name}' is not a chapter ({known})")
            )
        docname = f"{path.parent.name}/{path.stem}"
        if toc_patterns is not None and not any(
            fnmatch.fnmatchcase(docname, pattern) for pattern in toc_patterns
        ):
            problems.append(
                Problem(shown, 1, "not reachable from the table of contents (_toc.yml)")
            )
        try:
            page = read_page_text(path)
        except NotesError as error:
            problems.append(Problem(shown, error.line, error.message))
            continue
        problems.extend(_check_page(shown, page))
        problems.extend(_safety_problems(shown, page, book, extensions))
        title = page.data.get("title")
        if isinstance(title, str) and title.strip():
            if path.parent.name in CHAPTER_SLUGS:
                abstract = abstract_from_body(page.body)
                pages.append(Page(path, path.parent.name, path.stem, title, page.data, abstract))
            key = normalise_title(title)
            if key in titles:
                problems.append(
                    Problem(shown, page.key_line("title"), f"same title as {titles[key]}")
                )
            else:
                titles[key] = shown
        if path.stem in slugs:
            problems.append(Problem(shown, 1, f"same slug '{path.stem}' as {slugs[path.stem]}"))
        else:
            slugs[path.stem] = shown
    return problems, pages


def _safety_problems(
    shown: str, page: PageText, book: Path, extensions: tuple[str, ...]
) -> list[Problem]:
    """What would not stay inert in a reader's browser; the build refuses the same."""
    text = "---\n" + "".join(page.front_lines) + "---\n" + page.body
    return [Problem(shown, f.line, f.message) for f in scan_page(text, page.path, book, extensions)]


def _chapter_page_problems(book: Path) -> list[Problem]:
    """Chapter pages are edited by contributors too: the same safety rules apply."""
    extensions = myst_extensions(book)
    problems = []
    for slug in CHAPTER_SLUGS:
        path = book / slug / "index.md"
        if path.is_file():
            text = read_exact(path)
            problems.extend(
                Problem(_display(path), f.line, f.message)
                for f in scan_page(text, path, book, extensions)
            )
    return problems


def _check_page(shown: str, page: PageText) -> list[Problem]:
    problems = _schema_problems(shown, page)
    paper = page.data.get("paper")
    if isinstance(paper, dict) and paper.get("id") != page.path.stem:
        problems.append(
            Problem(
                shown,
                page.key_line("paper"),
                f"paper.id is {paper.get('id')!r} but the file is named '{page.path.stem}'",
            )
        )
    lines = page.body.splitlines()
    blocks = find_blocks(lines)
    for name in BLOCK_NAMES:
        if name not in blocks:
            problems.append(
                Problem(
                    shown,
                    page.body_start_line,
                    f"generated block '{name}' is missing or not closed "
                    f"('% notes:{name}:start' ... '% notes:{name}:end'); "
                    "`notes import --refresh` restores it",
                )
            )
    problems.extend(_section_problems(shown, page, lines))
    problems.extend(_summary_problems(shown, page))
    problems.extend(_claim_problems(shown, page))
    return problems


def _schema_problems(shown: str, page: PageText) -> list[Problem]:
    errors = list(schema_errors(page.data))
    if not errors:
        return []
    located = _located_front_matter(page)  # a second parse, for line numbers, only when needed
    problems = []
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            path += unknown[:1]  # point at the first unknown key
        problems.append(Problem(shown, _line_of(located, path, page), describe(error, page.data)))
    return problems


def _section_problems(shown: str, page: PageText, lines: list[str]) -> list[Problem]:
    """The five note sections, in order; on a reviewed page, each filled in."""
    offset = page.body_start_line
    sections = _sections(lines)
    found = [heading for heading, _, _ in sections]
    expected = [heading for heading, _ in NOTE_SECTIONS]
    problems = []
    for heading in expected:
        if heading not in found:
            problems.append(Problem(shown, offset, f"note section '## {heading}' is missing"))
    present = [h for h in found if h in expected]
    if present != [h for h in expected if h in present]:
        line = offset + next(i for h, i, _ in sections if h in expected)
        order = " -> ".join(expected)
        problems.append(Problem(shown, line, f"note sections are out of order (expected {order})"))
    if page.data.get("status") == "reviewed":
        for heading, index, content in sections:
            if heading not in expected:
                continue
            text = [line for line in content if line.strip() and not line.startswith("%")]
            if not text:
                problems.append(
                    Problem(shown, offset + index, f"'## {heading}' is empty on a reviewed page")
                )
            for number, line in enumerate(content, start=index + 1):
                if not line.startswith("%") and PLACEHOLDER.search(line):
                    problems.append(
                        Problem(shown, offset + number, "placeholder left on a reviewed page")
                    )
    return problems


SUMMARY_MAX_WORDS = 35
# A result in these units is always a change against something (a setting in orders of
# magnitude is the span of the paper's own experiments).
RELATIVE_UNITS = ("x", "pp", "orders of magnitude")


def _summary_problems(shown: str, page: PageText) -> list[Problem]:
    """A reader's summary is one sentence of at most 35 words; a checked page has one."""
    summary = page.data.get("summary")
    problems = []
    if isinstance(summary, str) and summary.strip():
        words = len(summary.split())
        if words > SUMMARY_MAX_WORDS:
            message = f"summary has {words} words; at most {SUMMARY_MAX_WORDS}"
            problems.append(Problem(shown, page.key_line("summary"), message))
        if len(re.findall(r"[.!?](?:\s|$)", summary.strip())) > 1:
            message = "summary is more than one sentence"
            problems.append(Problem(shown, page.key_line("summary"), message))
    elif page.data.get("checked") is True:
        message = "checked: true needs a summary written by a reader"
        problems.append(Problem(shown, page.key_line("checked"), message))
    return problems


def _claim_problems(shown: str, page: PageText) -> list[Problem]:
    """Each claim's quote is in the abstract; ranges run low to high; relative units say
    which way the change goes."""
    claims = page.data.get("claims")
    if not isinstance(claims, list) or not claims:
        return []
    abstract = abstract_from_body(page.body)
    if not abstract:  # reported already: the abstract block is missing or broken
        return []
    problems = []

    def report(index: int, key: str, message: str) -> None:
        line = _line_of(_located_front_matter(page), ["claims", index, key], page)
        problems.append(Problem(shown, line, f"claims[{index}].{key} {message}"))

    for index, claim in enumerate(claims):
        if not isinstance(claim, dict):
            continue  # the schema reports it
        quote = claim.get("quote")
        if isinstance(quote, str) and quote and quote not in abstract:
            report(index, "quote", f"is not in the abstract: {quote!r}")
        low, high = claim.get("value"), claim.get("value_high")
        if isinstance(low, int | float) and isinstance(high, int | float) and high <= low:
            report(index, "value_high", f"is {high}, not above value {low}")
        relative = claim.get("unit") in RELATIVE_UNITS and claim.get("kind") == "result"
        if relative and "change" not in claim:
            unit = claim.get("unit")
            report(index, "unit", f"{unit!r} is relative: say `change: increase` or `decrease`")
    return problems


def _sections(lines: list[str]) -> list[tuple[str, int, list[str]]]:
    """(heading, line index, content lines) for each level-2 heading outside fences."""
    sections: list[tuple[str, int, list[str]]] = []
    fence: str | None = None
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0] * len(opening.group(1))
            continue
        if fence is not None:
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                fence = None
            elif sections:
                sections[-1][2].append(line)
            continue
        heading = HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            sections.append((heading.group(2), index, []))
        elif sections:
            sections[-1][2].append(line)
    return sections


def _located_front_matter(page: PageText) -> Any:
    try:
        return YAML(typ="rt", pure=True).load("".join(page.front_lines))
    except Exception:  # already reported as a parse error by read_page_text
        return None


def _line_of(node: Any, path: list[Any], page: PageText) -> int:
    """The file line of the deepest node on ``path`` that ruamel knows a position for."""
    line = page.key_line(str(path[0])) if path else 2
    for key in path:
        if not isinstance(node, CommentedBase):
            break
        try:
            position = node.lc.key(key) if isinstance(key, str) else node.lc.item(key)
            line = position[0] + 2
            node = node[key]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


def _toc_patterns(book: Path) -> list[str] | None:
    """Every `file` and `glob` entry of the table of contents, or None without a toc."""
    toc = book / "_toc.yml"
    if not toc.exists():
        return None
    from notes.markup import load_yaml

    patterns: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("file", "glob"):
                if isinstance(node.get(key), str):
                    patterns.append(node[key].removesuffix(".md").removesuffix(".ipynb"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(load_yaml(toc.read_text(encoding="utf-8")))
    return patterns


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()

"""What a page's Markdown may contain, so that notes stay inert in a reader's browser.

Contributors' notes are Markdown. This module finds, with line numbers, what would run or
publish something else: raw HTML beyond a few inline tags, event-handler attributes,
``javascript:``/``data:``/``vbscript:``/``file:`` URLs, the ``raw`` and ``eval-rst``
directives, and includes, images and downloads whose path is absolute or leaves the book
folder. ``notes check`` reports the findings; the book's Sphinx extension reports the same
findings as build warnings and renders the offending blocks as literal text.

Pages are tokenised by the parser the build itself uses (myst-parser's markdown-it set-up,
with the book's MyST extensions), so what is checked is what Sphinx would see; HTML is read
with the standard library's parser and safe tags are held to a strict spelling on top.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from notes.markup import fence_for, load_yaml

# Inline tags that carry no behaviour and load nothing; each may have only these attributes.
SAFE_TAGS = frozenset(
    {"abbr", "b", "br", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s"}
    | {"samp", "small", "strong", "sub", "sup", "u", "var"}
)
SAFE_ATTRIBUTES = frozenset({"title", "lang", "dir"})
SAFE_TAG_TEXT = re.compile(
    r"</?(?P<tag>[a-z]+)(?:\s+(?:title|lang|dir)\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))*\s*/?>",
    re.IGNORECASE,
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite"}
    | {"srcset", "data", "codebase", "longdesc", "ping", "manifest", "lowsrc", "dynsrc"}
)
REFUSED_SCHEMES = ("javascript", "vbscript", "data", "file")
REFUSED_DIRECTIVES = {
    "raw": "the {raw} directive is not allowed in notes: it publishes its content unescaped",
    "eval-rst": "the {eval-rst} directive is not allowed in notes: write Markdown",
    "code-cell": "the {code-cell} directive is not allowed in notes: the build would run it",
}
# Directives whose first argument is a file the build reads, and options that name files.
PATH_DIRECTIVES = frozenset({"include", "literalinclude", "image", "figure"})
PATH_OPTIONS = frozenset({"file", "img-top", "img-bottom", "img-background"})
# Directives whose body is shown as written, never parsed as Markdown.
LITERAL_DIRECTIVES = frozenset(
    {"code", "code-block", "sourcecode", "literalinclude", "math", "paper-abstract", "mermaid"}
)
# Front matter that would change how the page is parsed or make it a notebook the build runs.
REFUSED_FRONT_MATTER = ("myst", "mystnb", "jupytext", "kernelspec", "file_format", "substitutions")
DEFAULT_EXTENSIONS = ("colon_fence", "dollarmath", "deflist", "tasklist")
DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<argument>.*)$")
OPTION_LINE = re.compile(r"^:(?P<name>[\w-]+):\s*(?P<value>.*)$")
ROLE_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>\s*$", re.DOTALL)
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
MAX_INCLUDE_DEPTH = 3
MATH_TOKENS = frozenset(
    {"math_inline", "math_inline_double", "math_block", "math_block_label", "amsmath"}
)
MATH_LINK = re.compile(r"\\(?P<macro>href|url)\s*\{(?P<url>[^}]*)\}")


@dataclass(frozen=True, order=True)
class Finding:
    """Something a page may not contain: its 1-based line in the page, and why."""

    line: int
    message: str


def scan_page(
    text: str, path: Path, book: Path, extensions: Iterable[str] = DEFAULT_EXTENSIONS
) -> list[Finding]:
    """Every finding in a page's text (front matter and Markdown body), sorted by line."""
    body, front_keys, _ = _blank_front_matter(text)
    findings = {
        Finding(
            line,
            f"front matter key '{key}' is not allowed: it changes how the page is parsed or run",
        )
        for key, line in front_keys.items()
        if key in REFUSED_FRONT_MATTER
    }
    scanner = _Scanner(Path(book), frozenset(extensions))
    findings.update(scanner.markdown(body, 1, Path(path).parent, 0))
    return sorted(findings)


def neutralise(text: str, findings: Iterable[Finding], extensions: Iterable[str]) -> str:
    """The page with each top-level block holding a finding turned into a literal code block,
    so nothing in it is parsed, run or read; other lines are unchanged."""
    lines = text.splitlines(keepends=True)
    body, _, front_end = _blank_front_matter(text)
    blocks = [
        tuple(token.map)
        for token in markdown_tokens(frozenset(extensions), body)
        if token.level == 0 and token.map and token.nesting >= 0
    ]
    spans: list[tuple[int, int]] = []
    for finding in findings:
        index = finding.line - 1
        if index < front_end:  # a refused front matter key: comment it and its value out
            lines[index] = "# " + lines[index]
            index += 1
            while index < front_end - 1 and not re.match(r"^[A-Za-z_]", lines[index]):
                lines[index] = "# " + lines[index]
                index += 1
            continue
        start, end = next(((s, e) for s, e in blocks if s <= index < e), (index, index + 1))
        spans.append((start, max(end, start + 1)))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        block = "".join(lines[start:end])
        fence = fence_for(block)
        out.extend(lines[position:start])
        out.append(f"{fence}text\n{block}" + ("" if block.endswith("\n") else "\n") + f"{fence}\n")
        position = end
    out.extend(lines[position:])
    return "".join(out)


def myst_extensions(book: Path) -> tuple[str, ...]:
    """The MyST extensions the book's ``_config.yml`` enables (``parse.myst_enable_extensions``)."""
    config = Path(book) / "_config.yml"
    if not config.exists():
        return DEFAULT_EXTENSIONS
    data = load_yaml(config.read_text(encoding="utf-8")) or {}
    parse = data.get("parse") or {}
    return tuple(parse.get("myst_enable_extensions") or DEFAULT_EXTENSIONS)


@lru_cache(maxsize=8)
def markdown_parser(extensions: frozenset[str]) -> Any:
    """myst-parser's markdown-it set-up for these extensions, as the build tokenises pages.

    Links are all kept as link tokens (markdown-it would drop ``javascript:`` ones to text),
    so that such a link is reported rather than silently shown as text.
    """
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    parser = create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)
    parser.validateLink = lambda url: True
    return parser


@lru_cache(maxsize=512)
def markdown_tokens(extensions: frozenset[str], text: str) -> tuple[Any, ...]:
    """The tokens of ``text``, remembered: the check and the build's guard scan the same pages,
    and tokenising is most of a scan's cost. Callers only read the tokens. The bound keeps a
    whole book's pages (about 160 texts) without holding a 3,000-page build's tokens."""
    return tuple(markdown_parser(extensions).parse(text))


class _Scanner:
    def __init__(self, book: Path, extensions: frozenset[str]) -> None:
        self.book = book
        self.extensions = extensions

    def markdown(self, text: str, first_line: int, folder: Path, depth: int) -> set[Finding]:
        """Findings in Markdown whose first line is line ``first_line`` of the page."""
        findings: set[Finding] = set()
        for token in markdown_tokens(self.extensions, text):
            if not token.map:
                continue
            line = first_line + token.map[0]
            if token.type == "html_block":
                findings |= html_findings(token.content, line)
            elif token.type in MATH_TOKENS:
                findings |= math_findings(token.content, line)
            elif token.type == "inline":
                findings |= self.inline(token.children or [], line, folder)
            elif token.type in ("fence", "colon_fence"):
                directive = DIRECTIVE_INFO.match(token.info.strip())
                if directive:
                    findings |= self.directive(
                        directive["name"],
                        directive["argument"],
                        token.content,
                        line,
                        folder,
                        depth,
                    )
        return findings

    def inline(self, children: list[Any], line: int, folder: Path) -> set[Finding]:
        findings: set[Finding] = set()
        for child in children:
            if child.type == "html_inline":
                findings |= html_findings(child.content, line)
                line += child.content.count("\n")
            elif child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "link_open":
                findings |= self.target(child.attrs.get("href", ""), "Markdown link", line, folder)
            elif child.type == "image":
                findings |= self.target(child.attrs.get("src", ""), "Markdown image", line, folder)
                findings |= self.inline(child.children or [], line, folder)
            elif child.type == "myst_role":
                name = child.meta.get("name", "")
                if name == "download":
                    found = ROLE_TARGET.match(child.content)
                    target = found["target"] if found else child.content
                    problem = path_problem(target, folder, self.book)
                    if problem:
                        findings.add(Finding(line, f"{{download}} path '{target}' {problem}"))
                elif name == "raw" or name.startswith("raw-"):
                    findings.add(Finding(line, f"the {{{name}}} role is not allowed in notes"))
            elif child.type in MATH_TOKENS:
                findings |= math_findings(child.content, line)
            elif child.type == "code_inline":
                line += child.content.count("\n")
        return findings

    def target(self, url: str, what: str, line: int, folder: Path) -> set[Finding]:
        """A link or image destination: no script or data URL; a local file stays in the book."""
        url = url.strip()
        scheme = refused_scheme(url)
        if scheme:
            return {Finding(line, f"{scheme}: URL in a {what} is not allowed")}
        if not url or url.startswith("#") or SCHEME.match(url.lower()):
            return set()
        path = unquote(url.split("#", 1)[0].split("?", 1)[0])
        problem = path_problem(path, folder, self.book) if path else None
        return {Finding(line, f"{what} to '{path}' {problem}")} if problem else set()

    def directive(
        self, name: str, argument: str, content: str, line: int, folder: Path, depth: int
    ) -> set[Finding]:
        if name in REFUSED_DIRECTIVES:
            return {Finding(line, REFUSED_DIRECTIVES[name])}
        findings: set[Finding] = set()
        options, body_offset = _options(content)
        argument = argument.strip()
        path_ok = False
        scheme = refused_scheme(argument)
        if scheme:  # e.g. sphinx-design's {button-link} takes its URL as argument
            findings.add(
                Finding(line, f"{scheme}: URL in the argument of {{{name}}} is not allowed")
            )
        if name in PATH_DIRECTIVES and argument:
            problem = path_problem(argument, folder, self.book)
            if problem:
                findings.add(Finding(line, f"{{{name}}} path '{argument}' {problem}"))
            path_ok = problem is None
        for option, (value, offset) in options.items():
            where = line + 1 + offset
            scheme = refused_scheme(value)
            if scheme:
                findings.add(Finding(where, f"{scheme}: URL in option :{option}: is not allowed"))
            elif option == "url":
                findings.add(
                    Finding(
                        where,
                        f"option :url: of {{{name}}} is not allowed: the build would fetch it",
                    )
                )
            elif option in PATH_OPTIONS:
                problem = path_problem(value, folder, self.book)
                if problem:
                    findings.add(Finding(where, f"option :{option}: path '{value}' {problem}"))
        if name == "include" and path_ok and not {"literal", "code"} & set(options):
            findings |= self.included(argument, line, folder, depth)
        if name == "math":
            findings |= math_findings(content, line + 1)
        if name not in LITERAL_DIRECTIVES:
            body = content.splitlines(keepends=True)[body_offset:]
            findings |= self.markdown("".join(body), line + 1 + body_offset, folder, depth)
        return findings

    def included(self, argument: str, line: int, folder: Path, depth: int) -> set[Finding]:
        """An included file is parsed as part of the page: it follows the same rules."""
        path = _join(argument, folder, self.book)
        if depth >= MAX_INCLUDE_DEPTH or not path.is_file():
            return set()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return set()
        inner = self.markdown(text, 1, path.parent, depth + 1)
        return {
            Finding(line, f"included file '{argument}', line {f.line}: {f.message}")
            for f in sorted(inner)
        }


def math_findings(tex: str, line: int) -> set[Finding]:
    """MathJax makes ``\\href{URL}`` and ``\\url{URL}`` links: the same URL rules apply."""
    findings = set()
    for match in MATH_LINK.finditer(tex):
        scheme = refused_scheme(match["url"])
        if scheme:
            at = line + tex.count("\n", 0, match.start())
            findings.add(Finding(at, f"{scheme}: URL in \\{match['macro']} in math is not allowed"))
    return findings


def html_findings(html: str, line: int) -> set[Finding]:
    """Findings in a piece of raw HTML whose first line is ``line`` of the page."""
    parser = _TagCollector()
    parser.feed(html)
    parser.close()
    return {Finding(line + offset, message) for offset, message in parser.findings}


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[tuple[int, str]] = []

    def _add(self, message: str) -> None:
        self.findings.append((self.getpos()[0] - 1, message))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        before = len(self.findings)
        if tag not in SAFE_TAGS:
            self._add(_tag_message(tag))
        for name, value in attrs:
            scheme = refused_scheme(value or "") if name in URL_ATTRIBUTES else None
            if name.startswith("on"):
                self._add(f"event-handler attribute {name}= is not allowed in raw HTML")
            elif scheme:
                self._add(f"{scheme}: URL in {name}= is not allowed")
            elif tag in SAFE_TAGS and name not in SAFE_ATTRIBUTES:
                self._add(f"attribute {name}= on <{tag}> is not allowed (only title, lang, dir)")
        text = self.get_starttag_text() or ""
        if len(self.findings) == before and not SAFE_TAG_TEXT.fullmatch(text):
            self._add(f'<{tag}> must be written plainly, e.g. <{tag}> or <{tag} title="...">')

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag not in SAFE_TAGS:
            self._add(_tag_message(tag))


def _tag_message(tag: str) -> str:
    return (
        f"raw HTML <{tag}> is not allowed in notes: write Markdown "
        "(only inline tags such as <sub>, <sup>, <kbd>, <abbr> may be used)"
    )


def refused_scheme(url: str) -> str | None:
    """The URL's scheme if it is one that runs or embeds content, as a browser would read it
    (entities already decoded; tabs, newlines and percent-escapes do not hide it)."""
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", unquote(url)).lower()
    match = SCHEME.match(cleaned)
    return match[1] if match and match[1] in REFUSED_SCHEMES else None


def path_problem(target: str, folder: Path, book: Path) -> str | None:
    """Why a path named in a page may not be read by the build, or None if it may.

    Paths are relative to the page's folder and must stay inside the book folder, also
    after following symbolic links (the book's own links point into the repository).
    """
    target = target.strip()
    if target.startswith("<") and target.endswith(">"):
        return "is a file of docutils outside the book folder"
    if target.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", target):
        return "is absolute: give a path relative to the page, inside the book folder"
    joined = _join(target, folder, book)
    root = os.path.normpath(os.path.abspath(book))
    if os.path.commonpath([root, str(joined)]) != root:
        return "leaves the book folder"
    if joined.exists():
        real = joined.resolve()
        project = Path(root).resolve().parent
        if not real.is_relative_to(project):
            return "leaves the book folder (through a symbolic link)"
    return None


def _join(target: str, folder: Path, book: Path) -> Path:
    return Path(os.path.normpath(os.path.join(os.path.abspath(folder), target.strip())))


def _options(content: str) -> tuple[dict[str, tuple[str, int]], int]:
    """A directive's options (``:name: value`` lines or a ``---`` YAML block) with their line
    offsets in the body, and the offset where the body's content starts."""
    lines = content.splitlines()
    options: dict[str, tuple[str, int]] = {}
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), len(lines))
        for index in range(1, end):
            key, sep, value = lines[index].partition(":")
            if sep and key.strip() and not key.startswith(" "):
                options[key.strip()] = (value.strip(), index)
        return options, min(end + 1, len(lines))
    index = 0
    while index < len(lines):
        match = OPTION_LINE.match(lines[index])
        if not match:
            break
        options[match["name"]] = (match["value"].strip(), index)
        index += 1
    return options, index


def _blank_front_matter(text: str) -> tuple[str, dict[str, int], int]:
    """The text with its front matter lines emptied (line numbers kept), the front matter's
    top-level keys with their lines, and the number of lines it takes (fences included)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return text, {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") == "---"), None)
    if end is None:
        return text, {}, 0
    keys = {}
    for index in range(1, end):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", lines[index])
        if match:
            keys.setdefault(match[1], index + 1)
    return "\n" * (end + 1) + "".join(lines[end + 1 :]), keys, end + 1

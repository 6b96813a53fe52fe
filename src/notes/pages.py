"""Read, write and merge paper pages without ever losing a contributor's bytes.

A page is split into regions: front matter key blocks and generator-owned marker blocks are
replaced as text; every other line is copied through untouched. Writes are atomic, and creating
a page never replaces an existing file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.error import MarkedYAMLError

from notes.chapters import CHAPTER_SLUGS
from notes.listing import normalise_title
from notes.markup import load_yaml
from notes.model import NotesError

FRONT_MATTER_FENCE = "---"
BLOCK_START = re.compile(r"^% notes:(?P<name>[a-z-]+):start\b.*$")
BLOCK_END = re.compile(r"^% notes:(?P<name>[a-z-]+):end\s*$")
ABSTRACT_FENCE = re.compile(r"^(?P<fence>`{3,})\{paper-abstract\}\s*$")
TOP_LEVEL_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")


@dataclass
class PageText:
    """A page split at its front matter; line numbers are 1-based in the whole file."""

    path: Path
    front_lines: list[str]  # between the fences, each with its line ending
    body: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def body_start_line(self) -> int:
        return len(self.front_lines) + 3

    def key_line(self, key: str) -> int:
        """The file line where a top-level front matter key starts (else the first line of it)."""
        for index, line in enumerate(self.front_lines):
            match = TOP_LEVEL_KEY.match(line)
            if match and match["key"] == key:
                return index + 2
        return 2


@dataclass(frozen=True)
class Page:
    """A paper page found in the book: where it is and what its front matter says."""

    path: Path
    chapter: str
    slug: str
    title: str
    data: dict[str, Any]
    abstract: str = ""

    @property
    def key(self) -> str:
        return normalise_title(self.title)

    @property
    def docname(self) -> str:
        """The page's name in Sphinx: chapter folder and slug."""
        return f"{self.chapter}/{self.slug}"


def split_page(path: Path, text: str) -> PageText:
    """Split front matter from body and parse it; malformed YAML is reported with its line."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != FRONT_MATTER_FENCE:
        raise NotesError(path, 1, "page does not start with front matter ('---')")
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == FRONT_MATTER_FENCE:
            front = lines[1:index]
            body = "".join(lines[index + 1 :])
            break
    else:
        raise NotesError(path, 1, "front matter is not closed by a '---' line")
    try:
        data = load_yaml("".join(front))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if error.context_mark and (mark is None or mark.line >= len(front)):
            mark = error.context_mark  # "got end of stream": point at what was left open
        line = mark.line + 2 if mark else 2
        raise NotesError(path, line, f"front matter is not valid YAML: {error.problem}") from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise NotesError(path, 2, "front matter must be a mapping of keys to values")
    return PageText(path=path, front_lines=front, body=body, data=data)


def read_exact(path: Path) -> str:
    """A file's text with its line endings as they are, so rewriting it can keep every byte."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise NotesError(path, line, "page is not UTF-8 text") from error


def read_page_text(path: Path) -> PageText:
    return split_page(path, read_exact(path))


def iter_page_paths(book: Path) -> Iterator[Path]:
    """Every paper page: a markdown file other than index.md in a chapter-like folder."""
    for folder in sorted(p for p in book.iterdir() if p.is_dir() and not _ignored(p)):
        for path in sorted(folder.glob("*.md")):
            if path.name != "index.md":
                yield path


def load_pages(book: Path) -> list[Page]:
    """Read every paper page's front matter; the folder is the chapter, the stem the slug."""
    return [load_page(path) for path in iter_page_paths(book) if path.parent.name in CHAPTER_SLUGS]


def load_page(path: Path) -> Page:
    """One paper page of a chapter folder."""
    parsed = read_page_text(path)
    title = parsed.data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise NotesError(path, parsed.key_line("title"), "front matter has no 'title'")
    abstract = abstract_from_body(parsed.body)
    return Page(path, path.parent.name, path.stem, title, parsed.data, abstract)


def abstract_from_body(body: str) -> str:
    """The abstract inside the generated block: the lines between its opening and closing fence."""
    lines = body.splitlines()
    span = find_blocks(lines).get("abstract")
    if span is None:
        return ""
    inside = lines[span[0] + 1 : span[1]]
    opening = ABSTRACT_FENCE.match(inside[0]) if inside else None
    if not opening or inside[-1] != opening["fence"]:
        return ""
    return "\n".join(inside[1:-1])


def replace_front_matter_keys(page: PageText, rendered: dict[str, str]) -> list[str]:
    """Front matter lines with the given top-level keys' blocks replaced by ``rendered`` text.

    A key's block runs from its line to the next top-level key, less trailing blank and
    comment lines, which stay where they are. Keys not yet present are appended.
    """
    lines = page.front_lines
    starts = [i for i, line in enumerate(lines) if TOP_LEVEL_KEY.match(line)]
    result: list[str] = []
    done: set[str] = set()
    position = 0
    for n, start in enumerate(starts):
        key = TOP_LEVEL_KEY.match(lines[start])["key"]  # type: ignore[index]
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        while end > start + 1 and _is_blank_or_comment(lines[end - 1]):
            end -= 1
        if key in rendered and key not in done:
            result.extend(lines[position:start])
            result.extend(rendered[key].splitlines(keepends=True))
            done.add(key)
            position = end
    result.extend(lines[position:])
    for key, text in rendered.items():
        if key not in done:
            if result and not result[-1].endswith("\n"):
                result[-1] += "\n"
            result.extend(text.splitlines(keepends=True))
    return result


def replace_blocks(body: str, rendered: dict[str, str]) -> str:
    """The body with each named generated block replaced.

    ``rendered`` is in page order; a missing block is inserted after the block that precedes
    it in that order (or at the top of the body), behind a blank line.
    """
    lines = body.splitlines(keepends=True)
    spans = find_blocks(lines)
    out: list[str] = []
    position = 0
    end_of: dict[str, int] = {}  # block name -> index in ``out`` just after it
    for name, (start, end) in sorted(spans.items(), key=lambda item: item[1]):
        if name not in rendered:
            continue
        out.extend(lines[position:start])
        out.append(rendered[name])
        position = end + 1
        end_of[name] = len(out)
    out.extend(lines[position:])
    order = list(rendered)
    for index, name in enumerate(order):
        if name in spans:
            continue
        before = [end_of[n] for n in order[:index] if n in end_of]
        if before:
            at = max(before)
            out.insert(at, "\n" + rendered[name])
        else:
            at = _first_content_index(out)
            out.insert(at, rendered[name] + "\n")
        end_of = {n: (i + 1 if i >= at else i) for n, i in end_of.items()}
        end_of[name] = at + 1
    return "".join(out)


def find_blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Map block name to (start line index, end line index) for well-formed marker pairs."""
    spans: dict[str, tuple[int, int]] = {}
    open_name: str | None = None
    open_at = 0
    for index, line in enumerate(lines):
        text = line.rstrip("\r\n")
        start = BLOCK_START.match(text)
        if start:  # a start marker also abandons a block left unclosed above it
            open_name, open_at = start["name"], index
            continue
        end = BLOCK_END.match(text)
        if end and open_name == end["name"]:
            spans.setdefault(open_name, (open_at, index))
            open_name = None
    return spans


def write_atomic(path: Path, text: str, *, create_only: bool = False) -> None:
    """Write via a temporary file and a rename; with ``create_only`` an existing file wins.

    Where the file system allows, the text is written to an unnamed file (``O_TMPFILE``) that
    only gets a name once complete, so a process killed at any moment leaves no temporary
    file behind; a replacement then needs a named temporary for an instant before the rename,
    which `sweep_temporary_files` removes if a kill strands it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    fd = _unnamed_file(path.parent)
    if fd is not None:
        try:
            _write_all(fd, data)
            os.fchmod(fd, 0o644)
            if create_only:
                _name_unnamed(fd, path)  # fails with FileExistsError
                return
            tmp = _temporary_name(path)
            _name_unnamed(fd, tmp)
        finally:
            os.close(fd)
    else:
        handle, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent
        )
        tmp = Path(tmp_name)
        try:
            _write_all(handle, data)
            os.fchmod(handle, 0o644)
        finally:
            os.close(handle)
    try:
        if create_only:
            os.link(tmp, path)  # fails with FileExistsError instead of replacing
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


TEMPORARY_SUFFIX = ".tmp"


def sweep_temporary_files(folder: Path) -> list[Path]:
    """Remove what `write_atomic` leaves when killed mid-write; call only while no one writes."""
    swept = []
    for tmp in folder.glob(f".*{TEMPORARY_SUFFIX}"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            swept.append(tmp)
    return swept


def _unnamed_file(folder: Path) -> int | None:
    """An anonymous file in ``folder`` (Linux ``O_TMPFILE``), or None where unsupported."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o644)
    except OSError:
        return None  # e.g. EOPNOTSUPP on file systems without it


def _name_unnamed(fd: int, path: Path) -> None:
    """Give an ``O_TMPFILE`` file its name: ``linkat(..., AT_SYMLINK_FOLLOW)`` through /proc.

    Passing a directory descriptor makes Python call ``linkat`` (plain ``link`` would link the
    /proc symlink itself and fail with EXDEV).
    """
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(f"/proc/self/fd/{fd}", path.name, dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.urandom(4).hex()}{TEMPORARY_SUFFIX}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _ignored(path: Path) -> bool:
    return path.name.startswith((".", "_")) or path.is_symlink()


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or (line.startswith("#"))


def _first_content_index(lines: list[str]) -> int:
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index

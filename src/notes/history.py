"""When each paper page was added, last changed and reviewed: for the feed and What's new.

Two sources, so that a build dates pages the same way every time:

- the git history of the page file, where the book is a git checkout (the date of the commit
  that added it, of its last commit, and of the last commit that set ``status: reviewed``;
  renames by ``notes move`` are followed);
- the front-matter ``added`` date that ``notes import`` and ``notes add`` write on new pages,
  which wins for "added" (it is the day the page was made, before any commit) and is the only
  date in a copy of the book without git.

A page with neither has no date and is left out of the feed and the What's new lists. Commit
dates are taken, not the build's clock, so rebuilding never changes a date.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from notes.pages import Page

REVIEWED_LINE = r"^status: *reviewed"


@dataclass(frozen=True)
class PageDates:
    added: datetime | None
    changed: datetime | None  # the page's last commit, or its "added" date
    reviewed: datetime | None  # when it last became reviewed (reviewed pages only)


def page_dates(book: Path, pages: list[Page]) -> dict[str, PageDates]:
    """Dates of every page, by docname."""
    commits = git_page_commits(book)
    result = {}
    for page in pages:
        rel = page.path.relative_to(book).as_posix()
        first, last = commits.get(rel, (None, None))
        added = front_matter_date(page.data.get("added")) or first
        reviewed = None
        if page.data.get("status") == "reviewed":
            reviewed = git_reviewed(book, rel) or last or added
        result[page.docname] = PageDates(added=added, changed=last or added, reviewed=reviewed)
    return result


def front_matter_date(value: object) -> datetime | None:
    """``added: 'YYYY-MM-DD'`` as midnight UTC; None when absent or not a date."""
    if isinstance(value, date):
        value = value.isoformat()
    try:
        day = date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _git(book: Path, *args: str) -> str | None:
    """Output of a git command run in the book folder, or None without git or a repository."""
    try:
        done = subprocess.run(
            ["git", "-C", str(book), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def git_page_commits(book: Path) -> dict[str, tuple[datetime, datetime]]:
    """Path under ``book`` -> (first, last) commit date, following renames, in one git call."""
    out = _git(book, "log", "--relative", "-M", "--name-status", "--format=%x01%cI", "--", "*.md")
    if not out:
        return {}
    spans: dict[str, tuple[datetime, datetime]] = {}
    renamed: dict[str, str] = {}  # an older name -> the name the page has now
    when: datetime | None = None
    for line in out.splitlines():  # newest commit first
        if line.startswith("\x01"):
            when = datetime.fromisoformat(line[1:]).astimezone(UTC)
            continue
        parts = line.split("\t")
        if when is None or len(parts) < 2 or parts[0].startswith("D"):
            continue
        path = renamed.get(parts[-1], parts[-1])
        if parts[0].startswith("R") and len(parts) == 3:
            renamed[parts[1]] = path
        last = spans.get(path, (when, when))[1]
        spans[path] = (when, last)  # the oldest commit seen so far, the newest kept
    return spans


def git_reviewed(book: Path, rel: str) -> datetime | None:
    """Date of the last commit that put ``status: reviewed`` into the page."""
    out = _git(book, "log", "--follow", "-G", REVIEWED_LINE, "--format=%cI", "-1", "--", rel)
    line = (out or "").strip()
    return datetime.fromisoformat(line).astimezone(UTC) if line else None

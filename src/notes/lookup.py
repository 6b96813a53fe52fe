"""Ask the arXiv API for a paper's metadata by its title, politely, and accept only a sure match.

The API's terms ask for at most one request every three seconds and a descriptive User-Agent.
A match is a result whose normalised title equals the listed one; two different papers with
that title are ambiguous and left to a person, as is no such result. A timeout or an HTTP
error is reported, never raised: the import goes on without that paper's metadata.

Configuration (environment): ``NOTES_ARXIV_API`` the query URL (tests point it at a local
server), ``NOTES_ARXIV_DELAY`` seconds between requests, ``NOTES_ARXIV_TIMEOUT`` seconds to wait
for an answer, ``NOTES_OFFLINE=1`` no lookups at all (as ``--offline``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import feedparser
import requests
from rapidfuzz import fuzz, process

from notes import __version__
from notes.answers import (
    AMBIGUOUS,
    FAILED,
    MATCH,
    NO_MATCH,
    RECORDED,
    Answer,
    load_answers,
    save_answers,
)
from notes.importer import has_metadata, with_answer
from notes.listing import normalise_title
from notes.model import NotesError, Paper

DEFAULT_API = "https://export.arxiv.org/api/query"
USER_AGENT = (
    f"scaling-notes/{__version__} (metadata for a book of reading notes; "
    "https://github.com/scaling-notes/scaling-notes)"
)
MAX_RESULTS = 10
ENTRY_ID = re.compile(r"/abs/(?P<id>\d{4}\.\d{4,5})(?P<version>v\d+)?$")


@dataclass(frozen=True)
class Settings:
    api: str = DEFAULT_API
    delay: float = 3.0
    timeout: float = 30.0

    @classmethod
    def from_environment(cls) -> Settings:
        env = os.environ
        return cls(
            api=env.get("NOTES_ARXIV_API") or DEFAULT_API,
            delay=_seconds("NOTES_ARXIV_DELAY", 3.0),
            timeout=_seconds("NOTES_ARXIV_TIMEOUT", 30.0),
        )


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name) or ""
    try:
        return float(value) if value else default
    except ValueError:
        message = f"{name}={value!r} is not a number of seconds"
        raise NotesError("<environment>", 0, message) from None


def offline_by_environment() -> bool:
    return os.environ.get("NOTES_OFFLINE", "") not in ("", "0")


class Pacer:
    """Spaces the starts of requests at least ``delay`` seconds apart."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            remaining = self._last + self.delay - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
        self._last = time.monotonic()


def look_up_all(
    titles: Iterable[str], settings: Settings, on_answer: Callable[[Answer], None]
) -> None:
    """Ask for each title in turn, one request per ``settings.delay``; report each answer."""
    pacer = Pacer(settings.delay)
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        for title in titles:
            pacer.wait()
            on_answer(look_up(title, settings, session))


def look_up(title: str, settings: Settings, session: requests.Session) -> Answer:
    """One title's answer; failures come back as an ``Answer`` with outcome FAILED."""
    key = normalise_title(title)
    params = {"search_query": f'ti:"{key}"', "start": "0", "max_results": str(MAX_RESULTS)}
    request = session.prepare_request(requests.Request("GET", settings.api, params=params))
    query = request.url or settings.api
    today = dt.datetime.now(dt.UTC).date().isoformat()
    try:
        response = session.send(request, timeout=settings.timeout)
    except requests.Timeout:
        return Answer(title, FAILED, reason=f"no answer within {settings.timeout:g} s", query=query)
    except requests.RequestException as error:
        return Answer(title, FAILED, reason=f"request failed: {error}", query=query)
    if response.status_code != 200:
        return Answer(
            title, FAILED, reason=f"HTTP {response.status_code} {response.reason}", query=query
        )
    feed = feedparser.parse(response.content)
    if feed.bozo and not feed.entries:
        return Answer(title, FAILED, reason="the answer is not an Atom feed", query=query)
    errors = [e for e in feed.entries if "/api/errors" in e.get("id", "")]
    if errors:
        reason = f"API error: {errors[0].get('summary', '')}"
        return Answer(title, FAILED, reason=reason, query=query)
    return match(title, feed.entries, query=query, retrieved=today)


def match(title: str, entries: list, *, query: str = "", retrieved: str = "") -> Answer:
    """The unambiguous entry whose normalised title is the listed one, else why not."""
    key = normalise_title(title)
    candidates = []
    for entry in entries:
        found = ENTRY_ID.search(entry.get("id", ""))
        if found:
            candidates.append((found["id"], found["version"], entry))
    same = [c for c in candidates if normalise_title(c[2].get("title", "")) == key]
    ids = sorted({arxiv_id for arxiv_id, _, _ in same})
    common = {"query": query, "retrieved": retrieved}
    if len(ids) > 1:
        listed = tuple(f"{i}: {_title(e)}" for i, _, e in same)
        reason = f"{len(ids)} papers have this title"
        return Answer(title, AMBIGUOUS, candidates=listed, reason=reason, **common)
    if not ids:
        return Answer(title, NO_MATCH, candidates=_closest(key, candidates), **common)
    arxiv_id, version, entry = same[0]
    return Answer(
        title,
        MATCH,
        arxiv_id=arxiv_id,
        version=version,
        matched_title=_title(entry),
        published=(entry.get("published") or "")[:10] or None,
        authors=tuple(a["name"] for a in entry.get("authors", []) if a.get("name")),
        **common,
    )


def _title(entry) -> str:
    return " ".join(entry.get("title", "").split())


def _closest(key: str, candidates: list) -> tuple[str, ...]:
    """The nearest result, so the warning shows what the API did find."""
    titles = {f"{i}: {_title(e)}": normalise_title(_title(e)) for i, _, e in candidates}
    best = process.extractOne(key, titles, scorer=fuzz.token_sort_ratio)
    if not best:
        return ()
    return (f"{best[2]} ({best[1]:.0f}% similar)",)


def describe_failure(answer: Answer) -> str:
    """One line for the warning: why this paper got no metadata."""
    if answer.outcome == NO_MATCH:
        closest = f"; closest: {answer.candidates[0]}" if answer.candidates else ""
        return f"no arXiv paper with this title{closest}"
    if answer.outcome == AMBIGUOUS:
        return f"{answer.reason}: {'; '.join(answer.candidates)}"
    return f"arXiv lookup failed: {answer.reason}"


def look_up_new(
    papers: list[Paper],
    known_keys: set[str],  # normalised titles not to ask about: pages, rows of metadata.csv
    answers_path: Path,
    settings: Settings,
    warn: Callable[[str], None],
) -> tuple[list[Paper], dict[str, Answer]]:
    """Ask arXiv about every paper that is new to the book and has no metadata or answer yet.

    Each answer is saved as it arrives (so a killed run keeps what it learnt); failures are
    warned about, once per paper, and not saved, so the next import asks again.
    Returns the papers with matched metadata joined, and every answer known for them.
    """
    recorded = load_answers(answers_path)
    wanted = [
        p
        for p in papers
        if not has_metadata(p)
        and normalise_title(p.title) not in known_keys
        and normalise_title(p.title) not in recorded
    ]
    fresh: dict[str, Answer] = {}
    by_title = {p.title: p for p in wanted}

    def record(answer: Answer) -> None:
        fresh[answer.key] = answer
        paper = by_title[answer.title]
        if answer.outcome in RECORDED:
            recorded[answer.key] = answer
            save_answers(answers_path, recorded)
        if answer.outcome != MATCH:
            warn(f"{paper.source}:{paper.line}: {paper.title!r}: {describe_failure(answer)}")

    if wanted:
        look_up_all([p.title for p in wanted], settings, record)
    known = recorded | fresh
    answers = {
        normalise_title(p.title): known[normalise_title(p.title)]
        for p in papers
        if normalise_title(p.title) in known
    }
    joined = [
        with_answer(p, answers[normalise_title(p.title)])
        if not has_metadata(p) and normalise_title(p.title) in answers
        else p
        for p in papers
    ]
    return joined, answers

"""The typed records every stage passes along, and the one error type that carries file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class NotesError(Exception):
    """A problem in an input file, reported as ``path:line: message`` so editors can jump to it."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{self.line}: {message}")


@dataclass(frozen=True)
class Paper:
    """One paper as read from a listing, joined with whatever metadata is known for it."""

    title: str
    abstract: str
    source: str  # the listing it came from, relative to the project root
    line: int  # line of the title in that listing
    arxiv: str | None = None
    published: str | None = None
    authors: tuple[str, ...] = ()
    code: str | None = None
    abstract_url: str | None = None  # public page the abstract was copied from, if not a listing


@dataclass(frozen=True)
class Suggestion:
    """A chapter suggestion with the evidence behind it, so a human can check it."""

    chapter: str
    score: float  # confidence: the blended probability of the suggested chapter (1.0 by rule)
    reasons: tuple[str, ...] = ()
    runner_up: str | None = None
    runner_up_score: float = 0.0
    scores: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def low_confidence(self) -> bool:
        return self.score < LOW_CONFIDENCE


LOW_CONFIDENCE = 0.5  # below this a suggestion says it is a guess

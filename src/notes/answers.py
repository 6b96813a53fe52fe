"""The arXiv API's answers, kept in the repository so that building the book needs no network.

``data/arxiv-answers.json`` holds one record per looked-up title: what the API said (a match,
no match, or several candidates), the matched title, id, authors and date, and the query that
asked it. ``data/metadata.csv`` stays the file people write: a row there always wins, and the
lookup never writes to it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from notes.listing import normalise_title
from notes.model import NotesError
from notes.pages import read_exact, write_atomic

MATCH, NO_MATCH, AMBIGUOUS, FAILED = "match", "no match", "ambiguous", "failed"
RECORDED = (MATCH, NO_MATCH, AMBIGUOUS)  # a failure is not an answer: the next run asks again
ANSWERS_NAME = "arxiv-answers.json"


@dataclass(frozen=True)
class Answer:
    """What the arXiv API said about one listed title."""

    title: str  # as listed
    outcome: str  # MATCH, NO_MATCH, AMBIGUOUS (recorded) or FAILED (only reported)
    arxiv_id: str | None = None  # without version
    version: str | None = None  # e.g. "v2": the version whose title matched
    matched_title: str | None = None
    published: str | None = None  # date of the first version, YYYY-MM-DD
    authors: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()  # "id: title" of ambiguous or closest candidates
    reason: str = ""  # why there is no match, for the warning and the report
    query: str = ""  # the URL that was asked
    retrieved: str = ""  # date of the answer, YYYY-MM-DD
    source: str = field(default="arXiv API")

    @property
    def key(self) -> str:
        return normalise_title(self.title)


def load_answers(path: Path) -> dict[str, Answer]:
    """Recorded answers by normalised title; a missing file is no answers."""
    if not path.exists():
        return {}
    try:
        records = json.loads(read_exact(path))["answers"]
    except json.JSONDecodeError as error:
        raise NotesError(path, error.lineno, f"not valid JSON: {error.msg}") from error
    except (KeyError, TypeError) as error:
        raise NotesError(path, 1, "not an answers file: no list of 'answers'") from error
    answers: dict[str, Answer] = {}
    for index, record in enumerate(records):
        try:
            answer = Answer(
                **{
                    **record,
                    "authors": tuple(record.get("authors", ())),
                    "candidates": tuple(record.get("candidates", ())),
                }
            )
        except TypeError as error:
            raise NotesError(path, 1, f"answers[{index}]: {error}") from error
        if answer.outcome not in RECORDED:
            raise NotesError(path, 1, f"answers[{index}]: unknown outcome {answer.outcome!r}")
        answers[answer.key] = answer
    return answers


def save_answers(path: Path, answers: dict[str, Answer]) -> None:
    """Write the recorded answers, sorted by title so that diffs stay small."""
    records = [_record(answers[key]) for key in sorted(answers) if answers[key].outcome in RECORDED]
    text = json.dumps({"answers": records}, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text)


def _record(answer: Answer) -> dict:
    record = asdict(answer)
    record["authors"] = list(answer.authors)
    record["candidates"] = list(answer.candidates)
    return {k: v for k, v in record.items() if v not in (None, "", [])}

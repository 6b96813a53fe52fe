"""The maintainer's report after an import: what was added where, and what needs a person."""

from __future__ import annotations

from pathlib import Path

from notes.answers import MATCH, Answer
from notes.importer import CREATED, Action
from notes.listing import normalise_title
from notes.lookup import describe_failure


def import_report(
    actions: list[Action],
    answers: dict[str, Answer],
    written: set[str],
    *,
    listings: list[Path],
) -> str:
    """Markdown: pages added (chapter, confidence, metadata and its source), then the papers
    a person should look at: a chapter that is a guess, no metadata, a title close to a page's;
    then the papers recognised as already in the book under another title."""
    created = [a for a in actions if a.kind == CREATED]
    same = [a for a in actions if a.same_as]
    lines = [
        f"# Import of {', '.join(str(p) for p in listings)}",
        "",
        f"{len(created)} page(s) added; {len(same)} paper(s) already in the book under another "
        f"title; {len(actions) - len(created) - len(same)} already had their page.",
    ]
    if created:
        lines += ["", "## Added", "", "| page | chapter | metadata |", "|---|---|---|"]
        lines += [_added_row(a, answers, written) for a in created]
    needs = [note for a in created for note in _needs_a_person(a, answers)]
    lines += ["", "## Needs a person", ""]
    lines += needs or ["Nothing: every new page has metadata, a confident chapter, a new title."]
    if same:
        lines += ["", "## Already in the book under another title", ""]
        lines += [
            f"- {a.paper.title!r} ({a.paper.source}:{a.paper.line}) is `{a.path}`: {a.same_as}"
            for a in same
        ]
    return "\n".join(lines) + "\n"


def _added_row(action: Action, answers: dict[str, Answer], written: set[str]) -> str:
    paper, suggestion = action.paper, action.suggestion
    confidence = f" ({suggestion.score:.2f})" if suggestion else ""
    return (
        f"| {_cell(paper.title)} `{action.path}` | {action.chapter}{confidence} "
        f"| {_cell(_metadata(action, answers, written))} |"
    )


def _metadata(action: Action, answers: dict[str, Answer], written: set[str]) -> str:
    paper = action.paper
    if not paper.arxiv and not paper.authors:
        return "none"
    key = normalise_title(paper.title)
    answer = answers.get(key)
    if key in written:
        source = "data/metadata.csv"
    elif answer and answer.outcome == MATCH:
        source = f"arXiv API{', ' + answer.version if answer.version else ''}"
    else:
        source = "?"
    authors = paper.authors[0] + (" et al." if len(paper.authors) > 1 else "")
    parts = [f"arXiv:{paper.arxiv}" if paper.arxiv else "", paper.published or "", authors]
    return f"{', '.join(p for p in parts if p)} (from {source})"


def _needs_a_person(action: Action, answers: dict[str, Answer]) -> list[str]:
    paper, suggestion = action.paper, action.suggestion
    where = f"{paper.title!r} (`{action.path}`)"
    notes = []
    if suggestion and suggestion.low_confidence:
        notes.append(
            f"- {where}: the chapter is a guess ({suggestion.chapter} {suggestion.score:.2f}, "
            f"runner-up {suggestion.runner_up} {suggestion.runner_up_score:.2f}); "
            "keep it or `notes move` the page"
        )
    if not paper.arxiv and not paper.authors:
        answer = answers.get(normalise_title(paper.title))
        why = describe_failure(answer) if answer else "not looked up (offline)"
        notes.append(
            f"- {where}: no metadata: {why}; add a row to `data/metadata.csv` if you know it, "
            "then `notes import LISTING --refresh` (which also asks arXiv again after a failure)"
        )
    notes += [
        f"- {where}: {note}; if it is the same paper, delete the new page and give its title "
        "the page's arXiv id in `data/metadata.csv`"
        for note in action.near_misses
    ]
    return notes


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

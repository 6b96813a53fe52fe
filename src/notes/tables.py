"""Tables the analysis notebooks show, as DataFrames and as MyST markdown with page links.

Markdown output (rendered by myst-nb as MyST) lets Sphinx resolve every title link, so a link
to a missing page fails the strict build instead of silently 404ing.
"""

from __future__ import annotations

import pandas as pd

from notes.chapters import CHAPTERS
from notes.markup import escape_inline

NOTEBOOK_TO_BOOK = ".."  # notebooks/ sits at the top of the book, beside the chapter folders


def page_link(title: str, docname: str, *, prefix: str = NOTEBOOK_TO_BOOK) -> str:
    """A MyST link to a paper page whose text is the escaped title."""
    return f"[{escape_inline(title)}]({prefix}/{docname}.md)"


def papers_per_chapter(papers: pd.DataFrame) -> pd.DataFrame:
    counts = papers.groupby("chapter", observed=False).size()
    return pd.DataFrame(
        {
            "Chapter": [chapter.title for chapter in CHAPTERS],
            "Papers": [int(counts.get(chapter.slug, 0)) for chapter in CHAPTERS],
        }
    )


def catalogue(papers: pd.DataFrame) -> pd.DataFrame:
    """Every paper: linked title, chapter, date, arXiv id and code link where known."""
    return pd.DataFrame(
        {
            "Paper": [
                page_link(t, d) for t, d in zip(papers["title"], papers["docname"], strict=True)
            ],
            "Chapter": papers["chapter_title"],
            "Published": papers["published"].fillna(""),
            "arXiv": [
                f"[{a}](https://arxiv.org/abs/{a})" if isinstance(a, str) else ""
                for a in papers["arxiv"]
            ],
            "Code": [f"[code](<{c}>)" if isinstance(c, str) else "" for c in papers["code"]],
        }
    )


def to_markdown(frame: pd.DataFrame) -> str:
    """A pipe table; cells are taken as markdown already (links), pipes and newlines escaped."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in frame.columns) + "|"
    rows = [
        "| " + " | ".join(_cell(value) for value in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *rows])


def _cell(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return text.replace("\n", " ").replace("|", "\\|").replace("\\\\|", "\\|")


STATUSES = ("stub", "draft", "reviewed")


def status_per_chapter(papers: pd.DataFrame) -> pd.DataFrame:
    """Papers per chapter and note status, with totals: where the book needs hands."""
    counts = papers.groupby(["chapter", "status"], observed=False).size()
    rows = []
    for chapter in CHAPTERS:
        row = {"Chapter": chapter.title}
        for status in STATUSES:
            row[status] = int(counts.get((chapter.slug, status), 0))
        row["Papers"] = sum(row[s] for s in STATUSES)
        rows.append(row)
    frame = pd.DataFrame(rows)
    total = {"Chapter": "All chapters", **{c: int(frame[c].sum()) for c in frame.columns[1:]}}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def waiting_for_notes(papers: pd.DataFrame) -> pd.DataFrame:
    """Every stub, linked, by chapter: the list a new contributor picks from."""
    stubs = papers[papers["status"] == "stub"]
    return pd.DataFrame(
        {
            "Paper": [
                page_link(t, d) for t, d in zip(stubs["title"], stubs["docname"], strict=True)
            ],
            "Chapter": stubs["chapter_title"],
            "Published": stubs["published"].fillna(""),
        }
    )

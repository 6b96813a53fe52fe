"""Cross-paper tables and figures for the analysis notebooks, computed from the catalogue.

Notebooks stay a few lines each: they load the catalogue, call one function here, and show
the result. Titles become HTML links to the papers' pages, escaped, since tables render HTML.
"""

from __future__ import annotations

import html
from collections import Counter
from itertools import combinations
from pathlib import Path

import pandas as pd

from notes.chapters import CHAPTERS
from notes.extract import Claim, extract_entities, format_value

SCALE_UNITS = ("GPUs", "parameters", "context tokens", "tokens", "experts")
CHAPTER_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def link(title: str, docname: str) -> str:
    """An HTML link from a notebook page (notebooks/) to a paper page."""
    return f'<a href="../{html.escape(docname)}.html">{html.escape(title)}</a>'


def _claims(papers: pd.DataFrame) -> list[tuple[pd.Series, Claim]]:
    rows = []
    for _, paper in papers.iterrows():
        for raw in paper["claims"]:
            try:
                claim = Claim(
                    metric=str(raw["metric"]),
                    value=float(raw["value"]),
                    unit=str(raw["unit"]),
                    qualifier=raw.get("qualifier"),
                    baseline=raw.get("baseline"),
                    quote=str(raw["quote"]),
                )
            except (KeyError, TypeError, ValueError):
                continue  # `notes check` reports malformed claims; tables skip them
            rows.append((paper, claim))
    return rows


def claims_table(papers: pd.DataFrame) -> pd.DataFrame:
    """Every claim on every page, with the sentence fragment it came from."""
    return pd.DataFrame(
        [
            {
                "Paper": link(paper["title"], paper["docname"]),
                "Chapter": paper["chapter_title"],
                "Metric": html.escape(claim.metric),
                "Claimed": html.escape(format_value(claim)),
                "Baseline": html.escape(claim.baseline or ""),
                "Quote": html.escape(claim.quote),
            }
            for paper, claim in _claims(papers)
        ],
        columns=["Paper", "Chapter", "Metric", "Claimed", "Baseline", "Quote"],
    )


def multipliers(papers: pd.DataFrame) -> pd.DataFrame:
    """Claimed multipliers ("2.88x") with their chapter, for the plot."""
    return pd.DataFrame(
        [
            {"chapter": paper["chapter_title"], "value": claim.value, "metric": claim.metric}
            for paper, claim in _claims(papers)
            if claim.unit == "x" and claim.value > 0
        ],
        columns=["chapter", "value", "metric"],
    )


def headline_numbers(papers: pd.DataFrame) -> pd.DataFrame:
    """Per chapter and metric: how many multiplier/percentage claims, and their median and max."""
    rows = []
    for paper, claim in _claims(papers):
        if claim.unit in ("x", "%"):
            rows.append((paper["chapter_title"], claim.metric, claim.unit, claim.value))
    frame = pd.DataFrame(rows, columns=["Chapter", "Metric", "Unit", "value"])
    if frame.empty:
        return pd.DataFrame(columns=["Chapter", "Metric", "Unit", "Claims", "Median", "Largest"])
    summary = (
        frame.groupby(["Chapter", "Metric", "Unit"])["value"]
        .agg(Claims="count", Median="median", Largest="max")
        .reset_index()
        .sort_values(["Chapter", "Claims"], ascending=[True, False])
    )
    return summary.reset_index(drop=True)


def scale_table(papers: pd.DataFrame) -> pd.DataFrame:
    """Per paper, the largest GPUs, parameters, context and tokens it reports."""
    rows: dict[str, dict[str, object]] = {}
    for paper, claim in _claims(papers):
        if claim.unit not in SCALE_UNITS:
            continue
        row = rows.setdefault(
            paper["docname"],
            {"Paper": link(paper["title"], paper["docname"]), "Chapter": paper["chapter_title"]},
        )
        row[claim.unit] = max(float(row.get(claim.unit) or 0), claim.value)
    frame = pd.DataFrame(list(rows.values()), columns=["Paper", "Chapter", *SCALE_UNITS])
    return frame


def scale_by_chapter(scale: pd.DataFrame) -> pd.DataFrame:
    """Per chapter: papers reporting each kind of scale, and the largest figure."""
    rows = []
    for chapter in CHAPTERS:
        part = scale[scale["Chapter"] == chapter.title]
        row: dict[str, object] = {"Chapter": chapter.title}
        for unit in SCALE_UNITS:
            values = part[unit].dropna()
            row[f"{unit}: papers"] = len(values)
            row[f"{unit}: largest"] = values.max() if len(values) else None
        rows.append(row)
    return pd.DataFrame(rows)


def entity_matrix(papers: pd.DataFrame, top: int = 20) -> pd.DataFrame:
    """Paper x most-mentioned benchmarks, models and systems ("✓" where mentioned)."""
    mentions = {
        row["docname"]: extract_entities(f"{row['title']} {row['abstract']}")
        for _, row in papers.iterrows()
    }
    counts: Counter[tuple[str, str]] = Counter()
    for found in mentions.values():
        for kind, names in found.items():
            counts.update((kind, name) for name in names)
    columns = [key for key, _ in counts.most_common(top)]
    rows = []
    for _, paper in papers.iterrows():
        found = mentions[paper["docname"]]
        marks = {
            f"{name} ({kind[:-1]})": ("✓" if name in found.get(kind, []) else "")
            for kind, name in columns
        }
        if any(marks.values()):
            rows.append({"Paper": link(paper["title"], paper["docname"]), **marks})
    return pd.DataFrame(rows)


def mention_counts(papers: pd.DataFrame) -> pd.DataFrame:
    """How many papers mention each benchmark, model and system."""
    counts: Counter[tuple[str, str]] = Counter()
    for _, row in papers.iterrows():
        for kind, names in extract_entities(f"{row['title']} {row['abstract']}").items():
            counts.update((kind, name) for name in names)
    return pd.DataFrame(
        [
            {"Kind": kind, "Name": html.escape(name), "Papers": n}
            for (kind, name), n in counts.most_common()
        ],
        columns=["Kind", "Name", "Papers"],
    )


def text_map(papers: pd.DataFrame, neighbours: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2-D coordinates from TF-IDF + SVD, and each paper's nearest neighbours by cosine.

    The model is the one behind the pages' "Related papers" lists (``related``), read from the
    build's cache when the Sphinx extension has computed it for these pages.
    """
    from notes.related import cached_text_model, paper_text

    if papers.empty:
        return pd.DataFrame(columns=["x", "y", "chapter"]), pd.DataFrame()
    book = Path(papers["path"].iloc[0]).parent.parent
    texts = map(paper_text, papers["title"], papers["abstract"])
    model = cached_text_model(book, list(zip(papers["docname"], texts, strict=True)))
    position = {doc: index for index, doc in enumerate(model.docnames)}
    coords = [model.coords[position[doc]] for doc in papers["docname"]]
    points = pd.DataFrame(
        {
            "x": [x for x, _ in coords],
            "y": [y for _, y in coords],
            "chapter": papers["chapter_title"].tolist(),
        }
    )
    titles = dict(zip(papers["docname"], papers["title"], strict=True))
    rows = []
    for _, paper in papers.iterrows():
        near = model.neighbours[position[paper["docname"]]][:neighbours]
        rows.append(
            {
                "Paper": link(paper["title"], paper["docname"]),
                "Chapter": paper["chapter_title"],
                "Nearest papers": "<br>".join(
                    f"{link(titles[doc], doc)} ({score:.2f})" for doc, score in near
                ),
            }
        )
    return points, pd.DataFrame(rows)


def tag_cooccurrence(papers: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """Counts of papers carrying both tags, for the most used tags."""
    counts = Counter(tag for tags in papers["tags"] for tag in tags)
    tags = [tag for tag, _ in counts.most_common(top)]
    pairs = Counter(
        pair for tag_list in papers["tags"] for pair in combinations(sorted(set(tag_list)), 2)
    )
    matrix = pd.DataFrame(0, index=tags, columns=tags)
    for tag in tags:
        matrix.loc[tag, tag] = counts[tag]
    for (a, b), n in pairs.items():
        if a in tags and b in tags:
            matrix.loc[a, b] = matrix.loc[b, a] = n
    return matrix


def status_by_month(papers: pd.DataFrame) -> pd.DataFrame:
    """Papers per publication month (where known), by chapter."""
    dated = papers.dropna(subset=["month"])
    table = pd.crosstab(dated["month"], dated["chapter_title"])
    order = [c.title for c in CHAPTERS if c.title in table.columns]
    return table[order]


def init_tables() -> None:
    """Interactive tables with DataTables bundled into the page: nothing loads from the network."""
    from itables import init_notebook_mode

    init_notebook_mode(all_interactive=False, connected=False)


def show_table(frame: pd.DataFrame, **options: object) -> None:
    """A sortable, filterable table; cells are HTML (titles are escaped links)."""
    from itables import show

    defaults: dict[str, object] = {
        "allow_html": True,
        "maxBytes": 0,
        "showIndex": False,
        "classes": "display compact",
        "pageLength": 25,
        "text_in_header_can_be_selected": False,  # a click anywhere on a header sorts
        # Fit the page column (columns wrap) rather than grow past it and be cut off.
        "style": "table-layout:auto;width:100%;margin:auto;caption-side:bottom",
    }
    show(frame, **(defaults | options))


def figure(width: float = 7.5, height: float = 3.6):
    """A matplotlib figure on a white card, readable in the book's light and dark themes."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height))
    fig.patch.set_facecolor("white")
    ax.set_facecolor("white")
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def papers_table(papers: pd.DataFrame) -> pd.DataFrame:
    """Every paper with what a reader filters on: chapter, tags, year (status: see Progress)."""
    return pd.DataFrame(
        {
            "Paper": [link(t, d) for t, d in zip(papers["title"], papers["docname"], strict=True)],
            "Chapter": papers["chapter_title"],
            "Tags": [html.escape(", ".join(tags)) for tags in papers["tags"]],
            "Year": [str(y) if pd.notna(y) else "" for y in papers["year"]],
        }
    )

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
from notes.claims import Claim, format_value, readable
from notes.extract import extract_entities
from notes.glance import page_claims, reader_summary
from notes.schema import metric_entries

CHAPTER_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")
# The scale of a paper's own experiments, as the Scale page shows it: setting metrics.
SCALE_METRICS = ("gpus", "parameters", "active-parameters", "tokens", "context-length", "experts")
CLAIM_COLUMNS = ["Paper", "Chapter", "Metric", "Claimed", "Against", "Measured on", "Quote"]


def link(title: str, docname: str) -> str:
    """An HTML link from a notebook page (notebooks/) to a paper page."""
    return f'<a href="../{html.escape(docname)}.html">{html.escape(title)}</a>'


def _claims(papers: pd.DataFrame, *, checked: bool = True) -> list[tuple[pd.Series, Claim]]:
    """Each well-formed claim with its paper: of the pages a reader checked (``checked``), or
    of the others (suggestions). Malformed claims are skipped; ``notes check`` reports them."""
    rows = []
    for _, paper in papers.iterrows():
        if bool(paper["checked"]) != checked:
            continue
        rows.extend((paper, claim) for claim in page_claims({"claims": paper["claims"]}))
    return rows


def _claim_row(paper: pd.Series, claim: Claim) -> dict[str, str]:
    return {
        "Paper": link(paper["title"], paper["docname"]),
        "Chapter": paper["chapter_title"],
        "Metric": html.escape(claim.label + ("" if claim.kind == "result" else " (scale)")),
        "Claimed": html.escape(format_value(claim)),
        "Against": html.escape(claim.baseline or ""),
        "Measured on": html.escape(claim.setting or ""),
        "Quote": html.escape(claim.quote),
    }


def claims_table(papers: pd.DataFrame, *, checked: bool = True) -> pd.DataFrame:
    """Every claim of the checked pages (or, with ``checked=False``, the suggestions on the
    pages no reader has checked yet), with the words of the abstract it rests on."""
    return pd.DataFrame(
        [_claim_row(paper, claim) for paper, claim in _claims(papers, checked=checked)],
        columns=CLAIM_COLUMNS,
    )


def _change_word(claim: Claim) -> str:
    if claim.change is None:
        return "level"
    return "higher" if claim.change == "increase" else "lower"


def claims_by_metric(papers: pd.DataFrame) -> pd.DataFrame:
    """Checked results grouped by metric, unit and direction: one row compares like with like
    (no row mixes two metrics, two units, or rises with falls)."""
    rows = [
        (claim.label, claim.unit, _change_word(claim), paper["docname"], _top(claim))
        for paper, claim in _claims(papers)
        if claim.kind == "result"
    ]
    frame = pd.DataFrame(rows, columns=["Metric", "Unit", "Change", "paper", "value"])
    columns = ["Metric", "Unit", "Change", "Claims", "Papers", "Median", "Largest"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    summary = (
        frame.groupby(["Metric", "Unit", "Change"])
        .agg(
            Claims=("value", "count"),
            Papers=("paper", "nunique"),
            Median=("value", "median"),
            Largest=("value", "max"),
        )
        .reset_index()
        .sort_values(["Claims", "Metric"], ascending=[False, True])
    )
    return summary[columns].reset_index(drop=True)


def _top(claim: Claim) -> float:
    return claim.value_high if claim.value_high is not None else claim.value


def multipliers(papers: pd.DataFrame, *, least: int = 2) -> dict[str, pd.DataFrame]:
    """Checked multiplier results ("2.88x higher MFU"), one frame per metric and direction
    that has at least ``least`` of them: each becomes its own plot, with its own axis."""
    rows = [
        (f"{claim.label}, {_change_word(claim)}", paper["chapter_title"], _top(claim))
        for paper, claim in _claims(papers)
        if claim.kind == "result" and claim.unit == "x" and claim.value > 0
    ]
    frame = pd.DataFrame(rows, columns=["metric", "chapter", "value"])
    counts = frame["metric"].value_counts()
    return {
        metric: frame[frame["metric"] == metric].reset_index(drop=True)
        for metric in sorted(counts[counts >= least].index)
    }


def scale_table(papers: pd.DataFrame) -> pd.DataFrame:
    """Per paper, the largest scale of its own experiments (``kind: setting`` claims of the
    checked pages): GPUs, parameters, active parameters, tokens, context length, experts."""
    labels = {key: str(metric_entries()[key]["label"]) for key in SCALE_METRICS}
    rows: dict[str, dict[str, object]] = {}
    for paper, claim in _claims(papers):
        if claim.kind != "setting" or claim.metric not in SCALE_METRICS:
            continue
        row = rows.setdefault(
            paper["docname"],
            {"Paper": link(paper["title"], paper["docname"]), "Chapter": paper["chapter_title"]},
        )
        label = labels[claim.metric]
        row[label] = max(float(row.get(label) or 0), _top(claim))
    return pd.DataFrame(list(rows.values()), columns=["Paper", "Chapter", *labels.values()])


def scale_by_chapter(scale: pd.DataFrame) -> pd.DataFrame:
    """Per chapter: papers reporting each kind of scale, and the largest figure."""
    labels = [str(metric_entries()[key]["label"]) for key in SCALE_METRICS]
    rows = []
    for chapter in CHAPTERS:
        part = scale[scale["Chapter"] == chapter.title]
        row: dict[str, object] = {"Chapter": chapter.title}
        for label in labels:
            values = part[label].dropna()
            row[f"{label}: papers"] = len(values)
            row[f"{label}: largest"] = readable(values.max()) if len(values) else ""
        rows.append(row)
    return pd.DataFrame(rows)


def _by_paper(papers: pd.DataFrame, chapter: str) -> list[tuple[pd.Series, list[Claim]]]:
    """The checked pages of one chapter with their well-formed claims."""
    part = papers[(papers["chapter"] == chapter) & papers["checked"].astype(bool)]
    return [(paper, page_claims({"claims": paper["claims"]})) for _, paper in part.iterrows()]


def _largest(claims: list[Claim], metric: str) -> str:
    """The paper's largest figure for a setting metric, as written ("512 GPUs")."""
    found = [c for c in claims if c.metric == metric and c.kind == "setting"]
    return format_value(max(found, key=_top)) if found else ""


def _results(claims: list[Claim], metrics: tuple[str, ...] | None = None) -> str:
    """Result claims as "Label: value (vs baseline)", one per line."""
    return "<br>".join(
        html.escape(f"{c.label}: {format_value(c)}" + (f" vs {c.baseline}" if c.baseline else ""))
        for c in claims
        if c.kind == "result" and (metrics is None or c.metric in metrics)
    )


def _baselines(claims: list[Claim]) -> str:
    return html.escape("; ".join(dict.fromkeys(c.baseline for c in claims if c.baseline)))


def _per_claim(papers: pd.DataFrame, chapter: str, metrics: tuple[str, ...] | None) -> list[dict]:
    return [
        {
            "Paper": link(paper["title"], paper["docname"]),
            "Metric": html.escape(claim.label),
            "Claimed": html.escape(format_value(claim)),
            "Against": html.escape(claim.baseline or ""),
            "Measured on": html.escape(claim.setting or ""),
        }
        for paper, claims in _by_paper(papers, chapter)
        for claim in claims
        if claim.kind == "result" and (metrics is None or claim.metric in metrics)
    ]


def comparison(papers: pd.DataFrame, chapter: str) -> pd.DataFrame:
    """The table a researcher of the chapter's field compares papers by, from checked claims.

    Training systems: scale and efficiency; serving: each gain against its named baseline;
    scaling laws: what scales with what, over which range, and what it finds; MoE: total
    against active parameters and experts; agents: benchmark, success rate or score, baseline.
    """
    rows: list[dict] = []
    if chapter == "training-systems":
        for paper, claims in _by_paper(papers, chapter):
            rows.append(
                {
                    "Paper": link(paper["title"], paper["docname"]),
                    "GPUs": _largest(claims, "gpus"),
                    "Model size": _largest(claims, "parameters"),
                    "Efficiency": _results(claims, EFFICIENCY_METRICS),
                    "Other results": _results(
                        [c for c in claims if c.metric not in EFFICIENCY_METRICS]
                    ),
                    "Against": _baselines(claims),
                }
            )
    elif chapter == "serving":
        rows = _per_claim(papers, chapter, None)
    elif chapter == "scaling-laws":
        for paper, claims in _by_paper(papers, chapter):
            summary, _ = reader_summary({"summary": paper["summary"]}, "")
            ranges = [c for c in claims if c.kind == "setting"]
            rows.append(
                {
                    "Paper": link(paper["title"], paper["docname"]),
                    "What scales with what": html.escape(summary),
                    "Range studied": "<br>".join(
                        html.escape(f"{c.label}: {format_value(c)}") for c in ranges
                    ),
                    "What it finds": _results(claims),
                }
            )
    elif chapter == "moe":
        for paper, claims in _by_paper(papers, chapter):
            rows.append(
                {
                    "Paper": link(paper["title"], paper["docname"]),
                    "Total parameters": _largest(claims, "parameters"),
                    "Active parameters": _largest(claims, "active-parameters"),
                    "Experts": _largest(claims, "experts"),
                    "What is compared": _results(claims),
                }
            )
    elif chapter == "agents":
        rows = _per_claim(papers, chapter, ("success-rate", "accuracy"))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS[chapter])


EFFICIENCY_METRICS = ("mfu", "throughput", "speedup", "utilization")
PER_CLAIM_COLUMNS = ["Paper", "Metric", "Claimed", "Against", "Measured on"]
COMPARISON_COLUMNS = {
    "training-systems": ["Paper", "GPUs", "Model size", "Efficiency", "Other results", "Against"],
    "serving": PER_CLAIM_COLUMNS,
    "scaling-laws": ["Paper", "What scales with what", "Range studied", "What it finds"],
    "moe": ["Paper", "Total parameters", "Active parameters", "Experts", "What is compared"],
    "agents": PER_CLAIM_COLUMNS,
}


def scores_by_benchmark(papers: pd.DataFrame) -> pd.DataFrame:
    """Checked accuracy and success-rate results with what they were measured on, so scores on
    the same benchmark sit together (sorted by that setting)."""
    rows = [
        {
            "Measured on": html.escape(claim.setting or "(not stated)"),
            **{k: v for k, v in _claim_row(paper, claim).items() if k != "Measured on"},
        }
        for paper, claim in _claims(papers)
        if claim.kind == "result" and claim.metric in ("accuracy", "success-rate")
    ]
    columns = ["Measured on", "Paper", "Chapter", "Metric", "Claimed", "Against", "Quote"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("Measured on", key=lambda s: s.str.casefold()).reset_index(drop=True)


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
    """Every paper with its summary and what a reader filters on: chapter, tags, year."""
    summaries = [
        reader_summary({"summary": s, "checked": c}, a)
        for s, c, a in zip(papers["summary"], papers["checked"], papers["abstract"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Paper": [link(t, d) for t, d in zip(papers["title"], papers["docname"], strict=True)],
            "Summary": [
                html.escape(text if state == "checked" else f"({state}) {text}")
                for text, state in summaries
            ],
            "Chapter": papers["chapter_title"],
            "Tags": [html.escape(", ".join(tags)) for tags in papers["tags"]],
            "Year": [str(y) if pd.notna(y) else "" for y in papers["year"]],
        }
    )

"""How well does the chapter classifier place papers it has not seen?

Reports, on this machine and data (no timing involved):
- leave-one-out accuracy over the committed pages (train on all others, predict the one left out),
  per-chapter precision and recall, and the confusion matrix;
- accuracy on tests/fixtures/out_of_seed.csv: real 2024+ abstracts not in the seed, each with the
  chapter a careful reader chose (train on all pages, test on the fixture);
- accuracy, and agents and MoE recall, on tests/fixtures/heldout.json: real abstracts outside
  the book labelled by reading before any rule changed, never used to tune the classifier.

Run: .venv/bin/python benchmarks/classify_quality.py [--book book] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from notes.chapters import CHAPTER_SLUGS
from notes.classify import Classifier, Example
from notes.model import Paper
from notes.pages import load_pages

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "out_of_seed.csv"
HELDOUT = ROOT / "tests" / "fixtures" / "heldout.json"
RECALL_TARGETS = {"agents": 0.9, "moe": 0.9}  # on abstracts outside the book (issue 12)


def leave_one_out(examples: list[Example]) -> list[tuple[str, str, str]]:
    """(title, true chapter, predicted chapter) for each page, trained without it."""
    results = []
    for index, held_out in enumerate(examples):
        classifier = Classifier(examples[:index] + examples[index + 1 :])
        paper = Paper(held_out.title, held_out.abstract, "held-out", 0)
        results.append((held_out.title, held_out.chapter, classifier.classify(paper).chapter))
    return results


def out_of_seed(examples: list[Example], fixture: Path) -> list[tuple[str, str, str]]:
    classifier = Classifier(examples)
    with fixture.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        (
            row["title"],
            row["chapter"],
            classifier.classify(Paper(row["title"], row["abstract"], "fixture", 0)).chapter,
        )
        for row in rows
    ]


def heldout(examples: list[Example], fixture: Path) -> list[tuple[str, str, str]]:
    classifier = Classifier(examples)
    papers = json.loads(fixture.read_text(encoding="utf-8"))["papers"]
    return [
        (
            paper["title"],
            paper["chapter"],
            classifier.classify(Paper(paper["title"], paper["abstract"], "held-out", 0)).chapter,
        )
        for paper in papers
    ]


def recall(results: list[tuple[str, str, str]], chapter: str) -> float:
    wanted = [(true, predicted) for _, true, predicted in results if true == chapter]
    return sum(true == predicted for true, predicted in wanted) / len(wanted) if wanted else 1.0


def accuracy(results: list[tuple[str, str, str]]) -> float:
    return sum(true == predicted for _, true, predicted in results) / len(results)


def report(results: list[tuple[str, str, str]]) -> list[str]:
    pairs = Counter((true, predicted) for _, true, predicted in results)
    lines = ["| chapter | pages | precision | recall |", "|---|---:|---:|---:|"]
    for chapter in CHAPTER_SLUGS:
        tp = pairs[(chapter, chapter)]
        predicted = sum(n for (_, p), n in pairs.items() if p == chapter)
        actual = sum(n for (t, _), n in pairs.items() if t == chapter)
        precision = f"{tp / predicted:.2f}" if predicted else "-"
        recall = f"{tp / actual:.2f}" if actual else "-"
        lines.append(f"| {chapter} | {actual} | {precision} | {recall} |")
    lines += ["", "Confusion matrix (rows: chapter of the page, columns: suggestion):", ""]
    lines.append("| | " + " | ".join(CHAPTER_SLUGS) + " |")
    lines.append("|---|" + "---:|" * len(CHAPTER_SLUGS))
    for true in CHAPTER_SLUGS:
        lines.append(
            f"| {true} | " + " | ".join(str(pairs[(true, p)]) for p in CHAPTER_SLUGS) + " |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--book", type=Path, default=ROOT / "book")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args()

    examples = [Example(p.title, p.abstract, p.chapter) for p in load_pages(args.book)]
    loo = leave_one_out(examples)
    fixture = out_of_seed(examples, FIXTURE)
    held = heldout(examples, HELDOUT)
    targets = ", ".join(
        f"{chapter} recall **{recall(held, chapter):.0%}** (target {goal:.0%})"
        for chapter, goal in RECALL_TARGETS.items()
    )
    lines = [
        "# Classifier quality",
        "",
        f"Leave-one-out over {len(loo)} committed pages: **{accuracy(loo):.1%}** accuracy.",
        f"Out-of-seed fixture ({len(fixture)} abstracts, trained on all pages): "
        f"**{accuracy(fixture):.1%}** accuracy.",
        f"Held-out fixture ({len(held)} abstracts outside the book, never tuned on): "
        f"**{accuracy(held):.1%}** accuracy; {targets}.",
        "",
        "## Leave-one-out",
        "",
        *report(loo),
        "",
        "## Misplaced in leave-one-out",
        "",
        *[
            f"- {title}: page in {true}, suggested {pred}"
            for title, true, pred in loo
            if true != pred
        ],
        "",
        "## Held-out fixture",
        "",
        *report(held),
        "",
        *[
            f"- {title}: chosen {true}, suggested {pred}"
            for title, true, pred in held
            if true != pred
        ],
        "",
        "## Out-of-seed fixture",
        "",
        *report(fixture),
        "",
        *[
            f"- {title}: chosen {true}, suggested {pred}"
            for title, true, pred in fixture
            if true != pred
        ],
    ]
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

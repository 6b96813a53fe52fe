"""How well does claim extraction match a careful reader, on papers it was tuned on and not?

Two sets, reported side by side:

- development: every page of the book a reader checked (``checked: true``); the rules were
  refined on these abstracts;
- held-out: ``tests/fixtures/heldout.json``, real abstracts outside the book, labelled by
  reading before any rule was changed and never used to tune the rules.

A predicted claim matches a labelled one of the same paper when the unit is the same and the
value (and the high end of a range) agree within 0.5%; each labelled claim matches once.
Reported: precision and recall of value and unit; of the matched claims, the metric key right
and, where the label names a baseline, a baseline named that shares a word with it; unit
confusions (a labelled value extracted with another unit, e.g. GB read as GPUs).

Run: .venv/bin/python benchmarks/extract_quality.py [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notes.extract import extract_claims
from notes.pages import load_pages

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
HELDOUT = ROOT / "tests" / "fixtures" / "heldout.json"
TOLERANCE = 0.005
TARGETS = {  # held-out targets of the issue that asked for this report
    "precision": 0.85,
    "recall": 0.85,
    "baseline": 0.70,
    "metric": 0.80,
}


@dataclass
class Case:
    title: str
    abstract: str
    claims: list[dict[str, Any]]


@dataclass
class Score:
    papers: int = 0
    predicted: int = 0
    expected: int = 0
    matched: int = 0
    metric_right: int = 0
    with_baseline: int = 0
    baseline_named: int = 0
    confusions: int = 0
    notes: list[str] = field(default_factory=list)

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def precision(self) -> float:
        return self.rate(self.matched, self.predicted)

    @property
    def recall(self) -> float:
        return self.rate(self.matched, self.expected)

    @property
    def metric(self) -> float:
        return self.rate(self.metric_right, self.matched)

    @property
    def baseline(self) -> float:
        return self.rate(self.baseline_named, self.with_baseline)


def development_cases(book: Path = BOOK) -> list[Case]:
    return [
        Case(page.title, page.abstract, list(page.data.get("claims") or []))
        for page in load_pages(book)
        if page.data.get("checked") is True
    ]


def heldout_cases(path: Path = HELDOUT) -> list[Case]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Case(p["title"], p["abstract"], list(p["claims"])) for p in data["papers"]]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE * max(abs(a), 1e-9)


def _same(label: dict[str, Any], claim: Any) -> bool:
    return (
        label["unit"] == claim.unit
        and _close(float(label["value"]), claim.value)
        and _close(label.get("value_high"), getattr(claim, "value_high", None))
    )


WORD = re.compile(r"[A-Za-z0-9][\w.+-]*")


def _names_baseline(label: str, predicted: str | None) -> bool:
    """The prediction names the labelled baseline: they share a word that is not filler."""
    if not predicted:
        return False
    filler = {"and", "the", "of", "with", "on", "a", "an", "to", "in"}
    words = {w.lower() for w in WORD.findall(label)} - filler
    return bool(words & {w.lower() for w in WORD.findall(predicted)})


def evaluate(cases: list[Case]) -> Score:
    score = Score(papers=len(cases))
    for case in cases:
        predicted = extract_claims(case.abstract, case.title)
        score.predicted += len(predicted)
        score.expected += len(case.claims)
        unmatched = list(case.claims)
        title = case.title[:60]
        for claim in predicted:
            label = next((e for e in unmatched if _same(e, claim)), None)
            if label is None:
                if any(_close(float(e["value"]), claim.value) for e in case.claims):
                    score.confusions += 1
                    score.notes.append(
                        f"- {title}: unit confusion {claim.value:g} {claim.unit} ({claim.quote!r})"
                    )
                else:
                    score.notes.append(
                        f"- {title}: extra {claim.value:g} {claim.unit} ({claim.quote!r})"
                    )
                continue
            unmatched.remove(label)
            score.matched += 1
            if label["metric"] == claim.metric:
                score.metric_right += 1
            else:
                score.notes.append(
                    f"- {title}: metric {claim.metric!r} for {label['metric']!r} "
                    f"({label['quote']!r})"
                )
            if label.get("baseline"):
                score.with_baseline += 1
                if _names_baseline(label["baseline"], claim.baseline):
                    score.baseline_named += 1
                else:
                    score.notes.append(
                        f"- {title}: baseline {claim.baseline!r} for {label['baseline']!r}"
                    )
        for miss in unmatched:
            score.notes.append(
                f"- {title}: missed {miss['value']:g} {miss['unit']} ({miss['quote']!r})"
            )
    return score


def report(development: Score, heldout: Score) -> str:
    def row(name: str, dev: float, held: float, target: float | None) -> str:
        goal = f"≥ {target:.0%}" if target is not None else ""
        met = "" if target is None else ("met" if held >= target else "**not met**")
        return f"| {name} | {dev:.1%} | {held:.1%} | {held - dev:+.1%} | {goal} {met} |"

    lines = [
        "# Claim extraction quality",
        "",
        "Development: the book's checked pages, which the rules were refined on. "
        f"Held-out: `{HELDOUT.relative_to(ROOT)}`, abstracts outside the book labelled by "
        "reading before any rule changed, never used to tune. The gap is the honest measure.",
        "",
        "| | development | held-out | gap | held-out target |",
        "|---|---|---|---|---|",
        f"| papers | {development.papers} | {heldout.papers} | | |",
        f"| labelled claims | {development.expected} | {heldout.expected} | | |",
        f"| extracted claims | {development.predicted} | {heldout.predicted} | | |",
        row(
            "precision (value and unit)",
            development.precision,
            heldout.precision,
            TARGETS["precision"],
        ),
        row("recall (value and unit)", development.recall, heldout.recall, TARGETS["recall"]),
        row("metric key right (of matched)", development.metric, heldout.metric, TARGETS["metric"]),
        row(
            "baseline named (of matched with one)",
            development.baseline,
            heldout.baseline,
            TARGETS["baseline"],
        ),
        f"| unit confusions | {development.confusions} | {heldout.confusions} | | 0 "
        f"{'met' if heldout.confusions == 0 else '**not met**'} |",
        "",
        "## Held-out differences",
        "",
        *heldout.notes,
        "",
        "## Development differences",
        "",
        *development.notes,
    ]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    text = report(evaluate(development_cases()), evaluate(heldout_cases()))
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

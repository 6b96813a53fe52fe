"""How well does claim extraction match a careful reader?

Compares `notes.extract.extract_claims` with tests/fixtures/claims.json (30 seed abstracts whose
headline claims were written by reading them). A predicted claim matches an expected one of the
same paper when the unit is the same and the values agree within 0.5%; each expected claim
matches once. Reports micro precision and recall, and the misses and extras by paper.

Run: .venv/bin/python benchmarks/extract_quality.py [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from notes.extract import Claim, extract_claims
from notes.listing import normalise_title, parse_listing

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "claims.json"
SEED = ROOT / "data" / "hf-trending-scalability.txt"
TOLERANCE = 0.005


def same(expected: dict, predicted: Claim) -> bool:
    if expected["unit"] != predicted.unit:
        return False
    value = float(expected["value"])
    return abs(value - predicted.value) <= TOLERANCE * max(abs(value), 1e-9)


def evaluate() -> tuple[int, int, int, list[str]]:
    """(true positives, predicted, expected, lines describing every difference)."""
    papers = {normalise_title(p.title): p for p in parse_listing(SEED)}
    cases = json.loads(FIXTURE.read_text(encoding="utf-8"))
    hits = predicted_total = expected_total = 0
    notes: list[str] = []
    for case in cases:
        paper = papers[normalise_title(case["title"])]
        predicted = extract_claims(paper.abstract, paper.title)
        expected = list(case["claims"])
        predicted_total += len(predicted)
        expected_total += len(expected)
        unmatched = list(expected)
        extras = []
        for claim in predicted:
            match = next((e for e in unmatched if same(e, claim)), None)
            if match is None:
                extras.append(claim)
            else:
                unmatched.remove(match)
                hits += 1
        title = case["title"][:60]
        for miss in unmatched:
            notes.append(f"- {title}: missed {miss['value']:g} {miss['unit']} ({miss['quote']!r})")
        for extra in extras:
            notes.append(f"- {title}: extra {extra.value:g} {extra.unit} ({extra.quote!r})")
    return hits, predicted_total, expected_total, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    hits, predicted, expected, notes = evaluate()
    precision = hits / predicted if predicted else 1.0
    recall = hits / expected if expected else 1.0
    lines = [
        "# Claim extraction quality",
        "",
        f"Against {FIXTURE.relative_to(ROOT)}: {expected} expected claims, {predicted} extracted, "
        f"{hits} matched.",
        "",
        f"- precision: **{precision:.1%}**",
        f"- recall: **{recall:.1%}**",
        "",
        "## Differences",
        "",
        *notes,
    ]
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

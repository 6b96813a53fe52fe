"""The first keyword classifier: deterministic, explainable, MoE first, `other` as fallback."""

from __future__ import annotations

from notes.classify import classify
from notes.listing import parse_listing
from notes.model import Paper

from .conftest import SEED


def _paper(title: str, abstract: str) -> Paper:
    return Paper(title=title, abstract=abstract, source="t.txt", line=1)


def test_deterministic_and_explained() -> None:
    for paper in parse_listing(SEED)[:20]:
        first, second = classify(paper), classify(paper)
        assert first == second
        assert first.reasons and first.runner_up and first.runner_up != first.chapter


def test_moe_first_rule_beats_serving() -> None:
    paper = _paper(
        "Fast MoE Serving on Edge Devices",
        "We serve mixture-of-experts models with low latency and a KV cache for inference.",
    )
    suggestion = classify(paper)
    assert suggestion.chapter == "moe"
    assert "MoE-first" in suggestion.reasons[0]


def test_clearly_unrelated_abstracts_fall_back_to_other() -> None:
    for title, abstract in [
        ("Fair Ranking", "We study fairness constraints for ranking with fair exposure."),
        ("Lane Keeping", "Autonomous driving with camera input in urban driving scenes."),
        ("Bird Species", "A study of plumage colour in songbirds."),
    ]:
        assert classify(_paper(title, abstract)).chapter == "other"


def test_agrees_with_most_curated_pages() -> None:
    """A floor, not a target: the curated folders are the truth, the classifier a suggestion."""
    from notes.catalog import load
    from notes.listing import normalise_title

    curated = {
        normalise_title(t): c for t, c in zip(load()["title"], load()["chapter"], strict=True)
    }
    papers = parse_listing(SEED)
    agree = sum(classify(p).chapter == curated[normalise_title(p.title)] for p in papers)
    assert agree / len(papers) >= 0.75

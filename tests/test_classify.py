"""The chapter classifier: deterministic, explained, MoE first, `other` for unrelated work."""

from __future__ import annotations

import csv
import importlib.util
import sys

import pytest

from notes.classify import Classifier, classify
from notes.cli import main
from notes.listing import parse_listing
from notes.model import Paper
from notes.pages import load_pages

from .conftest import BOOK, ROOT, SEED, TESTS


@pytest.fixture(scope="module")
def trained() -> Classifier:
    return Classifier.from_book(BOOK)


def _paper(title: str, abstract: str) -> Paper:
    return Paper(title=title, abstract=abstract, source="t.txt", line=1)


def test_deterministic_and_explained(trained: Classifier) -> None:
    for paper in parse_listing(SEED)[:20]:
        first, second = trained.classify(paper), trained.classify(paper)
        assert first == second
        assert first.reasons and first.runner_up and first.runner_up != first.chapter
        assert 0 < first.score <= 1 and first.runner_up_score <= first.score
    assert Classifier.from_book(BOOK).classify(paper) == trained.classify(paper)


def test_moe_first_rule_beats_serving(trained: Classifier) -> None:
    paper = _paper(
        "Fast MoE Serving on Edge Devices",
        "We serve mixture-of-experts models with low latency and a KV cache for inference.",
    )
    for classifier in (trained, Classifier()):
        suggestion = classifier.classify(paper)
        assert suggestion.chapter == "moe"
        assert "MoE-first" in suggestion.reasons[0]
        assert suggestion.runner_up == "serving"


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        (
            "Fair Ranking at Scale",
            "We study fairness constraints for ranking with fair exposure "
            "of groups, and give an algorithm with provable group fairness guarantees.",
        ),
        (
            "End-to-End Lane Keeping",
            "Autonomous driving from camera input in urban driving "
            "scenes: our planner reduces collisions in closed-loop driving benchmarks.",
        ),
        (
            "Semantic Segmentation of Satellite Images",
            "We propose a vision transformer for "
            "segmenting land use in satellite images, improving mIoU on three image datasets.",
        ),
    ],
    ids=["fairness", "driving", "vision"],
)
def test_clearly_unrelated_abstracts_go_to_other(
    trained: Classifier, title: str, abstract: str
) -> None:
    assert trained.classify(_paper(title, abstract)).chapter == "other"


def test_cold_start_uses_the_keyword_prior() -> None:
    suggestion = classify(
        _paper("Prefill-Decode Disaggregation", "A serving system for LLM inference.")
    )
    assert suggestion.chapter == "serving"
    assert any(reason.startswith("keywords:") for reason in suggestion.reasons)


def test_a_paper_with_no_evidence_falls_back_to_other_and_says_so(trained: Classifier) -> None:
    suggestion = trained.classify(_paper("On Birds", "Songbirds sing at dawn in spring."))
    assert suggestion.chapter == "other"
    assert any("no keyword" in reason for reason in suggestion.reasons)


def test_an_ambiguous_paper_is_flagged_low_confidence(trained: Classifier) -> None:
    suggestion = trained.classify(
        _paper(
            "A Study of Systems",
            "We study systems for large models on GPUs: latency, training throughput, agents.",
        )
    )
    assert suggestion.low_confidence


def test_out_of_seed_fixture_is_placed_well(trained: Classifier) -> None:
    with (TESTS / "fixtures" / "out_of_seed.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 24 and {r["chapter"] for r in rows} == {
        "training-systems",
        "serving",
        "scaling-laws",
        "moe",
        "agents",
        "other",
    }
    right = sum(
        trained.classify(_paper(r["title"], r["abstract"])).chapter == r["chapter"] for r in rows
    )
    assert right / len(rows) >= 0.9


@pytest.mark.slow
def test_leave_one_out_accuracy_floor() -> None:
    """A regression floor (the benchmark reports the figure): unseen pages mostly land right."""
    spec = importlib.util.spec_from_file_location(
        "bench", ROOT / "benchmarks" / "classify_quality.py"
    )
    bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench"] = bench
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    pages = load_pages(BOOK)
    examples = [bench.Example(p.title, p.abstract, p.chapter) for p in pages]
    assert bench.accuracy(bench.leave_one_out(examples)) >= 0.85


def test_classify_table_explains_each_suggestion(capsys) -> None:
    assert main(["classify", str(SEED), "--book", str(BOOK)]) == 0
    out = capsys.readouterr().out
    assert out.count("runner-up") == len(parse_listing(SEED))
    assert "model:" in out and "keywords:" in out

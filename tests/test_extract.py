"""Extraction: claims against the hand-checked fixture, quotes exact, roles, names, tags."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from notes.cli import main
from notes.extract import (
    Claim,
    extract,
    extract_claims,
    extract_entities,
    format_value,
    sentence_roles,
    split_sentences,
    suggest_tags,
)
from notes.listing import parse_listing
from notes.schema import tag_vocabulary

from .conftest import ROOT, SEED

PAPERS = parse_listing(SEED)


def _paper(prefix: str):
    return next(p for p in PAPERS if p.title.startswith(prefix))


def _bench():
    spec = importlib.util.spec_from_file_location(
        "extract_bench", ROOT / "benchmarks" / "extract_quality.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["extract_bench"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_precision_and_recall_against_the_hand_checked_fixture() -> None:
    hits, predicted, expected = _bench().evaluate()[:3]
    assert expected >= 60
    assert hits / predicted >= 0.9
    assert hits / expected >= 0.9


def test_fixture_quotes_are_in_their_abstracts() -> None:
    abstracts = {p.title: p.abstract for p in PAPERS}
    cases = json.loads((ROOT / "tests" / "fixtures" / "claims.json").read_text(encoding="utf-8"))
    assert len(cases) >= 30
    for case in cases:
        for claim in case["claims"]:
            assert claim["quote"] in abstracts[case["title"]]


def test_every_extracted_quote_is_an_exact_substring() -> None:
    for paper in PAPERS:
        for claim in extract_claims(paper.abstract, paper.title):
            assert claim.quote and claim.quote in paper.abstract, (paper.title, claim)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("LoongTrain", [("mfu", 2.88, "x", "up to")]),
        (
            "MegaScale",
            [
                ("gpus", 10000, "GPUs", "over"),
                ("mfu", 55.2, "%", None),
                ("parameters", 175e9, "parameters", None),
                ("gpus", 12288, "GPUs", None),
                ("mfu", 1.34, "x", None),
            ],
        ),
        ("DistServe", [("requests", 4.48, "x", None), ("slo", 10.2, "x", None)]),
    ],
)
def test_headline_claims_of_well_known_papers(prefix: str, expected: list[tuple]) -> None:
    paper = _paper(prefix)
    got = [
        (c.metric, c.value, c.unit, c.qualifier)
        for c in extract_claims(paper.abstract, paper.title)
    ]
    for claim in expected:
        assert claim in got


def test_baseline_and_magnitudes() -> None:
    megascale = extract_claims(_paper("MegaScale").abstract)
    assert next(c for c in megascale if c.unit == "x").baseline == "Megatron-LM"
    claims = extract_claims(
        "We present X. X trains a 7B model on a trillion tokens with 2048K context, "
        "two orders of magnitude cheaper, improving accuracy from 9.5% to 82.8%."
    )
    values = {(c.value, c.unit, c.qualifier) for c in claims}
    assert (7e9, "parameters", None) in values
    assert (1e12, "tokens", None) in values
    assert (2048000.0, "context tokens", None) in values
    assert (2, "orders of magnitude", None) in values
    assert (82.8, "%", "range 9.5-82.8") in values


def test_background_numbers_and_years_are_not_claims() -> None:
    abstract = (
        "The number of MCP servers has surpassed 10,000 in 2024. Existing systems grew 1000x. "
        "We propose Y, evaluated across 12 LLMs. Y is 3x faster than Z."
    )
    claims = extract_claims(abstract)
    assert [(c.value, c.unit, c.baseline) for c in claims] == [(3.0, "x", "Z")]


def test_sentence_roles() -> None:
    roles = [role for role, _ in sentence_roles(_paper("LoongTrain").abstract, "LoongTrain: x")]
    assert roles[1] == "problem"  # "... existing methods suffer from scalability ..."
    assert roles[2] == "approach"  # "We propose LoongTrain ..."
    assert roles[-1] == "result"  # "Experiment results show ..."
    assert all(role in ("context", "problem", "approach", "result") for role in roles)


def test_sentences_are_exact_substrings_and_keep_abbreviations() -> None:
    text = "We compare with e.g. vLLM and Orca, i.e. two systems. It is 2x faster. Done."
    sentences = split_sentences(text)
    assert sentences == [
        "We compare with e.g. vLLM and Orca, i.e. two systems.",
        "It is 2x faster.",
        "Done.",
    ]


def test_entities_and_tags() -> None:
    loong = _paper("LoongTrain")
    names = extract_entities(loong.abstract)
    assert names["systems"] == ["ZeRO", "DeepSpeed-Ulysses", "Megatron Context Parallelism"]
    tags = suggest_tags(loong.title, loong.abstract)
    assert "long-context" in tags and "parallelism" in tags
    assert set(tags) <= set(tag_vocabulary())
    assert extract(loong.title, loong.abstract).code is None
    assert extract("T", "See https://github.com/a/b.").code == "https://github.com/a/b"


def test_format_value() -> None:
    assert format_value(Claim("mfu", 2.88, "x", "up to", None, "q")) == "up to 2.88x"
    assert format_value(Claim("gpus", 12288, "GPUs", None, None, "q")) == "12,288 GPUs"
    assert format_value(Claim("p", 175e9, "parameters", None, None, "q")) == "175B parameters"
    assert format_value(Claim("a", 82.8, "%", "range 9.5-82.8", None, "q")) == "9.5% to 82.8%"


def test_extract_cli_json(capsys) -> None:
    assert main(["extract", str(SEED), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 119
    for row in rows:
        assert {"title", "claims", "entities", "tags", "roles", "code"} <= set(row)
        for claim in row["claims"]:
            assert set(claim) == {"metric", "value", "unit", "qualifier", "baseline", "quote"}
            assert isinstance(claim["value"], float)

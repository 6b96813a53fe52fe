"""Suggest a chapter for a paper from keyword evidence, explaining every suggestion.

A first, deliberately transparent classifier: weighted phrases per chapter, title hits count
more than abstract hits, and the design's MoE-first rule. The importer only *suggests*; the
folder a page lives in is the final word.
"""

from __future__ import annotations

import re
from functools import cache

from notes.chapters import CHAPTER_SLUGS, FALLBACK_CHAPTER
from notes.model import Paper, Suggestion

TITLE_WEIGHT = 3.0
MAX_HITS_PER_PHRASE = 3
MIN_SCORE = 2.0  # below this nothing is convincing and the paper goes to the fallback chapter

KEYWORDS: dict[str, dict[str, float]] = {
    "training-systems": {
        "distributed training": 3,
        "training system": 3,
        "parallelism": 2,
        "pipeline parallel": 3,
        "tensor parallel": 3,
        "data parallel": 2,
        "sequence parallel": 3,
        "context parallel": 3,
        "zero": 1,
        "fsdp": 3,
        "megatron": 2,
        "deepspeed": 2,
        "gpu memory": 2,
        "checkpointing": 2,
        "fault tolerance": 3,
        "fault-tolerant": 3,
        "communication": 1,
        "gradient": 1,
        "optimizer": 1.5,
        "fine-tuning": 1.5,
        "parameter-efficient": 3,
        "training throughput": 3,
        "mfu": 3,
        "pre-training": 1,
        "training": 0.5,
        "accelerators": 1,
        "gpus": 1,
        "training framework": 3,
        "low-communication": 3,
        "rollout": 1,
    },
    "serving": {
        "serving": 3,
        "inference": 2,
        "kv cache": 3,
        "kv-cache": 3,
        "latency": 1.5,
        "throughput": 1,
        "scheduling": 1.5,
        "scheduler": 1.5,
        "prefill": 3,
        "decoding": 1.5,
        "goodput": 3,
        "edge": 1.5,
        "on-device": 3,
        "mobile": 2,
        "quantization": 2,
        "compression": 1.5,
        "routing": 1,
        "router": 1,
        "energy": 1.5,
        "autoscaling": 2,
        "caching": 1.5,
        "deployment": 1.5,
        "requests": 1.5,
        "slo": 2,
    },
    "scaling-laws": {
        "scaling law": 4,
        "scaling laws": 4,
        "power law": 3,
        "power-law": 3,
        "compute-optimal": 3,
        "compute optimal": 3,
        "scales predictably": 4,
        "extrapolate": 2,
        "batch size": 1.5,
        "learning rate": 1,
        "hyperparameter": 1,
        "test-time scaling": 2,
        "test-time compute": 2,
        "data-constrained": 2,
        "predict": 1,
    },
    "moe": {
        "mixture of experts": 4,
        "mixture-of-experts": 4,
        "moe": 4,
        "experts": 2,
        "expert": 1,
        "routed": 1.5,
        "sparse models": 1.5,
        "gating": 1.5,
    },
    "agents": {
        "agent": 3,
        "agents": 3,
        "agentic": 3,
        "multi-agent": 2,
        "tool use": 3,
        "tools": 1,
        "mcp": 3,
        "swe-bench": 3,
        "web navigation": 3,
        "autonomous agents": 3,
        "text-to-sql": 2,
        "orchestrat": 1,
        "benchmark": 0.5,
    },
    "other": {
        "fairness": 3,
        "fair": 2,
        "security": 2,
        "malware": 3,
        "driving": 3,
        "graph": 2,
        "recommendation": 3,
        "recommender": 3,
        "vision": 1.5,
        "image": 1.5,
        "federated": 3,
        "reinforcement learning": 1,
        "robot": 2,
        "medical": 2,
        "molecular": 2,
        "chemical": 2,
        "earth science": 3,
        "spiking": 3,
        "photonic": 3,
        "quantum": 2,
        "privacy": 2,
    },
}
MOE_MENTION = re.compile(r"\bmoe\b|mixture[- ]of[- ]experts?", re.IGNORECASE)
MOE_MIN_ABSTRACT_MENTIONS = 3


def classify(paper: Paper) -> Suggestion:
    """Score every chapter and return the best, with the phrases that decided it."""
    title = paper.title.casefold()
    abstract = paper.abstract.casefold()
    scores: dict[str, float] = {}
    evidence: dict[str, list[tuple[float, str]]] = {}
    for chapter in CHAPTER_SLUGS:
        total = 0.0
        found: list[tuple[float, str]] = []
        for phrase, weight in KEYWORDS[chapter].items():
            pattern = _phrase_pattern(phrase)
            in_title = len(pattern.findall(title))
            in_abstract = min(len(pattern.findall(abstract)), MAX_HITS_PER_PHRASE)
            points = weight * (TITLE_WEIGHT * min(in_title, 1) + in_abstract)
            if points:
                total += points
                where = "title" if in_title else f"abstract x{in_abstract}"
                found.append((points, f"'{phrase}' ({where})"))
        scores[chapter] = round(total, 2)
        evidence[chapter] = sorted(found, reverse=True)

    ranked = sorted(CHAPTER_SLUGS, key=lambda c: (-scores[c], CHAPTER_SLUGS.index(c)))
    best, runner_up = ranked[0], ranked[1]
    moe_rule = _moe_first(paper)
    if moe_rule:
        best = "moe"
        runner_up = next(c for c in ranked if c != "moe")
        reasons = (moe_rule, *(text for _, text in evidence["moe"][:3]))
    elif scores[best] < MIN_SCORE:
        best = FALLBACK_CHAPTER
        runner_up = ranked[0] if ranked[0] != FALLBACK_CHAPTER else ranked[1]
        reasons = (f"no chapter scored {MIN_SCORE} or more: falls back to '{FALLBACK_CHAPTER}'",)
    else:
        reasons = tuple(text for _, text in evidence[best][:4])
    return Suggestion(
        chapter=best,
        score=scores[best],
        reasons=reasons,
        runner_up=runner_up,
        runner_up_score=scores[runner_up],
        scores=scores,
    )


def _moe_first(paper: Paper) -> str | None:
    """MoE wins over the other chapters when it is the paper's central subject."""
    if MOE_MENTION.search(paper.title):
        return "MoE-first rule: the title names mixture of experts"
    mentions = len(MOE_MENTION.findall(paper.abstract))
    if mentions >= MOE_MIN_ABSTRACT_MENTIONS:
        return f"MoE-first rule: the abstract names mixture of experts {mentions} times"
    return None


@cache
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    # A phrase may be a word stem ("orchestrat"); whole words otherwise.
    tail = r"\w*" if phrase.endswith("at") else r"\b"
    return re.compile(r"\b" + re.escape(phrase) + tail)

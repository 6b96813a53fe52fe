"""The book's chapters, defined once for the importer, checker, catalogue and notebooks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    description: str


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        "training-systems",
        "Training systems",
        "Training at scale: parallelism, distributed training, memory optimisation for training, "
        "fault tolerance, optimisers whose point is memory or throughput, efficient fine-tuning, "
        "training frameworks.",
    ),
    Chapter(
        "serving",
        "Serving",
        "Inference and serving systems, schedulers, KV cache, inference efficiency, on-device and "
        "edge deployment, compression for deployment, routing among LLMs, inference energy.",
    ),
    Chapter(
        "scaling-laws",
        "Scaling laws",
        "Empirical or theoretical laws of how quality scales with parameters, data, compute, "
        "hyper-parameters or test-time compute.",
    ),
    Chapter(
        "moe",
        "Mixture of experts",
        "Papers whose central subject is mixture of experts: architecture, MoE scaling laws, "
        "MoE serving. MoE wins over the other chapters.",
    ),
    Chapter(
        "agents",
        "Agents",
        "LLM agents, agentic systems, tool use (MCP), agent benchmarks, LLM multi-agent systems, "
        "agent infrastructure.",
    ),
    Chapter(
        "other",
        "Other papers on scale",
        "Everything else in the listings: fairness, security, driving, graphs, recommendation, "
        "vision, federated learning, classic RL and more.",
    ),
)

CHAPTER_BY_SLUG: dict[str, Chapter] = {chapter.slug: chapter for chapter in CHAPTERS}
CHAPTER_SLUGS: tuple[str, ...] = tuple(CHAPTER_BY_SLUG)
FALLBACK_CHAPTER = "other"

"""Suggest a chapter for a paper, with the evidence a human needs to check the suggestion.

Three parts, each explainable:

- a linear model over TF-IDF of title and abstract, trained on the book's own pages (the folder
  a page lives in is its label), so suggestions improve as the book grows, without code changes;
- a keyword prior (weighted phrases per chapter) that carries a cold start and is blended with
  the model in proportion to how little training data there is;
- the design's MoE-first rule: a paper centred on mixture of experts goes to ``moe``.

The importer only *suggests*; the folder a page lives in is the final word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from notes.chapters import CHAPTER_SLUGS, FALLBACK_CHAPTER
from notes.model import Paper, Suggestion
from notes.pages import Page, load_pages

TITLE_WEIGHT = 3.0
MAX_HITS_PER_PHRASE = 3
MIN_SCORE = 2.0  # below this no keyword is convincing and the prior leans to the fallback
FALLBACK_PRIOR = 0.6  # the prior's weight on the fallback chapter when no keyword convinces
PRIOR_STRENGTH = 40  # the prior counts as this many pages: model weight = n / (n + strength)
TOP_TERMS = 4

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
        "distributed framework": 3,
        "cluster": 1,
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
        "test-time scaling": 1,
        "test-time compute": 1,
        "data-constrained": 2,
        "predict": 1,
        "emergent abilities": 4,
        "scaling behavior": 3,
        "scaling behaviour": 3,
        "scaling properties": 3,
        "predictable": 2,
        "compute budget": 2,
        "sigmoidal": 2,
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
        "language agents": 4,
        "llm agents": 4,
        "llm-based agents": 4,
        "embodied": 3,
        "reasoning and acting": 4,
        "tool calls": 3,
        "tool calling": 3,
        "api calls": 3,
        "apis": 2,
        "interactive": 1.5,
        "decision making": 1.5,
        "web environment": 3,
        "websites": 2,
        "github issues": 3,
        "software engineering": 2,
        "planning": 1,
        "deliberate": 1.5,
        "simulacra": 3,
        "collaborative": 1,
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
# "Routed" language models and sparse expert models are the same subject under older names.
MOE_MENTION = re.compile(
    r"\bmoe\b|mixture[- ]of[- ]experts?|\brouted (language )?models?\b|sparse experts?",
    re.IGNORECASE,
)
MOE_MIN_ABSTRACT_MENTIONS = 3


@dataclass(frozen=True)
class Example:
    """One labelled text: what the model learns from a page."""

    title: str
    abstract: str
    chapter: str


def paper_text(title: str, abstract: str) -> str:
    # The title twice: it is the densest statement of what a paper is about.
    return f"{title}. {title}. {abstract}"


class ChapterModel:
    """TF-IDF + logistic regression; imported lazily so the CLI starts fast without it."""

    def __init__(self, examples: list[Example]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, min_df=1, stop_words="english"
        )
        matrix = self.vectorizer.fit_transform(paper_text(e.title, e.abstract) for e in examples)
        # newton-cg: the same optimum as lbfgs here, an order of magnitude faster on this data.
        self.model = LogisticRegression(
            C=20.0, solver="newton-cg", max_iter=1000, class_weight="balanced"
        )
        self.model.fit(matrix, [e.chapter for e in examples])
        self.terms = self.vectorizer.get_feature_names_out()
        self.size = len(examples)

    def probabilities(self, paper: Paper) -> tuple[dict[str, float], object]:
        row = self.vectorizer.transform([paper_text(paper.title, paper.abstract)])
        probs = self.model.predict_proba(row)[0]
        by_chapter = dict.fromkeys(CHAPTER_SLUGS, 0.0)
        by_chapter.update(zip(self.model.classes_, (float(p) for p in probs), strict=True))
        return by_chapter, row

    def top_terms(self, row: object, chapter: str, count: int = TOP_TERMS) -> list[str]:
        """The words of this paper that pushed hardest towards ``chapter``."""
        classes = list(self.model.classes_)
        if chapter not in classes:
            return []
        weights = self.model.coef_[classes.index(chapter)]
        row = row.tocoo()  # type: ignore[attr-defined]
        pushes = sorted(
            (
                (value * weights[col], self.terms[col])
                for col, value in zip(row.col, row.data, strict=True)
            ),
            reverse=True,
        )
        return [term for push, term in pushes[:count] if push > 0]


class Classifier:
    """The blend of model, keyword prior and MoE-first rule."""

    def __init__(self, examples: Iterable[Example] = ()) -> None:
        examples = list(examples)
        chapters = {e.chapter for e in examples}
        self.model = ChapterModel(examples) if len(chapters) >= 2 else None

    @classmethod
    def from_pages(cls, pages: Iterable[Page]) -> Classifier:
        return cls(Example(p.title, p.abstract, p.chapter) for p in pages if p.abstract)

    @classmethod
    def from_book(cls, book: Path) -> Classifier:
        return cls.from_pages(load_pages(book))

    @property
    def model_weight(self) -> float:
        if self.model is None:
            return 0.0
        return self.model.size / (self.model.size + PRIOR_STRENGTH)

    def classify(self, paper: Paper) -> Suggestion:
        scores, evidence = keyword_scores(paper)
        prior = keyword_prior(scores)
        weight = self.model_weight
        learned, row = self.model.probabilities(paper) if self.model else (prior, None)
        blended = {c: weight * learned[c] + (1 - weight) * prior[c] for c in CHAPTER_SLUGS}

        ranked = sorted(CHAPTER_SLUGS, key=lambda c: (-blended[c], CHAPTER_SLUGS.index(c)))
        best = ranked[0]
        reasons: list[str] = []
        rule = moe_first(paper)
        if rule:
            best = "moe"
            reasons.append(rule)
        runner_up = next(c for c in ranked if c != best)
        if self.model and row is not None:
            terms = self.model.top_terms(row, best)
            if terms:
                reasons.append("model: " + ", ".join(terms))
        if evidence[best]:
            reasons.append("keywords: " + ", ".join(text for _, text in evidence[best][:3]))
        elif max(scores.values()) < MIN_SCORE:
            reasons.append(f"no keyword of any chapter scored {MIN_SCORE} or more")
        confidence = 1.0 if rule else blended[best]
        return Suggestion(
            chapter=best,
            score=round(confidence, 3),
            reasons=tuple(reasons),
            runner_up=runner_up,
            runner_up_score=round(blended[runner_up], 3),
            scores={c: round(v, 3) for c, v in blended.items()},
        )


def out_of_fold(pages: list[Page], folds: int = 5) -> dict[Path, Suggestion]:
    """Each page's suggestion from a classifier that never saw it (deterministic k-fold).

    A classifier trained on a page agrees with that page's folder too easily; checking a
    placement needs the page held out, and k folds cost k fits instead of one per page.
    """
    usable = [page for page in pages if page.abstract]
    suggestions: dict[Path, Suggestion] = {}
    for fold in range(folds):
        held_out = usable[fold::folds]
        classifier = Classifier.from_pages(p for i, p in enumerate(usable) if i % folds != fold)
        for page in held_out:
            paper = Paper(page.title, page.abstract, str(page.path), 0)
            suggestions[page.path] = classifier.classify(paper)
    return suggestions


def keyword_scores(paper: Paper) -> tuple[dict[str, float], dict[str, list[tuple[float, str]]]]:
    """Weighted phrase hits per chapter, title hits counting more, with the phrases found."""
    title = paper.title.casefold()
    abstract = paper.abstract.casefold()
    both = f"{title}\n{abstract}"
    scores: dict[str, float] = {}
    evidence: dict[str, list[tuple[float, str]]] = {}
    for chapter in CHAPTER_SLUGS:
        total = 0.0
        found: list[tuple[float, str]] = []
        # One substring test per phrase skips most phrases before any regex.
        present = [(p, w) for p, w in KEYWORDS[chapter].items() if p in both]
        for phrase, weight in present:
            pattern = _phrase_pattern(phrase)
            in_title = min(len(pattern.findall(title)), 1)
            in_abstract = min(len(pattern.findall(abstract)), MAX_HITS_PER_PHRASE)
            points = weight * (TITLE_WEIGHT * in_title + in_abstract)
            if points:
                total += points
                where = "title" if in_title else f"abstract x{in_abstract}"
                found.append((points, f"'{phrase}' ({where})"))
        scores[chapter] = round(total, 2)
        evidence[chapter] = sorted(found, reverse=True)
    return scores, evidence


def keyword_prior(scores: dict[str, float]) -> dict[str, float]:
    """Keyword scores as a distribution; with no convincing keyword, lean to the fallback."""
    if max(scores.values()) < MIN_SCORE:
        rest = (1 - FALLBACK_PRIOR) / (len(CHAPTER_SLUGS) - 1)
        return {c: FALLBACK_PRIOR if c == FALLBACK_CHAPTER else rest for c in CHAPTER_SLUGS}
    total = sum(scores.values())
    return {c: scores[c] / total for c in CHAPTER_SLUGS}


def moe_first(paper: Paper) -> str | None:
    """MoE wins over the other chapters when it is the paper's central subject."""
    if MOE_MENTION.search(paper.title):
        return "MoE-first rule: the title names mixture of experts"
    mentions = len(MOE_MENTION.findall(paper.abstract))
    if mentions >= MOE_MIN_ABSTRACT_MENTIONS:
        return f"MoE-first rule: the abstract names mixture of experts {mentions} times"
    return None


def classify(paper: Paper, classifier: Classifier | None = None) -> Suggestion:
    """Classify with a trained classifier, or with the keyword prior alone."""
    return (classifier or Classifier()).classify(paper)


@cache
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    # A phrase may be a word stem ("orchestrat"); whole words otherwise.
    tail = r"\w*" if phrase.endswith("at") else r"\b"
    return re.compile(r"\b" + re.escape(phrase) + tail)

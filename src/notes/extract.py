"""Pull facts out of an abstract: headline claims, code link, entities, tags, sentence roles.

Everything here is rules a reader can check: cue phrases for sentence roles, patterns for
numbers, name lists and tag phrases kept as data (``notes/data/entities.yml``, ``tags.yml``).
A claim's ``quote`` is always an exact substring of the abstract.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from notes import claim_extract as claim_rules
from notes.claims import Claim, format_value
from notes.markup import load_yaml
from notes.schema import tag_entries

__all__ = ["Claim", "extract", "extract_claims", "format_value", "suggest_summary"]

URL = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+")
CODE_HOSTS = ("github.com/", "gitlab.com/", "huggingface.co/", "bitbucket.org/")
TRAILING_PUNCTUATION = ".,;:!?"
ROLES = ("context", "problem", "approach", "result")

# --- sentences and their roles ----------------------------------------------------------

ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "vs.", "etc.", "cf.", "Fig.", "approx.", "resp.")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'“\d])")
APPROACH_CUES = re.compile(
    r"\b(we|this (paper|work|study)|in this (paper|work)|our (approach|method|system|framework))"
    r"\b.{0,40}\b(propose|present|introduce|design|develop|build|implement|describe|"
    r"formulate|leverage|use|adopt|study|investigate|explore|conduct|train|fit|derive|"
    r"analy[sz]e|establish|release|call|name)s?\b|^(to (address|tackle|overcome|solve|bridge|fill)"
    r"|here,? we|we)\b",
    re.IGNORECASE,
)
RESULT_CUES = re.compile(
    r"\b(results? (show|demonstrate|indicate|reveal)|experiments? (show|demonstrate|on)|"
    r"evaluations? (show|demonstrate|on)|we (show|find|found|demonstrate|observe|achieve)|"
    r"outperform\w*|achiev\w+|improv\w+ .{0,40}\bby\b|reduc\w+ .{0,40}\bby\b|speedup|"
    r"up to \d|faster than|better than|state-of-the-art (performance|results))",
    re.IGNORECASE,
)
PROBLEM_CUES = re.compile(
    r"\b(however|but|challeng\w*|bottleneck\w*|limit\w*|suffer\w*|struggl\w*|difficult\w*|"
    r"costly|expensive|inefficien\w*|lack\w*|fail\w*|remain\w* (unclear|open|a)|problem\w*|"
    r"issue\w*|hinder\w*|barrier\w*|prohibitive|existing)\b",
    re.IGNORECASE,
)


def split_sentences(abstract: str) -> list[str]:
    """Sentences of the abstract, each an exact substring of it."""
    protected = abstract
    for abbreviation in ABBREVIATIONS:
        protected = protected.replace(abbreviation, abbreviation.replace(".", "\0"))
    sentences: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(protected):
        sentences.append(abstract[start : match.start()])
        start = match.end()
    sentences.append(abstract[start:])
    return [s for s in sentences if s.strip()]


NUMERIC_RESULT = re.compile(
    r"\d(?:\.\d+)?\s*(?:[x\u00d7]|\\?%|times)(?![\w])|\bpercentage points\b"
)


def sentence_roles(abstract: str, title: str = "") -> list[tuple[str, str]]:
    """(role, sentence) for the abstract. After the paper has said what it does, a sentence
    reporting a multiplier or a percentage is a result even without a cue phrase, and one that
    names the paper's system ("DistServe assigns ...") describes its approach."""
    return list(_sentence_roles(abstract, title))


@lru_cache(maxsize=256)  # claims and the at-a-glance block both need a new page's roles
def _sentence_roles(abstract: str, title: str) -> tuple[tuple[str, str], ...]:
    name = _short_name(title)
    roles: list[tuple[str, str]] = []
    started = False
    for index, sentence in enumerate(split_sentences(abstract)):
        role = sentence_role(sentence, index)
        if (
            role in ("context", "problem")
            and name
            and re.search(rf"\b{re.escape(name)}\b", sentence)
        ):
            role = "approach"
        if started and role in ("context", "problem") and NUMERIC_RESULT.search(sentence):
            role = "result"
        started = started or role in ("approach", "result")
        roles.append((role, sentence))
    return tuple(roles)


def _short_name(title: str) -> str | None:
    """The system's name when the title leads with one ("DistServe: ...")."""
    head, colon, _ = title.partition(":")
    return head.strip() if colon and len(head.split()) == 1 else None


def sentence_role(sentence: str, index: int) -> str:
    """context / problem / approach / result, by cue phrases (results win over approaches)."""
    if RESULT_CUES.search(sentence) and not re.match(
        r"^(we propose|we present|we introduce)", sentence, re.IGNORECASE
    ):
        return "result"
    if APPROACH_CUES.search(sentence):
        return "approach"
    if PROBLEM_CUES.search(sentence):
        return "problem"
    return "context"


# --- claims and the suggested summary ------------------------------------------------------


def extract_claims(abstract: str, title: str = "") -> list[Claim]:
    """Typed claims of the paper's own results and scale (``notes.claim_extract``)."""
    return claim_rules.extract_claims(abstract, sentence_roles(abstract, title))


SUMMARY_WORDS = 35  # the page contract's limit for a reader's summary
LEAD_IN = re.compile(
    r"^(?:to (?:address|tackle|overcome|solve|bridge|fill|mitigate) [^,]{1,60},\s*|"
    r"in this (?:paper|work|study),?\s*|here,?\s*|therefore,?\s*|thus,?\s*|"
    r"to this end,?\s*|motivated by [^,]{1,60},\s*)",
    re.IGNORECASE,
)
WE_VERB = re.compile(
    r"^we (propose|present|introduce|develop|design|build|describe|study|investigate|release|"
    r"show|find|demonstrate)\b\s*",
    re.IGNORECASE,
)


def suggest_summary(title: str, abstract: str) -> str:
    """A one-sentence summary drawn from the abstract for a reader to check and rewrite: the
    sentence that says what the paper does, without its lead-in ("To address this, we
    propose X" becomes "Proposes X"), cut to the contract's 35 words."""
    roles = sentence_roles(abstract, title)
    sentence = next((s for r, s in roles if r == "approach"), roles[0][1] if roles else "")
    text = LEAD_IN.sub("", sentence.strip())
    verb = WE_VERB.match(text)
    if verb:
        text = verb.group(1).capitalize() + "s " + text[verb.end() :]
    text = text[:1].upper() + text[1:]
    words = text.split()
    if len(words) > SUMMARY_WORDS:
        text = " ".join(words[: SUMMARY_WORDS - 1]).rstrip(",;:") + " …"
    return text


# --- links, entities, tags ------------------------------------------------------------------


def code_url(abstract: str) -> str | None:
    """The first URL in the abstract that points at a code host, without trailing punctuation."""
    for match in URL.finditer(abstract):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        if any(host in url for host in CODE_HOSTS):
            return url
    return None


@cache
def _entity_patterns() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    text = resources.files("notes").joinpath("data/entities.yml").read_text(encoding="utf-8")
    names: dict[str, list[str]] = load_yaml(text)
    return {
        kind: [
            (name, re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])"))
            for name in sorted(values, key=len, reverse=True)
        ]
        for kind, values in names.items()
    }


def extract_entities(text: str) -> dict[str, list[str]]:
    """Benchmarks, models and systems named in the text, longest names first, each once."""
    found: dict[str, list[str]] = {}
    for kind, patterns in _entity_patterns().items():
        taken: list[tuple[int, int]] = []
        names: list[str] = []
        for name, pattern in patterns:
            if name not in text:  # most names are absent; a substring test is 50x cheaper
                continue
            for match in pattern.finditer(text):
                if any(a < match.end() and match.start() < b for a, b in taken):
                    continue
                taken.append(match.span())
                if name not in names:
                    names.append(name)
        found[kind] = sorted(names, key=text.find)
    return found


@cache
def _tag_patterns() -> list[tuple[str, tuple[str, ...], re.Pattern[str]]]:
    return [
        (
            tag,
            tuple(entry["match"]),
            re.compile(r"\b(" + "|".join(re.escape(p) for p in entry["match"]) + r")\b"),
        )
        for tag, entry in tag_entries().items()
    ]


@cache
def _tags_by_phrase() -> dict[str, tuple[int, ...]]:
    """Each phrase of the vocabulary, with the positions in `_tag_patterns` of its tags."""
    tags: dict[str, list[int]] = {}
    for index, (_, phrases, _) in enumerate(_tag_patterns()):
        for phrase in phrases:
            tags.setdefault(phrase, []).append(index)
    return {phrase: tuple(indexes) for phrase, indexes in tags.items()}


def suggest_tags(title: str, abstract: str, limit: int = 5) -> list[str]:
    """Vocabulary tags whose phrases the paper uses most (title hits count triple)."""
    title_l, abstract_l = title.lower(), abstract.lower()
    # One substring test per phrase over both texts picks the few tags worth a regex: the
    # regexes, and a test per tag and phrase, were the slow part of a large import.
    both = f"{title_l}\n{abstract_l}"
    candidates = {i for phrase, tags in _tags_by_phrase().items() if phrase in both for i in tags}
    patterns = _tag_patterns()
    scores = []
    for index in sorted(candidates):
        tag, _, pattern = patterns[index]
        score = 3 * len(pattern.findall(title_l)) + len(pattern.findall(abstract_l))
        if score >= 2:
            scores.append((-score, tag))
    return [tag for _, tag in sorted(scores)[:limit]]


# --- all of it ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extraction:
    title: str
    summary: str  # suggested, for a reader to check
    claims: list[Claim]
    code: str | None
    entities: dict[str, list[str]]
    tags: list[str]
    roles: list[tuple[str, str]] = field(default_factory=list)  # (role, sentence)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["claims"] = [claim.as_dict() for claim in self.claims]
        data["roles"] = [{"role": role, "sentence": text} for role, text in self.roles]
        return data


@lru_cache(maxsize=1024)
def extract(title: str, abstract: str) -> Extraction:
    """Everything the rules find in one paper; cached, since a new page needs it twice (front
    matter and at-a-glance block). Callers must not mutate the result."""
    return Extraction(
        title=title,
        summary=suggest_summary(title, abstract),
        claims=extract_claims(abstract, title),
        code=code_url(abstract),
        entities=extract_entities(f"{title} {abstract}"),
        tags=suggest_tags(title, abstract),
        roles=sentence_roles(abstract, title),
    )

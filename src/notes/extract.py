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

from notes.markup import load_yaml
from notes.schema import tag_entries

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


# --- claims -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    metric: str
    value: float
    unit: str
    qualifier: str | None
    baseline: str | None
    quote: str


NUMBER = r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
MAGNITUDE = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a": 1,
    "an": 1,
}
WORD_MAGNITUDE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
SCALE_UNITS = {
    r"gpu[- ]hours": "GPU-hours",
    r"gpus?|accelerators|npus|tpus": "GPUs",
    r"(?:parameters?|params)": "parameters",
    r"tokens?": "tokens",
    r"context(?: length| window)?|sequence length": "context tokens",
    r"experts": "experts",
    r"nodes|machines|servers": "nodes",
    r"tools": "tools",
    r"tasks per second": "tasks per second",
    r"tasks": "tasks",
    r"instances": "instances",
    r"repositories": "repositories",
    r"(?:mcp )?servers": "servers",
    r"petaflops": "petaflops",
    r"epochs": "epochs",
}
COUNT_UNITS = ("tasks", "tools", "instances", "nodes", "repositories", "servers", "epochs")
METRICS = (
    (r"model flops utili[sz]ation|\bmfu\b", "mfu"),
    (r"goodput", "goodput"),
    (r"throughput", "throughput"),
    (r"latency|time[- ]to[- ]first[- ]token|ttft|tpot", "latency"),
    (r"\bslos?\b", "slo"),
    (r"memory|footprint", "memory"),
    (r"energy|power", "energy"),
    (r"\bcost", "cost"),
    (r"accuracy|pass@1|success rate|score", "accuracy"),
    (r"requests", "requests"),
    (r"speed(?:s)? ?up|faster|speed|training time|runtime|time", "speedup"),
    (r"communication", "communication"),
    (r"compute|flops", "compute"),
    (r"performance|improv", "performance"),
)
DASH = "-\u2013"  # hyphen, en dash
TIMES_SIGN = "x\u00d7"  # letter x, multiplication sign
MULTIPLIER = re.compile(
    rf"(?:(?P<low>{NUMBER})\s*[{DASH}]\s*)?(?P<num>{NUMBER})\s*[{TIMES_SIGN}](?![\w-])",
    re.IGNORECASE,
)
TIMES = re.compile(rf"(?P<num>{NUMBER})\s*times\b", re.IGNORECASE)
PERCENT_RANGE = re.compile(
    rf"(?:from )?(?P<low>{NUMBER})\s*\\?%\s*(?:to|[{DASH}])\s*(?P<num>{NUMBER})\s*\\?%"
)
PERCENT = re.compile(rf"(?P<num>{NUMBER})\s*\\?%")
POINTS = re.compile(rf"(?P<num>{NUMBER})\s+percentage points", re.IGNORECASE)
VAGUE_SCALE = re.compile(
    r"\b(?P<num>tens|hundreds) of (?P<mag>thousands|millions|billions|trillions) of "
    r"(?:\w+[\s-]+){0,2}?(?P<unit>" + "|".join(SCALE_UNITS) + r")\b",
    re.IGNORECASE,
)
SIZE_RANGE = re.compile(
    rf"(?:from )?(?P<low>{NUMBER})(?P<lmag>[KMBT])\s+to\s+(?P<num>{NUMBER})(?P<mag>[KMBT])\b"
)
ORDERS = re.compile(r"(?P<num>\w+|\d+)\s+orders? of magnitude", re.IGNORECASE)
SCALE = re.compile(
    rf"(?P<num>{NUMBER})\s*(?P<mag>[KMBT]\b)?(?:\s*|-)(?:(?:[A-Z][\w-]*|real-world|distinct|"
    r"parallel|active|total|training|unique)\s+){0,2}?(?P<unit>" + "|".join(SCALE_UNITS) + r")\b",
    re.IGNORECASE,
)
MODEL_SIZE = re.compile(
    rf"(?P<num>{NUMBER})\s*(?P<mag>[MBT])\b(?:[\s-]+(?:parameters?|params?))?[\s-]+"
    r"(?:\w+[\s-]+)?(?:LLMs?|models?|language models?|MoE|transformers?)\b"
)
WORD_SCALE = re.compile(
    r"\b(?:(?P<num>a|an|one|two|three|four|five|ten|\d+(?:\.\d+)?)[\s-]+)?"
    r"(?P<mag>thousand|million|billion|trillion)[\s-]+(?:(?:\w+)[\s-]+)?(?P<unit>"
    + "|".join(SCALE_UNITS)
    + r")\b",
    re.IGNORECASE,
)
QUALIFIERS = (
    (re.compile(r"\bup to\s*$", re.IGNORECASE), "up to"),
    (re.compile(r"\b(over|more than|exceeding|above|beyond|at least)\s*$", re.IGNORECASE), "over"),
    (
        re.compile(
            r"(\b(about|around|approximately|approx\.?|roughly|nearly|almost)|~)\s*$", re.IGNORECASE
        ),
        "approx",
    ),
)
BASELINE = re.compile(
    r"\b(?:over|than|compared (?:to|with)|versus|vs\.?|relative to|against)\s+"
    r"(?:the\s+)?(?:state-of-the-art\s+)?(?:baselines?,?\s*(?:i\.e\.,?|e\.g\.,?|such as|like)?\s*)?"
    r"(?P<name>[A-Z][\w.+/-]*(?:[ -](?:[A-Z0-9][\w.+/-]*|and|with|of)){0,4})"
)
NOT_SYSTEMS = {"We", "The", "Our", "This", "It", "In", "A", "An", "Existing", "Prior", "Current"}
CLAUSE_BREAK = re.compile(r"[;:]|,\s(?!\d)|\s(?:and|or|while|whereas|but)\s")


def extract_claims(abstract: str, title: str = "") -> list[Claim]:
    """Headline numbers of the paper's own results and scale, in abstract order."""
    claims: list[Claim] = []
    seen: set[tuple[int, int]] = set()
    offset = 0
    started = False  # has the abstract begun to describe the paper's own work?
    for role, sentence in sentence_roles(abstract, title):
        start = abstract.index(sentence, offset)
        offset = start + len(sentence)
        own = _own_work(sentence, role, started)
        started = started or role in ("approach", "result")
        if not own:
            continue
        for claim, span in _claims_in(sentence):
            absolute = (start + span[0], start + span[1])
            if any(a < absolute[1] and absolute[0] < b for a, b in seen):
                continue
            seen.add(absolute)
            claims.append(claim)
    return claims


BACKGROUND = re.compile(
    r"\b(ha(s|ve) (grown|increased|surpassed|reached)|in the (last|past)|over the (last|past)|"
    r"existing|prior (work|methods?)|previous(ly)?|recent(ly)?|accounting for|typically)\b",
    re.IGNORECASE,
)
OWN = re.compile(r"\b(we|our|this (paper|work))\b", re.IGNORECASE)


def _own_work(sentence: str, role: str, started: bool) -> bool:
    """Background sentences state others' numbers: those before the paper says what it does,
    and those with a background cue ("have grown", "existing") and no "we" or "our"."""
    if BACKGROUND.search(sentence) and not OWN.search(sentence):
        return False
    return started or role in ("result", "approach") or bool(OWN.search(sentence))


# Every claim pattern needs a digit, except those spelling numbers out with these words.
NUMBER_WORDS = ("order", "thousand", "million", "billion", "trillion")
DIGIT = re.compile(r"\d")


def _claims_in(sentence: str) -> list[tuple[Claim, tuple[int, int]]]:
    lowered = sentence.lower()
    if not DIGIT.search(sentence) and not any(word in lowered for word in NUMBER_WORDS):
        return []  # most sentences: skip a dozen regex scans
    found: list[tuple[Claim, tuple[int, int]]] = []
    for match in PERCENT_RANGE.finditer(sentence):
        low, high = _number(match["low"]), _number(match["num"])
        found.append(_make(sentence, match.span(), high, "%", f"range {_fmt(low)}-{_fmt(high)}"))
    for match in MULTIPLIER.finditer(sentence):
        qualifier = f"range {match['low']}-{match['num']}" if match["low"] else None
        found.append(_make(sentence, match.span(), _number(match["num"]), "x", qualifier))
    for match in TIMES.finditer(sentence):
        found.append(_make(sentence, match.span(), _number(match["num"]), "x", None))
    for match in PERCENT.finditer(sentence):
        found.append(_make(sentence, match.span(), _number(match["num"]), "%", None))
    for match in ORDERS.finditer(sentence):
        word = match["num"].lower()
        value = WORD_NUMBERS.get(word) or (float(word) if word.replace(".", "").isdigit() else None)
        if value:
            found.append(_make(sentence, match.span(), value, "orders of magnitude", None))
    for match in POINTS.finditer(sentence):
        found.append(
            _make(sentence, match.span(), _number(match["num"]), "percentage points", None)
        )
    for match in VAGUE_SCALE.finditer(sentence):
        base = 10 if match["num"].lower() == "tens" else 100
        value = base * WORD_MAGNITUDE[match["mag"].lower().rstrip("s")]
        found.append(_make(sentence, match.span(), value, _unit(match["unit"]), "over"))
    for match in SIZE_RANGE.finditer(sentence):
        unit = _range_unit(sentence[: match.start()])
        if unit:
            low = _number(match["low"]) * MAGNITUDE[match["lmag"]]
            high = _number(match["num"]) * MAGNITUDE[match["mag"]]
            found.append(_make(sentence, match.span(), high, unit, f"range {low:g}-{high:g}"))
    for match in WORD_SCALE.finditer(sentence):
        word = (match["num"] or "a").lower()
        base = WORD_NUMBERS.get(word) or float(word)
        value = base * WORD_MAGNITUDE[match["mag"].lower()]
        found.append(_make(sentence, match.span(), value, _unit(match["unit"]), None))
    for match in MODEL_SIZE.finditer(sentence):
        value = _number(match["num"]) * MAGNITUDE[match["mag"]]
        found.append(_make(sentence, match.span(), value, "parameters", None))
    for match in SCALE.finditer(sentence):
        value = _number(match["num"]) * MAGNITUDE.get((match["mag"] or "").upper(), 1)
        unit = _unit(match["unit"])
        if unit in COUNT_UNITS and value < (2 if unit == "epochs" else 10):
            continue
        if _is_year(match["num"]) and not match["mag"]:
            continue
        if unit == "parameters" and value < 1e6:  # "1-bit per parameter" is not a model size
            continue
        found.append(_make(sentence, match.span(), value, unit, None))
    # Keep the first claim for any overlapping span (ranges before their parts).
    kept: list[tuple[Claim, tuple[int, int]]] = []
    for claim, span in found:
        if any(s[0] < span[1] and span[0] < s[1] for _, s in kept):
            continue
        kept.append((claim, span))
    return sorted(kept, key=lambda item: item[1])


def _make(sentence: str, span: tuple[int, int], value: float, unit: str, qualifier: str | None):
    before = sentence[: span[0]]
    if qualifier is None:
        for pattern, name in QUALIFIERS:
            if pattern.search(before):
                qualifier = name
                break
    clause_start, clause_end = _clause(sentence, span)
    after = sentence[span[1] : min(clause_end, span[1] + AFTER_WINDOW)]
    metric, metric_end = _metric_after(after, unit)
    if metric is None:
        metric = _metric(sentence[clause_start : span[0]], unit)
    quote_start = _quote_start(sentence, clause_start, span[0])
    quote_end = span[1] + metric_end if metric_end else span[1]
    quote = sentence[quote_start:quote_end].strip()
    baseline = _baseline(sentence[span[0] : clause_end])
    return (Claim(metric, float(value), unit, qualifier, baseline, quote), span)


AFTER_WINDOW = 45  # characters after a number searched for what it measures


def _metric_after(after: str, unit: str) -> tuple[str | None, int]:
    """What a number measures when the words right after it say so ("4.48x more requests")."""
    if unit not in ("x", "%", "orders of magnitude"):
        return None, 0
    best: tuple[int, str, int] | None = None
    for pattern, name in METRICS:
        match = re.search(pattern, after, re.IGNORECASE)
        if match and (best is None or match.start() < best[0]):
            end = match.end()
            tail = re.match(r"[\w-]*(?: \([A-Z]+\))?", after[end:])
            best = (match.start(), name, end + (tail.end() if tail else 0))
    if best is None or best[0] > 30:
        return None, 0
    return best[1], best[2]


def _clause(sentence: str, span: tuple[int, int]) -> tuple[int, int]:
    start = 0
    for match in CLAUSE_BREAK.finditer(sentence[: span[0]]):
        start = match.end()
    end_match = CLAUSE_BREAK.search(sentence, span[1])
    end = end_match.start() if end_match else len(sentence)
    return start, end


def _quote_start(sentence: str, clause_start: int, number_start: int) -> int:
    """Back from the number to the verb or metric that introduces it, within the clause."""
    window = sentence[clause_start:number_start]
    verbs = list(QUOTE_VERBS.finditer(window))
    if verbs:
        return clause_start + verbs[-1].start()
    words = list(QUOTE_WORDS.finditer(window))
    return clause_start + words[-1].start() if words else number_start


QUOTE_VERBS = re.compile(
    r"\b(improv\w*|reduc\w*|increas\w*|achiev\w*|outperform\w*|accelerat\w*|speeds?\b|"
    r"cut\w*|lower\w*|sav\w*|boost\w*|rais\w*|scal\w*|serv\w*|enabl\w*|deliver\w*|attain\w*|"
    r"reach\w*|yield\w*|train\w*|surpass\w*|exceed\w*|decreas\w*|shrink\w*|compress\w*)",
    re.IGNORECASE,
)
QUOTE_WORDS = re.compile(r"\b(up to|over|by|with|on|to|of|at|from)\b", re.IGNORECASE)


def _metric(before: str, unit: str) -> str:
    """What a number measures, from the clause before it: the closest metric word wins."""
    if unit not in ("x", "%", "orders of magnitude"):
        return {"GPUs": "gpus", "context tokens": "context length"}.get(unit, unit.lower())
    best: tuple[int, str] | None = None
    for pattern, name in METRICS:
        for match in re.finditer(pattern, before, re.IGNORECASE):
            if best is None or match.end() > best[0]:
                best = (match.end(), name)
    return best[1] if best else "improvement"


def _baseline(text: str) -> str | None:
    match = BASELINE.search(text)
    if not match:
        return None
    name = re.sub(r"\s+(and|with|of)$", "", match["name"].strip()).rstrip(".,;:")
    return None if name.split()[0] in NOT_SYSTEMS else name


def _range_unit(before: str) -> str | None:
    """The unit of a size range ("model sizes ranging from 7B to 141B") from the words before."""
    tail = before[-40:].lower()
    if re.search(r"model|parameter", tail):
        return "parameters"
    if re.search(r"context|sequence", tail):
        return "context tokens"
    if "token" in tail:
        return "tokens"
    return None


def _unit(text: str) -> str:
    for pattern, unit in SCALE_UNITS.items():
        if re.fullmatch(pattern, text, re.IGNORECASE):
            return unit
    return text


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d\d", text))


def _fmt(value: float) -> str:
    return f"{value:g}"


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


def suggest_tags(title: str, abstract: str, limit: int = 5) -> list[str]:
    """Vocabulary tags whose phrases the paper uses most (title hits count triple)."""
    title_l, abstract_l = title.lower(), abstract.lower()
    scores = []
    for tag, phrases, pattern in _tag_patterns():
        if not any(p in abstract_l or p in title_l for p in phrases):
            continue  # substring tests first: the regex is the slow part of an import
        score = 3 * len(pattern.findall(title_l)) + len(pattern.findall(abstract_l))
        if score >= 2:
            scores.append((-score, tag))
    return [tag for _, tag in sorted(scores)[:limit]]


# --- all of it ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extraction:
    title: str
    claims: list[Claim]
    code: str | None
    entities: dict[str, list[str]]
    tags: list[str]
    roles: list[tuple[str, str]] = field(default_factory=list)  # (role, sentence)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["roles"] = [{"role": role, "sentence": text} for role, text in self.roles]
        return data


@lru_cache(maxsize=1024)
def extract(title: str, abstract: str) -> Extraction:
    """Everything the rules find in one paper; cached, since a new page needs it twice (front
    matter and at-a-glance block). Callers must not mutate the result."""
    return Extraction(
        title=title,
        claims=extract_claims(abstract, title),
        code=code_url(abstract),
        entities=extract_entities(f"{title} {abstract}"),
        tags=suggest_tags(title, abstract),
        roles=sentence_roles(abstract, title),
    )


def format_value(claim: Claim) -> str:
    """A claim's number as a reader writes it: "up to 2.88x", "55.2%", "12,288 GPUs"."""
    if claim.unit == "x":
        text = f"{claim.value:g}x"
    elif claim.unit == "%":
        text = f"{claim.value:g}%"
    else:
        text = f"{_readable(claim.value)} {claim.unit}"
    qualifier = claim.qualifier or ""
    if qualifier.startswith("range "):
        low = qualifier.removeprefix("range ").split("-")[0]
        return f"{low}{'%' if claim.unit == '%' else ''} to {text}"
    return f"{qualifier} {text}".strip()


def _readable(value: float) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"

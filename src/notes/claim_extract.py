"""Suggest typed claims from an abstract, by rules a reader can check.

A claim is a number the paper reports about its own work: patterns find the number and its
unit (multipliers, percentages and ranges, percentage points, orders of magnitude, tokens/s,
GB, and the scale nouns GPUs, parameters, tokens, context, experts), then the words around it
say what it measures (a key of ``metrics.yml``), which way it moved, with what qualifier and
against which named baseline. Numbers stated before the paper says what it does, or in a
sentence about prior work, capacity ("can fit") or a threshold, are left out.

The rules were refined on the book's checked pages only; ``benchmarks/extract_quality.py``
measures them there and on held-out abstracts they never saw.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from notes.claims import Claim
from notes.schema import metric_entries, metric_units

NUMBER = r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
FREE_NUMBER = r"(?<![\w.-])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"  # not "LLaMA-2"
SPELLED = r"a|an|one|two|three|four|five|six|seven|eight|nine|ten|single"
MAGNITUDE = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a": 1, "an": 1, "single": 1,
}  # fmt: skip
WORD_MAGNITUDE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
DASH = "-\u2013\u2014~"  # hyphen, en dash, em dash, tilde ("1.5~2x")
TIMES_SIGN = "x\u00d7X"

# Scale nouns: the pattern, the unit written on the claim, and the setting metric it gives.
SCALE_NOUNS: tuple[tuple[str, str, str], ...] = (
    (r"gpu[- ]hours", "GPU-hours", "gpu-hours"),
    (r"(?:gpus?|accelerators|npus|tpus|tpu chips|chips)", "GPUs", "gpus"),
    (r"(?:parameters?|params)", "parameters", "parameters"),
    (r"(?:context(?: length| window)?|sequence length|context tokens)", "tokens", "context-length"),
    (r"tokens?", "tokens", "tokens"),
    (r"experts", "experts", "experts"),
    (r"(?:nodes|machines|devices)", "nodes", "nodes"),
    (r"samples", "samples", "samples"),
)
SCALE_ALTERNATION = "|".join(pattern for pattern, _, _ in SCALE_NOUNS)
MODIFIERS = (
    r"(?:(?:[A-Z][\w-]*|real-world|distinct|parallel|active|activated|total|training|unique|"
    r"heterogeneous|production|high-end|consumer|commodity)\s+){0,2}?"
)

MULTIPLIER = re.compile(
    rf"(?:(?P<low>{NUMBER})\s*[{TIMES_SIGN}]?\s*[{DASH}]\s*)?(?P<num>{NUMBER})\s*[{TIMES_SIGN}]"
    r"(?![\w-])"
)
TIMES = re.compile(
    rf"(?P<num>{NUMBER}|two|three|four|five|six|seven|eight|nine|ten)\s*(?:times|fold)\b"
    r"(?!\s*\d)"
    r"|(?P<word>doubl|tripl|quadrupl)(?:es|ed|ing)\b",
    re.IGNORECASE,
)
PERCENT_RANGE = re.compile(
    rf"(?P<from>from |between )?(?P<low>{NUMBER})\s*\\?%?\s*(?:to|and|[{DASH}])\s*"
    rf"(?P<num>{NUMBER})\s*\\?%"
)
FLOPS = re.compile(
    rf"(?P<num>{NUMBER})\s*(?P<unit>tflops|tflop/s|teraflops|teraflop/s|pflops|pflop/s|petaflops|"
    r"petaflop/s)\b",
    re.IGNORECASE,
)
RATE = re.compile(
    rf"(?P<num>{NUMBER})\s*(?P<mag>[KM]|thousand|million)?\s*(?P<noun>requests|samples|tasks|"
    r"steps)\s*(?:per second|/s\b)",
    re.IGNORECASE,
)
COUNTS = re.compile(
    rf"(?<!out of )(?<!out of the )(?P<num>{FREE_NUMBER}|{SPELLED}|twelve|twenty)\$?\s+"
    r"(?:[\w()-]+\s+){0,4}?"
    r"(?P<noun>LLMs|large language models|language models|models|training runs|runs|experiments|"
    r"tasks|task instances|instances|problems|repositories|tools|MCP servers|servers|scenarios|"
    r"configurations|benchmarks)\b",
    re.IGNORECASE,
)
WORD_GPUS = re.compile(
    rf"\b(?P<num>{SPELLED})\s+{MODIFIERS}(?P<unit>gpu[- ]hours|gpus?|tpus?|accelerators)\b",
    re.IGNORECASE,
)
WORD_RANGE = re.compile(
    rf"(?:from )?(?P<low>{NUMBER})\s*(?P<lmag>million|billion|trillion)?\s+to\s+"
    rf"(?P<num>{NUMBER})\s*(?P<mag>million|billion|trillion)\s+(?P<unit>{SCALE_ALTERNATION})\b",
    re.IGNORECASE,
)
SIZE_LIST = re.compile(
    rf"(?P<items>(?:{FREE_NUMBER}\s*[MBT]?\s*(?:,|/|and|or)\s*)+)(?P<last>{FREE_NUMBER})\s*"
    r"(?P<mag>[MBT])(?:-sized)?\s+(?:[\w-]+\s+){0,2}?(?:parameters?|params|models?|LLMs?|dense)\b"
)
PERCENT = re.compile(rf"(?P<num>{NUMBER})\$?\s*(?P<plus>\+)?\s*(?:\\?%|\s*percent\b)")
POINTS = re.compile(
    rf"(?P<num>{NUMBER})\s*(?:percentage points?|pp\b|points?\b|%\s*points?\b)", re.IGNORECASE
)
ORDERS = re.compile(
    r"(?P<num>an|one|two|three|four|five|six|seven|\d+)\s+orders?\s+of\s+magnitude", re.IGNORECASE
)
TOKENS_PER_SECOND = re.compile(
    rf"(?P<num>{NUMBER})\s*(?P<mag>[KM])?\s*(?:tokens?/s(?:ec)?\b|tokens? per second)",
    re.IGNORECASE,
)
GIGABYTES = re.compile(rf"(?P<num>{NUMBER})\s*(?P<unit>GB|MB|TB)\b")
SIZE_RANGE = re.compile(
    rf"(?:from )?(?P<low>{FREE_NUMBER})\s*(?P<lmag>[KMBT])?\s*(?:to|[{DASH}])\s*(?P<num>{NUMBER})"
    r"\s*(?P<mag>[KMBT])\b"
)
SCALE = re.compile(
    rf"(?P<num>{NUMBER})(?!\s*[GMT]B\b)\s*(?P<mag>[KMBT]\b)?(?:\s*|-){MODIFIERS}"
    rf"(?P<unit>{SCALE_ALTERNATION})\b",
    re.IGNORECASE,
)
MODEL_SIZE = re.compile(
    rf"(?P<num>{FREE_NUMBER})\s*(?P<mag>[MBT])\b(?:[\s-]+(?:parameters?|params?))?[\s-]+"
    r"(?:[\w.]+(?:-[\w.]+)*[\s-]+){0,2}?(?:LLMs?|LVLMs?|models?|language models?|MoE|"
    r"transformers?|dense)\b"
)
WORD_SCALE = re.compile(
    r"\b(?:(?P<num>a|an|one|two|three|four|five|ten|\d+(?:\.\d+)?)[\s-]+)?"
    r"(?P<hundred>hundred[\s-]+)?"
    rf"(?P<mag>thousand|million|billion|trillion)[\s-]+(?:[\w-]+[\s-]+){{0,2}}?"
    rf"(?P<unit>{SCALE_ALTERNATION})\b",
    re.IGNORECASE,
)
VAGUE_SCALE = re.compile(
    r"\b(?P<num>tens|hundreds)(?: of (?P<mag>thousands|millions|billions|trillions))? of "
    rf"(?:\w+[\s-]+){{0,2}}?(?P<unit>{SCALE_ALTERNATION})\b",
    re.IGNORECASE,
)

# What a number measures: (pattern, metric key), the nearest match to the number wins.
METRIC_WORDS: tuple[tuple[str, str], ...] = (
    (r"model flops utili[sz]ation|\bmfu\b|of (?:\w+\s+){0,2}peak\b", "mfu"),
    (r"(?:larger|increase in|bigger) model sizes?|larger models", "max-model-size"),
    (r"longer sequences?(?: lengths?)?|longer context", "max-sequence-length"),
    (r"model size|model footprint", "model-size-reduction"),
    (r"goodput", "goodput"),
    (r"\bslos? attainment|\bslo\b|\bslos\b", "slo-attainment"),
    (r"throughput|tokens per second|requests per second|\brps\b|serving capacity|"
     r"more requests|requests|qps", "throughput"),
    (r"time[- ]to[- ]first[- ]token|\bttft\b|\btpot\b|latency|latencies|response time|"
     r"tail latency", "latency"),
    (r"memory|footprint|\bkv cache size|activation size", "memory"),
    (r"communication|network traffic|bandwidth", "communication"),
    (r"energy|power consumption|carbon", "energy"),
    (r"computational costs?|compute costs?", "compute"),
    (r"\bcost(?!-effective)|\$\d|dollars|price|gpu[- ]hours|cheaper|resources", "cost"),
    (r"\bflops\b|compute|computation", "compute"),
    (r"utili[sz]ation|ettr|idle", "utilization"),
    (r"success rate|resolve rate|resolv\w*|solve rate|solv(?:e|es|ed|ing)\b|pass rate|"
     r"task completion", "success-rate"),
    (r"accuracy|pass@\d|\bf1\b|score|win rate|exact match|bleu|rouge|auc", "accuracy"),
    (r"perplexity|\bloss\b", "loss"),
    (r"\bperformance\b", "accuracy"),
    (r"\berrors?\b|\bmape\b|\bmae\b|deviation", "error"),
    (r"data[- ]efficien|sample[- ]efficien|fewer (?:tokens|samples|steps|epochs)|fewer training",
     "sample-efficiency"),
    (r"training time|wall[- ]clock|time to train|time-to-|recovery time|(?<!-)\btime\b|"
     r"hours|days", "time"),
    (r"speed(?:s)?[- ]?ups?|faster|speed|accelerat", "speedup"),
)  # fmt: skip
METRIC_PATTERNS = [(re.compile(p, re.IGNORECASE), key) for p, key in METRIC_WORDS]
RELATIVE_UNITS = ("x", "%", "pp", "orders of magnitude")

DECREASE = re.compile(
    r"\b(reduc\w*|lower\w*|cut\w*|less\b|fewer|decreas\w*|sav(e|es|ed|ing|ings)\b|shrink\w*|"
    r"drop\w*|smaller|shorter|eliminat\w*|compress\w*|minimi[sz]\w*|down\b|degrad\w*|"
    r"hurt\w*|worsen\w*)",
    re.IGNORECASE,
)
INCREASE = re.compile(
    r"\b(improv\w*|increas\w*|higher|more\b|faster|boost\w*|gain\w*|rais\w*|speed\w*|"
    r"outperform\w*|better|accelerat\w*|larger|longer|greater|up\b|exceed\w*|surpass\w*)",
    re.IGNORECASE,
)
# A percentage is a change when it follows "by" or a change word; otherwise it is a level.
CHANGE_BEFORE = re.compile(
    r"\b(by|improv\w*|reduc\w*|increas\w*|decreas\w*|cut\w*|sav\w*|boost\w*|lower\w*|gains?|"
    r"rais\w*|drop\w*)\s+(?:of\s+)?(?:up to\s+|over\s+|more than\s+|about\s+|around\s+|"
    r"approximately\s+|nearly\s+|roughly\s+|an average of\s+|on average\s+|average\s+|"
    r"at least\s+|~\s*)?$",
    re.IGNORECASE,
)
CHANGE_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,1}(higher|lower|more|less|fewer|faster|slower|better|improvement|"
    r"reduction|increase|decrease|speedup|savings?|gains?|smaller|larger|boost|cheaper)\b",
    re.IGNORECASE,
)
QUALIFIERS = (
    (re.compile(r"\bup to\s*$", re.IGNORECASE), "up to"),
    (re.compile(r"\bat least\s*$", re.IGNORECASE), "at least"),
    (re.compile(r"\bat most\s*$", re.IGNORECASE), "at most"),
    (re.compile(r"\b(over|more than|exceeding|above|beyond|greater than)\s*$", re.IGNORECASE),
     "over"),
    (re.compile(r"(\b(about|around|approximately|approx\.?|roughly|nearly|almost)|~)\s*$",
                re.IGNORECASE), "about"),
    (re.compile(r"\b(an average of|on average|average|averaging|mean)\s*(by\s*)?$",
                re.IGNORECASE), "average"),
    (re.compile(r"\b(under|less than|below|within)\s*$", re.IGNORECASE), "under"),
)  # fmt: skip
AVERAGE_AFTER = re.compile(r"^[^,;.]{0,40}\bon average\b", re.IGNORECASE)
BASELINE = re.compile(
    r"\b(?:over|than|compared (?:to|with)|comparing (?:to|with)|versus|vs\.?|relative to|"
    r"against|outperform(?:s|ing|ed)?|beat(?:s|ing)?|surpass(?:es|ing|ed)?)\s+"
    r"(?:the\s+|both\s+|strong\s+|existing\s+|prior\s+|leading\s+|popular\s+)*"
    r"(?:state-of-the-art\s+|SOTA\s+|open-source\s+)?"
    r"(?:(?:baselines?|systems?|methods?|frameworks?|approaches|solutions|engines?|models?)"
    r"(?:\s+such as|\s+like|,?\s*(?:i\.e\.|e\.g\.|including),?)?\s*)?"
    r"\(?(?P<name>(?:[A-Z]|[a-z]+[A-Z0-9])[\w.+/-]*"
    r"(?:[ -](?:[A-Z0-9][\w.+/-]*|[a-z]+[A-Z][\w.+/-]*|and|with|of|or|v\d[\w.]*)){0,5})"
)
NOT_NAMES = {
    "We", "The", "Our", "This", "It", "In", "A", "An", "Existing", "Prior", "Current", "These",
    "State", "SOTA", "Baseline", "Baselines", "All", "Both", "Standard", "Traditional",
}  # fmt: skip
CLAUSE_BREAK = re.compile(r"[;:]|,\s(?!\d)|\s(?:while|whereas|but)\s")
QUOTE_VERBS = re.compile(
    r"\b(improv\w*|reduc\w*|increas\w*|achiev\w*|outperform\w*|accelerat\w*|speeds?\b|"
    r"cut\w*|lower\w*|sav\w*|boost\w*|rais\w*|scal\w*|serv\w*|enabl\w*|deliver\w*|attain\w*|"
    r"reach\w*|yield\w*|train\w*|surpass\w*|exceed\w*|decreas\w*|shrink\w*|compress\w*|"
    r"resolv\w*|solv\w*|obtain\w*|get\w*)",
    re.IGNORECASE,
)
QUOTE_WORDS = re.compile(r"\b(up to|over|by|with|on|to|of|at|from)\b", re.IGNORECASE)
AFTER_WINDOW = 45  # characters after a number searched for what it measures

# Sentences about others' numbers, capacity or thresholds: no claim of this paper.
BACKGROUND = re.compile(
    r"\b(ha(s|ve) (grown|increased|surpassed|reached)|in the (last|past)|over the (last|past)|"
    r"existing|prior (work|methods?)|previous(ly)?|recent(ly)?|accounting for|typically|"
    r"state-of-the-art (models|llms) (now|have|has))\b",
    re.IGNORECASE,
)
OWN = re.compile(r"\b(we|our|this (paper|work))\b", re.IGNORECASE)
CAPACITY = re.compile(
    r"\b(?:(?:can|could)\s+(?:\w+\s+){0,2}?(?:fit|hold|support|scale|handle|accommodate|train|"
    r"store|reach)|able to|ability to|capable of|potential to|possible to)\b[^.]{0,40}$",
    re.IGNORECASE,
)
THRESHOLD = re.compile(
    r"(?<!by )(<|>|≤|≥|\bbelow\b|\bsmaller than\b|\bfewer than\b)\s*(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
CAPACITY_AFTER = re.compile(r"^[^,;.]{0,40}\b(capacity|can fit|could fit)\b", re.IGNORECASE)
ABSOLUTE = re.compile(
    r"\bby an? absolute\b|\babsolute (?:improvement|gain|increase|drop)s?\b", re.IGNORECASE
)
SPAN = re.compile(r"\b(span\w*|across|over|covering)\s+(?:more than\s+|over\s+)?$", re.IGNORECASE)
ON_BENCHMARK = re.compile(r"^[^,;.]{0,30}?\bon (?:the )?[A-Z][\w.-]*", re.UNICODE)
FROM_TO = re.compile(
    r"\b(improv\w*|increas\w*|rais\w*|boost\w*|reduc\w*|decreas\w*|lower\w*|cut\w*|"
    r"go\w*|rising|jump\w*)\b[^,;.]{0,40}$",
    re.IGNORECASE,
)
# Every pattern needs a digit, except those spelling numbers out with these words.
NUMBER_WORDS = ("order", "thousand", "million", "billion", "trillion", "times", "fold", "doubl",
                "tripl", "quadrupl", "percent")  # fmt: skip
DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Mention:
    """A number found in a sentence, before deciding what it measures."""

    span: tuple[int, int]
    value: float
    unit: str
    value_high: float | None = None
    metric: str | None = None  # set where the pattern decides it (scale nouns, tokens/s)
    qualifier: str | None = None


def extract_claims(abstract: str, roles: list[tuple[str, str]]) -> list[Claim]:
    """Typed claims of the paper's own results and scale, in abstract order.

    ``roles`` are the abstract's sentences with their roles (``extract.sentence_roles``):
    numbers before the paper has said what it does are background, not its claims.
    """
    claims: list[Claim] = []
    seen: set[tuple[int, int]] = set()
    offset = 0
    started = False
    for role, sentence in roles:
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


def _own_work(sentence: str, role: str, started: bool) -> bool:
    """Background sentences state others' numbers: those before the paper says what it does,
    and those with a background cue ("have grown", "existing") and no "we" or "our"."""
    if BACKGROUND.search(sentence) and not OWN.search(sentence) and role != "result":
        return False
    return started or role in ("result", "approach") or bool(OWN.search(sentence))


def _claims_in(sentence: str) -> list[tuple[Claim, tuple[int, int]]]:
    lowered = sentence.lower()
    if not DIGIT.search(sentence) and not any(word in lowered for word in NUMBER_WORDS):
        return []  # most sentences: skip a dozen regex scans
    kept: list[tuple[Claim, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    for mention in _mentions(sentence):
        span = mention.span
        if any(s[0] < span[1] and span[0] < s[1] for s in taken):
            continue  # the first pattern to claim a span wins (ranges before their parts)
        taken.append(span)
        claim = _typed(sentence, mention)
        if claim is not None:
            kept.append((claim, span))
    return sorted(kept, key=lambda item: item[1])


def _mentions(sentence: str) -> Iterator[Mention]:
    """Every number with a unit, most specific patterns first."""
    for match in TOKENS_PER_SECOND.finditer(sentence):
        value = _number(match["num"]) * MAGNITUDE.get(match["mag"] or "", 1)
        yield Mention(match.span(), value, "tokens/s", metric="throughput")
    for match in GIGABYTES.finditer(sentence):
        tail = sentence[match.end() : match.end() + 25]
        if re.match(r"\s*(?:[\w-]+\s+){0,2}?(gpus?|memory|hbm|vram|devices?|cards?)\b", tail, re.I):
            continue  # "a 16GB GPU", "80GB of memory": the hardware, not a claim
        yield Mention(match.span(), _number(match["num"]), match["unit"])
    for match in FLOPS.finditer(sentence):
        unit = "PFLOPS" if match["unit"].lower().startswith("p") else "TFLOPS"
        yield Mention(match.span(), _number(match["num"]), unit, metric="throughput")
    for match in RATE.finditer(sentence):
        mag = {"k": 1e3, "m": 1e6, "thousand": 1e3, "million": 1e6}.get(
            (match["mag"] or "").lower(), 1
        )
        noun = match["noun"].lower()
        unit = "samples/s" if noun == "steps" else f"{noun}/s"
        yield Mention(match.span(), _number(match["num"]) * mag, unit, metric="throughput")
    for match in PERCENT_RANGE.finditer(sentence):
        low, high = _number(match["low"]), _number(match["num"])
        if match["from"] == "from " and FROM_TO.search(sentence[: match.start()]):
            # "raises accuracy from 9.5% to 82.8%": the paper's result is the level it reaches
            start = match.start("num")
            yield Mention((start, match.end()), high, "%", metric=None, qualifier=None)
            yield Mention((match.start(), start), 0, "skip")
        elif low < high:
            yield Mention(match.span(), low, "%", value_high=high)
    for match in POINTS.finditer(sentence):
        if re.search(r"%\s*points?", match[0]) or "point" in match[0].lower() or "pp" in match[0]:
            yield Mention(match.span(), _number(match["num"]), "pp")
    for match in MULTIPLIER.finditer(sentence):
        low = _number(match["low"]) if match["low"] else None
        high = _number(match["num"])
        if low is not None and low < high:
            yield Mention(match.span(), low, "x", value_high=high)
        else:
            yield Mention(match.span(), high, "x")
    for match in TIMES.finditer(sentence):
        if match["word"]:
            value = {"doubl": 2.0, "tripl": 3.0, "quadrupl": 4.0}[match["word"].lower()]
        else:
            word = match["num"].lower()
            value = float(WORD_NUMBERS[word]) if word in WORD_NUMBERS else _number(word)
        yield Mention(match.span(), value, "x")
    for match in PERCENT.finditer(sentence):
        yield Mention(
            match.span(), _number(match["num"]), "%", qualifier="over" if match["plus"] else None
        )
    for match in ORDERS.finditer(sentence):
        word = match["num"].lower()
        value = WORD_NUMBERS.get(word) or (float(word) if word.isdigit() else None)
        if value:
            yield Mention(match.span(), float(value), "orders of magnitude")
    yield from _scale_mentions(sentence)


def _scale_mentions(sentence: str) -> Iterator[Mention]:
    """GPUs, parameters, tokens, context and experts: the scale of the paper's experiments."""
    for match in VAGUE_SCALE.finditer(sentence):
        base = 10 if match["num"].lower() == "tens" else 100
        value = base * WORD_MAGNITUDE.get((match["mag"] or "").lower().rstrip("s"), 1)
        unit, metric = _scale_noun(match["unit"])
        yield Mention(match.span(), value, unit, metric=metric, qualifier="over")
    for match in WORD_RANGE.finditer(sentence):
        unit, metric = _scale_noun(match["unit"])
        high_mag = WORD_MAGNITUDE[match["mag"].lower()]
        low = _number(match["low"]) * WORD_MAGNITUDE.get((match["lmag"] or "").lower(), high_mag)
        high = _number(match["num"]) * high_mag
        if low < high:
            yield Mention(match.span(), low, unit, value_high=high, metric=metric)
    for match in SIZE_LIST.finditer(sentence):
        metric = _parameter_metric(sentence, match)
        items = re.findall(rf"({FREE_NUMBER})\s*([MBT]?)", match["items"])
        offset = match.start()
        for number, mag in [*items, (match["last"], match["mag"])]:
            value = _number(number) * MAGNITUDE[mag or match["mag"]]
            where = sentence.index(number, offset)
            offset = where + len(number)
            yield Mention((where, offset + len(mag)), value, "parameters", metric=metric)
    for match in SIZE_RANGE.finditer(sentence):
        found = _range_noun(sentence, match)
        if found:
            unit, metric = found
            high_mag = MAGNITUDE[match["mag"]]
            low = _number(match["low"]) * MAGNITUDE.get(match["lmag"] or "", high_mag)
            high = _number(match["num"]) * high_mag
            if low < high:
                yield Mention(match.span(), low, unit, value_high=high, metric=metric)
    for match in WORD_SCALE.finditer(sentence):
        word = (match["num"] or "a").lower()
        base = WORD_NUMBERS.get(word) or float(word)
        value = base * WORD_MAGNITUDE[match["mag"].lower()] * (100 if match["hundred"] else 1)
        unit, metric = _scale_noun(match["unit"])
        yield Mention(match.span(), value, unit, metric=metric)
    for match in WORD_GPUS.finditer(sentence):
        value = float(WORD_NUMBERS[match["num"].lower()])
        unit, metric = _scale_noun(match["unit"])
        yield Mention(match.span(), value, unit, metric=metric)
    yield from _count_mentions(sentence)
    for match in MODEL_SIZE.finditer(sentence):
        value = _number(match["num"]) * MAGNITUDE[match["mag"]]
        yield Mention(match.span(), value, "parameters", metric=_parameter_metric(sentence, match))
    for match in SCALE.finditer(sentence):
        value = _number(match["num"]) * MAGNITUDE.get((match["mag"] or "").upper(), 1)
        unit, metric = _scale_noun(match["unit"])
        if re.fullmatch(r"(19|20)\d\d", match["num"]) and not match["mag"]:
            continue  # a year
        if metric == "parameters" and value < 1e6:
            continue  # "1-bit per parameter" is not a model size
        if metric in ("tokens", "context-length") and value < 100:
            continue
        if metric == "parameters":
            metric = _parameter_metric(sentence, match)
        if metric == "tokens" and re.search(
            r"context|sequence", sentence[max(0, match.start() - 25) : match.start()], re.I
        ):
            metric = "context-length"  # "extends its context to 1M tokens"
        yield Mention(match.span(), value, unit, metric=metric)


COUNT_UNITS = {
    "llms": ("models", "models"), "large language models": ("models", "models"),
    "language models": ("models", "models"), "models": ("models", "models"),
    "training runs": ("runs", "models"), "runs": ("runs", "models"),
    "experiments": ("runs", "models"), "tasks": ("tasks", "tasks"),
    "task instances": ("instances", "tasks"), "instances": ("instances", "tasks"),
    "problems": ("tasks", "tasks"), "repositories": ("repositories", "tasks"),
    "tools": ("tools", "tasks"), "mcp servers": ("servers", "tasks"),
    "servers": ("servers", "tasks"), "scenarios": ("scenarios", "configurations"),
    "configurations": ("configurations", "configurations"), "benchmarks": ("tasks", "tasks"),
}  # fmt: skip
SPELLED_VALUES = {**WORD_NUMBERS, "twelve": 12, "twenty": 20}


def _count_mentions(sentence: str) -> Iterator[Mention]:
    """How many models, runs, tasks or configurations the paper's own study covers."""
    for match in COUNTS.finditer(sentence):
        word = match["num"].lower()
        value = float(SPELLED_VALUES[word]) if word in SPELLED_VALUES else _number(word)
        if value < 3 or (re.fullmatch(r"(19|20)\d\d", word)):
            continue
        unit, metric = COUNT_UNITS[match["noun"].lower()]
        if unit not in metric_units(metric):
            continue
        yield Mention(match.span(), value, unit, metric=metric)


def _scale_noun(text: str) -> tuple[str, str]:
    for pattern, unit, metric in SCALE_NOUNS:
        if re.fullmatch(pattern, text, re.IGNORECASE):
            return unit, metric
    return text, text


def _parameter_metric(sentence: str, match: re.Match[str]) -> str:
    window = sentence[max(0, match.start() - 20) : match.end() + 15].lower()
    return "active-parameters" if re.search(r"\bactiv(e|ated)\b", window) else "parameters"


RANGE_NOUNS = (
    (re.compile(r"context|sequence", re.IGNORECASE), ("tokens", "context-length")),
    (re.compile(r"model|parameter|llm", re.IGNORECASE), ("parameters", "parameters")),
    (re.compile(r"token", re.IGNORECASE), ("tokens", "tokens")),
)


def _range_noun(sentence: str, match: re.Match[str]) -> tuple[str, str] | None:
    """What a size range measures ("models from 7B to 141B"): the nearest noun around it."""
    before = sentence[max(0, match.start() - 40) : match.start()]
    after = sentence[match.end() : match.end() + 25]
    for side, distance in ((before, lambda m: len(before) - m.end()), (after, lambda m: m.start())):
        best: tuple[int, tuple[str, str]] | None = None
        for pattern, found in RANGE_NOUNS:
            distances = [distance(m) for m in pattern.finditer(side)]
            if distances and (best is None or min(distances) < best[0]):
                best = (min(distances), found)
        if best:  # a noun before the range ("model sizes ranging from") names it first
            return best[1]
    return None


def _typed(sentence: str, mention: Mention) -> Claim | None:
    """The mention as a typed claim, or None when it is not one of the paper's claims."""
    if mention.unit == "skip":
        return None
    before = sentence[: mention.span[0]]
    if CAPACITY.search(before) or THRESHOLD.search(before):
        return None
    clause_start, clause_end = _clause(sentence, mention.span)
    after = sentence[mention.span[1] : min(clause_end, mention.span[1] + AFTER_WINDOW)]
    if CAPACITY_AFTER.match(after):
        return None
    unit = mention.unit
    if unit == "%" and ABSOLUTE.search(sentence[clause_start : mention.span[0]]):
        unit = "pp"  # "by an absolute 34%": percentage points
    metric, metric_end = mention.metric, 0
    if metric is None and unit == "orders of magnitude" and SPAN.search(before):
        metric = "fit-range"  # "trends spanning seven orders of magnitude"
    if metric is None:
        metric = _metric_by(sentence[clause_start : mention.span[0]])  # "throughput by 10%"
    if metric is None:
        metric, metric_end = _metric_after(after)
        if metric is None:
            metric = _metric_before(sentence[clause_start : mention.span[0]], unit)
    if metric == "gpu-hours" and DECREASE.search(sentence[clause_start : mention.span[0]]):
        metric = "cost"  # "saving hundreds of thousands of GPU-hours": a cost result
    if metric is None and unit in ("%", "pp") and ON_BENCHMARK.match(after):
        metric = "accuracy"  # "46.4% gains on MATH", "85.7% on LiveCodeBench"
    if metric == "time" and unit == "x":
        metric = "speedup"  # "cuts training time by 2x" is a speedup
    if metric is None:
        return None
    if unit not in metric_units(metric):
        return None
    kind = str(metric_entries()[metric]["kind"])
    qualifier = mention.qualifier or _qualifier(before, after)
    change = _change(sentence, mention, clause_start, clause_end) if kind == "result" else None
    if unit in ("x", "pp", "orders of magnitude") and kind == "result" and change is None:
        change = "increase"
    quote_start = _quote_start(sentence, clause_start, mention.span[0])
    quote_end = mention.span[1] + metric_end if metric_end else mention.span[1]
    quote = sentence[quote_start:quote_end].strip().rstrip(",;:")
    baseline = None
    if kind == "result":
        baseline = (
            _baseline(sentence[mention.span[0] : clause_end])
            or _baseline(sentence[mention.span[0] :])
            or _named_before(sentence[: mention.span[0]])
        )
    return Claim(
        metric=metric,
        value=float(mention.value),
        unit=unit,
        kind=kind,
        quote=quote,
        value_high=mention.value_high,
        change=change,
        qualifier=qualifier,
        baseline=baseline,
    )


def _metric_after(after: str) -> tuple[str | None, int]:
    """What a number measures when the words right after it say so ("4.48x more requests")."""
    best: tuple[int, str, int] | None = None
    for pattern, key in METRIC_PATTERNS:
        match = pattern.search(after)
        if match and (best is None or match.start() < best[0]):
            end = match.end()
            tail = re.match(r"[\w-]*(?: \([A-Za-z]+\))?", after[end:])
            best = (match.start(), key, end + (tail.end() if tail else 0))
    if best is None or best[0] > 40:
        return None, 0
    return best[1], best[2]


BY_TAIL = re.compile(
    r"\bby\s+(?:up to\s+|over\s+|more than\s+|about\s+|around\s+|nearly\s+|approximately\s+|"
    r"an average of\s+|on average\s+|at least\s+|~\s*|>\s*)?$",
    re.IGNORECASE,
)


def _metric_by(before: str) -> str | None:
    """The metric named in the last few words before "by" and the number ("cuts tail latency
    by 38%"); the word nearest to "by" wins."""
    tail = BY_TAIL.search(before)
    if tail is None:
        return None
    words = before[: tail.start()].split()[-4:]
    head = " ".join(words)
    best: tuple[int, str] | None = None
    for pattern, key in METRIC_PATTERNS:
        for match in pattern.finditer(head):
            if best is None or match.end() > best[0]:
                best = (match.end(), key)
    return best[1] if best else None


def _metric_before(before: str, unit: str) -> str | None:
    """What a number measures, from the clause before it: the closest metric word wins; a bare
    multiplier ("2.1x") is a speedup."""
    best: tuple[int, str] | None = None
    for pattern, key in METRIC_PATTERNS:
        for match in pattern.finditer(before):
            if best is None or match.end() > best[0]:
                best = (match.end(), key)
    if best:
        return best[1]
    return "speedup" if unit == "x" else None


def _change(sentence: str, mention: Mention, start: int, end: int) -> str | None:
    """increase / decrease for a change against a baseline; None for a level ("95% accuracy")."""
    before = sentence[start : mention.span[0]]
    after = sentence[mention.span[1] : end]
    if mention.unit == "%" and not (CHANGE_BEFORE.search(before) or CHANGE_AFTER.match(after)):
        return None
    if mention.unit not in RELATIVE_UNITS:
        return None if not CHANGE_BEFORE.search(before) else _direction(before, after)
    return _direction(before, after)


def _direction(before: str, after: str) -> str:
    near_after = CHANGE_AFTER.match(after)
    if near_after:
        word = near_after.group(1).lower()
        falls = ("lower", "less", "fewer", "slower", "reduction", "decrease", "saving",
                 "savings", "smaller", "cheaper")  # fmt: skip
        return "decrease" if word in falls else "increase"
    last_down = max((m.end() for m in DECREASE.finditer(before)), default=-1)
    last_up = max((m.end() for m in INCREASE.finditer(before)), default=-1)
    return "decrease" if last_down > last_up else "increase"


def _qualifier(before: str, after: str) -> str | None:
    trimmed = re.sub(r"\s*\bby\s*$", " ", before)
    for pattern, name in QUALIFIERS:
        if pattern.search(before) or pattern.search(trimmed):
            return name
    if re.search(r">\s*$", before):
        return "over"
    if AVERAGE_AFTER.match(after) or re.search(r"(?:^|[.;]\s*)on average\b", before, re.I):
        return "average"
    return None


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


def _clean_name(raw: str) -> str | None:
    name = re.sub(r"\s+(and|with|of|or)$", "", raw.strip()).rstrip(".,;:)")
    first = name.split()[0] if name else ""
    return None if not name or first in NOT_NAMES else name


def _baseline(text: str) -> str | None:
    """The system or model a number is compared against, when the words name one."""
    match = BASELINE.search(text)
    if not match:
        lower = LOWER_BASELINE.search(text)
        if lower and not GENERIC_BASELINE.match(lower["name"]) and not DIGIT.search(lower["name"]):
            return lower["name"].strip()
        return None
    name = re.sub(r"\s+(and|with|of|or)$", "", match["name"].strip()).rstrip(".,;:)")
    first = name.split()[0] if name else ""
    return None if not name or first in NOT_NAMES else name


NAMED_BEFORE = re.compile(
    r"\b(?:outperform\w*|compared (?:to|with)|than|over|against|versus|vs\.?)\s+[^.;]{0,60}?"
    r"(?:i\.e\.,?|e\.g\.,?|such as|including|namely|systems?|frameworks?|engines?|baselines?)"
    r"\s+(?P<name>[^,;()]*?[A-Z][^,;()]*?(?: and [^,;()]+?)?)"
    r"(?=,|;|\)| in\b| on\b| by\b| with\b| across\b|$)"
)


OUTPERFORMED = re.compile(
    r"\b(?:outperform\w*|beat\w*|surpass\w*)\s+(?:the\s+)?"
    r"(?P<name>(?:[\w.+/-]+\s+){0,5}?[\w.+/-]+)(?=,|\s+(?:on|in|across|with|while|at)\b)"
)
OUTPERFORMS_BY = re.compile(
    r"\b(?:outperform\w*|beat\w*|surpass\w*)\s+(?:the\s+)?(?P<name>(?:[\w.+/-]+\s+){0,7}?[\w.+/-]+)"
    r"\s+by\s+(?:up to\s+|over\s+|more than\s+|about\s+|an? (?:absolute|average)\s+[\w\s]{0,20}?"
    r"of\s+|on average\s+|at least\s+)?$",
    re.IGNORECASE,
)


def _named_before(before: str) -> str | None:
    """Baselines named earlier in the sentence ("outperforms baselines, i.e., A and B, ...",
    "outperforms imitation learning methods by 34%")."""
    for pattern in (OUTPERFORMS_BY, OUTPERFORMED):
        outperformed = list(pattern.finditer(before))
        if outperformed and not GENERIC_BASELINE.match(outperformed[-1]["name"]):
            return outperformed[-1]["name"]
    named = list(NAMED_BEFORE.finditer(before))
    if not named:
        simple = list(BASELINE.finditer(before))
        return _clean_name(simple[-1]["name"]) if simple else None
    match = named[-1]
    name = match["name"].strip()
    return name if name and name.split()[0] not in NOT_NAMES and len(name.split()) <= 8 else None


GENERIC_BASELINE = re.compile(
    r"^(?:the\s+)?(?:state-of-the-art|existing|prior|previous|current|other|strong|"
    r"popular|leading|competitive|several|all|both|baselines?|sota|conventional)\b",
    re.IGNORECASE,
)
LOWER_BASELINE = re.compile(
    r"\b(?:compared (?:to|with)|relative to|versus|vs\.?|against|than)\s+(?:the\s+|a\s+)?"
    r"(?P<name>[a-z][\w-]*(?:\s+[\w-]+){0,4}?)(?=\s*(?:[,;.()]|$|\s(?:on|in|at|for|by|while|"
    r"when|and|under|with)\b))"
)


def _number(text: str) -> float:
    return float(text.replace(",", ""))

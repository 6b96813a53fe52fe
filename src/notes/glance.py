"""What a reader sees of a page at a glance: its summary and its typed claims.

Both come from the contributor-owned front matter and are rendered at build time (the
``paper-glance`` directive, the chapter cards, ``papers.json``), so a corrected claim shows
everywhere at the next build without regenerating the page.

The abstract's sentences are not sorted into problem / approach / results here: cue-phrase
roles were right on 2 of 15 pages read against their abstracts, and the abstract sits just
above the box. A reader's summary says it better, and where none was written yet the box says
that the summary is the abstract's first sentence.
"""

from __future__ import annotations

from typing import Any

from notes.claims import Claim, format_value
from notes.extract import code_url, extract_entities, split_sentences
from notes.markup import escape_inline, fence_for
from notes.pages import Page

MENTION_KINDS = (("benchmarks", "benchmarks"), ("models", "models"), ("systems", "systems"))
SUMMARY_FALLBACK_WORDS = 45  # a first sentence longer than this is cut, with an ellipsis


def reader_summary(data: dict[str, Any], abstract: str) -> tuple[str, str]:
    """(summary, state): state is "checked" (a reader checked it against the abstract),
    "suggested" (written or suggested, not yet checked) or "first sentence" (none yet)."""
    summary = data.get("summary")
    if isinstance(summary, str) and summary.strip():
        return summary.strip(), "checked" if data.get("checked") is True else "suggested"
    sentences = split_sentences(abstract)
    first = sentences[0].strip() if sentences else ""
    words = first.split()
    if len(words) > SUMMARY_FALLBACK_WORDS:
        first = " ".join(words[:SUMMARY_FALLBACK_WORDS]) + " …"
    return first, "first sentence"


def page_claims(data: dict[str, Any]) -> list[Claim]:
    """The page's well-formed claims (``notes check`` reports the others)."""
    claims = []
    for raw in data.get("claims") or []:
        try:
            claims.append(Claim.from_dict(raw))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return claims


STATE_NOTES = {
    "checked": "Summary and claims checked against the abstract by a reader.",
    "suggested": "Suggested from the abstract by rules, not yet checked by a reader: "
    "check before you cite.",
    "first sentence": "No summary written yet: this is the abstract's first sentence. "
    "Claims, if any, are suggestions: check before you cite.",
}


def glance_markdown(page: Page) -> str:
    """The At-a-glance box as MyST: summary, claims table, names mentioned, code link."""
    summary, state = reader_summary(page.data, page.abstract)
    parts = [f"**Summary.** {escape_inline(summary)}"]
    claims = page_claims(page.data)
    if claims:
        rows = [
            "| What | Claimed | Against | Measured on | In the abstract |",
            "| --- | --- | --- | --- | --- |",
        ]
        for claim in claims:
            kind = "" if claim.kind == "result" else " (scale)"
            cells = (
                claim.label + kind,
                format_value(claim),
                claim.baseline or "",
                claim.setting or "",
                f"“{claim.quote}”",
            )
            rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        parts.append("\n".join(rows))
    else:
        parts.append("The abstract states no number a reader would compare.")
    found = extract_entities(f"{page.title} {page.abstract}")
    mentions = [
        f"{label}: " + ", ".join(escape_inline(name) for name in found[kind])
        for kind, label in MENTION_KINDS
        if found.get(kind)
    ]
    code = code_url(page.abstract)
    if code:
        mentions.append(f"[code](<{code}>)")
    if mentions:
        parts.append("**Mentions.** " + "; ".join(mentions) + ".")
    body = "\n\n".join(parts)
    fence = fence_for(body) + "`"
    status_class = "notes-checked" if state == "checked" else "notes-suggested"
    return (
        f"{fence}{{admonition}} At a glance\n:class: tip notes-glance {status_class}\n\n"
        f"{STATE_NOTES[state]}\n\n{body}\n{fence}\n"
    )


def _cell(text: str) -> str:
    return escape_inline(text).replace("\n", " ")

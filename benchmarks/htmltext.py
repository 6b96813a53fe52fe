"""Reading the built HTML: the words of a page's content and of its tables, and which
notebooks a build executed (what myst-nb recorded)."""

from __future__ import annotations

import html
import json
import pickle
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from notes import upstream

TABLE = re.compile(r"<table\b.*?</table>", re.S)
ITABLES_DATA = re.compile(r'"data_json": ("(?:[^"\\]|\\.)*")')
ITABLES_ID = re.compile(r"itables_[0-9a-f]{8}_[0-9a-f_]+")
ARTICLE = re.compile(r"<article\b[^>]*>(.*)</article>", re.S)


def normalise(text: str) -> str:
    """Words only: case, punctuation, markup remnants and Unicode forms ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


def unescape(text: str) -> str:
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)
    text = re.sub(r"\\[nrt]", " ", text)
    for _ in range(3):  # titles in itables data are escaped more than once
        text = html.unescape(text)
    return text


def read_html(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def table_parts(path: Path) -> list[Any]:
    """A notebook page's tables: HTML tables (random itables ids blanked) and itables rows.

    The navigation lists every page too, so freshness is judged on the tables alone.
    """
    text = read_html(path)
    tables: list[Any] = [ITABLES_ID.sub("itables_ID", t) for t in TABLE.findall(text)]
    return tables + [json.loads(json.loads(data)) for data in ITABLES_DATA.findall(text)]


def table_words(path: Path) -> str:
    parts = table_parts(path)
    return f" {normalise(unescape(json.dumps(parts, ensure_ascii=False)))} "


def article_text(path: Path) -> str:
    """The page's own content, without the navigation that lists every page."""
    text = read_html(path)
    match = ARTICLE.search(text)
    return match[1] if match else text


def contains_words(haystack: str, needle: str) -> bool:
    return f" {normalise(needle)} " in haystack


def missing(haystack: str, titles: Iterable[str]) -> list[str]:
    return [title for title in titles if not contains_words(haystack, title)]


def describe_missing(titles: list[str], limit: int = 3) -> str:
    if not titles:
        return ""
    more = f" and {len(titles) - limit} more" if len(titles) > limit else ""
    return f"missing {len(titles)}: " + "; ".join(t[:50] for t in titles[:limit]) + more


def notebook_exec_data(book: Path) -> dict[str, dict[str, Any]]:
    """What myst-nb recorded per notebook (runtime, mtime, method), from Sphinx's pickle."""
    with (book / "_build" / ".doctrees" / "environment.pickle").open("rb") as handle:
        env = pickle.load(handle)
    return upstream.exec_data(env)


def re_executed(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    return [doc for doc, data in after.items() if before.get(doc, {}).get("mtime") != data["mtime"]]

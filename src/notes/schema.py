"""The page front matter schema (JSON Schema) and the tag vocabulary, kept as data files."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from notes.markup import load_yaml

PATTERN_HINTS = {
    "paper.id": "a slug (lowercase ASCII words joined by '-')",
    "paper.arxiv": "an arXiv id such as 2406.18485",
    "paper.published": "a date as YYYY-MM or YYYY-MM-DD",
    "paper.code": "an http(s) URL",
}


@cache
def tag_entries() -> dict[str, dict[str, Any]]:
    """Tag -> {meaning, match}, from ``notes/data/tags.yml``."""
    text = resources.files("notes").joinpath("data/tags.yml").read_text(encoding="utf-8")
    return {str(tag): dict(entry) for tag, entry in load_yaml(text).items()}


def tag_vocabulary() -> dict[str, str]:
    """Tag -> what it marks."""
    return {tag: str(entry["meaning"]) for tag, entry in tag_entries().items()}


@cache
def page_schema() -> dict[str, Any]:
    text = resources.files("notes").joinpath("data/page.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    schema = copy.deepcopy(schema)
    schema["properties"]["tags"]["items"]["enum"] = sorted(tag_vocabulary())
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(page_schema())


def schema_errors(data: dict[str, Any]) -> Iterator[ValidationError]:
    """Every schema violation of a page's front matter, in document order of their paths."""
    yield from sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path])


def describe(error: ValidationError) -> str:
    """A one-line message naming the key, e.g. ``claims[1].value: 'x' is not of type 'number'``."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    where = where.lstrip(".") or "front matter"
    message = error.message
    if error.validator == "enum" and error.absolute_path and error.absolute_path[0] == "tags":
        message = f"{error.instance!r} is not in the tag vocabulary (src/notes/data/tags.yml)"
    elif error.validator == "pattern":
        hint = PATTERN_HINTS.get(where, "the expected form")
        message = f"{error.instance!r} is not {hint}"
    elif error.validator == "additionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown key(s)")
    return f"{where}: {message}"

"""The page front matter schema (JSON Schema) and the tag and metric vocabularies, kept as data."""

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
    "added": "a date as YYYY-MM-DD",
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
def metric_entries() -> dict[str, dict[str, Any]]:
    """Metric key -> {label, measures, higher_is_better, kind, units}, from ``metrics.yml``."""
    text = resources.files("notes").joinpath("data/metrics.yml").read_text(encoding="utf-8")
    return {str(key): dict(entry) for key, entry in load_yaml(text).items()}


def metric_units(metric: str) -> list[str]:
    """The units a claim of this metric may use (empty for an unknown metric)."""
    return [str(unit) for unit in metric_entries().get(metric, {}).get("units", [])]


@cache
def page_schema() -> dict[str, Any]:
    """The schema file with the vocabularies filled in: tags, metric keys, and for each metric
    the units and the claim kind it allows (one ``if``/``then`` per metric)."""
    text = resources.files("notes").joinpath("data/page.schema.json").read_text(encoding="utf-8")
    schema = copy.deepcopy(json.loads(text))
    schema["properties"]["tags"]["items"]["enum"] = sorted(tag_vocabulary())
    claim = schema["properties"]["claims"]["items"]
    claim["properties"]["metric"]["enum"] = sorted(metric_entries())
    claim["allOf"] = [
        {
            "if": {"properties": {"metric": {"const": key}}, "required": ["metric"]},
            "then": {
                "properties": {
                    "unit": {"enum": metric_units(key)},
                    "kind": {"const": entry["kind"]},
                }
            },
        }
        for key, entry in metric_entries().items()
    ]
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(page_schema())


def schema_errors(data: dict[str, Any]) -> Iterator[ValidationError]:
    """Every schema violation of a page's front matter, in document order of their paths."""
    yield from sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path])


def describe(error: ValidationError, data: dict[str, Any] | None = None) -> str:
    """A one-line message naming the key, e.g. ``claims[1].value: 'x' is not of type 'number'``."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    where = where.lstrip(".") or "front matter"
    message = error.message
    field = error.absolute_path[-1] if error.absolute_path else None
    if error.validator == "enum" and error.absolute_path and error.absolute_path[0] == "tags":
        message = f"{error.instance!r} is not in the tag vocabulary (src/notes/data/tags.yml)"
    elif error.validator == "enum" and field == "metric":
        message = f"{error.instance!r} is not in the metric vocabulary (src/notes/data/metrics.yml)"
    elif error.validator == "enum" and field == "unit":
        metric = _claim_metric(error, data)
        allowed = ", ".join(repr(u) for u in error.validator_value)
        message = f"{error.instance!r} is not a unit of metric {metric!r} (allowed: {allowed})"
    elif error.validator == "const" and field == "kind":
        metric = _claim_metric(error, data)
        message = f"{error.instance!r}: a {metric!r} claim is of kind {error.validator_value!r}"
    elif error.validator == "pattern":
        hint = PATTERN_HINTS.get(where, "the expected form")
        message = f"{error.instance!r} is not {hint}"
    elif error.validator == "additionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown key(s)")
    return f"{where}: {message}"


def _claim_metric(error: ValidationError, data: dict[str, Any] | None) -> str | None:
    """The metric of the claim an error sits in (errors from ``allOf`` carry no parent)."""
    path = list(error.absolute_path)
    if data is None or len(path) < 2 or path[0] != "claims":
        return None
    claims = data.get("claims")
    claim = claims[path[1]] if isinstance(claims, list) and len(claims) > path[1] else None
    return claim.get("metric") if isinstance(claim, dict) else None

"""A typed claim: one number a paper reports, with what it measures and against what.

The same record is written into a page's front matter, suggested by the extractor, shown in the
At-a-glance box and grouped by the comparison tables, so it lives in one place. The metric
vocabulary (``notes/data/metrics.yml``) says what each metric measures and its allowed units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notes.schema import metric_entries

# The order keys are written in front matter: what, how much, against what, on what, quote.
KEY_ORDER = (
    "metric",
    "value",
    "value_high",
    "unit",
    "change",
    "qualifier",
    "baseline",
    "kind",
    "setting",
    "quote",
)
OPTIONAL_KEYS = ("value_high", "change", "setting")  # written only when they hold something


@dataclass(frozen=True)
class Claim:
    metric: str  # a key of metrics.yml
    value: float  # the number, or the low end of a range
    unit: str
    kind: str  # "result" (the paper's own outcome) or "setting" (its own experiments' scale)
    quote: str  # exact substring of the abstract
    value_high: float | None = None  # the high end of a range
    change: str | None = None  # "increase" / "decrease" against a baseline; None: a level
    qualifier: str | None = None  # "up to", "over", "about", "average", "at least", ...
    baseline: str | None = None  # what it is compared against, as the abstract names it
    setting: str | None = None  # what it was measured on: hardware, model, benchmark

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Claim:
        """A claim from front matter; raises KeyError, TypeError or ValueError if malformed."""
        high = raw.get("value_high")
        return cls(
            metric=str(raw["metric"]),
            value=float(raw["value"]),
            unit=str(raw["unit"]),
            kind=str(raw["kind"]),
            quote=str(raw["quote"]),
            value_high=float(high) if high is not None else None,
            change=raw.get("change"),
            qualifier=raw.get("qualifier"),
            baseline=raw.get("baseline"),
            setting=raw.get("setting"),
        )

    def as_dict(self) -> dict[str, Any]:
        """Front matter form: keys in ``KEY_ORDER``; whole numbers as ints; empty options left
        out, while ``qualifier`` and ``baseline`` stay (empty) so a reader sees they can be set."""
        data: dict[str, Any] = {}
        for key in KEY_ORDER:
            value = getattr(self, key)
            if key in OPTIONAL_KEYS and value is None:
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            data[key] = value
        return data

    @property
    def label(self) -> str:
        """The metric's label for tables ("Throughput", "MFU")."""
        return str(metric_entries().get(self.metric, {}).get("label", self.metric))


def format_value(claim: Claim) -> str:
    """The number as a reader writes it: "up to 2.88x higher", "39-70%", "12,288 GPUs"."""
    number = _number(claim.value, claim.unit)
    if claim.value_high is not None:
        low = _number(claim.value, claim.unit, bare=True)
        number = f"{low}\u2013{_number(claim.value_high, claim.unit)}"
    text = f"{claim.qualifier} {number}" if claim.qualifier else number
    if claim.change:
        text += " " + _direction(claim)
    return text


def _direction(claim: Claim) -> str:
    return "higher" if claim.change == "increase" else "lower"


def _number(value: float, unit: str, *, bare: bool = False) -> str:
    if unit == "x":
        return f"{value:g}" if bare else f"{value:g}x"
    if unit == "%":
        return f"{value:g}" if bare else f"{value:g}%"
    if unit == "pp":
        return f"{value:g}" if bare else f"{value:g} pp"
    text = readable(value)
    return text if bare else f"{text} {unit}"


def readable(value: float) -> str:
    """1.75e11 as "175B", 12288 as "12,288": how papers write scale."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"

"""What a benchmark run collects: measurements (several runs each), freshness checks, and
the context every section shares (work folder, runs, sizes, timeouts)."""

from __future__ import annotations

import secrets
import shutil
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .runs import Run

if TYPE_CHECKING:
    from .importing import Listing


@dataclass
class Measurement:
    key: str
    label: str
    runs: list[Run]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> list[Run]:
        return [run for run in self.runs if not run.timed_out]

    @property
    def timed_out(self) -> bool:
        return any(run.timed_out for run in self.runs)

    @property
    def median(self) -> float | None:
        return statistics.median(r.seconds for r in self.done) if self.done else None

    def phases(self) -> dict[str, float]:
        """The median of each build phase over the runs that recorded them."""
        runs = [r.phases for r in self.done if r.phases]
        return {k: round(statistics.median(p[k] for p in runs), 2) for k in (runs or [{}])[0]}

    def as_dict(self) -> dict[str, Any]:
        done = self.done
        return {
            "label": self.label,
            "runs": len(done),
            "median_s": _round(self.median),
            "min_s": _round(min((r.seconds for r in done), default=None)),
            "max_s": _round(max((r.seconds for r in done), default=None)),
            "cpu_median_s": _round(
                statistics.median(r.cpu_seconds for r in done) if done else None
            ),
            "peak_mb": _round(max((r.peak_kb for r in done), default=0) / 1024 or None, 1),
            "timed_out": self.timed_out,
            "phases_median_s": self.phases(),
            "samples": [r.as_dict() for r in self.runs],
            **self.details,
        }


@dataclass
class Check:
    scenario: str
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Context:
    workdir: Path
    runs: int
    sizes: list[int]
    timeout: float
    build_timeout: float
    keep: bool = False  # keep the project copies (for inspection) rather than delete them
    measurements: dict[str, Measurement] = field(default_factory=dict)
    exec_runs: list[dict[str, dict[str, Any]]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    listings: dict[int, Listing] = field(default_factory=dict)
    token: str = field(default_factory=lambda: secrets.token_hex(2))
    _logs: int = 0

    def log(self, name: str) -> Path:
        self._logs += 1
        folder = self.workdir / "logs"
        folder.mkdir(exist_ok=True)
        return folder / f"{self._logs:03d}-{name}.log"

    def discard(self, project: Path) -> None:
        if not self.keep:
            shutil.rmtree(project)

    def add(self, measurement: Measurement) -> None:
        self.measurements[measurement.key] = measurement

    def check(self, scenario: str, name: str, passed: bool, detail: str = "") -> None:
        self.checks.append(Check(scenario, name, passed, detail))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def progress(message: str) -> None:
    print(f"[build_speed] {message}", file=sys.stderr, flush=True)

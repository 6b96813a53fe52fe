"""The report: the machine, the measurements, checks and targets as text, Markdown and JSON."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notes.testing import ROOT, STRICT_BUILD

from .clean import notebook_rows
from .results import Check, Context, Measurement
from .runs import BenchError
from .targets import ratio, targets

PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinx-book-theme", "itables")


def machine() -> dict[str, Any]:
    cpuinfo = _read("/proc/cpuinfo")
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": models[0] if models else platform.processor(),
        "cpus": len(models) or os.cpu_count(),
        "ram_gb": round(int(memory[1]) / 1024**2, 1) if memory else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git": git_state(),
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def git_state() -> str | None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    try:
        head = git("rev-parse", "--short", "HEAD").strip()
        dirty = len(git("status", "--porcelain").splitlines())
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (f" with {dirty} uncommitted change(s)" if dirty else "")


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]

    def text(self) -> str:
        widths = [
            max(len(row[i]) for row in [self.header, *self.rows]) for i in range(len(self.header))
        ]
        lines = [
            self.title,
            "  ".join(h.ljust(w) for h, w in zip(self.header, widths, strict=True)),
        ]
        lines.append("  ".join("-" * w for w in widths))
        lines += [
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in self.rows
        ]
        return "\n".join(line.rstrip() for line in lines)

    def markdown(self) -> str:
        def row(cells: list[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        lines = [f"## {self.title}", "", row(self.header), row(["---"] * len(self.header))]
        return "\n".join([*lines, *(row(r) for r in self.rows)])


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def measurement_note(m: Measurement) -> str:
    notes = []
    if phases := m.phases():
        notes.append("phases " + " / ".join(f"{k[:-2]} {v:.1f}" for k, v in phases.items()))
    if "notebooks_re_executed" in m.details:
        executed = ", ".join(map(str, m.details["notebooks_re_executed"]))
        notes.append(f"notebooks re-executed {executed} (of {m.details['notebooks_total']})")
        notes.append(f"docs read {', '.join(map(str, m.details['docs_read']))}")
    if "import_seconds" in m.details:
        seconds = ", ".join(fmt(s) for s in m.details["import_seconds"])
        notes.append(f"notes import before it (not timed): {seconds} s")
    if "notebooks_s" in m.details:
        notes.append(f"notebooks ran {', '.join(fmt(s, 1) for s in m.details['notebooks_s'])} s")
    if m.details.get("papers") and m.median is not None:
        notes.append(f"{m.median / m.details['papers'] * 1000:.2f} s per 1,000 papers")
    if m.details.get("pages") and m.median is not None:
        notes.append(f"{m.median / m.details['pages']:.3f} s per page")
    if m.timed_out:
        notes.append(f"timed out after {m.runs[-1].seconds:.0f} s")
    if m.details.get("skipped"):
        notes.append("skipped: a smaller size timed out")
    return "; ".join(notes)


def tables(ctx: Context, report: dict[str, Any]) -> list[Table]:
    rows = []
    for m in ctx.measurements.values():
        d = m.as_dict()
        rows.append(
            [
                m.label,
                str(d["runs"]),
                fmt(d["median_s"]),
                fmt(d["min_s"]),
                fmt(d["max_s"]),
                fmt(d["cpu_median_s"]),
                fmt(d["peak_mb"], 0),
                measurement_note(m),
            ]
        )
    header = ["measurement", "runs", "median s", "min s", "max s", "CPU s", "peak MB", "notes"]
    result = [Table("Measurements", header, rows)]
    if report["notebooks"]:
        result.append(notebook_table(ctx, report["notebooks"]))
    if report["checks"]:
        check_rows = [
            [c["scenario"], c["check"], "pass" if c["passed"] else "FAIL", c["detail"]]
            for c in report["checks"]
        ]
        header = ["scenario", "check", "result", "detail"]
        result.append(Table("Freshness checks", header, check_rows))
    target_rows = [
        [t["target"], fmt(t["value"]), t["limit"], _met(t["met"]), t["note"]]
        for t in report["targets"]
    ]
    result.append(Table("Targets", ["target", "value", "limit", "met", "note"], target_rows))
    return result


def _met(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "not met")


def notebook_table(ctx: Context, rows: list[dict[str, Any]]) -> Table:
    clean = ctx.measurements.get("clean")
    total = sum(r["median_s"] or 0 for r in rows)
    body = []
    for r in [*rows, {"notebook": "all notebooks", "median_s": total}]:
        share = ratio(r["median_s"], clean.median if clean else None)
        body.append(
            [
                r["notebook"],
                fmt(r["median_s"]),
                fmt(r.get("min_s")),
                fmt(r.get("max_s")),
                "-" if share is None else f"{share:.0%}",
            ]
        )
    header = ["notebook", "median s", "min s", "max s", "/ clean build wall time"]
    title = "Notebook execution (myst-nb runtime in the clean builds; may overlap if concurrent)"
    return Table(title, header, body)


def aggregate_checks(checks: list[Check]) -> list[dict[str, Any]]:
    """One row per check: passed only if it passed in every run; the first failure's detail."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for c in checks:
        row = rows.setdefault(
            (c.scenario, c.name),
            {"scenario": c.scenario, "check": c.name, "passed": True, "runs": 0, "detail": ""},
        )
        row["runs"] += 1
        if row["passed"] and (not c.passed or not row["detail"]):
            row["detail"] = c.detail
        row["passed"] = row["passed"] and c.passed
    return list(rows.values())


def build_report(ctx: Context, info: dict[str, Any], error: BenchError | None) -> dict[str, Any]:
    return {
        "machine": info,
        "settings": {
            "runs": ctx.runs,
            "import_sizes": ctx.sizes,
            "timeout_s": ctx.timeout,
            "build_timeout_s": ctx.build_timeout,
            "build_command": "jb " + " ".join(STRICT_BUILD),
            "peak_memory": "largest ru_maxrss of the command or any one descendant",
        },
        "measurements": {k: m.as_dict() for k, m in ctx.measurements.items()},
        "notebooks": notebook_rows(ctx),
        "checks": aggregate_checks(ctx.checks),
        "targets": [t.as_dict() for t in targets(ctx)],
        "warnings": ctx.warnings,
        "error": None if error is None else str(error),
    }


def machine_lines(info: dict[str, Any]) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    return [
        f"- CPU: {info['cpu']} x {info['cpus']}; RAM {info['ram_gb']} GB",
        f"- Python {info['python']} on {info['platform']}",
        f"- {packages}",
        f"- date {info['date']}; load average at start {info['load_average']}",
        f"- repository at {info['git']}",
    ]


def markdown(report: dict[str, Any], tables_: list[Table]) -> str:
    settings = report["settings"]
    lines = [
        "# Build speed",
        "",
        "Written by `benchmarks/build_speed.py` (`make bench`); medians of "
        f"{settings['runs']} run(s); peak memory is the {settings['peak_memory']}.",
        "",
        *machine_lines(report["machine"]),
    ]
    for table in tables_:
        lines += ["", table.markdown()]
    lines += extra_lines(report)
    return "\n".join(lines).rstrip() + "\n"


def extra_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    if report["warnings"]:
        lines += ["", "## Warnings", "", *(f"- {w}" for w in report["warnings"])]
    if report["error"]:
        lines += ["", "## Stopped", "", f"- {report['error']}"]
    return lines


def text_report(report: dict[str, Any], tables_: list[Table]) -> str:
    lines = ["Build speed", *machine_lines(report["machine"])]
    for table in tables_:
        lines += ["", table.text()]
    lines += [line.replace("## ", "") for line in extra_lines(report)]
    return "\n".join(lines)

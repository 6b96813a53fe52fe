"""The build-speed benchmark's own logic, without running a build: its synthetic listings, its
plan and its targets (the measurements themselves run under `make bench`)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import build_speed
from benchmarks.importing import synthetic_listing
from benchmarks.results import Context, Measurement
from benchmarks.runs import Run
from benchmarks.targets import targets

from notes.listing import parse_listing


def test_a_synthetic_listing_parses_to_as_many_distinct_papers(tmp_path: Path) -> None:
    text, metadata = synthetic_listing(250)
    listing = tmp_path / "synthetic.txt"
    listing.write_text(text, encoding="utf-8")
    papers = parse_listing(listing)
    assert len(papers) == len({p.title for p in papers}) == 250
    assert metadata.splitlines()[0] == "title,arxiv_id,published,authors"


def test_quick_plan_skips_the_large_book() -> None:
    sections, runs, sizes = build_speed.plan(build_speed.parse_args(["--quick"]))
    assert "large" not in sections and runs == 1 and sizes == [1000]


def test_targets_judge_ratios_measured_side_by_side(tmp_path: Path) -> None:
    ctx = Context(tmp_path, 1, [1000], 60, 60)

    def measured(key: str, seconds: float, **details: object) -> None:
        ctx.add(Measurement(key, key, [Run(seconds, seconds, 1024, 0, tmp_path)], dict(details)))

    measured("clean", 30.0, pages=150)
    measured("floor", 10.0, pages=156)
    measured("rebuild-prose", 6.0)
    by_name = {t.name: t for t in targets(ctx)}
    assert by_name["clean build / floor"].value == 3.0
    assert by_name["clean build / floor"].met is False
    assert by_name["edit-prose rebuild / clean build"].met is True
    assert by_name["add-page rebuild / clean build"].met is None  # not measured

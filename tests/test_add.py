"""`notes add`: one paper in, a listing line and a page out; duplicates refused or flagged."""

from __future__ import annotations

import io
from pathlib import Path

from notes.cli import main
from notes.listing import parse_listing

from .conftest import snapshot

ABSTRACT = (
    "We present a serving system for large language models that manages the KV cache in pages. "
    "It raises throughput by 2x over the best baseline on production traces."
)


def _add(project: Path, *args: str) -> int:
    listing = project.parent / "data" / "contributions.txt"
    return main(["add", "--book", str(project), "--listing", str(listing), *args])


def test_add_creates_the_page_and_records_the_paper(project: Path, capsys) -> None:
    assert _add(project, "--title", "Paged Serving: A Study", "--abstract", ABSTRACT) == 0
    page = project / "serving" / "paged-serving.md"
    assert page.exists()
    assert "created " in capsys.readouterr().out
    listing = project.parent / "data" / "contributions.txt"
    (paper,) = parse_listing(listing)
    assert paper.title == "Paged Serving: A Study" and paper.abstract == ABSTRACT
    assert "source: data/contributions.txt" in page.read_text(encoding="utf-8")
    # The book and the listings agree: importing every listing now changes nothing.
    before = snapshot(project)
    data = project.parent / "data"
    assert main(["import", *map(str, sorted(data.glob("*.txt"))), "--book", str(project)]) == 0
    assert snapshot(project) == before


def test_add_refuses_a_title_that_has_a_page(project: Path, capsys) -> None:
    before = snapshot(project.parent)
    title = "DistServe: Disaggregating Prefill and Decoding for Goodput-optimized Large Language "
    title += "Model Serving"
    assert _add(project, "--title", title.upper(), "--abstract", ABSTRACT) == 1
    assert "already has a page: " in capsys.readouterr().err
    assert snapshot(project.parent) == before


def test_add_warns_about_a_near_duplicate(project: Path, capsys) -> None:
    title = "Llumnix - Dynamic Scheduling for Large Language Models Serving"
    assert _add(project, "--title", title, "--abstract", ABSTRACT) == 0
    err = capsys.readouterr().err
    assert "warning: title is close to 'Llumnix: Dynamic Scheduling" in err
    assert "serving/llumnix.md" in err


def test_add_from_a_file_and_with_a_chosen_chapter(project: Path, tmp_path: Path) -> None:
    source = tmp_path / "two.txt"
    source.write_text(f"First New Paper\n{ABSTRACT}\n\nSecond New Paper\n{ABSTRACT}\n")
    assert _add(project, "--from", str(source), "--chapter", "other") == 0
    assert (project / "other" / "first-new-paper.md").exists()
    assert (project / "other" / "second-new-paper.md").exists()


def test_add_from_standard_input(project: Path, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"Piped Paper\n{ABSTRACT}\n"))
    assert _add(project, "--from", "-") == 0
    assert list(project.glob("*/piped-paper.md"))


def test_malformed_input_names_its_line_and_writes_nothing(
    project: Path, tmp_path: Path, capsys
) -> None:
    source = tmp_path / "bad.txt"
    source.write_text(f"Good Paper\n{ABSTRACT}\nTitle Without Abstract\n")
    before = snapshot(project.parent)
    assert _add(project, "--from", str(source)) == 1
    assert f"{source}:3: title 'Title Without Abstract' has no abstract" in capsys.readouterr().err
    assert snapshot(project.parent) == before


def test_title_needs_abstract(project: Path, capsys) -> None:
    assert _add(project, "--title", "Lonely Title") == 1
    assert "--title needs --abstract" in capsys.readouterr().err

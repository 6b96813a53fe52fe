"""`notes check`: the committed book passes; each kind of broken page is named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from notes.check import check_book
from notes.cli import main

from .conftest import BOOK


def test_committed_book_has_no_problems() -> None:
    assert check_book(BOOK) == []


def _problems(book: Path) -> list[str]:
    return [f"{p.path.split('/book/')[-1]}:{p.line}: {p.message}" for p in check_book(book)]


def _edit(page: Path, old: str, new: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = [
    ("bad yaml", "tags: []", "tags: [}", "front matter is not valid YAML"),
    ("no title", "title: 'LoongTrain", "subject: 'LoongTrain", "front matter needs a 'title'"),
    ("no fence", "---\ntitle:", "title:", "does not start with front matter"),
    ("id mismatch", "  id: loongtrain", "  id: loong", "paper.id is 'loong'"),
    ("block unclosed", "% notes:abstract:end\n", "", "generated block 'abstract' is missing"),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), CASES, ids=[c[0] for c in CASES])
def test_broken_page_is_reported_with_file_and_line(
    project: Path, name: str, old: str, new: str, message: str
) -> None:
    page = project / "training-systems" / "loongtrain.md"
    _edit(page, old, new)
    problems = _problems(project)
    assert len(problems) == 1, problems
    assert problems[0].startswith("training-systems/loongtrain.md:")
    assert message in problems[0]


def test_yaml_error_points_at_the_broken_line(project: Path) -> None:
    page = project / "training-systems" / "loongtrain.md"
    _edit(page, "status: stub", "status: [stub")
    (problem,) = check_book(project)
    lines = page.read_text(encoding="utf-8").splitlines()
    assert lines[problem.line - 1] == "status: [stub"


def test_unknown_folder_duplicate_title_and_slug(project: Path) -> None:
    source = project / "training-systems" / "loongtrain.md"
    (project / "misc").mkdir()
    (project / "misc" / "stray.md").write_text(source.read_text(encoding="utf-8"))
    (project / "serving" / "loongtrain.md").write_text(source.read_text(encoding="utf-8"))
    problems = "\n".join(_problems(project))
    assert "misc/stray.md:1: folder 'misc' is not a chapter" in problems
    assert "same title as" in problems
    assert "loongtrain.md:1: same slug 'loongtrain' as" in problems


def test_cli_exit_codes(project: Path, capsys) -> None:
    assert main(["check", "--book", str(project)]) == 0
    _edit(project / "moe" / "moec.md", "title:", "titel:")
    assert main(["check", "--book", str(project)]) == 1
    out = capsys.readouterr().out
    assert "moe/moec.md:2: front matter needs a 'title'" in out
    assert out.count("\n") == 1


def test_a_page_in_a_surprising_chapter_is_a_warning_not_an_error(project: Path, capsys) -> None:
    assert main(["move", "distserve", "agents", "--book", str(project)]) == 0
    capsys.readouterr()
    assert main(["check", "--book", str(project)]) == 0
    out = capsys.readouterr().out
    expected = "agents/distserve.md:1: warning: in 'agents' but the classifier suggests 'serving'"
    assert expected in out
    assert main(["check", "--book", str(project), "--no-placement"]) == 0
    assert "warning" not in capsys.readouterr().out

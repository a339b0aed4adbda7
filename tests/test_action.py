"""action.yml run the way GitHub runs a composite action: each `run:` step in bash with
`-eo pipefail`, inputs (defaults or given) reaching the scripts through the step's `env`, the
runner's files ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) and variables ($RUNNER_TEMP,
$GITHUB_ACTION_PATH). `uses:` steps are not run; their `if:` is evaluated and recorded.

The install step runs for real (pip builds this package from the action's folder); the
dependencies are already on PYTHONPATH, so pip fetches nothing but the build backend.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLE, ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expression: str, inputs: dict, outputs: dict) -> object:
    """The few expression forms action.yml uses: inputs.X, steps.S.outputs.O, always(), ==, !=, &&."""
    def value(match: re.Match) -> str:
        kind, *rest = match.group(0).split(".")
        found = inputs.get(rest[0], "") if kind == "inputs" else outputs.get(rest[0], {}).get(rest[2], "")
        return repr(found)
    python = re.sub(r"\b(inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+)", value, expression)
    python = python.replace("always()", "True").replace("&&", " and ").replace("||", " or ")
    return eval(python, {"__builtins__": {}})  # the expression comes from our own action.yml


def substitute(text: str, inputs: dict, outputs: dict) -> str:
    return EXPRESSION.sub(lambda m: str(evaluate(m.group(1), inputs, outputs)), text)


def read_outputs(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines if "=" in line)


class Runner:
    """A job's runner for this action: one temp folder, one workspace, one summary file."""

    def __init__(self, temp: Path, workspace: Path) -> None:
        self.temp, self.workspace = temp, workspace
        self.summary = temp / "summary.md"
        self.site = sysconfig.get_paths()["purelib"]

    def environment(self, step_env: dict, output_file: Path) -> dict[str, str]:
        return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                "PYTHONPATH": self.site, "RUNNER_TEMP": str(self.temp), "GITHUB_ACTION_PATH": str(ROOT),
                "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_OUTPUT": str(output_file),
                "GITHUB_STEP_SUMMARY": str(self.summary), "PIP_DISABLE_PIP_VERSION_CHECK": "1", **step_env}

    def run(self, given: dict, skip: tuple[str, ...] = ()) -> dict:
        inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} | given
        outputs: dict[str, dict] = {}
        record = {"uses": [], "exit": 0, "stdout": ""}
        for index, step in enumerate(ACTION["runs"]["steps"]):
            condition = step.get("if")
            if condition and not evaluate(condition.removeprefix("${{").removesuffix("}}"), inputs, outputs):
                continue
            if "uses" in step or step.get("name") in skip:
                record["uses"].append(step.get("uses") or step["name"])
                continue
            if record["exit"]:
                break  # a failed step stops the job (only `always()` steps run after it)
            record["exit"], stdout = self._run_step(step, index, inputs, outputs)
            record["stdout"] += stdout
        record["outputs"] = {name: substitute(spec["value"], inputs, outputs)
                             for name, spec in ACTION["outputs"].items()}
        return record

    def _run_step(self, step: dict, index: int, inputs: dict, outputs: dict) -> tuple[int, str]:
        assert step["shell"] == "bash"
        output_file = self.temp / f"output-{index}"
        env = {k: substitute(str(v), inputs, outputs) for k, v in (step.get("env") or {}).items()}
        script = self.temp / f"step-{index}.sh"
        script.write_text(step["run"])
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=self.environment(env, output_file), capture_output=True,
                              text=True, timeout=600)
        if step.get("id"):
            outputs[step["id"]] = read_outputs(output_file)
        return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """RUNNER_TEMP after the install step: the package built and installed from the action's folder."""
    temp = tmp_path_factory.mktemp("runner")
    runner = Runner(temp, temp)
    install = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Install openwashing")
    code, log = runner._run_step(install, 0, {}, {})
    assert code == 0, log
    assert (temp / "openwashing" / "bin" / "openwashing").exists()
    return temp


@pytest.fixture
def runner(installed, tmp_path) -> Runner:
    workspace = tmp_path / "workspace"
    shutil.copytree(EXAMPLE, workspace)
    (workspace / ".git").mkdir()  # a checkout
    (installed / "summary.md").unlink(missing_ok=True)
    return Runner(installed, workspace)


def test_findings_fail_the_step_with_annotations_summary_and_sarif(runner):
    result = runner.run({"sarif": "true"}, skip=("Install openwashing",))
    assert result["exit"] == 1  # fail-on: error, and the example has errors
    assert "::error file=README.md,line=13," in result["stdout"]
    summary = runner.summary.read_text()
    assert summary.startswith("# openwashing: workspace") and "## Openness: `restricted-weights`" in summary
    assert result["outputs"]["verdict"] == "restricted-weights" and result["outputs"]["findings"] == "4"
    sarif = runner.workspace / "openwashing.sarif"
    assert sarif.exists() and result["outputs"]["sarif-file"] == "openwashing.sarif"
    assert result["uses"] == ["actions/setup-python@v5", "Install openwashing", "github/codeql-action/upload-sarif@v3"]
    scorecard = runner.workspace / result["outputs"]["scorecard-file"]
    assert json.loads(scorecard.read_text())["assessment"]["level"] == "restricted-weights"


def test_fail_on_never_passes_and_skips_the_upload(runner):
    result = runner.run({"fail-on": "never"}, skip=("Install openwashing",))
    assert result["exit"] == 0 and "::error file=README.md" in result["stdout"]
    assert "github/codeql-action/upload-sarif@v3" not in result["uses"]
    assert not (runner.workspace / "openwashing.sarif").exists()


def test_the_cyclonedx_ml_bom_is_written_and_uploaded_as_an_artifact(runner):
    result = runner.run({"cyclonedx": "true", "hub": "false", "fail-on": "never"}, skip=("Install openwashing",))
    bom = json.loads((runner.workspace / result["outputs"]["cyclonedx-file"]).read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["metadata"]["component"]["type"] == "machine-learning-model"
    assert "actions/upload-artifact@v4" in result["uses"]


def test_inputs_are_never_pasted_into_scripts():
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")

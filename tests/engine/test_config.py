"""The configuration file: defaults, validation with file, line and key, and `_extends` merging."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.engine.config import Config, ConfigError, merge, parse_config

KNOWN = {"OpenSourceClaim", "FullyOpenClaim"}


def test_empty_file_means_defaults():
    assert parse_config("") == Config()


def test_defaults_without_a_file_are_the_validated_defaults():
    built, validated = Config(), parse_config("")
    assert built == validated and built.declared == validated.declared
    assert built.given == validated.given == frozenset()
    assert merge(built, parse_config("fail_on: warning\n")).fail_on == "warning"


def test_a_scan_with_cached_rules_and_no_configuration_file_never_imports_pydantic(tmp_path):
    """Importing pydantic and building its schemas is a quarter of a small scan's whole process:
    pydantic validates rule and configuration files when they are read, and only then."""
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "README.md").write_text("# A model\n\nAn open-source model. Weights under Apache-2.0.\n")
    code = ("import sys; from app.engine.scan import scan; from app.engine.snapshot import Snapshot; "
            "report = scan(Snapshot.from_folder(sys.argv[1])); print(len(report.findings), 'pydantic' in sys.modules)")
    env = {**os.environ, "OPENWASHING_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("OPENWASHING_NO_CACHE", None)

    def run() -> str:
        command = [sys.executable, "-c", code, str(tmp_path / "repo")]
        return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout.split()

    first, second = run(), run()
    assert first == ["1", "True"]  # rules read and validated: pydantic needed
    assert second == ["1", "False"]  # the same finding from the cached rules, without it


@pytest.mark.parametrize(("text", "line", "key"), [
    ("fail_on: sometimes\n", 1, "fail_on"),
    ("include: []\ndeclared:\n  weights:\n    urll: x\n", 4, "declared.weights.urll"),
    ("ignore:\n  - OpenSourceClaim\n  - NoSuchRule\n", 3, "ignore.1"),
    ("levels:\n  OpenSourceClaim: fatal\n", 2, "levels.OpenSourceClaim"),
    ("max_file_bytes: -5\n", 1, "max_file_bytes"),
])
def test_invalid_values_name_line_and_key(text, line, key):
    with pytest.raises(ConfigError) as raised:
        parse_config(text, ".github/openwashing.yml", KNOWN)
    assert (raised.value.line, raised.value.key) == (line, key)
    assert str(raised.value).startswith(f".github/openwashing.yml:{line}: {key}:")


def test_invalid_yaml_names_the_line():
    with pytest.raises(ConfigError) as raised:
        parse_config("ignore: [a\nfail_on: error\n")
    assert raised.value.line is not None and "not valid YAML" in str(raised.value)


def test_not_a_mapping():
    with pytest.raises(ConfigError, match="mapping"):
        parse_config("- a\n- b\n")


def test_extends_merges_key_by_key():
    org = parse_config("fail_on: warning\nignore: [FullyOpenClaim]\n", known_rules=KNOWN)
    repo = parse_config("_extends: .github\nfail_on: never\n", known_rules=KNOWN)
    merged = merge(org, repo)
    assert merged.fail_on == "never" and merged.ignore == ["FullyOpenClaim"] and merged.extends == ".github"

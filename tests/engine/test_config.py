"""The configuration file: defaults, validation with file, line and key, and `_extends` merging."""

from __future__ import annotations

import pytest

from app.engine.config import Config, ConfigError, merge, parse_config

KNOWN = {"OpenSourceClaim", "FullyOpenClaim"}


def test_empty_file_means_defaults():
    assert parse_config("") == Config()


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

"""Command parsing and the config edit behind `ignore`, without a server."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from app.commands.parse import is_bot, parse_commands
from app.github.writes import config_with_ignored


def test_commands_anywhere_in_order_case_insensitive():
    body = "Thanks!\n/openwashing CHECK\nsome text\n@OpenWashing explain llama3\n  /openwashing fix  \n"
    assert [(c.name, c.args) for c in parse_commands(body, "openwashing")] == [
        ("check", ""), ("explain", "llama3"), ("fix", "")]


def test_not_commands():
    body = "see /openwashing fix in the docs\n> /openwashing fix\n```\n/openwashing fix\n```\n/openwashingfix\n"
    assert parse_commands(body, "openwashing") == []


def test_bare_prefix_means_help():
    assert [c.name for c in parse_commands("/openwashing", "openwashing")] == ["help"]


def test_bots():
    assert is_bot({"login": "openwashing[bot]", "type": "Bot"}) and is_bot({"login": "x[bot]"})
    assert not is_bot({"login": "someone", "type": "User"})


@given(st.text(max_size=2000))
def test_parsing_never_raises(body):
    for command in parse_commands(body, "openwashing"):
        assert command.name == command.name.lower()


def test_ignore_creates_a_config():
    assert config_with_ignored(None, "FossClaim", "tooling only") == "ignore:\n  - FossClaim  # tooling only\n"


def test_ignore_keeps_other_settings_and_comments():
    current = ("# our settings\nfail_on: warning\nignore:\n  - FullyOpenClaim  # marketing copy\n\n"
               "exclude: ['docs/**']\n")
    updated = config_with_ignored(current, "FossClaim", "tooling")
    assert "# our settings" in updated and "# marketing copy" in updated
    assert yaml.safe_load(updated) == {"fail_on": "warning", "ignore": ["FullyOpenClaim", "FossClaim"],
                                       "exclude": ["docs/**"]}


def test_ignore_with_flow_list_and_without_ignore_key():
    assert yaml.safe_load(config_with_ignored("ignore: [FullyOpenClaim]\n", "FossClaim", ""))["ignore"] == [
        "FullyOpenClaim", "FossClaim"]
    assert yaml.safe_load(config_with_ignored("fail_on: never\n", "FossClaim", "x")) == {
        "fail_on": "never", "ignore": ["FossClaim"]}


def test_ignore_is_a_no_op_when_already_ignored():
    current = "ignore:\n  - FossClaim\n"
    assert config_with_ignored(current, "FossClaim", "again") == current

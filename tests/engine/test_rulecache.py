"""The validated rule set is kept between runs, keyed by the files, and only trusted files are read."""

from __future__ import annotations

import os
import shutil

import pytest

from app.engine import rulecache
from app.engine.ruleset import load_ruleset, rules_dir


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("OPENWASHING_CACHE_DIR", str(folder))
    monkeypatch.delenv("OPENWASHING_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def rules(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy)
    return copy


def counting(calls: list):
    def load(root):
        calls.append(root)
        return load_ruleset(root)
    return load


def test_the_second_run_loads_the_validated_set_from_the_cache(cache, rules):
    calls: list = []
    first = rulecache.cached(rules, counting(calls))
    second = rulecache.cached(rules, counting(calls))
    assert len(calls) == 1 and len(list(cache.glob("rules-*.pickle"))) == 1
    assert [c.id for c in second.claims] == [c.id for c in first.claims]
    assert [lic.id for lic in second.licenses] == [lic.id for lic in first.licenses]
    assert (cache.stat().st_mode & 0o777) == 0o700


def test_an_edited_rule_file_is_read_again(cache, rules):
    calls: list = []
    rulecache.cached(rules, counting(calls))
    licence = rules / "licenses" / "MIT.yml"
    licence.write_text(licence.read_text().replace("name: MIT License", "name: MIT Licence (edited)"))
    edited = rulecache.cached(rules, counting(calls))
    assert len(calls) == 2 and next(lic for lic in edited.licenses if lic.id == "MIT").name.endswith("(edited)")


def test_a_file_others_could_have_written_is_never_unpickled(cache, rules):
    calls: list = []
    rulecache.cached(rules, counting(calls))
    [stored] = cache.glob("rules-*.pickle")
    os.chmod(stored, 0o666)
    rulecache.cached(rules, counting(calls))
    assert len(calls) == 2
    stored.write_bytes(b"not a pickle")  # a damaged file is a miss, not an error
    os.chmod(stored, 0o600)
    rulecache.cached(rules, counting(calls))
    assert len(calls) == 3


def test_the_cache_can_be_turned_off(cache, rules, monkeypatch):
    monkeypatch.setenv("OPENWASHING_NO_CACHE", "1")
    calls: list = []
    rulecache.cached(rules, counting(calls))
    rulecache.cached(rules, counting(calls))
    assert len(calls) == 2 and not cache.exists()


def test_compiled_templates_are_kept_in_a_folder_only_the_user_can_write(cache):
    from app.report.templating import bytecode_cache

    assert bytecode_cache() is not None and (cache / "templates").is_dir()
    assert ((cache / "templates").stat().st_mode & 0o777) == 0o700
    os.chmod(cache / "templates", 0o777)
    assert bytecode_cache() is None  # a folder others can write to is not used

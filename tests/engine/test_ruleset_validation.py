"""Rule files are validated when they load; a bad one is named with the key that is wrong."""

from __future__ import annotations

import shutil

import pytest

from app.engine.ruleset import RuleFileError, load_ruleset
from app.paths import rules_dir


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(rules_dir(), target)
    return target


def test_bundled_rules_load():
    rules = load_ruleset()
    assert len(rules.claims) >= 4 and len(rules.licenses) >= 50


def test_adding_a_licence_needs_no_code(rules_copy, ruleset):
    (rules_copy / "licenses" / "Acme-Model.yml").write_text(
        "id: Acme-Model\nname: Acme Model License\nosi_approved: false\nopen_terms: false\nkind: model\n"
        "restrictions: [non-commercial]\nphrases: ['ACME MODEL LICENSE']\nsource: https://example.com\n")
    rules = load_ruleset(rules_copy)
    assert rules.license("Acme-Model").restrictions == ["non-commercial"]


@pytest.mark.parametrize(("file", "content", "expected"), [
    ("claims/OpenSourceClaim.yml", "id: OpenSourceClaim\nextends: claim\n", ": Field required"),
    ("claims/Broken.yml", "id: Broken\nextends: claim\nlevel: error\ntargets: [model]\nlink: x\nmessage: m\n"
     "description: d\ntokens: ['(unclosed']\nswap: [{replacement: x}]\n", "invalid regular expression"),
    ("claims/Other.yml", "id: NotTheFileName\nextends: claim\nlevel: error\ntargets: [model]\nlink: x\n"
     "message: m\ndescription: d\ntokens: ['x']\nswap: [{replacement: x}]\n", "must match the file name"),
    ("licenses/MIT.yml", "id: MIT\nname: MIT\nosi_approved: true\nopen_terms: true\nkind: software\n"
     "restrictions: [made-up]\nphrases: [x]\nsource: s\n", "unknown restriction ids"),
    ("licenses/MIT.yml", "id: MIT\nname: [unclosed\n", "is not valid YAML"),
    ("languages/en.yml", "id: en\nname: English\nscript: latin\nmodel_nouns: [model]\n",
     "software_nouns: Field required"),
    ("languages/zh.yml", "id: cn\nname: Chinese\nscript: cjk\nmodel_nouns: [x]\nsoftware_nouns: [x]\n"
     "license_nouns: [x]\ncopulas: [x]\nphrase_boundaries: [x]\nother_markers: []\nnegations: []\n",
     "must match the file name"),
    ("claims/FossClaim.yml", "id: FossClaim\nextends: claim\nlevel: error\ntargets: [model]\nlink: x\nmessage: m\n"
     "description: d\ntokens: ['x']\nswap: [{replacement: x}]\nlanguages:\n  xx:\n    tokens: [y]\n"
     "    swap: [{replacement: z}]\n", "no vocabulary for ['xx']"),
])
def test_bad_rule_files_are_named(rules_copy, file, content, expected):
    (rules_copy / file).write_text(content)
    with pytest.raises(RuleFileError) as raised:
        load_ruleset(rules_copy)
    assert file.split("/")[-1] in str(raised.value) and expected in str(raised.value)


def test_libyaml_reads_every_rule_file_as_the_pure_loader_does():
    """The rule files are read with libyaml's loader for speed; the result must not change."""
    from pathlib import Path

    import yaml
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML was built without libyaml here; the pure loader is used")
    for path in sorted(Path(rules_dir()).rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.load(text, Loader=yaml.SafeLoader), path

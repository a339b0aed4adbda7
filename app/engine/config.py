"""The per-repository configuration file, `.github/openwashing.yml`, validated with positions."""

from __future__ import annotations

import fnmatch
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.engine import yamlsafe

CONFIG_PATH = ".github/openwashing.yml"
DEFAULT_MAX_FILE_BYTES = 4_000_000  # larger documents are skipped with a notice


class ConfigError(Exception):
    """The configuration cannot be used. Names the file, the line and the key."""

    def __init__(self, path: str, line: int | None, key: str, message: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")
        self.path, self.line, self.key, self.detail = path, line, key, message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class DeclaredWeights(_Strict):
    url: str | None = Field(None, description="where the weights are published")
    license: str | None = Field(None, description="licence of the weights: SPDX or Hugging Face id")


class Declared(_Strict):
    """Facts a repository cannot show in its own files (weights hosted elsewhere, …)."""

    weights: DeclaredWeights | None = None
    training_code: str | None = Field(None, description="link to the training code")
    data_information: str | None = Field(None, description="link to a data card or datasheet")
    code_license: str | None = None


class Config(_Strict):
    extends: str | None = Field(None, alias="_extends", description="repo to inherit settings from")
    include: list[str] = Field(default_factory=list, description="extra documents to read (globs)")
    exclude: list[str] = Field(default_factory=list, description="paths never read (globs)")
    ignore: list[str] = Field(default_factory=list, description="rule ids switched off")
    levels: dict[str, Literal["error", "warning", "notice"]] = Field(default_factory=dict)
    fail_on: Literal["error", "warning", "notice", "never"] = "error"
    declared: Declared = Field(default_factory=Declared)
    max_file_bytes: int = Field(DEFAULT_MAX_FILE_BYTES, gt=0)

    def excludes(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.exclude)

    def includes(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.include)

    def ignores(self, rule_id: str) -> bool:
        return rule_id.lower() in (r.lower() for r in self.ignore)


def parse_config(text: str, path: str = CONFIG_PATH, known_rules: set[str] | None = None) -> Config:
    """Parse and validate a configuration file; ConfigError says where it is wrong."""
    try:
        data, node = yamlsafe.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(path, mark.line + 1 if mark else None, "",
                          f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise ConfigError(path, 1, "", "must be a mapping of settings")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(p) for p in error["loc"]]
        raise ConfigError(path, _line_of(node, loc), ".".join(loc), _message(error, loc)) from exc
    _check_rule_ids(config, node, path, known_rules)
    return config


def _message(error: dict, loc: list[str]) -> str:
    """Pydantic's words, except for an unknown key, which is named with the keys allowed there."""
    if error["type"] != "extra_forbidden":
        return error["msg"]
    model: type[BaseModel] = Config
    for part in loc[:-1]:
        annotation = model.model_fields[part].annotation
        model = next((a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type)
                      and issubclass(a, BaseModel)), model)
    known = sorted(f.alias or name for name, f in model.model_fields.items())
    return f"not a setting here; the settings are {', '.join(known)}"


def merge(base: Config, override: Config) -> Config:
    """Probot's `_extends`: the repository's own keys replace the inherited ones, key by key."""
    merged = base.model_dump(by_alias=True)
    merged.update(override.model_dump(by_alias=True, exclude_unset=True))
    return Config.model_validate(merged)


def _check_rule_ids(config: Config, node: yaml.Node | None, path: str, known: set[str] | None) -> None:
    lowered = {k.lower() for k in known} if known else set()
    for key, ids in (("ignore", config.ignore), ("levels", list(config.levels))):
        for i, rule_id in enumerate(ids):
            if known and rule_id.lower() not in lowered:
                loc = [key, str(i)] if key == "ignore" else [key, rule_id]
                raise ConfigError(path, _line_of(node, loc), ".".join(loc),
                                  f"unknown rule {rule_id!r}; `openwashing rules` lists them")


def _line_of(node: yaml.Node | None, loc: list[str]) -> int | None:
    """1-based line of the deepest node on a key path (the key itself for a bad value)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line

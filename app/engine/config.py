"""The per-repository configuration file, `.github/openwashing.yml`, validated with positions."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, get_type_hints

if TYPE_CHECKING:
    import yaml

from app.engine.schema import FORBID_EXTRA, Checked, Invalid, as_data, validate

CONFIG_PATH = ".github/openwashing.yml"
DEFAULT_MAX_FILE_BYTES = 4_000_000  # larger documents are skipped with a notice
_KEY_ALIASES = {"_extends": "extends"}  # the file's key (Probot's) and the setting it fills


class ConfigError(Exception):
    """The configuration cannot be used. Names the file, the line and the key."""

    def __init__(self, path: str, line: int | None, key: str, message: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")
        self.path, self.line, self.key, self.detail = path, line, key, message


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


@dataclass(frozen=True, kw_only=True)
class DeclaredWeights:
    __pydantic_config__: ClassVar = FORBID_EXTRA
    url: str | None = None  # where the weights are published
    license: str | None = None  # licence of the weights: SPDX or Hugging Face id


@dataclass(frozen=True, kw_only=True)
class Declared:
    """Facts a repository cannot show in its own files (weights hosted elsewhere, …)."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    weights: DeclaredWeights | None = None
    training_code: str | None = None  # link to the training code
    data_information: str | None = None  # link to a data card or datasheet
    code_license: str | None = None


@dataclass(frozen=True, kw_only=True)
class Config:
    __pydantic_config__: ClassVar = FORBID_EXTRA
    # The settings the file itself gave (the rest are defaults or inherited): set by parse_config.
    given: ClassVar[frozenset[str]] = frozenset()

    extends: str | None = None  # `_extends` in the file: a repository to inherit settings from
    include: list[str] = field(default_factory=list)  # extra documents to read (globs)
    exclude: list[str] = field(default_factory=list)  # paths never read (globs)
    ignore: list[str] = field(default_factory=list)  # rule ids switched off
    levels: dict[str, Literal["error", "warning", "notice"]] = field(default_factory=dict)
    fail_on: Literal["error", "warning", "notice", "never"] = "error"
    declared: Declared = field(default_factory=Declared)
    max_file_bytes: Annotated[int, Checked(_positive)] = DEFAULT_MAX_FILE_BYTES

    def excludes(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.exclude)

    def includes(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.include)

    def ignores(self, rule_id: str) -> bool:
        return rule_id.lower() in (r.lower() for r in self.ignore)


def parse_config(text: str, path: str = CONFIG_PATH, known_rules: set[str] | None = None) -> Config:
    """Parse and validate a configuration file; ConfigError says where it is wrong."""
    import yaml  # a scan without a configuration file never loads PyYAML (~5 ms of start-up)

    from app.engine import yamlsafe
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
    config = _validated(data, path, node)
    _check_rule_ids(config, node, path, known_rules)
    return config


def _validated(data: dict, path: str, node: yaml.Node | None) -> Config:
    settings = {_KEY_ALIASES.get(str(k), k): v for k, v in data.items()}
    try:
        config = validate(Config, settings)
    except Invalid as exc:
        loc, message, kind = exc.problems[0]
        loc = [_file_key(loc[0]), *loc[1:]] if loc else loc
        raise ConfigError(path, _line_of(node, loc), ".".join(loc), _message(message, kind, loc)) from None
    object.__setattr__(config, "given", frozenset(settings))
    return config


def _file_key(name: str) -> str:
    return next((key for key, setting in _KEY_ALIASES.items() if setting == name), name)


def _message(message: str, kind: str, loc: list[str]) -> str:
    """pydantic's words, except for an unknown key, which is named with the keys allowed there."""
    if kind not in ("extra_forbidden", "unexpected_keyword_argument"):
        return message
    cls: type = Config
    for part in loc[:-1]:
        hint = get_type_hints(cls).get(part)
        cls = next((a for a in getattr(hint, "__args__", (hint,)) if isinstance(a, type)
                    and hasattr(a, "__dataclass_fields__")), cls)
    known = sorted(_file_key(f.name) for f in fields(cls))
    return f"not a setting here; the settings are {', '.join(known)}"


def as_settings(config: Config) -> dict[str, object]:
    """The settings as the file would write them (unset ones left out)."""
    return {_file_key(k): v for k, v in as_data(config).items()}


def merge(base: Config, override: Config) -> Config:
    """Probot's `_extends`: the repository's own keys replace the inherited ones, key by key."""
    merged = replace(base, **{key: getattr(override, key) for key in override.given})
    object.__setattr__(merged, "given", base.given | override.given)
    return merged


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
    import yaml
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

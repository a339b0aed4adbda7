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


Problem = tuple[int | None, str, str]  # line, key, message


class ConfigError(Exception):
    """The configuration cannot be used. Names the file and, for each mistake, its line and key
    (every mistake at once, so one edit can fix them all)."""

    def __init__(self, path: str, line: int | None, key: str, message: str, more: tuple[Problem, ...] = ()) -> None:
        self.path, self.line, self.key, self.detail = path, line, key, message
        self.problems: list[Problem] = [(line, key, message), *more]
        lines = [self._where(*problem) for problem in self.problems]
        super().__init__(lines[0] if len(lines) == 1 else
                         f"{path} has {len(lines)} problems:\n" + "\n".join(f"  {line}" for line in lines))

    def _where(self, line: int | None, key: str, message: str) -> str:
        where = f"{self.path}:{line}" if line else self.path
        return f"{where}: {key}: {message}" if key else f"{where}: {message}"

    @classmethod
    def of(cls, path: str, problems: list[Problem]) -> ConfigError:
        (line, key, message), *more = problems
        return cls(path, line, key, message, tuple(more))


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
    hub: bool = True  # read the Hugging Face Hub pages the repository links to (false: never)

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
    settings = {_KEY_ALIASES.get(str(k), k): v for k, v in data.items()}
    config, problems = _validated(settings, node)
    problems += _unknown_rule_ids(settings, node, known_rules)
    if problems:
        raise ConfigError.of(path, sorted(problems, key=lambda p: (p[0] or 0, p[1])))
    object.__setattr__(config, "given", frozenset(settings))
    return config


def _validated(settings: dict, node: yaml.Node | None) -> tuple[Config, list[Problem]]:
    try:
        return validate(Config, settings), []
    except Invalid as exc:
        problems = []
        for loc, message, kind in exc.problems:
            loc = [_file_key(loc[0]), *loc[1:]] if loc else loc
            problems.append((_line_of(node, loc), ".".join(loc), _message(message, kind, loc)))
        return Config(), problems


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


def _unknown_rule_ids(settings: dict, node: yaml.Node | None, known: set[str] | None) -> list[Problem]:
    """Rule ids in `ignore` and `levels` that no rule has (read from the raw settings, so they are
    reported beside any other mistake)."""
    if not known:
        return []
    lowered = {k.lower() for k in known}
    ignore, levels = settings.get("ignore"), settings.get("levels")
    given = [("ignore", str(i), v) for i, v in enumerate(ignore if isinstance(ignore, list) else [])]
    given += [("levels", str(k), k) for k in (levels if isinstance(levels, dict) else {})]
    return [(_line_of(node, [key, part]), f"{key}.{part}", f"unknown rule {rule_id!r}; `openwashing rules` lists them")
            for key, part, rule_id in given if isinstance(rule_id, str) and rule_id.lower() not in lowered]


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

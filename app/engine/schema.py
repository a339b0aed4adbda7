"""Validated data without pydantic at run time.

The rule set and the configuration are plain frozen dataclasses. pydantic validates them (types,
literals, unknown keys) from their annotations, but only while a rule or configuration file is
read: `openwashing scan` with cached rules and no configuration file never imports it, which is
about a quarter of its whole-process time. Constraints are written as `Checked(...)` metadata
that pydantic calls after validating the type; extra keys are refused through the classes'
`__pydantic_config__` (a plain dict, so defining a class needs no import either).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

FORBID_EXTRA = {"extra": "forbid"}  # pydantic's ConfigDict is a TypedDict: a dict is one
T = TypeVar("T")

# pydantic words some errors as if the data were a function's arguments; these read as settings.
_WORDING = {
    "missing_argument": "Field required",
    "unexpected_keyword_argument": "Extra inputs are not permitted",
}


class Checked:
    """Annotation metadata: pydantic runs `check` on the value after validating its type."""

    def __init__(self, check: Callable[[Any], Any]) -> None:
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Callable[[Any], Any]) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.check, handler(source))


def _non_empty(value: list) -> list:
    if not value:
        raise ValueError("must have at least 1 item")
    return value


def full_match(pattern: str) -> Checked:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must match {pattern}")
        return value
    return Checked(check)


NON_EMPTY = Checked(_non_empty)


class Invalid(Exception):
    """Data that does not follow its class: each problem with its key path, in pydantic's order."""

    def __init__(self, problems: list[tuple[list[str], str, str]]) -> None:
        super().__init__(problems[0][1])
        self.problems = problems  # (key path, message, pydantic's error type)


def validate(cls: type[T], data: object) -> T:
    """An instance of the dataclass `cls` from plain data; Invalid when the data does not fit."""
    from pydantic import ValidationError

    try:
        return _adapter(cls).validate_python(data)
    except ValidationError as exc:
        raise Invalid([([str(p) for p in e["loc"]], _WORDING.get(e["type"], e["msg"]), e["type"])
                       for e in exc.errors()]) from None


@cache
def _adapter(cls: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


def as_data(value: object) -> object:
    """A dataclass (and what it holds) as plain dicts and lists, None values left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None}
    if isinstance(value, dict):
        return {k: as_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_data(v) for v in value]
    return value

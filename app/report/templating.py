"""The Jinja2 environment for every text the tool writes for people."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.paths import templates_dir


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Plain text and Markdown, not HTML: autoescape stays off; callers escape what users wrote.
    return Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=False,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       undefined=StrictUndefined)


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)

"""Choosing the files the engine reads from a snapshot, and reading them safely."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.engine.config import Config
from app.engine.models import Notice
from app.engine.prefilter import fold
from app.engine.snapshot import Snapshot, UnreadableFile

_README = re.compile(r"^readme(?:[._-][\w-]+)*(?:\.(?:md|markdown|mdx|txt|rst))?$", re.I)
_MODEL_CARD = re.compile(r"(?:^|/)(?:model[_-]?card|modelcard)[^/]*\.(?:md|markdown|txt)$", re.I)
_NESTED_MODEL_CARD = re.compile(r"[^\n]*/(?:model[_-]?card|modelcard)[^/\n]*\.(?:md|markdown|txt)", re.I)
_LICENSE_FILE = re.compile(r"^(?:[\w .-]*(?:licen[cs]e|copying|use[_-]?policy|acceptable[_-]?use)[\w .-]*)$", re.I)
_MANIFESTS = ("pyproject.toml", "package.json", "CITATION.cff")
_MARKDOWN = re.compile(r"\.(?:md|markdown|mdx)$", re.I)
_BINARY_SNIFF = 8192


MAX_NESTED_READMES = 20  # read to see whether they are model cards (front matter); more is noise
MAX_NESTED_LICENSES = 20  # licence and use-policy files of models in subfolders
# A licence file below the root counts when its path says it is about a model: model_licenses/,
# models/<name>/LICENSE, LICENSE-MODEL, USE_POLICY.md. Other nested LICENSE files are vendored code.
_LICENSE_WORD = re.compile(r"licen[cs]e|use[_-]?policy|acceptable[_-]?use", re.I)
_MODEL_SIGNAL = re.compile(r"model|weight|checkpoint|use[_-]?policy|acceptable[_-]?use", re.I)
_NESTED_README = re.compile(r"(?:[^/\n]+/){1,3}readme\.md", re.I)
_NOT_CARDS = re.compile(r"(?:^|/)(?:docs?|tests?|examples?|third_party|vendor|node_modules|\.github)/", re.I)


@dataclass
class Selection:
    """Paths the engine will read, by role."""

    documents: list[str] = field(default_factory=list)
    card_candidates: list[str] = field(default_factory=list)  # nested READMEs: cards if they have front matter
    license_files: list[str] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)


def listable(paths: list[str]) -> tuple[list[str], list[str]]:
    """The paths the engine can read, and those it cannot. The tree is searched as one listing,
    a path per line, so a name with a line break in it (git allows one; only a hostile
    repository has one) would read as two paths, one of which does not exist."""
    if ("\n".join(paths)).count("\n") == max(len(paths) - 1, 0):  # the usual case, checked in C
        return paths, []
    return [p for p in paths if "\n" not in p], [p for p in paths if "\n" in p]


def select_paths(paths: list[str], config: Config) -> Selection:
    chosen = Selection()
    listing = "\n" + "\n".join(paths)
    nested_cards = {line for line in _lines_with(listing, ("card",)) if _NESTED_MODEL_CARD.fullmatch(line)}
    candidates = [p for p in paths if "/" not in p] + sorted(nested_cards)
    if config.include:
        candidates += [p for p in paths if config.includes(p)]
    for path in dict.fromkeys(candidates):
        if config.excludes(path):
            continue
        name = path.rsplit("/", 1)[-1]
        if _README.match(name) or _MODEL_CARD.search(path) or config.includes(path):
            chosen.documents.append(path)
        elif "/" not in path and _LICENSE_FILE.match(name) and not name.lower().endswith((".py", ".svg", ".png")):
            chosen.license_files.append(path)
        elif "/" not in path and name in _MANIFESTS:
            chosen.manifests.append(path)
    chosen.documents.sort(key=_document_order)
    chosen.license_files += _nested_licenses(listing, config)
    nested = [line for line in _lines_with(listing, ("readme.md",)) if _NESTED_README.fullmatch(line)]
    chosen.card_candidates = [p for p in nested if not _NOT_CARDS.search(p) and not config.excludes(p)
                              and p not in chosen.documents][:MAX_NESTED_READMES]
    return chosen


def _nested_licenses(listing: str, config: Config) -> list[str]:
    """Licence-like files one to three folders down, found from the word, not line by line."""
    found: list[str] = []
    for path in _lines_with(listing, ("licen", "policy", "acceptable")):
        name = path.rsplit("/", 1)[-1]
        if not 1 <= path.count("/") <= 3 or not _LICENSE_WORD.search(name):
            continue
        if (_MODEL_SIGNAL.search(path) and not _NOT_CARDS.search(path) and not config.excludes(path)
                and not name.lower().endswith((".py", ".svg", ".png", ".json", ".yaml", ".yml"))):
            found.append(path)
            if len(found) >= MAX_NESTED_LICENSES:
                break
    return found


def _lines_with(listing: str, words: tuple[str, ...]) -> list[str]:
    """The lines of a listing holding one of the (lower-case ASCII) words in any case, in order,
    each once: found with str.find in the folded listing (prefilter.fold: case as the regex
    engine folds it, one character for each), many times faster than a regex tried at every
    line."""
    spans = (line_span(listing, position) for position in sorted(_occurrences(fold(listing), words)))
    return list(dict.fromkeys(listing[start:end] for start, end in spans))


def line_span(text: str, offset: int) -> tuple[int, int]:
    """Where the line holding `offset` starts and ends (before its newline)."""
    end = text.find("\n", offset)
    return text.rfind("\n", 0, offset) + 1, len(text) if end < 0 else end


def _occurrences(text: str, words: tuple[str, ...]) -> set[int]:
    found = set()
    for word in words:
        index = text.find(word)
        while index >= 0:
            found.add(index)
            index = text.find(word, text.find("\n", index) + 1 or len(text))
    return found


def _document_order(path: str) -> tuple[int, str]:
    # The main README first: its front matter and statements are the most authoritative.
    return (0 if path.lower() in ("readme.md", "readme") else 1, path)


def is_markdown(path: str) -> bool:
    return bool(_MARKDOWN.search(path)) or path.lower().endswith("readme")


def read_text(snapshot: Snapshot, path: str, limit: int, notices: list[Notice]) -> str | None:
    """The text of a file, or None with a notice saying why it was skipped."""
    size = snapshot.size_of(path)
    if size is not None and size > limit:
        notices.append(Notice(path, f"skipped: {size:,} bytes is above the {limit:,}-byte limit", unread=True))
        return None
    try:
        data = snapshot.read_bytes(path)
    except FileNotFoundError:
        return None  # listed in the tree but not available (e.g. a corpus folder): nothing to say
    except UnreadableFile as exc:
        notices.append(Notice(path, f"skipped: {exc}", unread=True))
        return None
    except OSError as exc:
        notices.append(Notice(path, f"skipped: cannot be read ({exc.strerror or exc})", unread=True))
        return None
    if len(data) > limit:
        notices.append(Notice(path, f"skipped: {len(data):,} bytes is above the {limit:,}-byte limit", unread=True))
        return None
    if b"\x00" in data[:_BINARY_SNIFF]:
        notices.append(Notice(path, "skipped: binary file (it holds a NUL byte)", unread=True))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        notices.append(Notice(path, f"not valid UTF-8 (byte {exc.start}); read with replacement characters"))
        return data.decode("utf-8", errors="replace")

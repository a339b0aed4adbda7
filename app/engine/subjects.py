"""Whose model a sentence speaks of: the project's own names, and the nearest reference to a claim.

A README mostly talks about its own project, so a claim with no other reference is taken as the
project's. What changes that is a nearer reference to someone else: another organisation's
repository or model page, or a model family the licence data knows (Llama, Gemma, …) that is not
one of the project's own names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlparse

from app.engine.languages import vocabulary_for, words
from app.engine.markdown import Document
from app.engine.prefilter import fold, masked_lacks_words
from app.engine.ruleset import Language, RuleSet

_HOSTS = ("github.com", "huggingface.co", "hf.co", "modelscope.cn", "gitee.com", "gitlab.com")
_HUB_MODEL = re.compile(r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co|modelscope\.cn/models)/"
                        r"(?P<org>[\w.-]+)/(?P<name>[\w.-]+)", re.I)
_HUB_PAGES = frozenset({"datasets", "spaces", "docs", "blog", "papers", "models", "collections", "organizations",
                        "posts", "learn", "api", "settings", "join", "login", "chat", "tasks", "pricing"})
_LEADING_VERBS = re.compile(r"^(?:introducing|meet|welcome to|announcing)\s+", re.I)
_TITLE_END = re.compile(r"\s*(?:[:：—–|]|\s-\s).*$")
_MIN_KEY = 4
_REACH = 48  # words before a claim in which a reference still names its subject
_WINDOW = 4  # words joined when a name is written with spaces ("Code Acme", "Acme 2")


_NOT_KEY = re.compile(r"[^a-z0-9]")
_LOWER = re.compile(r"[a-z]")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def name_key(name: str) -> str:
    return _NOT_KEY.sub("", name.lower())


def _keys_of(name: str, common: frozenset[str]) -> set[str]:
    """A name's matching keys: the whole name folded, and its leading letters ("acme" of "Acme-7B")."""
    full = name_key(name)
    stem = re.match(r"[a-z]*", full).group(0)
    return {k for k in (full, stem) if len(k) >= _MIN_KEY and k not in common}


@dataclass(frozen=True)
class Project:
    """The project's own names and organisations, as its repository shows them."""

    keys: frozenset[str] = frozenset()
    orgs: frozenset[str] = frozenset()
    other_families: tuple[re.Pattern[str], ...] = field(default=(), compare=False)
    stems: frozenset[str] = field(default=frozenset(), compare=False)  # own names' leading letters, short ones too

    def owns_model_name(self, word: str) -> bool:
        """Whether a model-like name ("Yi-1.5", "Acme-7B") begins like one of the project's names."""
        return self.owns_name(word) or _STEM.match(name_key(word)).group(0) in self.stems

    def owns_name(self, text: str) -> bool:
        return bool(self._keys_pattern.match(name_key(text)))

    @cached_property
    def _keys_pattern(self) -> re.Pattern[str]:
        keys = sorted(self.keys, key=len, reverse=True)
        return re.compile("|".join(re.escape(k) for k in keys) if keys else r"(?!)")

    def owns_href(self, href: str) -> bool | None:
        """True for links inside the repository or to the project's organisations, False for others'."""
        if not _SCHEME.match(href):
            return None if href.startswith("#") else True
        parsed = urlparse(href)
        host = (parsed.hostname or "").removeprefix("www.")
        parts = [p for p in parsed.path.split("/") if p]
        if host in _HOSTS and parts:
            org = parts[1] if parts[0] == "models" and len(parts) > 1 else parts[0]
            return org.lower() in self.orgs or (len(parts) > 1 and self.owns_name(parts[-1]))
        # Any other site (a leaderboard, a blog) says nothing of whose model a sentence is about.
        site = name_key(host.rsplit(".", 2)[-2]) if host.count(".") else ""
        return True if site and (site in self.orgs or self.owns_name(site)) else None

    def is_other_family(self, text: str) -> bool:
        return bool(self._families_pattern.match(text)) and not self.owns_name(text)

    @cached_property
    def _families_pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p.pattern})" for p in self.other_families) or r"(?!)", re.I)


def project_of(name: str, documents: list[Document], ruleset: RuleSet) -> Project:
    """Own names from the repository name, titles, front matter and introductions; own organisations
    from the repository owner and the hub pages whose model names match those names."""
    common = _common_words(ruleset)
    owner, _, repo = name.rpartition("/")
    names = [repo] + [n for doc in documents for n in _names_in(doc, ruleset)]
    keys = {k for n in names if n for k in _keys_of(n, common)}
    hub = [(m.group("org"), m.group("name")) for doc in documents for link in doc.links
           if (m := _HUB_MODEL.match(link.href)) and m.group("org").lower() not in _HUB_PAGES]
    orgs = {owner.lower()} if owner else set()
    orgs |= {org.lower() for org, model in hub if any(name_key(model).startswith(k) for k in keys)}
    orgs |= _main_hub_org(hub, owner)
    keys |= {k for org, model in hub if org.lower() in orgs for k in _keys_of(model, common)}
    stems = {stem for n in names if n and len(stem := _STEM.match(name_key(n)).group(0)) >= 2}
    return Project(frozenset(keys), frozenset(orgs), _family_patterns(ruleset), frozenset(stems))


_STEM = re.compile(r"[a-z]*")
_MODEL_NAME = re.compile(r"[A-Za-z][A-Za-z.]*[-_]?\d+(?:\.\d+)?[BbMmKkTt]|[A-Za-z][A-Za-z]+-\d+(?:\.\d+)?[A-Za-z]?")


def _main_hub_org(hub: list[tuple[str, str]], owner: str) -> set[str]:
    """The organisation the hub links mostly point at, when it is the GitHub owner by another spelling."""
    if not hub or not owner:
        return set()
    org, count = Counter(o.lower() for o, _ in hub).most_common(1)[0]
    similar = org.startswith(name_key(owner)[:_MIN_KEY]) or name_key(owner).startswith(org[:_MIN_KEY])
    return {org} if similar and count >= 2 else set()


def _names_in(doc: Document, ruleset: RuleSet) -> list[str]:
    fm = doc.front_matter or {}
    names = [str(fm[k]) for k in ("model_name", "pretty_name") if isinstance(fm.get(k), str)]
    index = fm.get("model-index")
    if isinstance(index, list):
        names += [str(i["name"]) for i in index if isinstance(i, dict) and isinstance(i.get("name"), str)]
    if doc.sections and doc.sections[0].level == 1:
        names.append(_TITLE_END.sub("", _LEADING_VERBS.sub("", doc.sections[0].title)))
    for segment in doc.first_segments(60):
        raw = fold(segment.raw)
        for language in ruleset.languages.values():
            if not all(masked_lacks_words(p, raw) for p in language.introduction_patterns(segment.raw)):
                names += [n for n in language.introduced_names(segment.text) if n[:1].isupper()]
    return [n for n in names if 0 < len(n.split()) <= _WINDOW]


def _common_words(ruleset: RuleSet) -> frozenset[str]:
    words_: set[str] = set()
    for language in ruleset.languages.values():
        words_ |= (language.stopwords | language.model_nouns | language.software_nouns | language.system_nouns
                   | language.own_words)
    return frozenset(words_ | {"open", "source", "opensource", "chat", "code", "large", "language", "deep",
                              "stable", "text", "vision", "multimodal", "instruct", "base", "official"})


def _family_patterns(ruleset: RuleSet) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p.split("/", 1)[-1] if "/" in p and not p.startswith("(") else p, re.I)
                 for facts in ruleset.licenses for p in facts.base_models)


def reference_before(text: str, links: list[tuple[int, int, str]], language: Language, project: Project,
                     ruleset: RuleSet) -> str | None:
    """Whom the nearest reference before a claim names: "own", "other", or None when nothing does."""
    tokens = words(text, language, ruleset)[-_REACH:]
    order = range(len(tokens)) if language.subject_first else range(len(tokens) - 1, -1, -1)
    for i in order:
        offset = tokens[i][0]
        verdict = _link_reference(offset, links, project) or _word_reference(tokens, i, language, project,
                                                                               ruleset)
        if verdict:
            return verdict
    return None


def _link_reference(offset: int, links: list[tuple[int, int, str]], project: Project) -> str | None:
    for start, end, href in links:
        if start <= offset < end:
            owned = project.owns_href(href)
            return None if owned is None else "own" if owned else "other"
    return None


def _word_reference(tokens: list[tuple[int, str]], i: int, language: Language, project: Project,
                    ruleset: RuleSet) -> str | None:
    word = tokens[i][1].lower()
    if word in vocabulary_for(word, language, ruleset).own_words:
        return "own"
    if not _LOWER.search(word):
        return None
    # The name must begin at this word: "the acme model" is found at "acme", not at "the".
    joined = " ".join(w for _, w in tokens[i:i + _WINDOW]).lower()
    if project.owns_name(joined):
        return "own"
    if project.is_other_family(joined):
        return "other"
    # A model's name ("Beta-13B") that is not one of the project's is another project's model.
    word = tokens[i][1]
    return "other" if project.keys and _MODEL_NAME.fullmatch(word) and not project.owns_model_name(word) else None

"""Evidence kept on the Hugging Face Hub, read through a source the caller passes in.

The engine stays free of HTTP: it says which hub pages it wants (the project's own models that the
repository links to or loads, the base models and datasets named in model cards), in waves, and a
`HubSource` (app.hub for the command line and the app; a dictionary in tests) answers each wave
with pages or with the reason it could not. Pages become documents, licences and artifacts like any
in the repository, except that their wording is not judged (findings belong to the repository's
own files), and every piece of evidence links to the page and revision it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.engine.markdown import Document, parse_document
from app.engine.models import Evidence, LicenseMatch, Notice
from app.engine.ruleset import RuleSet
from app.engine.subjects import Project

MAX_OWN_MODELS = 12  # of the project's models looked up; more are named in a notice
MAX_WAVES = 3  # own models, their bases and datasets, the bases' bases
_HUB_LINK = re.compile(r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(?P<datasets>datasets/)?"
                       r"(?P<org>[\w.-]+)/(?P<name>[\w.-]+)", re.I)
_NOT_ORGS = frozenset({"spaces", "docs", "blog", "papers", "models", "collections", "organizations", "posts",
                       "learn", "api", "settings", "join", "login", "chat", "tasks", "pricing", "new"})
_REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


@dataclass(frozen=True)
class HubRef:
    """A repository on the hub: a model or a dataset, at a revision (None: the main branch)."""

    kind: str  # "model" or "dataset"
    repo_id: str
    revision: str | None = None

    def __str__(self) -> str:
        prefix = "datasets/" if self.kind == "dataset" else ""
        return f"{prefix}{self.repo_id}" + (f"@{self.revision}" if self.revision else "")


@dataclass(frozen=True)
class HubPage:
    """What the hub says of one repository at one revision."""

    ref: HubRef
    sha: str
    web: str  # the hub's web address ("https://huggingface.co", or a mirror's)
    card_data: dict = field(default_factory=dict)
    card_text: str | None = None  # the README.md at that revision (the model or dataset card)
    license_text: str | None = None  # the LICENSE file, read when the card says `license: other`
    files: tuple[str, ...] = ()
    gated: bool | str = False

    def home(self) -> str:
        """The repository's page on the hub."""
        return f"{self.web}/{'datasets/' if self.ref.kind == 'dataset' else ''}{self.ref.repo_id}"

    def url(self, file: str | None = None) -> str:
        return f"{self.home()}/blob/{self.sha}/{file}" if file else f"{self.home()}/tree/{self.sha}"


@dataclass(frozen=True)
class HubMiss:
    """A page that could not be read, and why (gated, not found, timed out, over the budget, …)."""

    ref: HubRef
    reason: str


class HubSource(Protocol):
    """Answers a wave of look-ups. `offline` says why nothing is looked up at all (None: online)."""

    offline: str | None

    def fetch(self, refs: Sequence[HubRef]) -> dict[HubRef, HubPage | HubMiss]: ...


@dataclass
class HubReading:
    """What the hub added: model cards as documents, licences, weight files and datasets as evidence,
    and what it could not say."""

    cards: list[Document] = field(default_factory=list)  # model cards (datasets' cards give their licence only)
    licenses: list[LicenseMatch] = field(default_factory=list)
    weights: list[Evidence] = field(default_factory=list)
    data: list[Evidence] = field(default_factory=list)  # the datasets read there, which are released
    notices: list[Notice] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    own: list[str] = field(default_factory=list)  # the project's models read on the hub


def own_model_ids(docs: list[Document], project: Project, ruleset: RuleSet) -> list[str]:
    """The project's models the repository links to or loads: hub pages under its own organisations."""
    ids: list[str] = []
    loads = ruleset.artifacts.weights.model_ids
    for doc in docs:
        for link in doc.links:
            match = _HUB_LINK.match(link.href.strip())
            if match and not match.group("datasets") and match.group("org").lower() not in _NOT_ORGS:
                ids.append(f"{match.group('org')}/{match.group('name')}")
        for block in doc.code_blocks:
            ids += [next(g for g in m.groups() if g) for p in loads for m in re.finditer(p, block.content, re.I)]
    own = [i for i in dict.fromkeys(ids) if project.orgs and i.split("/", 1)[0].lower() in project.orgs]
    return [i.removesuffix(".git") for i in own]


def card_refs(card: dict, kind: str) -> list[HubRef]:
    """The base models (`base_model`) or datasets (`datasets`) a card names, as hub references."""
    value = card.get("base_model" if kind == "model" else "datasets")
    names = value if isinstance(value, list) else [value] if value else []
    return [HubRef(kind, str(n).strip()) for n in names if _REPO_ID.match(str(n).strip())]


def read_hub(source: HubSource, docs: list[Document], project: Project, ruleset: RuleSet,
             itself: str = "") -> HubReading:
    """Look up the project's own models, then the bases and datasets the cards name, wave by wave.
    `itself` is the repository being scanned when it is a hub repository (its card is a document)."""
    reading = HubReading()
    own = [i for i in own_model_ids(docs, project, ruleset) if i.lower() != itself.lower()]
    refs = [HubRef("model", i) for i in own[:MAX_OWN_MODELS]]
    for doc in docs:
        fm = doc.front_matter or {}
        refs += card_refs(fm, "model") + card_refs(fm, "dataset")
    if len(own) > MAX_OWN_MODELS:
        reading.notices.append(Notice("(hub)", f"{len(own) - MAX_OWN_MODELS} more of the project's models were not "
                                               f"looked up on the Hugging Face Hub: {', '.join(own[MAX_OWN_MODELS:])}"))
    if source.offline:
        if refs:
            reading.notices.append(_not_consulted(source.offline, refs))
        return reading
    _read_waves(source, refs, {HubRef("model", i) for i in own}, reading, ruleset)
    return reading


def _not_consulted(why: str, refs: list[HubRef]) -> Notice:
    names = ", ".join(dict.fromkeys(str(r) for r in refs))
    return Notice("(hub)", f"the Hugging Face Hub was not consulted ({why}); it would have been asked about: {names}")


def _read_waves(source: HubSource, refs: list[HubRef], own: set[HubRef], reading: HubReading,
                ruleset: RuleSet) -> None:
    seen: set[HubRef] = set()
    misses: list[HubMiss] = []
    wave = list(dict.fromkeys(refs))
    for _ in range(MAX_WAVES):
        wave = [r for r in wave if r not in seen]
        if not wave:
            break
        seen.update(wave)
        answers = source.fetch(wave)
        following: list[HubRef] = []
        for ref in wave:
            answer = answers.get(ref) or HubMiss(ref, "no answer")
            if isinstance(answer, HubMiss):
                misses.append(answer)
                continue
            _take(answer, ref in own, reading, ruleset)
            following += card_refs(answer.card_data, "model") + card_refs(answer.card_data, "dataset")
        wave = following
    reading.notices += _miss_notices(misses)


def _miss_notices(misses: list[HubMiss]) -> list[Notice]:
    by_reason: dict[str, list[str]] = {}
    for miss in misses:
        by_reason.setdefault(miss.reason, []).append(str(miss.ref))
    return [Notice("(hub)", f"not read on the Hugging Face Hub ({reason}): {', '.join(names)}; what those pages "
                            "say could not be checked") for reason, names in by_reason.items()]


def _take(page: HubPage, own: bool, reading: HubReading, ruleset: RuleSet) -> None:
    """A page's card as a document, its licence as a statement (for own models' weights, binding for
    a base model's, for the data of a dataset's), its weight files as evidence."""
    from app.engine import license_sources as sources
    from app.engine.artifacts import weight_files

    doc = _card_document(page)
    if page.ref.kind == "dataset":
        reading.licenses += sources.from_hub_card(doc, page, "data", None, False, ruleset)
        reading.data.append(Evidence("dataset-page", f"dataset on the Hugging Face Hub: {page.ref.repo_id}",
                                     page.home()))
        return
    reading.cards.append(doc)
    name = page.ref.repo_id.split("/", 1)[1]
    reading.licenses += sources.from_hub_card(doc, page, "weights", name if own else None, not own, ruleset)
    if own:
        reading.own.append(page.ref.repo_id)
        weights = weight_files(page.files, ruleset)
        if weights:
            files = f"{len(weights)} weight file{'s' if len(weights) > 1 else ''}"
            reading.weights.append(Evidence("hub-weights", f"{files} on the Hugging Face Hub ({page.ref.repo_id}: "
                                            f"{weights[0]})", page.url()))
        if page.gated:
            reading.caveats.append(f"{page.ref.repo_id} is gated on the Hugging Face Hub: its files are given only to "
                                   "people who accept its terms, which the scorecard cannot read beyond its card.")


def _card_document(page: HubPage) -> Document:
    """The card at its revision, read like any model card (with positions), or its metadata alone."""
    if page.card_text is not None:
        return parse_document(page.url("README.md"), page.card_text)
    import yaml

    front = yaml.safe_dump(page.card_data, sort_keys=False) if page.card_data else ""
    return parse_document(page.url("README.md"), f"---\n{front}---\n" if front else "")

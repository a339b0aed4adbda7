"""The engine's entry point: a snapshot in, a report out."""

from __future__ import annotations

import re
from dataclasses import replace

from app.engine import artifacts as artifact_readers
from app.engine import claims as claim_readers
from app.engine import license_sources as sources
from app.engine import license_statements as statements
from app.engine import licenses as lic
from app.engine.artifacts import Artifacts, find_artifacts
from app.engine.assess import assess
from app.engine.bases import undisclosed_bases
from app.engine.claims import MAX_CLAIMS_PER_DOCUMENT, find_claims
from app.engine.config import CONFIG_PATH, Config, ConfigError, parse_config
from app.engine.hub import HubReading, HubSource, read_hub
from app.engine.judge import judge
from app.engine.kinds import project_kind
from app.engine.languages import detect
from app.engine.markdown import Document, parse_document, parse_plain
from app.engine.models import TIER_DECLARED, TIER_STATED, Evidence, Finding, Level, LicenseMatch, Notice, Report
from app.engine.reading import is_markdown, listable, read_text, select_paths
from app.engine.ruleset import RuleSet, default_ruleset
from app.engine.snapshot import Snapshot
from app.engine.subjects import Project, project_of

_PROSE = frozenset({"paragraph", "heading"})  # tables and HTML are mostly names and numbers in any language
_LFS_WEIGHTS = re.compile(
    r"^(\S*\.(?:safetensors|bin|pt|pth|ckpt|gguf|h5|msgpack|onnx))\s.*filter=lfs", re.M)


def load_repo_config(snapshot: Snapshot, ruleset: RuleSet | None = None) -> Config:
    """The repository's own `.github/openwashing.yml`, or defaults. Raises ConfigError."""
    ruleset = ruleset or default_ruleset()
    if CONFIG_PATH not in snapshot.paths:
        return Config()
    notices: list[Notice] = []
    text = read_text(snapshot, CONFIG_PATH, 1_000_000, notices)
    if text is None:
        raise ConfigError(CONFIG_PATH, None, "", notices[0].message if notices else "cannot be read")
    return parse_config(text, CONFIG_PATH, {r.id for r in ruleset.claims})


def scan(snapshot: Snapshot, config: Config | None = None, ruleset: RuleSet | None = None,
         hub: HubSource | None = None) -> Report:
    """Assess a repository and list the claims its evidence does not support. With a hub source,
    the project's model pages, base models and datasets on the Hugging Face Hub are evidence too."""
    ruleset = ruleset or default_ruleset()
    config = config or Config()
    notices: list[Notice] = []
    paths, unlisted = listable(snapshot.paths)
    if unlisted:
        notices.append(Notice(unlisted[0], f"{len(unlisted)} path(s) with a line break in the name were not read"))
    chosen = select_paths(paths, config)
    docs = _documents(snapshot, chosen.documents, config, notices)
    docs += _model_cards(snapshot, chosen.card_candidates, config, notices)
    expected = _segment_patterns(ruleset)
    for doc in docs:
        doc.expected = expected
    license_texts = {p: t for p in chosen.license_files
                     if (t := read_text(snapshot, p, config.max_file_bytes, notices)) is not None}
    project = project_of(snapshot.name, docs, ruleset)
    reading = read_hub(hub, docs, project, ruleset, snapshot.name) if hub is not None else HubReading()
    cards = reading.cards
    for doc in cards:
        doc.expected = expected
    licenses, linked = _licenses(snapshot, chosen, docs, license_texts, config, ruleset, project, notices, reading)
    artifacts = find_artifacts(paths, docs + cards, ruleset, _lfs_weight_patterns(snapshot, notices), project)
    for evidence in reading.weights:
        artifacts.add("weights", evidence)
    for evidence in reading.data:
        artifacts.add("data", evidence)
    _declared_artifacts(config, artifacts)
    assessment = assess(artifacts, licenses, project_kind(docs, ruleset),
                        undisclosed_bases(docs + cards, project, ruleset))
    assessment.caveats += reading.caveats + _disagreement(licenses)
    findings = _findings(docs, assessment, linked, config, ruleset, project, notices)
    return Report(assessment, findings, notices + reading.notices, [d.path for d in docs])


def files_read(snapshot: Snapshot, config: Config) -> list[str]:
    """Every path a scan of this snapshot may read, decided from the listing alone (what a caller
    fetches beforehand when the scan runs where it cannot fetch)."""
    paths, _unlisted = listable(snapshot.paths)
    chosen = select_paths(paths, config)
    extra = [p for p in (".gitattributes",) if p in snapshot.paths]
    return list(dict.fromkeys([*chosen.documents, *chosen.card_candidates, *chosen.license_files,
                               *chosen.manifests, *extra]))


def _disagreement(licenses: list[LicenseMatch]) -> list[str]:
    """The repository and the hub state different licences for the weights: both are shown."""
    stated = [m for m in licenses if m.applies_to in ("weights", "all") and not m.binding and m.tier <= TIER_STATED]
    hub = {m.name for m in stated if (m.path or "").startswith("http")}
    repo = {m.name for m in stated if not (m.path or "").startswith("http")}
    if hub and repo and hub != repo:
        return [f"The repository ({'; '.join(sorted(repo))}) and the Hugging Face Hub ({'; '.join(sorted(hub))}) "
                "state different licences for the weights: both are listed, and the strictest governs."]
    return []


def _segment_patterns(ruleset: RuleSet) -> tuple[re.Pattern[str], ...]:
    """Every pattern the readers ask a document's segments about, so that the words they
    require are found once in each document."""
    return (*claim_readers.document_patterns(ruleset), *statements.document_patterns(ruleset),
            *artifact_readers.document_patterns(ruleset))


def _documents(snapshot: Snapshot, paths: list[str], config: Config, notices: list[Notice]) -> list[Document]:
    docs = []
    for path in paths:
        text = read_text(snapshot, path, config.max_file_bytes, notices)
        if text is None:
            continue
        doc = parse_document(path, text) if is_markdown(path) else parse_plain(path, text)
        if doc.front_matter_error:
            notices.append(Notice(path, doc.front_matter_error, 1, "front-matter"))
        docs.append(doc)
    return docs


def _model_cards(snapshot: Snapshot, paths: list[str], config: Config, notices: list[Notice]) -> list[Document]:
    """Nested READMEs that open with Hugging Face front matter are model cards of their own."""
    cards = []
    for path in paths:
        text = read_text(snapshot, path, config.max_file_bytes, notices)
        if text is not None and text.lstrip("\ufeff").startswith("---"):
            cards.append(parse_document(path, text))
    return cards


def _licenses(snapshot: Snapshot, chosen, docs: list[Document], license_texts: dict[str, str],
              config: Config, ruleset: RuleSet, project: Project, notices: list[Notice],
              reading: HubReading) -> tuple[list[LicenseMatch], dict]:
    found: list[LicenseMatch] = list(reading.licenses)
    by_path: dict[str, LicenseMatch] = {}
    for path, text in license_texts.items():
        matches = sources.from_license_file(path, text, ruleset)
        if matches:
            found.extend(matches)
            by_path[path] = matches[0]
    for path in chosen.manifests:
        text = read_text(snapshot, path, config.max_file_bytes, notices)
        if text is not None:
            found.extend(sources.from_manifest(path, text, ruleset))
    tabled: dict[str, set[str]] = {}
    for doc in docs:
        found.extend(sources.from_front_matter(doc, license_texts, ruleset))
        found.extend(statements.from_prose(doc, by_path, project, ruleset))
        found.extend(statements.from_tables(doc, by_path, project, ruleset, tabled))
    for doc in reading.cards:  # a hub card's front matter is read by the hub reader; its prose is read here
        found.extend(statements.from_prose(doc, by_path, project, ruleset))
    found = [_family_from_rows(m, tabled) for m in found]
    found.extend(statements.base_models(docs + reading.cards, ruleset))
    found.extend(_declared_licenses(config, ruleset))
    found = sources.canonical_families([m for m in found if not _points_home(m, project)])
    linked = {href: m for p, m in by_path.items() for href in (p, f"./{p}")}
    linked.update({href: m for href, m in _linked_by_url(docs, by_path).items()})
    return _unique(sorted(found, key=lambda m: m.tier)), linked


def _points_home(match: LicenseMatch, project: Project) -> bool:
    """A licence file that points to a page of this very repository (its README's licence section)
    adds no terms of its own: the page it points to is read as it is."""
    if match.id != "LicenseRef-elsewhere" or match.evidence.kind != "license-file":
        return False
    url = match.evidence.detail.rsplit(" points to ", 1)[-1]
    return statements.local_file(url, project) is not None


def _family_from_rows(match: LicenseMatch, tabled: dict[str, set[str]]) -> LicenseMatch:
    """A licence file that a table's rows link to serves the models of those rows: the family its
    name or folder suggests stays only when a row that links it is that family."""
    rows = tabled.get(match.path or "") if match.evidence.kind == "license-file" else None
    if rows is None or not match.family or sources.family_key(match.family) in rows:
        return match
    return replace(match, family=None)


def _linked_by_url(docs: list[Document], by_path: dict[str, LicenseMatch]) -> dict[str, LicenseMatch]:
    """Links such as https://github.com/org/repo/blob/main/LICENSE point at a file we read."""
    linked = {}
    for doc in docs:
        for link in doc.links:
            name = link.href.rstrip("/").rsplit("/", 1)[-1].replace("%20", " ")
            if name in by_path and "/blob/" in link.href:
                linked[link.href] = by_path[name]
    return linked


def _unique(matches: list[LicenseMatch]) -> list[LicenseMatch]:
    """Each statement once; the same licence stated in several places keeps every place."""
    seen, kept = set(), []
    for match in matches:
        key = (match.id, match.name, match.applies_to, match.family, match.binding, match.path, match.line)
        if key not in seen:
            seen.add(key)
            kept.append(match)
    return kept


def _declared_licenses(config: Config, ruleset: RuleSet) -> list[LicenseMatch]:
    declared = []
    pairs = [("weights", config.declared.weights.license if config.declared.weights else None),
             ("code", config.declared.code_license)]
    for applies_to, value in pairs:
        if not value:
            continue
        evidence = Evidence("declared", f"declared in {CONFIG_PATH}: {applies_to} licence {value}", CONFIG_PATH)
        facts = lic.by_hf_id(value, ruleset) or (lic.by_spdx_expression(value, ruleset) or [None])[0]
        match = (lic.make_match(facts, applies_to, evidence, ruleset) if facts
                 else lic.make_unrecognised(value, applies_to, evidence, ruleset))
        declared.append(replace(match, tier=TIER_DECLARED))
    return declared


def _declared_artifacts(config: Config, artifacts: Artifacts) -> None:
    declared = config.declared
    if declared.weights and declared.weights.url:
        artifacts.add("weights", Evidence("declared", f"weights published at {declared.weights.url}", CONFIG_PATH))
    if declared.training_code:
        artifacts.add("training_code", Evidence("declared", f"training code at {declared.training_code}",
                                                CONFIG_PATH))
    if declared.data_information:
        artifacts.add("data", Evidence("declared", f"data information at {declared.data_information}",
                                       CONFIG_PATH))


def _lfs_weight_patterns(snapshot: Snapshot, notices: list[Notice]) -> list[str]:
    if ".gitattributes" not in snapshot.paths:
        return []
    text = read_text(snapshot, ".gitattributes", 1_000_000, notices) or ""
    return [m.group(1) for m in _LFS_WEIGHTS.finditer(text)]


def _findings(docs: list[Document], assessment, linked: dict, config: Config, ruleset: RuleSet,
              project: Project, notices: list[Notice]) -> list[Finding]:
    findings = []
    for doc in docs:
        language = detect(" ".join(doc.prose(_PROSE)), ruleset)
        if language is None:
            read = ", ".join(lang.name for lang in ruleset.languages.values())
            notices.append(Notice(doc.path, f"not written in a language the rules read ({read}); "
                                            "its wording was not checked"))
            continue
        claims = find_claims(doc, ruleset, language, project)
        if len(claims) >= MAX_CLAIMS_PER_DOCUMENT:
            notices.append(Notice(doc.path, f"checked the first {MAX_CLAIMS_PER_DOCUMENT:,} claims only; "
                                            "the rest of the document was not read for claims"))
        for claim in claims:
            if config.ignores(claim.rule.id) or doc.is_suppressed(claim.line, claim.rule.id):
                continue
            finding = judge(claim, assessment, linked, ruleset)
            if finding:
                findings.append(_with_configured_level(finding, config))
    return sorted(findings, key=Finding.sort_key)


def _with_configured_level(finding: Finding, config: Config) -> Finding:
    configured = {k.lower(): v for k, v in config.levels.items()}.get(finding.rule.lower())
    if not configured:
        return finding
    return replace(finding, level=Level(configured))

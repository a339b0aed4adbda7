"""Evidence of released artifacts: weights, training code, data information, papers, evaluation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from app.engine.markdown import Document
from app.engine.models import Evidence
from app.engine.prefilter import ends_without, every_occurrence, fold, literal_choices, matching, prepare, rarest_words
from app.engine.reading import line_span
from app.engine.ruleset import RuleSet
from app.engine.subjects import Project
from app.engine.tables import tables_of

MAX_EVIDENCE = 5  # per kind: enough to show, few enough to read


@dataclass
class Artifacts:
    """What the tree and the documents show, grouped by OSAID component."""

    weights: list[Evidence] = field(default_factory=list)
    weak_weights: list[Evidence] = field(default_factory=list)
    training_code: list[Evidence] = field(default_factory=list)
    fine_tuning: list[Evidence] = field(default_factory=list)
    data: list[Evidence] = field(default_factory=list)
    paper: list[Evidence] = field(default_factory=list)
    evaluation: list[Evidence] = field(default_factory=list)
    inference: list[Evidence] = field(default_factory=list)
    intermediate: list[Evidence] = field(default_factory=list)

    def add(self, kind: str, evidence: Evidence) -> None:
        bucket = getattr(self, kind)
        if len(bucket) < MAX_EVIDENCE and evidence not in bucket:
            bucket.append(evidence)


def _any(patterns: list[str]) -> re.Pattern[str] | None:
    # MULTILINE: path patterns are anchored with ^ and $ and run over one path per line.
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I | re.M) if patterns else None


def document_patterns(ruleset: RuleSet) -> tuple[re.Pattern[str], ...]:
    """What the artifact readers ask Document.segments_with about."""
    patterns = _compiled(ruleset)
    return tuple(p for key in _SEGMENT_PATTERNS if (p := patterns[key]) is not None)


_SEGMENT_PATTERNS = ("data_context", "datasets", "weight_phrases", "intermediate")


@lru_cache(maxsize=8)
def _compiled(ruleset: RuleSet) -> dict[str, re.Pattern[str] | None]:
    a = ruleset.artifacts
    return {
        "weight_sections": _any(a.weights.sections), "weight_files": _any(a.weights.files),
        "weight_ignore": _any(a.weights.ignore_paths),
        "weight_links": _any(a.weights.links), "weight_link_texts": _any(a.weights.link_texts),
        "conversion": _any(a.weights.conversion_scripts), "download": _any(a.weights.download_scripts),
        "train_files": _any(a.training_code.files), "train_ignore": _any(a.training_code.ignore_paths),
        "train_sections": _any(a.training_code.sections),
        "data_files": _any(a.data.files), "data_code": _any(a.data.processing_code),
        "data_links": _any(a.data.links), "data_sections": _any(a.data.sections),
        "datasets": _any(a.data.known_datasets),
        "data_context": re.compile(a.data.training_context or r"(?!)", re.I),
        "code_links": _any(a.training_code.links), "train_elsewhere": _any(a.training_code.phrases),
        "data_ignore": _any(a.data.ignore_paths), "data_lists": _any(a.data.list_sections),
        "data_elsewhere": _any(a.data.excluded_sections), "data_access": _any(a.data.access_sections),
        "data_columns": re.compile(a.data.detail_columns or r"(?!)", re.I),
        "code_elsewhere": _any(a.training_code.excluded_sections),
        "code_own": re.compile(a.training_code.own_markers or r"(?!)", re.I),
        "paper_links": _any(a.paper.links), "paper_files": _any(a.paper.files),
        "eval_files": _any(a.evaluation.files), "eval_sections": _any(a.evaluation.sections),
        "eval_sets": _any(a.evaluation.known_datasets),
        "tuning_sections": _any(a.fine_tuning.sections), "tuning_for_users": _any(a.fine_tuning.phrases),
        "inference_files": _any(a.inference_code.files),
        "intermediate": _any(a.intermediate_checkpoints.phrases),
        "weight_phrases": _any(a.weights.phrases), "model_ids": _any(a.weights.model_ids),
    }


def weight_files(paths, ruleset: RuleSet) -> list[str]:
    """The paths that are weight files, by the rules' names for them."""
    pattern = _compiled(ruleset)["weight_files"]
    return [p for p in paths if pattern is not None and pattern.search(p)]


def find_artifacts(paths: list[str], documents: list[Document], ruleset: RuleSet,
                   lfs_weight_paths: list[str] = (), project: Project | None = None) -> Artifacts:
    """Scan the tree listing and the parsed documents for evidence."""
    found = Artifacts()
    patterns = _compiled(ruleset)
    _scan_paths(found, paths, patterns, ruleset, project or Project())
    for path in lfs_weight_paths:
        found.add("weights", Evidence("lfs-pointer", f"Git LFS stores weight files ({path})", ".gitattributes"))
    for doc in documents:
        _scan_links(found, doc, patterns, project or Project())
        _scan_sections(found, doc, patterns)
        _scan_prose(found, doc, patterns)
        _scan_front_matter(found, doc)
        _scan_code_blocks(found, doc, patterns, project or Project())
    return found


def _match(pattern: re.Pattern[str] | None, text: str) -> bool:
    return bool(pattern and pattern.search(text))


class _PathIndex:
    """All paths in one string, so each pattern runs once over the tree in C, not once per path.

    Most patterns cannot match without one of a few words (".safetensors", "train", "eval"):
    those are found in the lower-cased listing with a plain pattern, many times faster than the
    case-insensitive pattern, and each path found is then tested with the pattern itself (see
    app.engine.prefilter). For the others, every line starts with "/", so a pattern's leading
    "(?:^|/)" becomes a literal "/" that the regex engine can skip ahead to; patterns about a
    file's name alone run over a second string of "<index>/<name>" lines, which has a quarter of
    the slashes to try.
    """

    def __init__(self, paths: list[str], patterns: list[str]) -> None:
        self.paths = paths
        self.full = "/" + "\n/".join(paths)
        self._names: str | None = None
        self._lowered: str | None = None
        self._patterns = patterns  # every pattern the index will be asked about
        self._plans: dict[str, tuple[re.Pattern[str], frozenset[str] | None]] = {}
        self._word_starts: dict[str, list[int]] | None = None

    @property
    def names(self) -> str:
        if self._names is None:
            self._names = "\n".join(f"{i}/{p.rsplit('/', 1)[-1]}" for i, p in enumerate(self.paths))
        return self._names

    def matching(self, patterns: list[str]) -> list[str]:
        found: set[str] = set()
        for pattern in patterns:
            single, words = self._plan(pattern)
            candidates = self._with_words(words) if words is not None else self._candidates(pattern)
            for path in candidates:
                # A match may run across a line break; confirm it on the path alone.
                if path not in found and single.search(path):
                    found.add(path)
        return sorted(found)

    def _plan(self, pattern: str) -> tuple[re.Pattern[str], frozenset[str] | None]:
        """The pattern, and the words it cannot match without if they are rare in this tree."""
        if pattern not in self._plans:
            single = re.compile(pattern, re.I)
            words = rarest_words(literal_choices(single), self.lowered, 0.125)
            self._plans[pattern] = single, words if words and not any("\n" in w for w in words) else None
        return self._plans[pattern]

    @property
    def lowered(self) -> str:
        """The listing folded as the required words are (prefilter.fold): one character for
        each, so every offset in it is one in the listing."""
        if self._lowered is None:
            self._lowered = fold(self.full)
        return self._lowered

    def _with_words(self, words: frozenset[str]) -> list[str]:
        """Paths holding one of the words a pattern cannot match without, found in one pass of
        all patterns' words over the lower-cased listing (a plain search, many times faster
        than the case-insensitive patterns, and one instead of one per pattern)."""
        found = self._words_found()
        starts = [start for word in words for start in found.get(word, ())]
        spans = sorted({line_span(self.lowered, start) for start in starts})
        return [self.full[start + 1:end] for start, end in spans]  # folding keeps every offset

    def _words_found(self) -> dict[str, list[int]]:
        """Where each word of any pattern's rarest set occurs in the listing (one pass for all)."""
        if self._word_starts is None:
            words = frozenset(w for p in self._patterns if (ws := self._plan(p)[1]) for w in ws)
            self._word_starts = every_occurrence(self.lowered, words)
        return self._word_starts

    def _candidates(self, pattern: str) -> list[str]:
        body = _tree_pattern(pattern)
        if not _about_names(pattern):
            return [self._line(self.full, m.start())[1:] for m in body.finditer(self.full)]
        return [self.paths[int(self._line(self.names, m.start()).split("/", 1)[0])]
                for m in body.finditer(self.names)]

    @staticmethod
    def _line(text: str, offset: int) -> str:
        start, end = line_span(text, offset)
        return text[start:end]


@lru_cache(maxsize=256)
def _about_names(pattern: str) -> bool:
    """Whether the pattern can only match within a file's name (what follows its leading
    "(?:^|/)" ends at the end of the path and matches no "/"): then the list of names is
    enough to search."""
    anchor = "(?:^|/)"
    rest = pattern[len(anchor):] if pattern.startswith(anchor) else pattern
    return ends_without(rest, re.I, "/")


@lru_cache(maxsize=256)
def _tree_pattern(pattern: str) -> re.Pattern[str]:
    anchor = "(?:^|/)"
    body = "/" + pattern[len(anchor):] if pattern.startswith(anchor) else pattern
    return re.compile(body, re.I | re.M)


def _path_evidence(ruleset: RuleSet) -> list[tuple[str, list[str], str, str, str, str | None]]:
    """(bucket, patterns, kind, detail, strength, paths to ignore) for each kind of file evidence."""
    a = ruleset.artifacts
    return [
        ("weights", a.weights.files, "weight-file", "weight file", "strong", "weight_ignore"),
        ("weights", a.weights.conversion_scripts, "checkpoint-conversion", "checkpoint conversion for a model hub",
         "medium", "weight_ignore"),
        ("weak_weights", a.weights.download_scripts, "download-script", "download script", "weak", None),
        ("training_code", a.training_code.files, "training-code", "training code", "strong", "train_ignore"),
        ("fine_tuning", a.fine_tuning.files, "fine-tuning-code", "fine-tuning code", "weak", None),
        ("data", a.data.files, "data-card", "data documentation", "strong", "data_ignore"),
        ("data", a.data.mixtures, "data-mix", "list of the training data's sources", "strong", "data_ignore"),
        ("data", a.data.processing_code, "data-processing-code", "code that builds the training data", "medium",
         "data_ignore"),
        ("paper", a.paper.files, "paper", "document", "medium", "weight_ignore"),
        ("evaluation", a.evaluation.files, "evaluation-code", "evaluation code", "strong", None),
        ("inference", a.inference_code.files, "inference-code", "model or inference code", "strong", None),
    ]


def _scan_paths(found: Artifacts, paths: list[str], p: dict, ruleset: RuleSet, project: Project) -> None:
    evidence = _path_evidence(ruleset)
    index = _PathIndex(paths, [pattern for _bucket, patterns, *_rest in evidence for pattern in patterns])
    seen: set[tuple[str, str]] = set()
    for bucket, patterns, kind, detail, strength, ignore in evidence:
        for path in index.matching(patterns):
            if (ignore and _match(p[ignore], path)) or (bucket, path) in seen:
                continue  # a data card is not also counted as data-processing code
            if bucket == "training_code" and _for_another_family(path, project):
                continue
            seen.add((bucket, path))
            found.add(bucket, Evidence(kind, detail, path, strength=strength))


def _for_another_family(path: str, project: Project) -> bool:
    """A recipe kept in a folder named after another vendor's model ("training/llama3.1/run.sh")
    trains that model, not the one the project releases."""
    return any(project.is_other_family(folder) for folder in path.split("/")[:-1])


def _scan_links(found: Artifacts, doc: Document, p: dict, project: Project) -> None:
    lines = doc.text.split("\n")
    hrefs = [link.href.strip() for link in doc.links]
    by_href = _matching_texts(hrefs, p, ("weight_links", "data_links", "paper_links", "code_links"))
    by_text = _matching_texts([link.text for link in doc.links], p, ("weight_link_texts",))
    for i, (link, href) in enumerate(zip(doc.links, hrefs, strict=True)):
        if i in by_href["weight_links"] and _own_or_unknown(project, href):
            found.add("weights", Evidence("model-page", f"link to a model page: {href}", doc.path, link.line,
                                          "medium"))
        elif link.text and i in by_text["weight_link_texts"] and href.startswith("http"):
            found.add("weights", Evidence("weights-link", f"download link \"{link.text.strip()}\": {href}",
                                          doc.path, link.line, "medium"))
        if i in by_href["data_links"] and _training_data_link(doc, lines, link.line, href, p, project):
            found.add("data", Evidence("dataset-page", f"link to a dataset: {href}", doc.path, link.line))
        if i in by_href["paper_links"]:
            found.add("paper", Evidence("paper", f"paper: {href}", doc.path, link.line))
        if i in by_href["code_links"] and _own_training_code(doc, lines, link.line, href, p, project):
            if _about_fine_tuning(doc, lines, link.line, p):  # recipes for users to adapt the model
                found.add("fine_tuning", Evidence("fine-tuning-elsewhere", f"fine-tuning recipes at {href}",
                                                  doc.path, link.line, "weak"))
            else:
                found.add("training_code", Evidence("training-code-elsewhere", f"training code at {href}", doc.path,
                                                    link.line, "medium"))


def _training_data_link(doc: Document, lines: list[str], line: int, href: str, p: dict, project: Project) -> bool:
    """A dataset page is training data when the link says so (a training-data sentence or section),
    stands in a list of the release's artifacts, or is the project's own dataset — never in an
    evaluation, fine-tuning or acknowledgements section."""
    title = _title_at(doc, lines, line)
    name = href.split("/datasets/", 1)[-1]
    if _match(p["data_elsewhere"], title) or _LICENCE_WORD.search(name) or _match(p["eval_sets"], name):
        return False  # an evaluation set, or a licence text kept in a dataset repository
    sentence = _line_at(lines, line)
    after = sentence.split(href, 1)[-1][:40] if href in sentence else ""
    if _match(p["eval_sets"], after.split(".", 1)[0]):
        return False  # "[Acme-Eval](…) benchmark"
    return (_match(p["data_context"], _context(doc, lines, line)) or _match(p["data_lists"], title)
            or bool(project.owns_href(href)))


def _about_fine_tuning(doc: Document, lines: list[str], line: int, p: dict) -> bool:
    """A link in a fine-tuning section, or a sentence that tells users how to fine-tune."""
    return _match(p["tuning_sections"], _title_at(doc, lines, line)) or _match(p["tuning_for_users"],
                                                                                _line_at(lines, line))


def _title_at(doc: Document, lines: list[str], line: int) -> str:
    """The title of the section a line is in."""
    return _section_titles(doc, len(lines))[line] if 0 <= line < len(lines) + 2 else ""


def _line_at(lines: list[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _own_training_code(doc: Document, lines: list[str], line: int, href: str, p: dict, project: Project) -> bool:
    """Another repository holds the training code when the README says so of it, and it is the
    project's own: under its organisations, or called "our …" ("a pipeline we developed")."""
    context = _context(doc, lines, line)
    title = context.split("\n", 1)[0]
    if _match(p["code_elsewhere"], title) or not _match(p["train_elsewhere"], context):
        return False
    return bool(project.owns_href(href)) or _match(p["code_own"], _line_at(lines, line))


def _matching_texts(texts: list[str], p: dict, keys: tuple[str, ...]) -> dict[str, set[int]]:
    """For each pattern, the indices of the texts it finds something in: the words the patterns
    need are found once in all texts, and only the texts holding them are searched (see
    app.engine.prefilter), instead of every pattern searching every link."""
    patterns = tuple(p[key] for key in keys if p[key] is not None)
    prepared = prepare(texts, patterns) if texts and patterns else None
    return {key: set(matching(prepared, p[key])) if prepared and p[key] is not None else set() for key in keys}


def _own_or_unknown(project: Project, href: str) -> bool:
    """A model page of another organisation is somebody else's model (a base model, a tutorial)."""
    return not project.orgs or project.owns_href(href) is not False


def _context(doc: Document, lines: list[str], line: int) -> str:
    """A link's line and the title of the section it is in: where it says what the link is for."""
    return f"{_title_at(doc, lines, line)}\n{_line_at(lines, line)}"


def _section_titles(doc: Document, line_count: int) -> list[str]:
    """For each line, the title of the last section (in document order) that contains it: the
    innermost one. Worked out once per document, so many links in many sections stay linear."""
    if "section_titles" not in doc.cache:
        titles = [""] * (line_count + 2)
        for section in doc.sections:
            for number in range(max(section.line, 0), min(section.end_line, line_count + 1) + 1):
                titles[number] = section.title
        doc.cache["section_titles"] = titles
    return doc.cache["section_titles"]


def _scan_sections(found: Artifacts, doc: Document, p: dict) -> None:
    for section in doc.sections:
        title = section.title.strip().lower().rstrip(":?")
        if _match(p["weight_sections"], title):
            found.add("weights", Evidence("checkpoint-section", f"section \"{section.title}\" lists released weights",
                                          doc.path, section.line, "medium"))
        if _match(p["train_sections"], title) and doc.code_in(section):
            found.add("training_code", Evidence(
                "training-instructions", f"section \"{section.title}\" shows how to run training",
                doc.path, section.line, "medium"))
        if _match(p["data_access"], title):
            found.add("data", Evidence("data-access", f"section \"{section.title}\" tells how to get the training "
                                       "data", doc.path, section.line))
        elif _match(p["data_sections"], title):
            found.add("data", _data_section(doc, section, p))
        if _match(p["eval_sections"], title):
            found.add("evaluation", Evidence("evaluation-results", f"section \"{section.title}\"",
                                             doc.path, section.line))


_LICENCE_WORD = re.compile(r"licen[cs]e|copying", re.I)
_SECTION_CHARS = 20_000  # of a data section read for its detail


def _data_section(doc: Document, section, p: dict) -> Evidence:
    """A training-data section names its sources (datasets, links, a table or list of sources with
    their shares) or only says how much data there was and that it was "publicly available": the
    first is data information, the second is found but too vague to rebuild anything from."""
    start = doc.line_offsets[section.line - 1] if section.line - 1 < len(doc.line_offsets) else len(doc.text)
    end = doc.line_offsets[section.end_line] if section.end_line < len(doc.line_offsets) else len(doc.text)
    body = doc.text[start:min(end, start + _SECTION_CHARS)]
    where = f"section \"{section.title}\""
    if _DOWNLOAD_LINK.search(body):
        return Evidence("data-access", f"{where} links to where the training data is downloaded", doc.path,
                        section.line)
    if _names_sources(body, p) or _source_table(doc, section, p):
        return Evidence("data-description", f"{where} names the training data's sources", doc.path, section.line)
    return Evidence("data-section", f"{where}: amounts and general sources only", doc.path, section.line, "weak")


_DOWNLOAD_LINK = re.compile(r"\b(?:download\w*|obtain\w*|requested)\b[^.\n]{0,80}\]\((?:https?://|\.{0,2}/)"
                            r"|\]\(https?://[^)\s]*download[^)\s]*\)", re.I)
_SHARE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|[kmbt]\b|(?:billion|million|trillion)\b|gb\b|tb\b|tokens\b)", re.I)


def _names_sources(body: str, p: dict) -> bool:
    """Named public datasets, dataset pages, or a list of at least three sources with their sizes."""
    if _match(p["datasets"], body) or _match(p["data_links"], "\n".join(re.findall(r"\((https?://[^)\s]+)", body))):
        return True
    items = [line for line in body.split("\n") if re.match(r"\s*(?:[-*+]|\d+[.)])\s+\S", line)]
    return sum(bool(_SHARE.search(item)) for item in items) >= 3


def _source_table(doc: Document, section, p: dict) -> bool:
    """A table in the section whose header gives sources and shares, with at least two rows."""
    for table in tables_of(doc):
        line = table.header[0].line if table.header else 0
        if section.line <= line <= section.end_line and len(table.rows) >= 2 and any(
                p["data_columns"].search(cell.text) for cell in table.header):
            return True
    return False


def _scan_prose(found: Artifacts, doc: Document, p: dict) -> None:
    # Each kind of evidence goes to its own bucket, so reading the segments once per pattern
    # keeps every bucket in document order.
    in_context = {id(s) for s in doc.segments_with(p["data_context"])}
    for segment in doc.segments_with(p["datasets"]):
        dataset = p["datasets"].search(segment.text) if id(segment) in in_context else None
        if dataset and p["data_context"].search(segment.text):
            line, _ = segment.position(dataset.start())
            found.add("data", Evidence("named-dataset", f"names the training data: {dataset.group(0)}",
                                       doc.path, line))
    for segment in doc.segments_with(p["weight_phrases"]):
        if _match(p["weight_phrases"], segment.text):
            found.add("weights", Evidence("download-statement", "the documentation says where to download the "
                                          "weights", doc.path, segment.lines[0], "medium"))
    for segment in doc.segments_with(p["intermediate"]):
        if _match(p["intermediate"], segment.text):
            found.add("intermediate", Evidence("intermediate-checkpoints", "intermediate checkpoints",
                                               doc.path, segment.lines[0]))


def _scan_code_blocks(found: Artifacts, doc: Document, p: dict, project: Project) -> None:
    """A usage example that loads a model of the project's own organisation from a hub."""
    if not project.orgs or not p["model_ids"]:
        return
    for block in doc.code_blocks:
        for match in p["model_ids"].finditer(block.content):
            model = next(g for g in match.groups() if g)
            if model.split("/", 1)[0].lower() in project.orgs:
                found.add("weights", Evidence("hosted-model", f"the example loads {model} from a model hub",
                                              doc.path, block.line, "medium"))
                return


def _scan_front_matter(found: Artifacts, doc: Document) -> None:
    fm = doc.front_matter or {}
    datasets = fm.get("datasets")
    if datasets:
        names = datasets if isinstance(datasets, list) else [datasets]
        found.add("data", Evidence("front-matter", f"datasets: {', '.join(map(str, names))}", doc.path,
                                   doc.front_matter_lines.get("datasets")))
    tags = fm.get("tags") if isinstance(fm.get("tags"), list) else []
    dataset_tags = [str(t).split(":", 1)[1] for t in tags if str(t).startswith("dataset:")]
    if dataset_tags and not datasets:
        found.add("data", Evidence("front-matter", f"dataset tags: {', '.join(dataset_tags)}", doc.path,
                                   doc.front_matter_lines.get("tags")))
    if fm.get("model-index"):
        found.add("evaluation", Evidence("front-matter", "model-index evaluation results", doc.path,
                                         doc.front_matter_lines.get("model-index")))

"""`openwashing scan`: folders or standard input in, one report per target out, in the format asked.

Paths in every report are relative to the repository root (the nearest folder, walking up, with
`.git` or `.github/openwashing.yml`), so annotations land on the right file when a subfolder is
scanned; the configuration is found the same way, and the report names the file it used.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from app.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from app.engine.config import CONFIG_PATH, Config, parse_config
from app.engine.models import Level, Report
from app.engine.ruleset import RuleSet
from app.engine.scan import scan
from app.engine.snapshot import Snapshot
from app.report.relocate import relocate


@dataclass
class Target:
    label: str  # as given on the command line
    snapshot: Snapshot
    folder: Path | None  # None for standard input
    prefix: str  # the folder's path from the repository root ("" at the root)
    config: Config
    config_file: str | None
    stdin_text: str | None = None
    stdin_path: str | None = None  # the piped document's path from the root: only its findings are reported
    hub_page: object | None = None  # for a Hugging Face Hub repository: its page (app.engine.hub.HubPage)


def repository_root(folder: Path) -> Path:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists() or (candidate / CONFIG_PATH).is_file():
            return candidate
    return folder


def find_config(folder: Path, root: Path) -> Path | None:
    """The nearest .github/openwashing.yml from the folder up to the repository root."""
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_PATH).is_file():
            return candidate / CONFIG_PATH
        if candidate == root:
            return None
    return None


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def load_config(explicit: Path | None, folder: Path, root: Path, ruleset: RuleSet) -> tuple[Config, str | None]:
    path = explicit or find_config(folder, root)
    if path is None:
        return Config(), None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read configuration {path}: {exc.strerror}") from exc
    return parse_config(text, shown(path), {r.id for r in ruleset.claims}), shown(path)


_HUB_PREFIX = r"^(?:hf://|https?://(?:www\.)?(?:huggingface\.co|hf\.co)/)"
_HUB_TARGET = re.compile(_HUB_PREFIX + r"(?P<id>[\w.-]+/[\w.-]+?)(?:@(?P<rev>[\w./-]+)|/tree/(?P<tree>[\w.-]+))?/?$")


def target_for(given: str, args, ruleset: RuleSet) -> Target:
    if given == "-":
        return _stdin_target(args, ruleset)
    if re.match(_HUB_PREFIX, given):
        return _hub_target(given, args, ruleset)
    folder = Path(given)
    if not folder.is_dir():
        raise UsageError(f"{given} is not a folder; give a repository folder, or - for standard input")
    folder = folder.resolve()
    root = repository_root(folder)
    config, config_file = load_config(args.config, folder, root, ruleset)
    prefix = folder.relative_to(root).as_posix()
    return Target(given, Snapshot.from_folder(folder), folder, "" if prefix == "." else prefix, config, config_file)


def _hub_target(given: str, args, ruleset: RuleSet) -> Target:
    """A model repository on the Hugging Face Hub, judged without downloading weights: its card,
    licence and use-policy files are read, its listing stands for its tree."""
    from app.engine.hub import HubRef
    from app.hub.client import HubUnavailable

    match = _HUB_TARGET.match(given)
    if not match:
        raise UsageError(f"{given} is not a Hub model: write hf://ORG/NAME[@REVISION]")
    if args.fix:
        raise UsageError(f"--fix cannot change {given}: a Hub repository has nothing local to rewrite "
                         "(--diff shows the changes)")
    config, config_file = (load_config(args.config, Path.cwd(), Path.cwd(), ruleset) if args.config
                           else (Config(), None))
    ref = HubRef("model", match.group("id"), match.group("rev") or match.group("tree"))
    try:
        page, texts = hub_source(args, config).repository(ref)
    except HubUnavailable as exc:
        raise UsageError(str(exc)) from exc
    snapshot = Snapshot.from_mapping(texts, page.files)
    snapshot.name = ref.repo_id
    return Target(given, snapshot, None, "", config, config_file, hub_page=page)


def repository_name(target: Target) -> str:
    """owner/name: a Hub id, or the repository's GitHub remote (origin), else the folder's name."""
    if target.hub_page is not None or target.folder is None:
        return target.snapshot.name
    root = repository_root(target.folder)
    try:
        config = (root / ".git" / "config").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return target.folder.name
    remote = _ORIGIN.search(config)
    return remote.group(1) if remote else target.folder.name


_ORIGIN = re.compile(r'\[remote "origin"\][^\[]*?url\s*=\s*\S*?github\.com[:/]([\w.-]+/[\w.-]+?)(?:\.git)?\s*$', re.M)


def hub_source(args, config: Config):
    """The Hugging Face Hub as the command line reads it: cached in the user's cache folder,
    within the budget given, or not at all when offline."""
    from app.hub.cache import FolderCache
    from app.hub.client import HubClient, offline_reason

    return HubClient(max_lookups=args.hub_lookups, seconds=args.hub_seconds, cache=FolderCache.for_user(),
                     offline=offline_reason(args.offline, config.hub))


STDIN_DEFAULT = "stdin.md"  # where piped text sits when no --stdin-filename says where it belongs


def _stdin_target(args, ruleset: RuleSet) -> Target:
    """One document from standard input, seen in its repository, as editors lint a buffer: the text
    takes the place of --stdin-filename (a path from the working folder) in the working folder's
    repository and is read as a document wherever it lies; every other file stays evidence."""
    text = sys.stdin.read()
    here = Path.cwd().resolve()
    root = repository_root(here)
    name = (here / (args.stdin_filename or STDIN_DEFAULT)).resolve()
    if root != name and root not in name.parents:
        raise UsageError(f"--stdin-filename {args.stdin_filename} is outside the repository at {root}")
    config, config_file = load_config(args.config, here, root, ruleset)
    path = name.relative_to(root).as_posix()
    return Target("-", overlay(Snapshot.from_folder(root), path, text), None, "",
                  reading(config, path), config_file, stdin_text=text, stdin_path=path)


def reading(config: Config, path: str) -> Config:
    """The configuration with one path always read as a document (an editor's buffer is linted
    whatever its name, and even where `exclude` would skip it)."""
    import fnmatch
    import glob

    return replace(config, include=[*config.include, glob.escape(path)],
                   exclude=[p for p in config.exclude if not fnmatch.fnmatch(path, p)])


def overlay(base: Snapshot, path: str, text: str) -> Snapshot:
    """The snapshot with one file's content replaced (or added)."""
    data = text.encode("utf-8")
    return Snapshot(sorted({*base.paths, path}), lambda p: data if p == path else base.read_bytes(p),
                    lambda p: len(data) if p == path else base.size_of(p), base.name)


def report_for(target: Target, ruleset: RuleSet, fix: bool, hub=None) -> Report:
    report = scan(target.snapshot, target.config, ruleset, hub)
    if fix:
        report = _fix(target, report, ruleset, hub)
    return relocate(_only(report, target.stdin_path), target.prefix)


def _only(report: Report, path: str | None) -> Report:
    """The findings and notices of the piped document alone (the rest of the tree is evidence)."""
    if path is None:
        return report
    return replace(report, findings=[f for f in report.findings if f.path == path],
                   notices=[n for n in report.notices if n.path == path])


def _fix(target: Target, report: Report, ruleset: RuleSet, hub=None) -> Report:
    from app.engine.fix import apply_fixes

    if target.folder is None:
        raise UsageError("--fix cannot rewrite standard input; use --diff to see the changes")
    total = files = 0
    for rel, findings in _by_path(report).items():
        path = target.folder / rel
        fixed, applied = apply_fixes(path.read_text(encoding="utf-8").replace("\r\n", "\n"), findings)
        if applied:
            path.write_text(fixed, encoding="utf-8")
            total, files = total + applied, files + 1
    sys.stderr.write(f"openwashing: rewrote {total} place{'s' if total != 1 else ''} "
                     f"in {files} file{'s' if files != 1 else ''}\n")
    return scan(Snapshot.from_folder(target.folder), target.config, ruleset, hub)


def _by_path(report: Report) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for finding in report.findings:
        if finding.replacement is not None:
            grouped.setdefault(finding.path, []).append(finding)
    return grouped


def diff_for(target: Target, ruleset: RuleSet) -> str:
    """A unified diff of what --fix would write, with paths from the repository root."""
    import difflib

    from app.engine.fix import apply_fixes

    report = _only(scan(target.snapshot, target.config, ruleset), target.stdin_path)
    chunks = []
    for rel, findings in _by_path(report).items():
        before = target.snapshot.read_bytes(rel).decode("utf-8")
        after, applied = apply_fixes(before.replace("\r\n", "\n"), findings)
        if applied:
            name = f"{target.prefix}/{rel}" if target.prefix else rel
            chunks.append("".join(difflib.unified_diff(before.replace("\r\n", "\n").splitlines(True),
                                                       after.splitlines(True), f"a/{name}", f"b/{name}")))
    return "".join(chunks)


def use_colour(choice: str, output: Path | None) -> bool:
    """Colour on a terminal: off with NO_COLOR (https://no-color.org), when piped or written to a file."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or output is not None or os.environ.get("TERM") == "dumb":
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def exit_code(report: Report, fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    threshold = Level(fail_on).rank
    return EXIT_FINDINGS if any(f.level.rank >= threshold for f in report.findings) else EXIT_OK

"""The `openwashing` command: scan a folder, explain a rule or licence, list the rules."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:  # the engine is imported when a command needs it: `--version` and `--help` stay instant
    from app.engine.config import Config
    from app.engine.models import Report
    from app.engine.ruleset import RuleSet
    from app.engine.snapshot import Snapshot

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FAIL_LEVELS = ("error", "warning", "notice", "never")
FORMAT_NAMES = ("github", "json", "sarif", "text")  # app.report.FORMATS, named here to import nothing


class UsageError(Exception):
    """Bad arguments or unusable input: exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openwashing", description=(
        "Find places where a model repository calls itself open source without the evidence "
        "the OSI Open Source AI Definition asks for, and propose honest wording."))
    parser.add_argument("--version", action="version", version=f"openwashing {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    scan_cmd = commands.add_parser("scan", help="scan a repository folder")
    scan_cmd.add_argument("path", nargs="?", default=".", help="repository folder (default: .)")
    scan_cmd.add_argument("--format", choices=FORMAT_NAMES, default="text")
    scan_cmd.add_argument("--fail-on", choices=FAIL_LEVELS, default=None,
                          help="lowest finding level that makes the exit code 1 (default: error)")
    scan_cmd.add_argument("--config", type=Path, help="configuration file instead of .github/openwashing.yml")
    scan_cmd.add_argument("--fix", action="store_true", help="rewrite the files with the suggested wording")
    scan_cmd.add_argument("--output", type=Path, help="write the report to a file instead of stdout")

    explain = commands.add_parser("explain", help="explain a rule or a licence")
    explain.add_argument("id", help="rule id, licence id, SPDX id or Hugging Face licence id")
    commands.add_parser("rules", help="list the rules and licences")

    manifest = commands.add_parser("manifest", help="print a page that registers the GitHub App from app.yml")
    manifest.add_argument("--url", required=True, help="public base URL of the deployment, e.g. https://ow.example.com")
    manifest.add_argument("--org", help="register the app under this organisation (default: your account)")
    manifest.add_argument("--github", default="https://github.com", help="GitHub (Enterprise Server) web root")
    manifest.add_argument("--app-yml", type=Path, default=Path("app.yml"), help="manifest file (default: app.yml)")
    manifest.add_argument("--public", action="store_true",
                          help="let any account install the app (default: only the one that registers it)")

    serve = commands.add_parser("serve", help="run the GitHub App (webhook receiver and workers)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0)")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (default: 3000)")
    serve.add_argument("--no-worker", action="store_true",
                       help="receive and queue only; workers run in another process")
    worker = commands.add_parser("worker", help="run workers only, beside `serve --no-worker` receivers")
    worker.add_argument("--workers", type=int, help="how many (default: WORKERS)")
    worker.add_argument("--metrics-port", type=int, help="serve /metrics on this port")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.engine.config import ConfigError
    from app.engine.ruleset import RuleFileError, default_ruleset
    from app.settings import SettingsError

    try:
        ruleset = default_ruleset()
        if args.command == "scan":
            return _scan(args, ruleset)
        if args.command == "explain":
            return _explain(args.id, ruleset)
        if args.command == "serve":
            return _serve(args)
        if args.command == "manifest":
            return _manifest(args)
        if args.command == "worker":
            return _worker(args)
        from app.report.templating import render
        sys.stdout.write(render("rules_list.txt.j2", rules=ruleset.claims, licenses=ruleset.licenses))
        return EXIT_OK
    except (UsageError, ConfigError, RuleFileError, SettingsError) as exc:
        sys.stderr.write(f"openwashing: error: {exc}\n")
        return EXIT_USAGE


def _scan(args: argparse.Namespace, ruleset: RuleSet) -> int:
    from app.engine.scan import scan
    from app.engine.snapshot import Snapshot
    from app.report import FORMATS

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder; give the repository's root folder")
    snapshot = Snapshot.from_folder(root)
    config = _config(args.config, snapshot, ruleset)
    if config.extends:
        sys.stderr.write(f"openwashing: note: `_extends: {config.extends}` is followed by the GitHub App; "
                         "the command line uses this file alone\n")
    report = scan(snapshot, config, ruleset)
    if args.fix:
        report = _fix(root, report, snapshot, config, ruleset)
    output = FORMATS[args.format](report)
    if args.output:
        args.output.write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return _exit_code(report, args.fail_on or config.fail_on)


def _config(path: Path | None, snapshot: Snapshot, ruleset: RuleSet) -> Config:
    from app.engine.config import parse_config
    from app.engine.scan import load_repo_config

    if path is None:
        return load_repo_config(snapshot, ruleset)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read configuration {path}: {exc.strerror}") from exc
    return parse_config(text, str(path), {r.id for r in ruleset.claims})


def _fix(root: Path, report: Report, snapshot: Snapshot, config: Config, ruleset: RuleSet) -> Report:
    from app.engine.fix import apply_fixes
    from app.engine.scan import scan
    from app.engine.snapshot import Snapshot

    by_path: dict[str, list] = {}
    for finding in report.findings:
        by_path.setdefault(finding.path, []).append(finding)
    total = 0
    for rel, findings in by_path.items():
        target = root / rel
        text = target.read_text(encoding="utf-8")
        fixed, applied = apply_fixes(text.replace("\r\n", "\n"), findings)
        if applied:
            target.write_text(fixed, encoding="utf-8")
            total += applied
    sys.stderr.write(f"openwashing: rewrote {total} place{'s' if total != 1 else ''} "
                     f"in {len(by_path)} file{'s' if len(by_path) != 1 else ''}\n")
    return scan(Snapshot.from_folder(root), config, ruleset)


def _manifest(args: argparse.Namespace) -> int:
    """An HTML form that posts app.yml as a manifest to GitHub (the manifest registration flow)."""
    import html
    import json

    import yaml

    from app.report.templating import render

    try:
        manifest = yaml.safe_load(args.app_yml.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {args.app_yml}: {exc.strerror}") from exc
    base = args.url.rstrip("/")
    manifest["hook_attributes"] = {**manifest.get("hook_attributes", {}), "url": f"{base}/api/github/webhooks"}
    manifest.setdefault("redirect_url", base)
    manifest["public"] = bool(args.public)
    target = f"{args.github.rstrip('/')}/{'organizations/' + args.org + '/' if args.org else ''}settings/apps/new"
    sys.stdout.write(render("register_app.html.j2", target=html.escape(target),
                            manifest=html.escape(json.dumps(manifest))))
    return EXIT_OK


def _prepare_metrics(settings) -> None:
    """Worker processes count into files of one directory (prometheus-client's multiprocess mode);
    it must be set before prometheus-client is imported, so before the app's modules are."""
    import os
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or f"{settings.local_base}.metrics"
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, name))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.logs import configure
    from app.settings import load_settings

    settings = load_settings()
    configure(settings.log_format)
    _prepare_metrics(settings)
    from app.webhooks.server import create_app

    # Workers share the interpreter with the receiver: hand the GIL back to the event loop after
    # 1 ms instead of 5 ms, so a running check adds little to the time a delivery waits for its 202.
    sys.setswitchinterval(0.001)
    # No access log: one line per delivery costs as much as storing it; deliveries are in the store.
    uvicorn.run(create_app(settings, start_worker=not args.no_worker), host=args.host, port=args.port,
                log_level="info", access_log=False, proxy_headers=True, log_config=None)
    return EXIT_OK


def _worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from app.logs import configure
    from app.settings import load_settings

    settings = load_settings()
    configure(settings.log_format)
    _prepare_metrics(settings)
    from app.jobs import queue as jobs_queue
    from app.state.store import open_store
    from app.webhooks.server import start_background

    if args.workers:
        settings = settings.model_copy(update={"workers": args.workers})
    queue = jobs_queue.create_queue(settings)
    store = open_store(settings.database_url)
    background = start_background(settings, queue, store, redeliver=True)
    server = _metrics_server(args.metrics_port) if args.metrics_port else None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    for part in reversed(background):
        part.stop()
    if server:
        server.shutdown()
    store.close()
    return EXIT_OK


def _metrics_server(port: int):
    """/metrics for a worker host that runs no receiver."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from app import metrics

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = metrics.render()
            self.send_response(200 if self.path == "/metrics" else 404)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body if self.path == "/metrics" else b"")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _exit_code(report: Report, fail_on: str) -> int:
    from app.engine.models import Level

    if fail_on == "never":
        return EXIT_OK
    threshold = Level(fail_on).rank
    return EXIT_FINDINGS if any(f.level.rank >= threshold for f in report.findings) else EXIT_OK


def _explain(identifier: str, ruleset: RuleSet) -> int:
    from app.engine import licenses as lic
    from app.report.templating import render

    rule = ruleset.claim(identifier)
    if rule:
        sys.stdout.write(render("explain_rule.txt.j2", rule=rule))
        return EXIT_OK
    facts = ruleset.license(identifier) or lic.by_hf_id(identifier, ruleset) or \
        (lic.names_in(identifier, ruleset) or [None])[0]
    if facts:
        restrictions = [ruleset.restrictions[r] for r in facts.restrictions]
        sys.stdout.write(render("explain_license.txt.j2", lic=facts, restrictions=restrictions))
        return EXIT_OK
    raise UsageError(f"no rule or licence called {identifier!r}; `openwashing rules` lists them")


if __name__ == "__main__":
    sys.exit(main())

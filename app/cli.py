"""The `openwashing` command: scan a folder, explain a rule or licence, list the rules."""

from __future__ import annotations

import sys

from app import __version__

# typing.TYPE_CHECKING without importing typing (a third of `--version`'s time); type checkers
# treat a module-level name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:  # the engine is imported when a command needs it: `--version` and `--help` stay instant
    import argparse
    from pathlib import Path

    from app.engine.ruleset import RuleSet

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FAIL_LEVELS = ("error", "warning", "notice", "never")
FORMAT_NAMES = ("cyclonedx", "github", "html", "json", "markdown", "mof", "sarif", "text")  # app.report.combined's


class UsageError(Exception):
    """Bad arguments or unusable input: exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="openwashing", description=(
        "Find places where a model repository calls itself open source without the evidence "
        "the OSI Open Source AI Definition asks for, and propose honest wording."))
    parser.add_argument("--version", action="version", version=f"openwashing {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    scan_cmd = commands.add_parser("scan", help="scan repository folders (or - for standard input)")
    scan_cmd.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                          help="repository folders, - to read one document from standard input, or a Hugging Face "
                               "Hub model: hf://ORG/NAME[@REVISION] or https://huggingface.co/ORG/NAME (default: .)")
    scan_cmd.add_argument("--format", choices=FORMAT_NAMES, default="text",
                          help="text for people (default), json, sarif for code scanning, github for workflow "
                               "annotations, markdown for job summaries, html for one self-contained page, mof for "
                               "a Model Openness Framework record, cyclonedx for a CycloneDX 1.6 ML-BOM")
    scan_cmd.add_argument("--fail-on", choices=FAIL_LEVELS, default=None,
                          help="lowest finding level that makes the exit code 1 (default: error)")
    scan_cmd.add_argument("--config", type=Path, help="configuration file instead of the nearest "
                                                      ".github/openwashing.yml")
    scan_cmd.add_argument("--fix", action="store_true", help="rewrite the files with the suggested wording")
    scan_cmd.add_argument("--diff", action="store_true",
                          help="print what --fix would change as a unified diff; exit 1 if anything would")
    scan_cmd.add_argument("-o", "--output", type=Path, help="write the report to a file instead of stdout")
    scan_cmd.add_argument("-q", "--quiet", action="store_true", help="print the findings only")
    scan_cmd.add_argument("-v", "--verbose", action="store_true",
                          help="list all the evidence, every place a licence is stated and its clauses' wording")
    scan_cmd.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                          help="colour the text report (default: on a terminal, unless NO_COLOR is set)")
    scan_cmd.add_argument("--offline", action="store_true",
                          help="never read the Hugging Face Hub (also HF_HUB_OFFLINE=1, or hub: false in the "
                               "configuration); the report says what it could not check")
    scan_cmd.add_argument("--hub-lookups", type=int, default=20, metavar="N",
                          help="Hub repositories read at most per scanned path (default: 20)")
    scan_cmd.add_argument("--hub-seconds", type=float, default=10.0, metavar="S",
                          help="longest the scan of a path waits on the Hub in all (default: 10)")
    scan_cmd.add_argument("--stdin-filename", default=None,
                          help="where the document read from - belongs, from the working folder: it takes that "
                               "file's place and only its findings are reported (default: a new stdin.md at the "
                               "repository root)")

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

    setup_cmd = commands.add_parser("setup", help="register the GitHub App from a browser and write its "
                                                  "credentials to .env")
    setup_cmd.add_argument("--url", help="public base URL of the deployment, e.g. https://ow.example.com")
    setup_cmd.add_argument("--code", help="finish a registration: the code GitHub sent to /setup/done")
    setup_cmd.add_argument("--org", help="register the app under this organisation (default: your account)")
    setup_cmd.add_argument("--public", action="store_true", help="let any account install the app")
    setup_cmd.add_argument("--github", default="https://github.com", help="GitHub (Enterprise Server) web root")
    setup_cmd.add_argument("--api-url", default="https://api.github.com", help="GitHub's REST API root")
    setup_cmd.add_argument("--app-yml", type=Path, default=Path("app.yml"), help="manifest file (default: app.yml)")
    setup_cmd.add_argument("--env-file", type=Path, default=Path(".env"), help="where to write (default: .env)")
    setup_cmd.add_argument("--port", type=int, default=8765, help="port of the local setup page (default: 8765)")

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
    given = sys.argv[1:] if argv is None else argv
    if given in (["--version"], ["-V"]):  # answered before anything else is imported, as linters do
        sys.stdout.write(f"openwashing {__version__}\n")
        return EXIT_OK
    if argv is None and given and given[0] in _SHORT_COMMANDS:  # a process of its own, not a caller's
        from app.gcpolicy import quiet_start
        from app.regexcache import install

        quiet_start()
        install()  # before anything compiles a pattern (argparse does)
    args = build_parser().parse_args(argv)
    from app.engine.config import ConfigError
    from app.engine.ruleset import RuleFileError

    try:
        return _COMMANDS[args.command](args)
    except (UsageError, ConfigError, RuleFileError) as exc:
        sys.stderr.write(f"openwashing: error: {exc}\n")
        return EXIT_USAGE


def _ruleset() -> RuleSet:
    from app.engine.ruleset import default_ruleset
    from app.gcpolicy import tune_for_scanning

    ruleset = default_ruleset()
    tune_for_scanning()
    return ruleset


def _rules(args: argparse.Namespace) -> int:
    from app.report.templating import render

    ruleset = _ruleset()
    sys.stdout.write(render("rules_list.txt.j2", rules=ruleset.claims, licenses=ruleset.licenses))
    return EXIT_OK


def _load_settings():
    """The app's settings; what is missing or wrong is a usage error listing all of it."""
    from app.settings import SettingsError, load_settings
    try:
        return load_settings()
    except SettingsError as exc:
        raise UsageError(str(exc)) from exc


def _scan(args: argparse.Namespace) -> int:
    from app import scan_command as sc
    from app.report import combined

    ruleset = _ruleset()
    if args.fix and args.diff:
        raise UsageError("--fix and --diff do not go together: --diff shows what --fix would write")
    if args.paths.count("-") > 1:
        raise UsageError("standard input (-) can be read once")
    targets = [sc.target_for(given, args, ruleset) for given in args.paths]
    _note_extends(targets)
    if args.diff:
        diff = "".join(sc.diff_for(t, ruleset) for t in targets)
        _emit(diff, args.output)
        return EXIT_FINDINGS if diff else EXIT_OK
    reports = [sc.report_for(t, ruleset, args.fix, sc.hub_source(args, t.config)) for t in targets]
    items = [combined.Scanned(t.label, _name(t), t.config_file, r, sc.repository_name(t))
             for t, r in zip(targets, reports, strict=True)]
    style = combined.Style(sc.use_colour(args.color, args.output), args.quiet, args.verbose)
    _emit(combined.render(args.format, items, style), args.output)
    return max(sc.exit_code(r, args.fail_on or t.config.fail_on) for t, r in zip(targets, reports, strict=True))


def _name(target) -> str:
    if target.hub_page is not None:
        return target.snapshot.name
    return "standard input" if target.folder is None else target.folder.name


def _note_extends(targets: list) -> None:
    for target in targets:
        if target.config.extends:
            sys.stderr.write(f"openwashing: note: `_extends: {target.config.extends}` in {target.config_file} is "
                             "followed by the GitHub App; the command line uses this file alone\n")


def _emit(text: str, output: Path | None) -> None:
    """Write to the file asked for, or stdout; a file that cannot be written is a usage error."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to {output}: {exc.strerror or exc}") from exc


def _manifest(args: argparse.Namespace) -> int:
    """An HTML form that posts app.yml as a manifest to GitHub (the manifest registration flow);
    GitHub then sends the browser to the deployment's /setup/done with a one-time code."""
    from app import setup

    base = args.url.rstrip("/")
    try:
        manifest = setup.manifest_for(args.app_yml, base, bool(args.public), f"{base}/setup/done")
    except OSError as exc:
        raise UsageError(f"cannot read {args.app_yml}: {exc.strerror}") from exc
    sys.stdout.write(setup.registration_page(setup.registration_target(args.github, args.org), manifest))
    return EXIT_OK


def _setup(args: argparse.Namespace) -> int:
    """Register the app from a browser (a local page) or finish with a code; write .env."""
    from github import GithubException

    from app import setup

    if args.code:
        from app.github.manifest import convert_code
        try:
            app = convert_code(args.api_url, args.code)
        except GithubException as exc:
            raise UsageError(f"GitHub did not accept the code ({exc.status}): codes work once, within an hour"
                             ) from exc
        return _report_setup(app, setup.write_credentials(app, args.env_file), args.env_file)
    if not args.url:
        raise UsageError("give --url (the deployment's public address) to register, or --code to finish")
    server = setup.SetupServer(args.url, args.app_yml, bool(args.public), args.org, args.github, args.api_url,
                               args.env_file, args.port)
    sys.stderr.write(f"Open {server.address}/ in a browser signed in to GitHub and press the button.\n")
    app = server.serve_until_done()
    key_path = args.env_file.resolve().parent / f"{app.get('slug') or 'openwashing'}.private-key.pem"
    return _report_setup(app, key_path, args.env_file)


def _report_setup(app: dict, key_path: Path, env_file: Path) -> int:
    sys.stdout.write(f"Registered GitHub App {app.get('slug')} (id {app.get('id')}).\n"
                     f"Credentials written to {env_file} and {key_path} (mode 600).\n"
                     f"Next: start the app (`openwashing serve`), then install it: {app.get('html_url')}"
                     "/installations/new\n")
    return EXIT_OK


def _prepare_metrics(settings) -> None:
    """Worker processes count into files of one directory (prometheus-client's multiprocess mode);
    it must be set before prometheus-client is imported, so before the app's modules are."""
    import os
    from contextlib import suppress
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or f"{settings.local_base}.metrics"
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            with suppress(OSError):
                os.remove(os.path.join(folder, name))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.logs import configure

    settings = _load_settings()
    configure(settings.log_format)
    _prepare_metrics(settings)
    from app.webhooks.http import server_options
    from app.webhooks.server import create_app

    # Workers share the interpreter with the receiver: hand the GIL back to the event loop after
    # 1 ms instead of 5 ms, so a running check adds little to the time a delivery waits for its 202.
    sys.setswitchinterval(0.001)
    # No access log: one line per delivery costs as much as storing it; deliveries are in the store.
    uvicorn.run(create_app(settings, start_worker=not args.no_worker), host=args.host, port=args.port,
                log_level="info", access_log=False, proxy_headers=True, log_config=None, **server_options())
    return EXIT_OK


def _worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from app.logs import configure

    settings = _load_settings()
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


def _explain(args: argparse.Namespace) -> int:
    from app.report.templating import render

    identifier, ruleset = args.id, _ruleset()
    if not identifier.strip():
        raise UsageError("give a rule or licence to explain, e.g. `openwashing explain OpenSourceClaim` or "
                         "`openwashing explain llama3.1`; `openwashing rules` lists them")
    found = _lookup(identifier.strip(), ruleset)
    if found is None:
        raise UsageError(f"no rule or licence called {identifier!r}; `openwashing rules` lists them")
    if found in ruleset.claims:
        sys.stdout.write(render("explain_rule.txt.j2", rule=found))
        return EXIT_OK
    restrictions = [ruleset.restrictions[r] for r in found.restrictions]
    sys.stdout.write(render("explain_license.txt.j2", lic=found, restrictions=restrictions))
    return EXIT_OK


def _loose(text: str) -> str:
    """"Llama 3.1", "llama-3.1" and "LLAMA_3_1" alike; "Apache 2" as "Apache-2.0"."""
    import re
    return re.sub(r"[^a-z0-9+]", "", re.sub(r"\.0\b", "", text.lower()))


def _lookup(identifier: str, ruleset: RuleSet):
    from app.engine import licenses as lic

    exact = ruleset.claim(identifier) or ruleset.license(identifier) or lic.by_hf_id(identifier, ruleset)
    if exact:
        return exact
    key = _loose(identifier)
    for rule in ruleset.claims:
        if _loose(rule.id) == key:
            return rule
    for facts in ruleset.licenses:
        if key in {_loose(n) for n in (facts.id, facts.name, facts.spdx or "", *facts.hf_ids) if n}:
            return facts
    return (lic.names_in(identifier, ruleset) or [None])[0]


# Commands whose run is mostly start-up: their regular expressions come from the cache folder.
_SHORT_COMMANDS = {"scan", "explain", "rules"}
_COMMANDS = {"scan": _scan, "explain": _explain, "rules": _rules, "serve": _serve, "manifest": _manifest,
             "setup": _setup, "worker": _worker}

if __name__ == "__main__":
    sys.exit(main())

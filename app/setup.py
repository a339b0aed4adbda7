"""Registering the GitHub App from app.yml: the manifest to post, the credentials GitHub returns
written where `openwashing serve` reads them (a .env file and a private key file, both readable
by their owner only), and the small local server of `openwashing setup` that does it all from a
browser, as Probot's setup does."""

from __future__ import annotations

import html
import json
import os
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

ENV_KEYS = {"id": "GITHUB_APP_ID", "webhook_secret": "GITHUB_WEBHOOK_SECRET", "client_id": "GITHUB_CLIENT_ID",
            "client_secret": "GITHUB_CLIENT_SECRET"}


def manifest_for(app_yml: Path, base_url: str, public: bool, redirect_url: str) -> dict:
    """app.yml with the deployment's addresses: webhooks, the page GitHub returns to, and the
    sign-in callback of the report pages."""
    manifest = yaml.safe_load(app_yml.read_text(encoding="utf-8"))
    base = base_url.rstrip("/")
    manifest["hook_attributes"] = {**manifest.get("hook_attributes", {}), "url": f"{base}/api/github/webhooks"}
    manifest["redirect_url"] = redirect_url
    manifest["callback_urls"] = [f"{base}/login/callback"]
    manifest["public"] = public
    return manifest


def registration_target(github: str, org: str | None, state: str | None = None) -> str:
    where = f"organizations/{org}/" if org else ""
    return f"{github.rstrip('/')}/{where}settings/apps/new" + (f"?state={state}" if state else "")


def registration_page(target: str, manifest: dict) -> str:
    from app.report.templating import render
    return render("register_app.html.j2", target=html.escape(target), manifest=html.escape(json.dumps(manifest)))


def write_credentials(app: dict, env_file: Path) -> Path:
    """Write the private key beside the .env file and set the app's keys in it (others kept)."""
    key_path = env_file.resolve().parent / f"{app.get('slug') or 'openwashing'}.private-key.pem"
    _write_private(key_path, app["pem"])
    values = {ENV_KEYS[k]: str(app[k]) for k in ENV_KEYS if app.get(k) is not None}
    values["GITHUB_PRIVATE_KEY_PATH"] = str(key_path)
    kept = [line for line in _lines(env_file) if line.split("=", 1)[0].strip() not in values]
    _write_private(env_file, "".join(f"{line}\n" for line in kept) + "".join(f"{k}={v}\n" for k, v in values.items()))
    return key_path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def next_steps_page(app: dict | None, key_path: Path | None, env_file: Path, error: str | None = None) -> str:
    from app.report import html as pages
    from app.web.setup import setup_steps

    if error:
        return pages.render("web/setup_done.html.j2", heading="The app was not set up", paragraphs=[error], steps=[])
    steps = setup_steps("https://github.com", None, app.get("html_url"))
    name = app.get("name") or app.get("slug")
    return pages.render("web/setup_done.html.j2", heading=f"GitHub App {name} is registered",
                        paragraphs=[f"Its credentials are in {env_file} and {key_path} (readable by you only)."],
                        steps=steps)


@dataclass
class SetupServer:
    """Serves the registration form and the page GitHub returns to, then stops after one app."""

    manifest_base: str
    app_yml: Path
    public: bool
    org: str | None
    github: str
    api_url: str
    env_file: Path
    port: int
    convert: object = None  # (api_url, code) -> dict; app.github.manifest.convert_code by default

    def __post_init__(self) -> None:
        self.state = secrets.token_urlsafe(16)
        self.done = threading.Event()
        self.result: dict | None = None
        self.httpd = HTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self.httpd.server_address[1]

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def form(self) -> str:
        manifest = manifest_for(self.app_yml, self.manifest_base, self.public, f"{self.address}/setup/done")
        return registration_page(registration_target(self.github, self.org, self.state), manifest)

    def local_host(self, host: str | None) -> bool:
        """Whether a request's Host names this server on the loopback address. A page of another
        site that a DNS trick points at 127.0.0.1 sends its own name: it must not read the form
        (which holds the state) nor finish setup with its own app."""
        return (host or "").lower() in {f"{name}:{self.port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    def finish(self, query: dict[str, list[str]]) -> tuple[int, str]:
        code, state = (query.get("code") or [""])[0], (query.get("state") or [""])[0]
        if not code or not secrets.compare_digest(state.encode("utf-8", "replace"), self.state.encode()):
            return 400, next_steps_page(None, None, self.env_file, "This page was not reached from the "
                                        "registration this setup started; start again from its first page.")
        try:
            convert = self.convert or _default_convert
            app = convert(self.api_url, code)
        except Exception as exc:  # GitHub refused the code (expired, used): say so, keep serving
            return 502, next_steps_page(None, None, self.env_file, f"GitHub did not accept the code: {exc}")
        key_path = write_credentials(app, self.env_file)
        self.result = app
        self.done.set()
        return 200, next_steps_page(app, key_path, self.env_file)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if not server.local_host(self.headers.get("Host")):
                    status, body = 403, "this setup page answers only at its own loopback address"
                elif url.path == "/":
                    status, body = 200, server.form()
                elif url.path == "/setup/done":
                    status, body = server.finish(parse_qs(url.query))
                else:
                    status, body = 404, "not found"
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler

    def serve_until_done(self) -> dict | None:
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            self.done.wait()
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
        return self.result


def _default_convert(api_url: str, code: str) -> dict:
    from app.github.manifest import convert_code
    return convert_code(api_url, code)

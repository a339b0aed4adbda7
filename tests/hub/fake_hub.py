"""A fake Hugging Face Hub on 127.0.0.1: the routes and JSON shapes huggingface_hub calls for model
and dataset info (with and without a revision) and for resolving a file, with gating, missing
repositories, slow answers and server errors. Every fixture is written for the tests."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

_INFO = re.compile(r"^/api/(?P<kind>models|datasets)/(?P<org>[^/]+)/(?P<name>[^/]+)(?:/revision/(?P<rev>[^/]+))?$")
_FILE = re.compile(r"^/(?P<datasets>datasets/)?(?P<org>[^/]+)/(?P<name>[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")


@dataclass
class FakeRepo:
    kind: str  # "model" or "dataset"
    repo_id: str
    sha: str
    card: dict = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # readable files (README.md, LICENSE)
    listing: tuple[str, ...] = ()  # further paths (weights), listed but not served
    gated: bool = False  # files need a token; the info is public, as on the Hub
    private: bool = False  # even the info needs a token
    delay: float = 0.0
    status: int = 200


class FakeHub:
    TOKEN = "hf_test_token"

    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], FakeRepo] = {}
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[(repo.kind, repo.repo_id)] = repo
        return repo

    def info_requests(self) -> list[str]:
        return [p for m, p, _h in self.requests if p.startswith("/api/")]

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)
                hub.requests.append(("GET", path, dict(self.headers)))
                info, file = _INFO.match(path), _FILE.match(path)
                if info:
                    kind = "model" if info.group("kind") == "models" else "dataset"
                    self._info(hub.repos.get((kind, f"{info.group('org')}/{info.group('name')}")), info.group("rev"))
                elif file:
                    kind = "dataset" if file.group("datasets") else "model"
                    repo = hub.repos.get((kind, f"{file.group('org')}/{file.group('name')}"))
                    self._file(repo, file.group("rev"), file.group("file"))
                else:
                    self._error(404, "RepoNotFound", "no such route")

            def _authorised(self) -> bool:
                return self.headers.get("Authorization") == f"Bearer {FakeHub.TOKEN}"

            def _info(self, repo: FakeRepo | None, revision: str | None) -> None:
                if repo is None or (repo.private and not self._authorised()):
                    return self._error(401, "RepoNotFound", "Repository not found")
                time.sleep(repo.delay)
                if repo.status != 200:
                    return self._error(repo.status, "", "the fake hub is failing")
                if revision not in (None, "main", repo.sha):
                    return self._error(404, "RevisionNotFound", "Invalid rev id")
                siblings = [{"rfilename": name} for name in (*repo.files, *repo.listing)]
                body = {"id": repo.repo_id, "sha": repo.sha, "private": repo.private, "gated": "manual" if repo.gated
                        else False, "disabled": False, "tags": [], "cardData": repo.card, "siblings": siblings,
                        "lastModified": "2026-11-30T12:00:00.000Z"}
                self._json(200, body)

            def _file(self, repo: FakeRepo | None, revision: str, name: str) -> None:
                if repo is None:
                    return self._error(404, "RepoNotFound", "Repository not found")
                if (repo.gated or repo.private) and not self._authorised():
                    return self._error(401, "GatedRepo", "Access to this repository is restricted")
                if revision not in ("main", repo.sha):
                    return self._error(404, "RevisionNotFound", "Invalid rev id")
                if name not in repo.files:
                    return self._error(404, "EntryNotFound", "Entry not found")
                data = repo.files[name].encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Repo-Commit", repo.sha)
                self.end_headers()
                self.wfile.write(data)

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: str, message: str) -> None:
                data = json.dumps({"error": message}).encode()
                self.send_response(status)
                if code:
                    self.send_header("X-Error-Code", code)
                self.send_header("X-Error-Message", message)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

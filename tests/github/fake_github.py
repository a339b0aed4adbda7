"""A fake GitHub REST API on 127.0.0.1 for end-to-end tests: in-memory repositories, trees, blobs,
pull requests, check runs, reviews and comments. Every request the app sends is recorded and
checked against GitHub's OpenAPI description (tests/fixtures/github/api.github.com.subset.json,
copied from ../shared/fixtures/github/openapi/, which documents its provenance)."""

from __future__ import annotations

import base64
import difflib
import hashlib
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import uvicorn
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SPEC_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "github" / "api.github.com.subset.json"
_SPEC_CACHE: dict = {}


def load_openapi() -> OpenAPI:
    if "api" not in _SPEC_CACHE:
        spec = json.loads(SPEC_PATH.read_text())
        _drop_inline_discriminators(spec)
        _SPEC_CACHE["api"] = OpenAPI.from_dict(spec)
    return _SPEC_CACHE["api"]


def _drop_inline_discriminators(node: object) -> None:
    # OpenAPI 3.0 defines `discriminator` only for oneOf branches given as $ref; the check-run
    # schema uses inline branches, where the oneOf alone decides. Validators that try to resolve
    # an implicit mapping would reject every valid body, so the keyword is dropped there.
    if isinstance(node, dict):
        branches = node.get("oneOf") or node.get("anyOf")
        if "discriminator" in node and branches and not all("$ref" in b for b in branches):
            del node["discriminator"]
        for value in node.values():
            _drop_inline_discriminators(value)
    elif isinstance(node, list):
        for value in node:
            _drop_inline_discriminators(value)


def generate_keys() -> tuple[str, str]:
    """A fresh RSA key pair (private PEM, public PEM) for a test app and the fake that checks its JWTs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def git_sha(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


@dataclass
class Fault:
    """Answer the next `times` requests matching method and path with this status.

    `delay` waits before answering (to make a client time out); `applied` carries the request
    out first and then answers with the fault (a 502 whose change GitHub made all the same).
    """

    method: str
    path: str  # regular expression on the path
    status: int
    times: int = 1
    headers: dict = field(default_factory=dict)
    body: dict = field(default_factory=lambda: {"message": "Server Error"})
    delay: float = 0.0
    applied: bool = False


@dataclass(frozen=True)
class Symlink:
    """A file of a fake repository that is a symbolic link (mode 120000) to `target`."""

    target: str


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    body: object
    status: int
    auth: str
    at: float = 0.0  # when the answer was given (time.time())
    installation: int | None = None  # whose token made the request


def github_stamp(seconds: float) -> str:
    """A time as GitHub writes it in JSON (ISO 8601, UTC, whole seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class FakeGitHub:
    def __init__(self, app_id: int, public_key: str) -> None:
        self.app_id, self.public_key = app_id, public_key
        self.lock = threading.RLock()
        self.repos: dict[str, dict] = {}
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, list[dict]] = {}
        self.commits: dict[str, str] = {}  # commit sha -> tree sha
        self.check_runs: dict[int, dict] = {}
        self.annotations: dict[int, list[dict]] = {}
        self.reviews: list[dict] = []
        self.review_comments: list[dict] = []
        self.issue_comments: list[dict] = []
        self.reactions: list[dict] = []
        self.tokens: dict[str, int] = {}
        self.hook_deliveries: list[dict] = []
        self.redelivered: list[int] = []
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.permissions: dict[tuple[str, str], str] = {}
        # Sign-in (OAuth web flow): who approves at /login/oauth/authorize, what each user can read.
        self.oauth_client: tuple[str, str] = ("Iv1.fakeclient", "fake-client-secret")
        self.oauth_approver: str | None = None
        self.user_access: dict[str, dict[int, list[str]]] = {}  # login -> installation -> repositories
        self.oauth_codes: dict[str, str] = {}
        self.user_tokens: dict[str, str] = {}  # token -> login
        self.manifest_codes: dict[str, dict] = {}  # one-time code -> the app GitHub created
        self.delay_seconds = 0.0
        self.slow: dict[str, float] = {}  # path pattern -> seconds to wait before answering
        self.truncate_trees = False
        self._ids = itertools.count(1000)
        self.api = load_openapi()
        self.base_url = ""
        self._server: uvicorn.Server | None = None

    # Building state ---------------------------------------------------------------------------

    def add_repo(self, full_name: str, files: dict[str, str | bytes], default_branch: str = "main") -> str:
        owner, name = full_name.split("/")
        self.repos[full_name] = {"id": next(self._ids), "name": name, "full_name": full_name,
                                 "owner": {"login": owner, "id": 1, "type": "Organization"},
                                 "default_branch": default_branch, "branches": {}, "pulls": {},
                                 "updated_at": github_stamp(time.time())}
        sha = self.commit(full_name, files)
        self.repos[full_name]["branches"][default_branch] = sha
        return sha

    def set_private(self, full_name: str, private: bool, at: float) -> None:
        """Change a repository's visibility as GitHub does: its updated_at moves to the change."""
        self.repos[full_name].update(private=private, updated_at=github_stamp(at))

    def commit(self, full_name: str, files: dict[str, str | bytes]) -> str:
        entries = []
        for path, content in sorted(files.items()):
            mode = "120000" if isinstance(content, Symlink) else "100644"
            data = content.target.encode() if isinstance(content, Symlink) else \
                content.encode() if isinstance(content, str) else content
            sha = git_sha("blob", data)
            self.blobs[sha] = data
            entries.append({"path": path, "mode": mode, "type": "blob", "sha": sha, "size": len(data)})
        return self._commit_entries(entries)

    def _commit_entries(self, entries: list[dict], parents: tuple[str, ...] = ()) -> str:
        tree_sha = git_sha("tree", json.dumps(entries).encode())
        self.trees[tree_sha] = entries
        commit_sha = git_sha("commit", f"{tree_sha}{next(self._ids)}".encode())
        self.commits[commit_sha] = tree_sha
        return commit_sha

    def files_at(self, sha: str) -> dict[str, bytes]:
        return {e["path"]: self.blobs[e["sha"]] for e in self.trees[self.commits[sha]]}

    def add_pull(self, full_name: str, number: int, base_sha: str, head_sha: str, head_repo: str | None = None,
                 head_ref: str = "feature") -> None:
        before, after = self.files_at(base_sha), self.files_at(head_sha)
        files = []
        for path in sorted(set(before) | set(after)):
            old = before.get(path, b"").decode(errors="replace").splitlines()
            new = after.get(path, b"").decode(errors="replace").splitlines()
            if old == new:
                continue
            patch = "\n".join(list(difflib.unified_diff(old, new, lineterm="", n=3))[2:])
            files.append({"sha": git_sha("blob", after.get(path, b"")), "filename": path,
                          "status": "modified" if path in before else "added", "additions": 1, "deletions": 0,
                          "changes": 1, "patch": patch, "blob_url": "", "raw_url": "", "contents_url": ""})
        self.repos[full_name]["pulls"][number] = {"number": number, "head": head_sha, "base": base_sha,
                                                  "files": files, "head_repo": head_repo or full_name,
                                                  "head_ref": head_ref, "base_ref": None}
        if (head_repo or full_name) == full_name:
            self.repos[full_name]["branches"][head_ref] = head_sha

    # Queries for assertions ---------------------------------------------------------------------

    def runs_for(self, full_name: str, sha: str) -> list[dict]:
        with self.lock:
            runs = list(self.check_runs.values())
        return [r for r in runs if r["repo"] == full_name and r["head_sha"] == sha]

    def calls(self, method: str | None = None, pattern: str = "") -> list[Recorded]:
        with self.lock:
            requests = list(self.requests)
        return [r for r in requests if (method is None or r.method == method) and re.search(pattern, r.path)]

    # Serving ------------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on such sockets, and without it
        # every answer waits ~40 ms for the client's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(self.asgi(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        deadline = time.time() + 10
        while not self._server.started and time.time() < deadline:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True

    def asgi(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._dispatch,
                                       methods=["GET", "POST", "PATCH", "PUT", "DELETE"])])

    async def _dispatch(self, request: Request) -> Response:
        raw = await request.body()
        path, method = "/" + request.path_params["path"], request.method
        query = dict(request.query_params)
        body = json.loads(raw) if raw else None
        auth = request.headers.get("authorization", "")
        raw_path = request.scope.get("raw_path", path.encode()).decode()  # keeps %2F inside a {ref}
        if path.startswith("/login/oauth/"):  # GitHub's web flow, not the REST API: no OpenAPI entry
            return self._oauth(path, query, body)
        self._validate(method, raw_path, query, raw, request.headers)
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        slow = next((seconds for pattern, seconds in list(self.slow.items()) if re.search(pattern, path)), 0)
        if slow:
            import asyncio
            await asyncio.sleep(slow)
        with self.lock:
            fault = next((f for f in self.faults if f.method == method and re.search(f.path, path) and f.times), None)
            if fault:
                fault.times -= 1
        if fault and fault.delay:
            import asyncio
            await asyncio.sleep(fault.delay)
        with self.lock:
            self.current_headers = request.headers
            if fault and not fault.applied:
                response = JSONResponse(fault.body, status_code=fault.status, headers=fault.headers)
            else:
                response = self._handle(method, path, query, body, auth)
                if fault and fault.status >= 300:  # a 2xx fault only delays the real answer
                    response = JSONResponse(fault.body, status_code=fault.status, headers=fault.headers)
            token = auth.partition(" ")[2]
            self.requests.append(Recorded(method, path, query, body, response.status_code, auth.split(" ")[0],
                                          time.time(), self.tokens.get(token)))
        response.headers["x-ratelimit-remaining"] = "4999"
        response.headers["x-ratelimit-limit"] = "5000"
        return response

    def _validate(self, method: str, path: str, query: dict, raw: bytes, headers) -> None:
        # GitHub's {path} of the contents API and {ref} of the refs API span slashes; OpenAPI
        # templates do not, so those paths are matched here and handed over with their arguments.
        pattern = view_args = None
        for template, regex, names in (
                ("/repos/{owner}/{repo}/contents/{path}", r"/repos/([^/]+)/([^/]+)/contents/(.+)", "path"),
                ("/repos/{owner}/{repo}/git/refs/{ref}", r"/repos/([^/]+)/([^/]+)/git/refs/(.+/.+)", "ref")):
            found = re.fullmatch(regex, path)
            if found:
                pattern, view_args = template, dict(zip(("owner", "repo", names), found.groups(), strict=True))
        request = MockRequest("https://api.github.com", method.lower(), path, path_pattern=pattern,
                              view_args=view_args, args=query, data=raw or None, headers=dict(headers))
        for error in self.api.iter_request_errors(request):
            cause = error.__cause__
            detail = getattr(cause, "schema_errors", None) or cause or error
            self.violations.append(f"{method} {path}: {type(error).__name__}: {str(detail)[:400]}")

    # Handlers -------------------------------------------------------------------------------------

    def _handle(self, method: str, path: str, query: dict, body, auth: str) -> Response:
        for pattern, verb, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                if not self._authorised(path, auth):
                    return JSONResponse({"message": "Bad credentials"}, status_code=401)
                return handler(*match.groups(), query=query, body=body)
        return JSONResponse({"message": "Not Found"}, status_code=404)

    def _authorised(self, path: str, auth: str) -> bool:
        scheme, _, credential = auth.partition(" ")
        if path.startswith("/app-manifests/"):
            return True  # the code itself is the credential
        if path.startswith("/app"):
            if scheme.lower() != "bearer":
                return False
            try:
                claims = jwt.decode(credential, self.public_key, algorithms=["RS256"])
            except jwt.PyJWTError:
                return False
            return str(claims.get("iss")) == str(self.app_id) and claims["exp"] - claims["iat"] <= 660
        if path.startswith("/user"):
            return scheme.lower() in ("token", "bearer") and credential in self.user_tokens
        return scheme.lower() in ("token", "bearer") and credential in self.tokens

    def _routes(self):
        repo = r"/repos/([^/]+/[^/]+)"
        return [
            (r"/app/installations/(\d+)/access_tokens", "POST", self._token),
            (r"/app", "GET", self._app),
            (r"/app/hook/deliveries", "GET", self._list_deliveries),
            (r"/app/hook/deliveries/(\d+)/attempts", "POST", self._redeliver),
            (repo + r"/git/trees/([^/]+)", "GET", self._tree),
            (repo + r"/git/blobs", "POST", self._create_blob),
            (repo + r"/git/trees", "POST", self._create_tree),
            (repo + r"/git/commits", "POST", self._create_commit),
            (repo + r"/git/commits/([0-9a-f]+)", "GET", self._get_git_commit),
            (repo + r"/git/refs/heads/(.+)", "PATCH", self._update_ref),
            (r"/installation/repositories", "GET", self._installation_repos),
            (r"/user", "GET", self._user),
            (r"/app-manifests/([^/]+)/conversions", "POST", self._convert_manifest),
            (r"/user/installations/(\d+)/repositories", "GET", self._user_installation_repos),
            (repo, "GET", self._get_repo),
            (repo + r"/git/blobs/([0-9a-f]+)", "GET", self._blob),
            (repo + r"/contents/(.+)", "GET", self._contents),
            (repo + r"/commits/([0-9a-f]+)/check-runs", "GET", self._list_runs),
            (repo + r"/check-runs", "POST", self._create_run),
            (repo + r"/check-runs/(\d+)", "PATCH", self._update_run),
            (repo + r"/check-runs/(\d+)", "GET", self._get_run),
            (repo + r"/check-runs/(\d+)/annotations", "GET", self._list_annotations),
            (repo + r"/pulls/(\d+)", "GET", self._get_pull),
            (repo + r"/pulls/(\d+)/files", "GET", self._pull_files),
            (repo + r"/pulls/(\d+)/comments", "GET", self._list_review_comments),
            (repo + r"/pulls/(\d+)/reviews", "POST", self._create_review),
            (repo + r"/pulls", "POST", self._create_pull),
            (repo + r"/issues/(\d+)/comments", "POST", self._create_issue_comment),
            (repo + r"/issues/(\d+)/comments", "GET", self._list_issue_comments),
            (repo + r"/issues/comments/(\d+)/reactions", "POST", self._react),
            (repo + r"/collaborators/([^/]+)/permission", "GET", self._permission),
            (repo + r"/commits/(.+)", "GET", self._get_commit),
            (repo + r"/git/refs", "POST", self._create_ref),
            (repo + r"/contents/(.+)", "PUT", self._put_contents),
        ]

    def _repo(self, full_name: str) -> dict | None:
        return self.repos.get(full_name)

    def _token(self, installation_id: str, query, body) -> Response:
        token = f"ghs_fake_{next(self._ids)}"
        self.tokens[token] = int(installation_id)
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return JSONResponse({"token": token, "expires_at": expires, "permissions": {"checks": "write"}},
                            status_code=201)

    def _tree(self, full_name: str, sha: str, query, body) -> Response:
        repo = self._repo(full_name)
        if repo is not None and (sha in repo["branches"] or sha == "HEAD"):
            sha = repo["branches"][repo["default_branch"] if sha == "HEAD" else sha]
        tree_sha = self.commits.get(sha, sha)
        if self._repo(full_name) is None or tree_sha not in self.trees:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        blob_url = f"{self.base_url}/repos/{full_name}/git/blobs/"
        entries = [{**e, "url": blob_url + e["sha"]} for e in self.trees[tree_sha]]
        return JSONResponse({"sha": tree_sha, "url": f"{self.base_url}/repos/{full_name}/git/trees/{tree_sha}",
                             "tree": entries, "truncated": self.truncate_trees})

    def _blob(self, full_name: str, sha: str, query, body) -> Response:
        if sha not in self.blobs:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        data = self.blobs[sha]
        return JSONResponse({"sha": sha, "size": len(data), "encoding": "base64", "node_id": "B",
                             "url": f"{self.base_url}/repos/{full_name}/git/blobs/{sha}",
                             "content": base64.b64encode(data).decode()})

    def _contents(self, full_name: str, path: str, query, body) -> Response:
        repo = self._repo(full_name)
        if repo is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        sha = query.get("ref") or repo["branches"][repo["default_branch"]]
        data = self.files_at(sha).get(path)
        if data is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        etag = f'"{git_sha("blob", data)}"'
        if self.current_headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"etag": etag})
        return JSONResponse(headers={"etag": etag}, content={
                            "type": "file", "encoding": "base64", "size": len(data), "name": path.split("/")[-1],
                             "path": path, "sha": git_sha("blob", data), "content": base64.b64encode(data).decode(),
                             "url": f"{self.base_url}/repos/{full_name}/contents/{path}"})

    def _run_json(self, run: dict) -> dict:
        return {k: v for k, v in run.items() if k != "repo"}

    def _list_runs(self, full_name: str, sha: str, query, body) -> Response:
        runs = [self._run_json(r) for r in self.runs_for(full_name, sha)
                if "check_name" not in query or r["name"] == query["check_name"]]
        return JSONResponse({"total_count": len(runs), "check_runs": runs})

    def _create_run(self, full_name: str, query, body) -> Response:
        run_id = next(self._ids)
        run = {"id": run_id, "repo": full_name, "name": body["name"], "head_sha": body["head_sha"],
               "status": body.get("status", "queued"), "conclusion": body.get("conclusion"),
               "external_id": body.get("external_id"), "started_at": body.get("started_at"),
               "completed_at": None, "output": {"title": None, "summary": None, "annotations_count": 0},
               "actions": body.get("actions", []), "app": {"id": self.app_id, "slug": "openwashing"},
               "details_url": body.get("details_url"),
               "url": f"{self.base_url}/repos/{full_name}/check-runs/{run_id}",
               "html_url": f"https://github.com/{full_name}/runs/{run_id}", "pull_requests": []}
        self.check_runs[run_id] = run
        self.annotations[run_id] = []
        self._apply_output(run, body.get("output"))
        return JSONResponse(self._run_json(run), status_code=201)

    def _apply_output(self, run: dict, output: dict | None) -> None:
        if not output:
            return
        run["output"].update({k: v for k, v in output.items() if k != "annotations"})
        self.annotations[run["id"]].extend(output.get("annotations", []))
        run["output"]["annotations_count"] = len(self.annotations[run["id"]])

    def _update_run(self, full_name: str, run_id: str, query, body) -> Response:
        run = self.check_runs.get(int(run_id))
        if run is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        for key in ("status", "conclusion", "completed_at", "started_at", "external_id", "actions", "details_url"):
            if key in body:
                run[key] = body[key]
        if body.get("conclusion"):
            run["status"] = "completed"
        self._apply_output(run, body.get("output"))
        return JSONResponse(self._run_json(run))

    def _get_run(self, full_name: str, run_id: str, query, body) -> Response:
        run = self.check_runs.get(int(run_id))
        return JSONResponse(self._run_json(run)) if run else JSONResponse({"message": "Not Found"}, status_code=404)

    def _list_annotations(self, full_name: str, run_id: str, query, body) -> Response:
        items = self.annotations.get(int(run_id), [])
        per_page, page = int(query.get("per_page", 30)), int(query.get("page", 1))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        last = max(1, -(-len(items) // per_page))
        url = f"{self.base_url}/repos/{full_name}/check-runs/{run_id}/annotations?per_page={per_page}"
        if page < last:
            headers["link"] = f'<{url}&page={page + 1}>; rel="next", <{url}&page={last}>; rel="last"'
        return JSONResponse([{**a, "blob_href": ""} for a in chunk], headers=headers)

    def _pull_json(self, full_name: str, pull: dict) -> dict:
        head_repo = self.repos.get(pull["head_repo"], {"full_name": pull["head_repo"], "id": 1})
        url = f"{self.base_url}/repos/{full_name}/pulls/{pull['number']}"
        return {"number": pull["number"], "state": "open", "url": url,
                "head": {"sha": pull["head"], "ref": pull["head_ref"],
                         "repo": {"full_name": head_repo["full_name"], "id": head_repo["id"]}},
                "base": {"sha": pull["base"], "ref": self.repos[full_name]["default_branch"],
                         "repo": {"full_name": full_name, "id": self.repos[full_name]["id"]}}}

    def _get_pull(self, full_name: str, number: str, query, body) -> Response:
        pull = (self._repo(full_name) or {}).get("pulls", {}).get(int(number))
        if not pull:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse(self._pull_json(full_name, pull))

    def _pull_files(self, full_name: str, number: str, query, body) -> Response:
        pull = self.repos[full_name]["pulls"][int(number)]
        return JSONResponse(pull["files"])

    def _app(self, query, body) -> Response:
        """The authenticated app: its comments are signed by "{slug}[bot]"."""
        return JSONResponse({"id": self.app_id, "slug": "openwashing", "node_id": "A", "name": "openwashing",
                             "owner": {"login": "acme-ai", "id": 1, "type": "Organization"}, "description": "",
                             "external_url": "", "html_url": "https://github.com/apps/openwashing",
                             "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                             "permissions": {}, "events": []})

    def _list_review_comments(self, full_name: str, number: str, query, body) -> Response:
        return JSONResponse([c for c in self.review_comments if c["repo"] == full_name and c["pull"] == int(number)])

    def _create_review(self, full_name: str, number: str, query, body) -> Response:
        pull = self.repos[full_name]["pulls"][int(number)]
        for comment in body.get("comments", []):
            diff_lines = _added_lines(next((f["patch"] for f in pull["files"] if f["filename"] == comment["path"]), ""))
            if comment["line"] not in diff_lines:
                return JSONResponse({"message": "Pull request review thread line must be part of the diff"},
                                    status_code=422)
        review_id = next(self._ids)
        review = {"id": review_id, "repo": full_name, "pull": int(number), "body": body.get("body"),
                  "event": body.get("event"), "commit_id": body.get("commit_id"), "state": "COMMENTED",
                  "user": {"login": "openwashing[bot]", "id": 2, "type": "Bot"}, "html_url": "", "node_id": "R"}
        self.reviews.append(review)
        for comment in body.get("comments", []):
            self.review_comments.append({"id": next(self._ids), "repo": full_name, "pull": int(number),
                                         "review": review_id, "commit_id": body.get("commit_id"),
                                         "user": review["user"], **comment})
        return JSONResponse({k: v for k, v in review.items() if k not in ("repo", "pull")})

    def _resolve(self, full_name: str, ref: str) -> str | None:
        repo = self.repos[full_name]
        if ref == "HEAD":
            ref = repo["default_branch"]
        if ref in repo["branches"]:
            return repo["branches"][ref]
        return ref if ref in self.commits else None

    def _get_commit(self, full_name: str, ref: str, query, body) -> Response:
        sha = self._resolve(full_name, ref) if self._repo(full_name) else None
        if sha is None:
            return JSONResponse({"message": "No commit found"}, status_code=422)
        return JSONResponse({"sha": sha, "node_id": "C", "url": f"{self.base_url}/repos/{full_name}/commits/{sha}",
                             "html_url": "", "commit": {"message": "", "tree": {"sha": self.commits[sha]}},
                             "files": [], "parents": []})

    def _create_ref(self, full_name: str, query, body) -> Response:
        name = body["ref"].removeprefix("refs/heads/")
        branches = self.repos[full_name]["branches"]
        if name in branches:
            return JSONResponse({"message": "Reference already exists"}, status_code=422)
        branches[name] = body["sha"]
        return JSONResponse({"ref": body["ref"], "node_id": "R", "url": "",
                             "object": {"sha": body["sha"], "type": "commit", "url": ""}}, status_code=201)

    def _put_contents(self, full_name: str, path: str, query, body) -> Response:
        repo = self.repos[full_name]
        branch = body.get("branch") or repo["default_branch"]
        head = repo["branches"].get(branch)
        if head is None:
            return JSONResponse({"message": "Branch not found"}, status_code=404)
        files = self.files_at(head)
        current = files.get(path)
        if current is not None and body.get("sha") != git_sha("blob", current):
            return JSONResponse({"message": f"{path} does not match {body.get('sha')}"}, status_code=409)
        if current is None and body.get("sha"):
            return JSONResponse({"message": "sha given for a new file"}, status_code=422)
        files[path] = base64.b64decode(body["content"])
        sha = self.commit(full_name, files)
        repo["branches"][branch] = sha
        repo.setdefault("commit_log", []).append({"sha": sha, "branch": branch, "message": body["message"],
                                                  "path": path})
        return JSONResponse({"content": {"name": path.split("/")[-1], "path": path, "sha": git_sha("blob", files[path]),
                                         "size": len(files[path]), "url": "", "type": "file"},
                             "commit": {"sha": sha, "node_id": "C", "url": "", "html_url": "",
                                        "message": body["message"]}}, status_code=200 if current else 201)

    def _create_pull(self, full_name: str, query, body) -> Response:
        repo = self.repos[full_name]
        head_sha, base_sha = repo["branches"].get(body["head"]), repo["branches"].get(body["base"])
        if head_sha is None or base_sha is None:
            return JSONResponse({"message": "Validation Failed"}, status_code=422)
        number = max([*repo["pulls"], 100]) + 1
        self.add_pull(full_name, number, base_sha, head_sha, head_ref=body["head"])
        repo["pulls"][number].update(title=body.get("title"), body=body.get("body"), base_ref=body["base"])
        data = self._pull_json(full_name, repo["pulls"][number])
        data["html_url"] = f"https://github.com/{full_name}/pull/{number}"
        return JSONResponse(data, status_code=201)

    def _create_issue_comment(self, full_name: str, number: str, query, body) -> Response:
        comment = {"id": next(self._ids), "repo": full_name, "issue": int(number), "body": body["body"],
                   "user": {"login": "openwashing[bot]", "id": 2, "type": "Bot"}, "html_url": "", "url": ""}
        self.issue_comments.append(comment)
        return JSONResponse({k: v for k, v in comment.items() if k not in ("repo", "issue")}, status_code=201)

    def _list_issue_comments(self, full_name: str, number: str, query, body) -> Response:
        return JSONResponse([c for c in self.issue_comments if c["repo"] == full_name and c["issue"] == int(number)])

    def _react(self, full_name: str, comment_id: str, query, body) -> Response:
        self.reactions.append({"repo": full_name, "comment": int(comment_id), "content": body["content"]})
        return JSONResponse({"id": next(self._ids), "content": body["content"], "node_id": "RE",
                             "user": {"login": "openwashing[bot]"}, "created_at": "2026-01-01T00:00:00Z"},
                            status_code=201)

    def _permission(self, full_name: str, user: str, query, body) -> Response:
        permission = self.permissions.get((full_name, user))
        if permission is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse({"permission": permission, "role_name": permission, "user": {"login": user}})

    # The Git Data API: blobs, trees and commits, and moving a branch only forward.

    def _create_blob(self, full_name: str, query, body) -> Response:
        data = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else body["content"].encode()
        sha = git_sha("blob", data)
        self.blobs[sha] = data
        return JSONResponse({"sha": sha, "url": f"{self.base_url}/repos/{full_name}/git/blobs/{sha}"}, status_code=201)

    def _create_tree(self, full_name: str, query, body) -> Response:
        base = {e["path"]: e for e in self.trees.get(body.get("base_tree"), [])}
        for item in body["tree"]:
            base[item["path"]] = {"path": item["path"], "mode": item["mode"], "type": "blob", "sha": item["sha"],
                                  "size": len(self.blobs[item["sha"]])}
        entries = [base[p] for p in sorted(base)]
        tree_sha = git_sha("tree", json.dumps(entries).encode())
        self.trees[tree_sha] = entries
        return JSONResponse({"sha": tree_sha, "url": "", "truncated": False,
                             "tree": [{**e, "url": ""} for e in entries]}, status_code=201)

    def _create_commit(self, full_name: str, query, body) -> Response:
        sha = git_sha("commit", f"{body['tree']}{body['parents']}{next(self._ids)}".encode())
        self.commits[sha] = body["tree"]
        self.parents = getattr(self, "parents", {})
        self.parents[sha] = list(body["parents"])
        self.messages = getattr(self, "messages", {})
        self.messages[sha] = body["message"]
        return JSONResponse(self._git_commit_json(full_name, sha), status_code=201)

    def _git_commit_json(self, full_name: str, sha: str) -> dict:
        person = {"name": "x", "email": "x@example.com", "date": "2026-01-01T00:00:00Z"}
        return {"sha": sha, "node_id": "C", "url": "", "html_url": "", "author": person, "committer": person,
                "message": getattr(self, "messages", {}).get(sha, ""),
                "tree": {"sha": self.commits[sha], "url": ""},
                "parents": [{"sha": p, "url": "", "html_url": ""} for p in getattr(self, "parents", {}).get(sha, [])],
                "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                                 "verified_at": None}}

    def _get_git_commit(self, full_name: str, sha: str, query, body) -> Response:
        if sha not in self.commits:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse(self._git_commit_json(full_name, sha))

    def _update_ref(self, full_name: str, branch: str, query, body) -> Response:
        repo = self.repos[full_name]
        current = repo["branches"].get(branch)
        if current is None:
            return JSONResponse({"message": "Reference does not exist"}, status_code=422)
        parents = getattr(self, "parents", {}).get(body["sha"], [])
        if not body.get("force") and current != body["sha"] and current not in parents:
            return JSONResponse({"message": "Update is not a fast forward"}, status_code=422)
        repo["branches"][branch] = body["sha"]
        repo.setdefault("commit_log", []).append({"sha": body["sha"], "branch": branch,
                                                  "message": getattr(self, "messages", {}).get(body["sha"], "")})
        return JSONResponse({"ref": f"refs/heads/{branch}", "node_id": "R", "url": "",
                             "object": {"sha": body["sha"], "type": "commit", "url": ""}})

    def _installation_repos(self, query, body) -> Response:
        names = sorted(self.repos)
        per_page, page = int(query.get("per_page", 30)), int(query.get("page", 1))
        chunk = names[(page - 1) * per_page: page * per_page]
        return JSONResponse({"total_count": len(names),
                             "repositories": [self._repo_json(n) for n in chunk]})

    def _repo_json(self, full_name: str) -> dict:
        repo = self.repos[full_name]
        shown = {"id": repo["id"], "name": repo["name"], "full_name": full_name, "owner": repo["owner"],
                 "default_branch": repo["default_branch"], "updated_at": repo["updated_at"]}
        private = repo.get("private", False)
        if private is not None:  # None: a test's repository whose privacy GitHub does not say
            shown.update(private=private, visibility="private" if private else "public")
        return shown

    def _get_repo(self, full_name: str, query, body) -> Response:
        if full_name not in self.repos:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse(self._repo_json(full_name))

    def _oauth(self, path: str, query: dict, body) -> Response:
        """/login/oauth/authorize approves at once as `oauth_approver`; /access_token trades the code."""
        from urllib.parse import urlencode

        from starlette.responses import RedirectResponse
        with self.lock:
            self.requests.append(Recorded("GET" if path.endswith("authorize") else "POST", path, query, body, 200, ""))
            if path == "/login/oauth/authorize":
                if query.get("client_id") != self.oauth_client[0] or not self.oauth_approver:
                    return JSONResponse({"message": "Not Found"}, status_code=404)
                code = f"code{next(self._ids)}"
                self.oauth_codes[code] = self.oauth_approver
                target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
                return RedirectResponse(target, status_code=302)
            body = body or {}
            login = self.oauth_codes.pop(body.get("code", ""), None)
            if (body.get("client_id"), body.get("client_secret")) != self.oauth_client or login is None:
                return JSONResponse({"error": "bad_verification_code",
                                     "error_description": "The code passed is incorrect or expired."})
            token = f"ghu_fake_{next(self._ids)}"
            self.user_tokens[token] = login
            return JSONResponse({"access_token": token, "token_type": "bearer", "scope": "",
                                 "expires_in": 28800, "refresh_token": f"ghr_{token}",
                                 "refresh_token_expires_in": 15897600})

    def _convert_manifest(self, code: str, query, body) -> Response:
        app = self.manifest_codes.pop(code, None)  # a code works once
        if app is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse(app, status_code=201)

    def _user(self, query, body) -> Response:
        login = self.user_tokens[self.current_headers["authorization"].partition(" ")[2]]
        return JSONResponse({"login": login, "id": 583231, "type": "User"})

    def _user_installation_repos(self, installation_id: str, query, body) -> Response:
        login = self.user_tokens[self.current_headers["authorization"].partition(" ")[2]]
        access = self.user_access.get(login, {})
        if int(installation_id) not in access:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        names = [n for n in access[int(installation_id)] if n in self.repos]
        return JSONResponse({"total_count": len(names), "repositories": [self._repo_json(n) for n in names]})

    def _list_deliveries(self, query, body) -> Response:
        return JSONResponse(self.hook_deliveries)

    def _redeliver(self, delivery_id: str, query, body) -> Response:
        self.redelivered.append(int(delivery_id))
        return JSONResponse({}, status_code=202)


def _added_lines(patch: str) -> set[int]:
    from app.github.diff import parse_patch

    return parse_patch(patch).added

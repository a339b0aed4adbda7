"""The Hugging Face Hub, read through huggingface_hub: a `HubSource` for the engine.

Each look-up is one repository: its info at a revision (card data, files, gating), then, when its
revision is not already cached, its README.md and (for `license: other`) its LICENSE. Look-ups of a
wave run concurrently; a scan spends at most `max_lookups` of them and `seconds` in all, and what
is left is answered "over the budget". A look-up that fails — gated, missing, slow, rate-limited,
a server error — is answered with the reason, never raised: the scan goes on and says what it could
not check. Only repository ids (and HF_TOKEN, when set, for gated cards) are sent; the token is
never logged.
"""

from __future__ import annotations

import concurrent.futures as futures
import os
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, replace

from app import __version__
from app.engine.hub import HubMiss, HubPage, HubRef
from app.hub.cache import HubCache

DEFAULT_ENDPOINT = "https://huggingface.co"
MAX_FILE_BYTES = 2_000_000  # of a card or licence read from the hub
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_LICENSE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt")
_ROOT_TERMS = re.compile(r"^(?:[\w .-]*(?:licen[cs]e|copying|use[_-]?policy|acceptable[_-]?use|notice)[\w .-]*)$", re.I)
MAX_TERMS_FILES = 6
_CLIENT = {"library_name": "openwashing", "library_version": __version__}  # how the Hub's logs name us


class HubUnavailable(Exception):
    """A hub repository to scan could not be read (offline, gated, missing, …)."""


def offline_reason(flag: bool = False, config_hub: bool = True) -> str | None:
    """Why the hub is not consulted: --offline, HF_HUB_OFFLINE, or `hub: false` in the configuration."""
    if flag:
        return "offline: --offline"
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return "offline: HF_HUB_OFFLINE is set"
    if not config_hub:
        return "hub: false in the configuration"
    return None


class HubClient:
    """A budgeted, cached, concurrent reader of hub pages (see the module's description)."""

    def __init__(self, endpoint: str | None = None, token: str | None = None, max_lookups: int = 20,
                 seconds: float = 10.0, concurrency: int = 8, cache: HubCache | None = None,
                 offline: str | None = None) -> None:
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
        self._token = token if token is not None else (os.environ.get("HF_TOKEN") or None)
        self.max_lookups, self.seconds, self.concurrency = max_lookups, seconds, concurrency
        self.cache, self.offline = cache, offline
        self.lookups = 0  # spent so far (a cached page pinned by its revision costs none)
        self._deadline: float | None = None

    def __repr__(self) -> str:  # never the token
        return f"HubClient({self.endpoint!r}, lookups={self.lookups}/{self.max_lookups})"

    def fetch(self, refs: Sequence[HubRef]) -> dict[HubRef, HubPage | HubMiss]:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.seconds
        answers: dict[HubRef, HubPage | HubMiss] = {}
        todo = []
        for ref in refs:
            cached = self._pinned(ref)
            if cached is not None:
                answers[ref] = cached
            elif self.lookups < self.max_lookups:
                self.lookups += 1
                todo.append(ref)
            else:
                answers[ref] = HubMiss(ref, f"over the budget of {self.max_lookups} look-ups")
        answers.update(self._concurrently(todo))
        return answers

    def _concurrently(self, refs: list[HubRef]) -> dict[HubRef, HubPage | HubMiss]:
        if not refs:
            return {}
        pool = futures.ThreadPoolExecutor(max_workers=min(self.concurrency, len(refs)), thread_name_prefix="hub")
        running = {pool.submit(self._lookup, ref): ref for ref in refs}
        done, late = futures.wait(running, timeout=max(0.0, self._deadline - time.monotonic()))
        pool.shutdown(wait=False, cancel_futures=True)  # a slow answer is not waited for past the budget
        answers = {running[f]: f.result() for f in done}
        answers.update({running[f]: HubMiss(running[f], f"timed out: the {self.seconds:g} s budget ran out")
                        for f in late})
        return answers

    def _remaining(self) -> float:
        return max(0.5, self._deadline - time.monotonic()) if self._deadline else self.seconds

    def _pinned(self, ref: HubRef) -> HubPage | None:
        """A page asked for at a full commit sha, already cached: no look-up needed."""
        if self.cache is None or not ref.revision or not _FULL_SHA.match(ref.revision):
            return None
        return _page(self.cache.get(_key(ref, ref.revision)), ref)

    def _lookup(self, ref: HubRef) -> HubPage | HubMiss:
        try:
            return self._read(ref)
        except Exception as exc:  # any failure is an answer: the scan must go on
            return HubMiss(ref, _reason(exc))

    def _read(self, ref: HubRef) -> HubPage:
        from huggingface_hub import HfApi

        api = HfApi(endpoint=self.endpoint, token=self._token or False, **_CLIENT)
        read = api.dataset_info if ref.kind == "dataset" else api.model_info
        info = read(ref.repo_id, revision=ref.revision, timeout=self._remaining())
        sha = info.sha or ref.revision or "main"
        cached = _page(self.cache.get(_key(ref, sha)), ref) if self.cache else None
        if cached is not None:
            return cached
        card = info.card_data.to_dict() if info.card_data is not None else {}
        files = tuple(s.rfilename for s in info.siblings or ())
        page = HubPage(ref, sha, self.endpoint, card, self._file(ref, sha, "README.md", files), None, files,
                       info.gated or False)
        if str(card.get("license", "")).strip().lower() == "other":
            name = next((f for f in (str(card.get("license_link") or "").lstrip("./"), *_LICENSE_FILES)
                         if f in files), None)
            page = replace(page, license_text=self._file(ref, sha, name, files) if name else None)
        if self.cache is not None:
            self.cache.put(_key(ref, sha), _stored(page))
        return page

    def repository(self, ref: HubRef) -> tuple[HubPage, dict[str, str]]:
        """A hub repository to scan as a whole (one look-up): its page, and the texts of its card and
        of its licence and use-policy files at the root. Raises HubUnavailable with the reason."""
        if self.offline:
            raise HubUnavailable(f"the Hub is not consulted ({self.offline})")
        self._deadline = time.monotonic() + self.seconds
        self.lookups += 1
        answer = self._lookup(ref)
        if isinstance(answer, HubMiss):
            raise HubUnavailable(f"{ref} could not be read on the Hub: {answer.reason}")
        texts = {"README.md": answer.card_text} if answer.card_text is not None else {}
        for name in [f for f in answer.files if "/" not in f and _ROOT_TERMS.match(f)][:MAX_TERMS_FILES]:
            text = answer.license_text if name in _LICENSE_FILES and answer.license_text else \
                self._lookup_file(ref, answer.sha, name, answer.files)
            if text is not None:
                texts[name] = text
        return answer, texts

    def _lookup_file(self, ref: HubRef, sha: str, name: str, files: tuple[str, ...]) -> str | None:
        try:
            return self._file(ref, sha, name, files)
        except Exception:  # a file that cannot be read is left out; the card still speaks
            return None

    def _file(self, ref: HubRef, sha: str, name: str, files: tuple[str, ...]) -> str | None:
        """A small text file of the repository at the revision, read up to MAX_FILE_BYTES."""
        if name not in files:
            return None
        from huggingface_hub import hf_hub_url
        from huggingface_hub.utils import build_hf_headers, get_session

        url = hf_hub_url(ref.repo_id, name, repo_type=ref.kind, revision=sha, endpoint=self.endpoint)
        headers = build_hf_headers(token=self._token or False, **_CLIENT)
        with get_session().stream("GET", url, headers=headers, timeout=self._remaining(),
                                  follow_redirects=True) as response:
            if response.status_code in (401, 403):
                return None  # gated files: the card data from the info call is all there is
            response.raise_for_status()
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_FILE_BYTES:
                    break
        return bytes(data[:MAX_FILE_BYTES]).decode("utf-8", errors="replace")


def _key(ref: HubRef, sha: str) -> str:
    return f"{ref.kind}:{ref.repo_id}@{sha}"


def _stored(page: HubPage) -> dict:
    data = asdict(page)
    data.pop("ref")
    data["files"] = list(page.files)
    return data


def _page(data: dict | None, ref: HubRef) -> HubPage | None:
    if not isinstance(data, dict):
        return None
    try:
        return HubPage(ref, str(data["sha"]), str(data["web"]), dict(data.get("card_data") or {}),
                       data.get("card_text"), data.get("license_text"), tuple(data.get("files") or ()),
                       data.get("gated") or False)
    except (KeyError, TypeError, ValueError):
        return None  # a damaged cache entry is read again from the hub


def _reason(exc: Exception) -> str:
    """Why a look-up failed, in words (the type names are huggingface_hub's and httpx's)."""
    name = type(exc).__name__
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if name == "GatedRepoError":
        return "gated: reading it needs HF_TOKEN with access"
    if name in ("RepositoryNotFoundError", "RemoteEntryNotFoundError") or status in (401, 404):
        return "not found, or private (gated or private pages need HF_TOKEN with access)"
    if status == 403:
        return "gated or private: reading it needs HF_TOKEN with access"
    if name == "RevisionNotFoundError":
        return "revision not found"
    if status == 429:
        return "rate limited by the Hub (429)"
    if status is not None and status >= 500:
        return f"the Hub answered {status}"
    if "Timeout" in name or "timed out" in str(exc).lower():
        return "timed out"
    if name == "OfflineModeIsEnabled":
        return "offline"
    return f"could not be read ({name})"

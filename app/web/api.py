"""The read-only JSON API beside the report pages: /api/v1/owners/{owner} and
/api/v1/repos/{owner}/{repo}, under the pages' privacy rules (signed out, public repositories only;
signed in, what GitHub says the person can read), with ETag / 304 and Cache-Control like the
badge's, cursor pagination, and errors as JSON with a message. FastAPI describes it at /openapi.json.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.github.users import web_root
from app.report import html
from app.report.scorecard import VERDICTS, upgrade
from app.settings import Settings
from app.state.records import RepositoryRecord
from app.state.store import Store
from app.web.pages import SORTS, card_status, tagged
from app.web.viewer import SESSION_COOKIE, Viewer, viewer_for

API = "/api/v1"
MAX_AGE = 300  # seconds, as the badge
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
NOT_FOUND = "There is no report you may see here: the repository has not been checked, is private, or does not exist."


class Problem(BaseModel):
    message: str = Field(description="what went wrong, in words")


class LicenceSummary(BaseModel):
    id: str
    name: str
    failing: list[str] = Field(description="the clauses it fails the Open Source Definition on")


class RepositorySummary(BaseModel):
    full_name: str
    verdict: str = Field(description="open-source-ai, open-weights, restricted-weights, unknown or tool")
    verdict_label: str
    components: dict[str, str] = Field(description="code, parameters, data_information: open, restricted, "
                                                   "missing, undetermined, vague, incomplete")
    weights_license: LicenceSummary | None
    unsupported_claims: int
    sha: str
    checked_at: str | None = Field(description="ISO 8601, UTC")
    check_run: str | None
    conclusion: str | None
    report: str = Field(description="this repository's report: page and JSON")
    api: str


class OwnerReport(BaseModel):
    owner: str
    totals: dict[str, int]
    repositories: list[RepositorySummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class Verdict(BaseModel):
    sha: str
    checked_at: str | None
    verdict: str
    conclusion: str | None
    unsupported_claims: int


class RepositoryReport(BaseModel):
    full_name: str
    sha: str
    checked_at: str | None
    verdict: str
    verdict_label: str
    check_run: str | None
    scorecard: dict[str, Any] = Field(description="the scorecard model every format renders, with each piece of "
                                                  "evidence's `url` at the checked commit")
    history: list[Verdict]


def api_routes(store: Store, settings: Settings) -> APIRouter:
    router = APIRouter(prefix=API, tags=["openness"])
    root = web_root(settings.github_api_url)

    def viewer(request: Request) -> Viewer:
        return viewer_for(store, settings, request.cookies.get(SESSION_COOKIE), request.url.path)

    @router.get("/owners/{owner}", response_model=OwnerReport, responses={400: {"model": Problem}})
    def owner(request: Request, owner: str,
              verdict: str = Query("all", description="all, or one verdict"),
              sort: str = Query("name", description=", ".join(SORTS)),
              dir: str = Query("asc", description="asc or desc"),
              cursor: str | None = Query(None, description="from next_cursor"),
              limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)):
        """Every checked repository of an organisation or user that the caller may see."""
        problem = _check(verdict, sort, dir)
        if problem:
            return _problem(400, problem)
        who = viewer(request)
        records = [r for r in store.repositories_of(owner) if who.can_see(r)]
        try:
            page, next_cursor = paginate(records, sort, dir == "desc", verdict, cursor, limit)
        except ValueError:
            return _problem(400, "cursor: not one this API gave; start again without it")
        body = {"owner": owner, "totals": {level: sum(r.level == level for r in records) for level in VERDICTS},
                "repositories": [_summary(r) for r in page], "next_cursor": next_cursor}
        return _cached(request, body, bool(who.login))

    @router.get("/repos/{owner}/{name}", response_model=RepositoryReport, responses={404: {"model": Problem}})
    def repository(request: Request, owner: str, name: str):
        """The full scorecard of the latest check of the default branch, and the verdict history."""
        who = viewer(request)
        record = who.find(owner, name)
        if record is None:
            return _problem(404, NOT_FOUND, private=bool(who.login))
        body = {"full_name": record.full_name, "sha": record.sha, "checked_at": _iso(record.checked_at),
                "verdict": record.level or "unknown", "verdict_label": VERDICTS.get(record.level or "unknown"),
                "check_run": html.http_url(record.check_run_url),
                "scorecard": linked(upgrade(record.scorecard), html.blob_link(root, record.full_name, record.sha)),
                "history": [{"sha": v.sha, "checked_at": _iso(v.checked_at), "verdict": v.level,
                             "conclusion": v.conclusion, "unsupported_claims": v.unsupported}
                            for v in store.history(record.full_name)]}
        return _cached(request, body, bool(who.login) or not record.public)

    return router


def _check(verdict: str, sort: str, direction: str) -> str | None:
    if verdict != "all" and verdict not in VERDICTS:
        return f"verdict: one of all, {', '.join(VERDICTS)}"
    if sort not in SORTS:
        return f"sort: one of {', '.join(SORTS)}"
    return None if direction in ("asc", "desc") else "dir: asc or desc"


def paginate(records: list[RepositoryRecord], sort: str, descending: bool, verdict: str, cursor: str | None,
             limit: int) -> tuple[list[RepositoryRecord], str | None]:
    """A stable order (the sort key, then the name) and a cursor that names the last row given:
    a repository added or removed between two pages moves no other row across the boundary."""
    shown = [r for r in records if verdict == "all" or r.level == verdict]
    keyed = sorted(((SORTS[sort](r), r.full_name.lower()), r) for r in shown)
    if descending:
        keyed.reverse()
    start = 0
    if cursor:
        after = _decode(cursor)
        start = next((i for i, (key, _r) in enumerate(keyed) if (key <= after if descending else key > after)
                      and key != after), len(keyed))
    page = keyed[start:start + limit]
    more = start + limit < len(keyed)
    return [r for _key, r in page], _encode(page[-1][0]) if more and page else None


def _encode(key: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("bad cursor") from exc
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], str)
            and isinstance(value[0], str | int | float)):
        raise ValueError("bad cursor")
    return tuple(value)


def _summary(r: RepositoryRecord) -> dict:
    card = upgrade(r.scorecard)
    weights = card.get("weights_license")
    level = r.level or "unknown"
    return {"full_name": r.full_name, "verdict": level, "verdict_label": VERDICTS.get(level),
            "components": {key: card_status(card, key) for key in ("code", "parameters", "data_information")},
            "weights_license": {"id": weights["id"], "name": weights["name"], "failing": weights.get("failing", [])}
            if weights else None,
            "unsupported_claims": r.unsupported or 0, "sha": r.sha or "", "checked_at": _iso(r.checked_at),
            "check_run": html.http_url(r.check_run_url), "conclusion": r.conclusion,
            "report": f"/report/{quote(r.full_name)}", "api": f"{API}/repos/{quote(r.full_name)}"}


def linked(card: dict, source) -> dict:
    """The scorecard with a `url` beside every place: the file and line at the checked commit, or
    the Hub page it came from."""
    def place(item: dict) -> dict:
        return {**item, "url": source(item.get("path"), item.get("line"))}
    components = card.get("components", [])
    return {**card,
            "components": [{**c, "evidence": [place(e) for e in c.get("evidence", [])]} for c in components],
            "licences": [{**m, "places": [place(p) for p in m.get("places", [])],
                          "policies": [place(p) for p in m.get("policies", [])]} for m in card.get("licences", [])],
            "findings": [place(f) for f in card.get("findings", [])]}


def _iso(stamp: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)) if stamp else None


def _cached(request: Request, body: dict, private: bool) -> Response:
    """The body with an ETag; 304 when the caller has it already. Public answers may be kept by any
    cache for MAX_AGE; an answer for a signed-in caller is kept by none (its access may end any time)."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return tagged(request, data, "application/json", {
        "Vary": "Cookie", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store" if private else f"public, max-age={MAX_AGE}"})


def _problem(status: int, message: str, private: bool = False) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status,
                        headers={"Cache-Control": "private, no-store" if private else "no-cache", "Vary": "Cookie"})

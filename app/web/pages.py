"""/report/{owner}, /report/{owner}/{repo} and /badge/{owner}/{repo}.svg.

Pages are rendered on the server, sorted and filtered by query parameters, so they need no
script at all and are served with a policy that forbids any. A private repository, or one that
was never checked, gives the same answer as a repository that does not exist.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.github.users import web_root
from app.report import html
from app.report.scorecard import VERDICTS, upgrade
from app.settings import Settings
from app.state.records import RepositoryRecord
from app.state.store import Store
from app.web.viewer import SESSION_COOKIE, Viewer, viewer_for

BADGE_MAX_AGE = 300
STATUS_RANK = {"open": 3, "undetermined": 2, "restricted": 1, "missing": 0}
COMPONENT_COLUMNS = (("code", "Code"), ("parameters", "Weights"), ("data_information", "Data information"))
SORTS = {
    "name": lambda r: r.full_name.lower(),
    "verdict": lambda r: html.LEVEL_RANK.get(r.level, 0),
    "claims": lambda r: r.unsupported or 0,
    "checked": lambda r: r.checked_at or 0,
    **{key: (lambda r, key=key: STATUS_RANK.get(status_of(r, key), 0)) for key, _label in COMPONENT_COLUMNS},
}


def page_headers(private: bool) -> dict[str, str]:
    return {"Content-Security-Policy": html.content_security_policy(), "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Vary": "Cookie",
            "Cache-Control": "private, no-store" if private else "no-cache"}


def status_of(record: RepositoryRecord, key: str) -> str:
    """The status of one of a checked repository's components (code, parameters, data_information)."""
    return card_status(upgrade(record.scorecard), key)


def card_status(card: dict, key: str) -> str:
    return next((c["status"] for c in card.get("components", []) if c["key"] == key), "missing")


def report_routes(store: Store, settings: Settings) -> APIRouter:
    router = APIRouter()
    root = web_root(settings.github_api_url)

    def viewer(request: Request) -> Viewer:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return viewer_for(store, settings, request.cookies.get(SESSION_COOKIE), here)

    @router.get("/report/{owner}", response_class=HTMLResponse)
    def owner_page(request: Request, owner: str, sort: str = "name", dir: str = "asc", verdict: str = "all"):
        who = viewer(request)
        records = [r for r in store.repositories_of(owner) if who.can_see(r)]
        body = render_owner(owner, records, who, sort if sort in SORTS else "name", dir == "desc",
                            verdict if verdict in VERDICTS else "all")
        return HTMLResponse(body, headers=page_headers(bool(who.login)))

    @router.get("/report/{owner}/{name}", response_class=HTMLResponse)
    def repository_page(request: Request, owner: str, name: str):
        who = viewer(request)
        record = who.find(owner, name)
        if record is None:
            return HTMLResponse(html.render("web/not_found.html.j2", viewer=who, owner=owner), status_code=404,
                                headers=page_headers(bool(who.login)))
        body = render_repository(record, store.history(record.full_name), who, root)
        # A signed-in page names its viewer: kept by no cache, whatever the repository.
        return HTMLResponse(body, headers=page_headers(bool(who.login) or not record.public))

    @router.get("/badge/{owner}/{file}")
    def badge(request: Request, owner: str, file: str):
        record = store.repository(f"{owner}/{file.removesuffix('.svg')}") if file.endswith(".svg") else None
        # Anonymous by design (GitHub's image proxy fetches it): only public verdicts show.
        level = record.level if record is not None and record.public and record.sha else None
        return _svg(request, html.badge(level))

    return router


def _svg(request: Request, body: str) -> Response:
    return tagged(request, body.encode(), "image/svg+xml; charset=utf-8", {
        "Cache-Control": f"public, max-age={BADGE_MAX_AGE}", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


def tagged(request: Request, data: bytes, media_type: str, headers: dict[str, str]) -> Response:
    """The body with an ETag of its bytes; 304 and no body when the caller has it already."""
    headers = {"ETag": '"' + hashlib.sha256(data).hexdigest()[:32] + '"', **headers}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def totals_text(records: list[RepositoryRecord]) -> str:
    counts = {level: sum(r.level == level for r in records) for level in VERDICTS}
    parts = [f"{counts['open-source-ai']} {'appears' if counts['open-source-ai'] == 1 else 'appear'} to meet OSAID",
             f"{counts['open-weights']} open weights", f"{counts['restricted-weights']} restricted"]
    if counts["unknown"]:
        parts.append(f"{counts['unknown']} not determined")
    if counts["tool"]:
        parts.append(f"{counts['tool']} not {'a model release' if counts['tool'] == 1 else 'model releases'}")
    noun = "repository" if len(records) == 1 else "repositories"
    return f"{len(records)} {noun}: " + ", ".join(parts)


def render_owner(owner: str, records: list[RepositoryRecord], who: Viewer, sort: str, descending: bool,
                 verdict: str) -> str:
    shown = [r for r in records if verdict == "all" or r.level == verdict]
    shown.sort(key=SORTS[sort], reverse=descending)
    base = f"/report/{quote(owner)}"

    def href(**params: str) -> str:
        query = {"sort": sort, "dir": "desc" if descending else "asc", "verdict": verdict, **params}
        return f"{base}?{urlencode(query)}"

    columns = [{"label": label, "href": href(sort=key, dir="asc" if key != sort or descending else "desc"),
                "sorted": ("descending" if descending else "ascending") if key == sort else None}
               for key, label in (("name", "Repository"), ("verdict", "Verdict"), *COMPONENT_COLUMNS,
                                  ("claims", "Unsupported claims"), ("checked", "Last check"))]
    filters = [{"label": "all", "href": href(verdict="all"), "count": len(records), "current": verdict == "all"}] + [
        {"label": label, "href": href(verdict=level), "count": sum(r.level == level for r in records),
         "current": verdict == level} for level, label in VERDICTS.items()]
    rows = [_row(r) for r in shown]
    chart = html.component_chart(f"Openness of {owner}'s repositories", [
        {"name": r["full_name"], "level": r["level"], "components": r["components"]} for r in rows])
    return html.render("web/owner.html.j2", viewer=who, owner=owner, totals=totals_text(records), rows=rows,
                       component_labels=[label for _key, label in COMPONENT_COLUMNS],
                       columns=columns, filters=filters, chart=chart, filtered=verdict != "all",
                       json_url=f"/api/v1/owners/{quote(owner)}",
                       hidden_note=who.note)


def _row(r: RepositoryRecord) -> dict:
    card = upgrade(r.scorecard)
    return {"full_name": r.full_name, "page": f"/report/{quote(r.full_name)}", "level": r.level or "unknown",
            "verdict": VERDICTS.get(r.level or "unknown"), "components": card.get("components", []),
            "unsupported": r.unsupported or 0, "sha": r.sha or "", "checked_at": r.checked_at,
            "license": card.get("weights_license"), "check_run_url": html.http_url(r.check_run_url),
            "conclusion": r.conclusion}


def render_repository(record: RepositoryRecord, history: list, who: Viewer, root: str) -> str:
    card = upgrade(record.scorecard)
    chart = html.component_chart(f"Openness of {record.full_name}", [
        {"name": record.full_name, "level": record.level or "unknown", "components": card.get("components", [])}])
    return html.render("web/repository.html.j2", viewer=who, record=record, owner=record.owner, card=card or None,
                       chart=chart, source=html.blob_link(root, record.full_name, record.sha),
                       commit_url=f"{root}/{quote(record.full_name)}/commit/{record.sha}",
                       commit_link=lambda sha: f"{root}/{quote(record.full_name)}/commit/{sha}",
                       check_run_url=html.http_url(record.check_run_url), history=history,
                       trend=html.trend_chart(history), verdicts=VERDICTS, changes=_changes(history),
                       json_url=f"/api/v1/repos/{quote(record.full_name)}")


def _changes(history: list) -> list[str]:
    """For each verdict (newest first), whether the repository became more or less open."""
    changes = []
    for newer, older in zip(history, [*history[1:], None], strict=True):
        if older is None or newer.level == older.level:
            changes.append("" if older is None else "same")
            continue
        up = html.LEVEL_RANK.get(newer.level, 0) > html.LEVEL_RANK.get(older.level, 0)
        changes.append("more open" if up else "less open")
    return changes

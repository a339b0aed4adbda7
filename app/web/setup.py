"""/setup/done: where GitHub sends the browser after an app is registered from its manifest."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.github.users import web_root
from app.report import html
from app.settings import Settings
from app.state.store import Store
from app.web.pages import page_headers
from app.web.viewer import Viewer


def setup_steps(root: str, code: str | None, app_url: str | None = None) -> list[dict]:
    """What is left after registering: credentials (when a code came back), installation, a first check."""
    steps = []
    if code:
        steps.append({"text": "GitHub sent a one-time code, valid for an hour. On the host that runs the app, turn "
                              "it into the app's credentials (written to .env and a private key file):",
                      "code": f"openwashing setup --code {code}"})
    steps += [
        {"text": "Start (or restart) the app so it reads them:", "code": "openwashing serve"},
        {"text": "Install the app on your organisation and choose its repositories:",
         "href": f"{app_url}/installations/new" if app_url else f"{root}/settings/apps"},
        {"text": "Every repository is then checked on its default branch; this page lists them:",
         "code": "/report/YOUR-ORGANISATION"},
    ]
    return steps


def setup_routes(store: Store, settings: Settings) -> APIRouter:
    router = APIRouter()
    root = web_root(settings.github_api_url)

    @router.get("/setup/done", response_class=HTMLResponse)
    def done(request: Request, code: str | None = None) -> HTMLResponse:
        # This server already runs with credentials: it shows the code but never uses it itself,
        # so a stranger's code cannot replace the app's identity.
        code = code if code and code.isalnum() and len(code) <= 100 else None
        page = html.render("web/setup_done.html.j2", viewer=Viewer(store, settings, "/"),
                           heading="The GitHub App is registered", paragraphs=[
                               "openwashing is running here. A few steps remain before it checks anything."],
                           steps=setup_steps(root, code))
        return HTMLResponse(page, headers=page_headers(True))

    return router

"""Sign in with GitHub (the app's user-to-server OAuth flow) and sign out.

The `state` that guards the flow against forged callbacks travels in a short-lived cookie; the
session cookie is random and stored only as a hash. The page to return to must be one of the
report pages: the flow never redirects anywhere else.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from github import GithubException

from app.github import users
from app.report import html
from app.settings import Settings
from app.state.store import Store
from app.web.pages import page_headers
from app.web.tokens import seal
from app.web.viewer import SESSION_COOKIE, Viewer, session_key

log = logging.getLogger("openwashing.web")
STATE_COOKIE = "ow_oauth"
STATE_SECONDS = 600
SESSION_SECONDS = 8 * 3600  # GitHub's user tokens expire after eight hours
_SAFE_NEXT = re.compile(r"/report/[^\s\\]*")


def safe_next(value: str | None) -> str:
    return value if value and _SAFE_NEXT.fullmatch(value) and not value.startswith("//") else "/"


def signin_routes(store: Store, settings: Settings) -> APIRouter:
    router = APIRouter()

    def secure(request: Request) -> bool:
        return (settings.public_url or str(request.base_url)).startswith("https://")

    def refuse(request: Request, status: int, message: str) -> HTMLResponse:
        page = html.render("web/setup_done.html.j2", viewer=Viewer(store, settings, "/"), heading="Sign-in failed",
                           paragraphs=[message], steps=[])
        return HTMLResponse(page, status_code=status, headers=page_headers(True))

    def callback_url(request: Request) -> str:
        base = (settings.public_url or str(request.base_url)).rstrip("/")
        return f"{base}/login/callback"

    @router.get("/login")
    def login(request: Request, next: str | None = None) -> Response:
        if not settings.signin_enabled:
            return refuse(request, 404, "Signing in is not configured on this server (GITHUB_CLIENT_ID and "
                                        "GITHUB_CLIENT_SECRET); only public repositories are shown.")
        state = secrets.token_urlsafe(24)
        response = RedirectResponse(users.login_url(settings, callback_url(request), state), status_code=302)
        response.set_cookie(STATE_COOKIE, f"{state}:{safe_next(next)}", max_age=STATE_SECONDS, httponly=True,
                            samesite="lax", secure=secure(request), path="/login")
        return response

    @router.get("/login/callback")
    def callback(request: Request, code: str = "", state: str = "") -> Response:
        expected, _, next_page = (request.cookies.get(STATE_COOKIE) or "").partition(":")
        # Compared as bytes: compare_digest refuses text with non-ASCII characters (a 500 otherwise).
        matches = secrets.compare_digest(state.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))
        if not settings.signin_enabled or not code or not expected or not matches:
            return refuse(request, 400, "This sign-in link is not valid any more; please sign in again.")
        try:
            token = users.exchange_code(settings, code)
            login = users.user_login(settings, token.token)
        except GithubException as exc:
            log.warning("sign-in failed: GitHub answered %s", exc.status)
            return refuse(request, 502, "GitHub did not confirm the sign-in; please try again.")
        cookie = secrets.token_urlsafe(32)
        lifetime = min(SESSION_SECONDS, token.expires_in or SESSION_SECONDS)
        store.save_session(session_key(cookie), login, seal(settings, token.token), time.time() + lifetime)
        response = RedirectResponse(safe_next(next_page), status_code=303)
        response.set_cookie(SESSION_COOKIE, cookie, max_age=lifetime, httponly=True, samesite="lax",
                            secure=secure(request))
        response.delete_cookie(STATE_COOKIE, path="/login")
        return response

    @router.post("/logout")
    def logout(request: Request, next: str | None = None) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            store.end_session(session_key(cookie))
        response = RedirectResponse(safe_next(next), status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    return router

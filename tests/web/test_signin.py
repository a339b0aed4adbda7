"""Sign-in with GitHub against the fake's OAuth endpoints: private repositories appear only for
people GitHub says can read them."""

from __future__ import annotations

import time

import httpx
from pydantic import SecretStr

from tests.github.conftest import INSTALLATION, model_repo_files
from tests.web.helpers import push_default


def signed_in_app(fake, start_app, login: str = "octocat"):
    app = start_app(github_client_id=fake.oauth_client[0], github_client_secret=fake.oauth_client[1])
    for name, private in (("acme-ai/secret", True), ("acme-ai/hidden", True), ("acme-ai/public", False)):
        push_default(app, fake, name, fake.add_repo(name, model_repo_files()), private=private)
    fake.oauth_approver = login
    fake.user_access = {"octocat": {INSTALLATION: ["acme-ai/secret", "acme-ai/public"]}}
    return app


def sign_in(app, next_page: str = "/report/acme-ai") -> httpx.Response:
    """Follow the web flow as a browser would: the app, GitHub's authorize page, the app's callback."""
    start = app.client.get("/login", params={"next": next_page})
    assert start.status_code == 302
    approved = httpx.get(start.headers["location"])  # the fake approves at once and sends the browser back
    assert approved.status_code == 302
    back = approved.headers["location"].removeprefix(app.url)
    return app.client.get(back)


def test_private_repositories_appear_only_for_people_who_can_read_them(fake, start_app):
    app = signed_in_app(fake, start_app)
    anonymous = app.client.get("/report/acme-ai").text
    assert "acme-ai/secret" not in anonymous and "Sign in with GitHub" in anonymous
    done = sign_in(app)
    assert done.status_code == 303 and done.headers["location"] == "/report/acme-ai"
    page = app.client.get("/report/acme-ai")
    assert "signed in as octocat" in page.text and "acme-ai/secret" in page.text
    assert "acme-ai/hidden" not in page.text and "private" in page.headers["cache-control"]
    assert app.client.get("/report/acme-ai/secret").status_code == 200
    assert app.client.get("/report/acme-ai/hidden").status_code == 404
    asked = fake.calls("GET", r"^/user/installations/\d+/repositories$")
    assert len(asked) == 1  # the answer is kept with the session for a few minutes
    assert app.client.get("/badge/acme-ai/secret.svg").content == app.client.get("/badge/x/y.svg").content
    app.client.post("/logout", params={"next": "/report/acme-ai"})
    assert "acme-ai/secret" not in app.client.get("/report/acme-ai").text


def test_a_forged_or_replayed_callback_signs_nobody_in(fake, start_app):
    app = signed_in_app(fake, start_app)
    assert app.client.get("/login/callback", params={"code": "x", "state": "forged"}).status_code == 400
    start = app.client.get("/login", params={"next": "https://evil.example/"})
    approved = httpx.get(start.headers["location"])
    back = approved.headers["location"].removeprefix(app.url)
    done = app.client.get(back)
    assert done.headers["location"] == "/"  # never redirected off the app
    replay = app.client.get(back)
    assert replay.status_code in (400, 502)
    assert "ow_session" in app.client.cookies


def test_a_user_github_refuses_sees_public_repositories_only(fake, start_app):
    app = signed_in_app(fake, start_app, login="mallory")
    sign_in(app)
    page = app.client.get("/report/acme-ai").text
    assert "signed in as mallory" in page and "acme-ai/public" in page and "acme-ai/secret" not in page


def test_without_sign_in_configured_private_repositories_are_left_out(fake, start_app):
    app = start_app()
    push_default(app, fake, "acme-ai/secret", fake.add_repo("acme-ai/secret", model_repo_files()), private=True)
    assert app.client.get("/login").status_code == 404
    assert "Sign in" not in app.client.get("/report/acme-ai").text


def test_pages_and_sign_in_on_postgresql_and_redis(fake, start_app, pg_url, redis_prefix):
    """The multi-host mode: verdicts, history and sessions live in PostgreSQL like the rest."""
    from tests.conftest import REDIS_URL

    app = start_app(database_url=pg_url, queue_url=REDIS_URL, key_prefix=redis_prefix,
                    github_client_id=fake.oauth_client[0], github_client_secret=fake.oauth_client[1])
    push_default(app, fake, "acme-ai/secret", fake.add_repo("acme-ai/secret", model_repo_files()), private=True)
    push_default(app, fake, "acme-ai/public", fake.add_repo("acme-ai/public", model_repo_files()))
    assert "acme-ai/secret" not in app.client.get("/report/acme-ai").text
    fake.oauth_approver = "octocat"
    fake.user_access = {"octocat": {INSTALLATION: ["acme-ai/secret"]}}
    sign_in(app)
    page = app.client.get("/report/acme-ai").text
    assert "acme-ai/secret" in page and "acme-ai/public" in page
    assert app.store.engine.name == "postgresql"


def test_a_hidden_repository_and_a_missing_one_take_the_same_path(fake, start_app):
    """The same answer, and the same GitHub question, for a private repository the visitor may not
    read and for one that does not exist: neither the page nor its timing tells them apart."""
    app = signed_in_app(fake, start_app)
    answers, asked = [], []
    for name in ("hidden", "nothing"):
        app.client.cookies.clear()
        sign_in(app)
        before = len(fake.calls("GET", r"^/user/installations/\d+/repositories$"))
        answers.append(app.client.get(f"/report/acme-ai/{name}"))
        asked.append(len(fake.calls("GET", r"^/user/installations/\d+/repositories$")) - before)
    assert [a.status_code for a in answers] == [404, 404]
    # Only the address the page names differs.
    assert answers[0].text.replace("acme-ai/hidden", "acme-ai/nothing") == answers[1].text
    assert asked == [1, 1]


def test_signed_in_pages_are_never_stored_by_a_cache(fake, start_app):
    app = signed_in_app(fake, start_app)
    assert app.client.get("/report/acme-ai/public").headers["cache-control"] == "no-cache"  # anonymous
    sign_in(app)
    for path in ("/report/acme-ai", "/report/acme-ai/public", "/report/acme-ai/secret", "/api/v1/repos/acme-ai/public"):
        assert "no-store" in app.client.get(path).headers["cache-control"], path


def test_a_malformed_state_is_refused_with_400(fake, start_app):
    app = signed_in_app(fake, start_app)
    app.client.get("/login", params={"next": "/report/acme-ai"})  # sets the state cookie
    for state in ("\u00e9t\u00e9", "\u2603" * 40, "%00"):
        assert app.client.get("/login/callback", params={"code": "x", "state": state}).status_code == 400


def test_access_is_kept_per_owner_and_installation_each_with_its_own_expiry(tmp_path, monkeypatch):
    from app.github import users
    from app.settings import Settings
    from app.state.records import CheckedCommit
    from app.state.store import open_store
    from app.web import viewer as viewer_module
    from app.web.tokens import seal

    store = open_store(f"sqlite:///{tmp_path}/access.sqlite3")
    for name, installation in (("alpha/x", 1), ("beta/y", 2)):
        store.record_check(CheckedCommit(name, installation, "a" * 40, "open-weights", "failure", None, 0, {},
                                         True, "main", 1.0))
    asked: list[int] = []
    monkeypatch.setattr(users, "readable_repositories",
                        lambda settings, token, installation: asked.append(installation) or ["alpha/x", "beta/y"])
    clock = [1000.0]
    monkeypatch.setattr(viewer_module, "_now", lambda: clock[0])
    settings = Settings(github_app_id="1", github_private_key="pem", github_webhook_secret="s",
                        github_client_id="client", github_client_secret="client-secret")

    def look(name: str, at: float) -> bool:
        clock[0] = at
        viewer = viewer_module.viewer_for(store, settings, "cookie", "/")  # a fresh page view
        viewer.key = viewer_module.session_key("cookie")
        return viewer.can_see(store.repository(name))

    store.save_session(viewer_module.session_key("cookie"), "octocat", seal(settings, "token"), time.time() + 3600)
    assert look("alpha/x", 1000) and look("beta/y", 1200)
    assert look("alpha/x", 1301)  # alpha's answer is 301 s old: asked again, whatever beta's age
    assert look("beta/y", 1302)  # beta's is 102 s old: kept
    assert asked == [1, 2, 1]


def test_tokens_are_kept_encrypted_and_a_changed_key_signs_people_out(fake, start_app):
    app = signed_in_app(fake, start_app)
    sign_in(app)
    [(stored,)] = app.store.engine.query("SELECT token FROM sessions")
    issued = [r.body for r in fake.requests if r.path == "/login/oauth/access_token"]
    assert issued and "ghu_fake" not in stored and stored.startswith("f1:")
    assert "acme-ai/secret" in app.client.get("/report/acme-ai").text  # it opens for the app
    other = app.settings.model_copy(update={"token_key": SecretStr("another key")})
    from app.web.viewer import viewer_for
    viewer = viewer_for(app.store, other, app.client.cookies["ow_session"], "/")
    assert viewer.login is None and app.store.engine.query("SELECT token FROM sessions") == []

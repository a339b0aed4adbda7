"""The JSON API: privacy as the pages have it, cursor pagination, ETag / 304 and Cache-Control,
errors as JSON, and an OpenAPI description."""

from __future__ import annotations

import httpx

from app.state.records import CheckedCommit
from tests.web import sized
from tests.web.test_signin import sign_in, signed_in_app


def all_rows(client: httpx.Client, url: str, **params) -> tuple[list[str], int]:
    names, pages, cursor = [], 0, None
    while True:
        body = client.get(url, params={**params, **({"cursor": cursor} if cursor else {})}).json()
        names += [r["full_name"] for r in body["repositories"]]
        pages, cursor = pages + 1, body["next_cursor"]
        if cursor is None:
            return names, pages


def test_an_owner_is_listed_in_pages_with_a_cursor(start_app):
    app = start_app()
    names = sized.fill(app.store, count=23, history=1)
    everything, pages = all_rows(app.client, "/api/v1/owners/acme-ai", limit=5)
    assert everything == sorted(names) and pages == 5
    by_verdict, _ = all_rows(app.client, "/api/v1/owners/acme-ai", sort="verdict", dir="desc", limit=4)
    assert sorted(by_verdict) == sorted(names) and len(set(by_verdict)) == len(names)
    restricted = app.client.get("/api/v1/owners/acme-ai", params={"verdict": "restricted-weights"}).json()
    assert {r["verdict"] for r in restricted["repositories"]} == {"restricted-weights"}
    first = restricted["repositories"][0]
    weights = first["weights_license"]
    assert weights["id"] == "Llama-2" and "monthly-active-user cap" in weights["failing"]
    assert first["components"]["parameters"] == "restricted" and first["api"].startswith("/api/v1/repos/acme-ai/")


def test_a_repository_added_between_two_pages_moves_nothing_across_the_cursor(start_app):
    app = start_app()
    sized.fill(app.store, count=6, history=1)
    page = app.client.get("/api/v1/owners/acme-ai", params={"limit": 3}).json()
    card = sized.scorecards()["unknown"]
    app.store.record_check(CheckedCommit("acme-ai/aaa-first", 1, "f" * 40, "unknown", "failure", None, 1, card,
                                         private=False, default_branch="main"))
    rest = app.client.get("/api/v1/owners/acme-ai", params={"limit": 10, "cursor": page["next_cursor"]}).json()
    seen = [r["full_name"] for r in page["repositories"] + rest["repositories"]]
    assert len(seen) == 6 and "acme-ai/aaa-first" not in seen  # it sorts before the cursor: the next walk has it


def test_a_repository_report_has_the_scorecard_with_links_and_the_history(start_app, fake):
    app = start_app()
    [name] = sized.fill(app.store, count=1, history=4)
    body = app.client.get(f"/api/v1/repos/{name}").json()
    assert body["verdict"] == "open-source-ai" and len(body["history"]) == 4
    evidence = [e for c in body["scorecard"]["components"] for e in c["evidence"] if e["path"]]
    assert evidence and all(e["url"].startswith(f"{fake.base_url}/{name}/blob/{body['sha']}/") for e in evidence)


def test_private_and_missing_repositories_answer_alike(start_app):
    app = start_app()
    card = sized.scorecards()["restricted-weights"]
    app.store.record_check(CheckedCommit("acme-ai/secret", 1, "a" * 40, "restricted-weights", "failure", None, 1,
                                         card, private=True, default_branch="main"))
    secret = app.client.get("/api/v1/repos/acme-ai/secret")
    missing = app.client.get("/api/v1/repos/acme-ai/nothing")
    assert secret.status_code == missing.status_code == 404 and secret.json() == missing.json()
    assert secret.json()["message"] and app.client.get("/api/v1/owners/acme-ai").json()["repositories"] == []


def test_signed_in_people_see_the_private_repositories_they_can_read(fake, start_app):
    app = signed_in_app(fake, start_app)
    assert [r["full_name"] for r in app.client.get("/api/v1/owners/acme-ai").json()["repositories"]] == [
        "acme-ai/public"]
    sign_in(app)
    listed = app.client.get("/api/v1/owners/acme-ai")
    assert [r["full_name"] for r in listed.json()["repositories"]] == ["acme-ai/public", "acme-ai/secret"]
    assert listed.headers["cache-control"] == "private, no-store"  # never kept: access may end any time
    assert app.client.get("/api/v1/repos/acme-ai/secret").status_code == 200
    assert app.client.get("/api/v1/repos/acme-ai/hidden").status_code == 404


def test_etag_and_cache_control_as_the_badge_has(start_app):
    app = start_app()
    [name] = sized.fill(app.store, count=1, history=1)
    first = app.client.get(f"/api/v1/repos/{name}")
    assert first.headers["cache-control"] == "public, max-age=300" and first.headers["etag"]
    again = app.client.get(f"/api/v1/repos/{name}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_errors_are_json_with_a_message(start_app):
    app = start_app()
    for params in ({"verdict": "great"}, {"sort": "stars"}, {"dir": "up"}, {"cursor": "!!"}, {"limit": "0"},
                   {"limit": "many"}):
        answer = app.client.get("/api/v1/owners/acme-ai", params=params)
        assert answer.status_code == 400 and answer.json()["message"], params


def test_the_api_is_described_by_openapi_and_linked_from_the_pages(start_app):
    app = start_app()
    [name] = sized.fill(app.store, count=1, history=1)
    spec = app.client.get("/openapi.json").json()
    assert {"/api/v1/owners/{owner}", "/api/v1/repos/{owner}/{name}"} <= set(spec["paths"])
    assert f'href="/api/v1/repos/{name}"' in app.client.get(f"/report/{name}").text
    assert 'href="/api/v1/owners/acme-ai"' in app.client.get("/report/acme-ai").text


def test_malformed_paths_are_refused_not_failed_on_postgresql(fake, start_app, pg_url, redis_prefix):
    from tests.conftest import REDIS_URL

    app = start_app(database_url=pg_url, queue_url=REDIS_URL, key_prefix=redis_prefix)
    for path in ("/report/%00", "/report/acme/%00x", "/api/v1/owners/%00", "/api/v1/repos/a/%00",
                 "/badge/%00/x.svg", "/report/acme/%1b%5b31m"):
        answer = app.client.get(path)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
        assert "Traceback" not in answer.text
    assert app.client.get("/report/acme-ai/caf%C3%A9").status_code == 404  # printable non-ASCII is fine

"""Metric labels name no one: routes are templates on github.com and GitHub Enterprise Server."""

from __future__ import annotations

from app.metrics import route_of


def test_routes_on_enterprise_server_are_templated_like_on_github_com():
    for prefix in ("", "/api/v3"):
        assert route_of(f"{prefix}/repos/acme/secret-model/git/trees/main?recursive=1") == \
            "/repos/{owner}/{repo}/git/trees/{ref}"
        assert route_of(f"{prefix}/repos/acme/secret/check-runs/12") == "/repos/{owner}/{repo}/check-runs/{id}"
        assert route_of(f"{prefix}/repos/a/b/commits/{'c' * 40}/check-runs") == \
            "/repos/{owner}/{repo}/commits/{ref}/check-runs"
        assert route_of(f"{prefix}/app/installations/5/access_tokens") == "/app/installations/{id}/access_tokens"


def test_no_login_or_repository_name_reaches_a_label():
    paths = ["/repos/acme/private-thing/contents/docs/secret plan.md", "/repos/acme/x/collaborators/octocat/permission",
             "/users/octocat/installation", "/orgs/acme-secret/installation", "/repos/acme/x/git/refs/heads/feat/y",
             "/api/v4/repos/acme/private-thing", "/enterprise/acme/private-thing", "/repos/acme/x/unknown/octocat"]
    for path in paths:
        label = route_of(path)
        assert not any(word in label for word in ("acme", "octocat", "private", "secret", "feat")), (path, label)
    assert route_of("/enterprise/acme/private-thing") == "other"

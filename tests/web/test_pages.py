"""The report pages and the badge, served by the app from what its checks recorded."""

from __future__ import annotations

import re
import time

from tests.github.conftest import INSTALLATION, completed, model_repo_files, payload, push_payload, wait_for
from tests.github.fake_github import github_stamp
from tests.web.helpers import push_default

OPEN_README = """# Tiny-LM

Tiny-LM is a small language model. The weights, the training code in `train.py` and the
training data described in DATA.md are released under the Apache License 2.0.
"""


def open_repo_files() -> dict[str, str]:
    return {"README.md": OPEN_README, "LICENSE": "Apache License\nVersion 2.0, January 2004\n",
            "model.safetensors": "weights", "train.py": "import torch\nmodel.train()\noptimizer.step()\n"}


def test_owner_page_lists_checked_repositories_with_their_components(fake, start_app):
    app = start_app()
    push_default(app, fake, "acme-ai/aurora", fake.add_repo("acme-ai/aurora", model_repo_files()))
    push_default(app, fake, "acme-ai/tiny", fake.add_repo("acme-ai/tiny", open_repo_files()))
    page = app.client.get("/report/acme-ai")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none' forbids scripts
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert "2 repositories: 0 appear to meet OSAID" in text and "1 restricted" in text
    row = re.search(r'<tr data-verdict="restricted-weights">.*?</tr>', text, re.S).group(0)
    assert "acme-ai/aurora" in row and ">restricted<" in row and "Llama 2" in row
    assert re.search(r'class="cell s-(open|missing|restricted|undetermined)"', row)
    assert "<script" not in text


def test_sorting_and_filtering_are_links_without_script(fake, start_app):
    app = start_app()
    push_default(app, fake, "acme-ai/aurora", fake.add_repo("acme-ai/aurora", model_repo_files()))
    push_default(app, fake, "acme-ai/tiny", fake.add_repo("acme-ai/tiny", open_repo_files()))
    names = lambda html: re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html)  # noqa: E731
    assert names(app.client.get("/report/acme-ai?sort=name&dir=desc").text) == ["acme-ai/tiny", "acme-ai/aurora"]
    by_verdict = app.client.get("/report/acme-ai?sort=verdict&dir=asc").text
    assert names(by_verdict)[0] == "acme-ai/aurora"  # restricted ranks below the other
    only = app.client.get("/report/acme-ai?verdict=restricted-weights").text
    assert names(only) == ["acme-ai/aurora"] and 'aria-current="page">restricted (1)' in only
    assert names(app.client.get("/report/acme-ai?sort=%3Cscript%3E&verdict=bogus").text) == [
        "acme-ai/aurora", "acme-ai/tiny"]  # unknown parameters fall back to the defaults


def test_repository_page_links_evidence_at_the_checked_commit_and_keeps_history(fake, start_app):
    app = start_app()
    first = fake.add_repo("acme-ai/tiny", open_repo_files())
    push_default(app, fake, "acme-ai/tiny", first)
    second = fake.commit("acme-ai/tiny", model_repo_files())
    push_default(app, fake, "acme-ai/tiny", second)
    page = app.client.get("/report/acme-ai/tiny").text
    assert f'href="{fake.base_url}/acme-ai/tiny/blob/{second}/README.md#L3"' in page
    assert f"{fake.base_url}/acme-ai/tiny/commit/{first}" in page
    assert "less open" in page  # restricted now, after a more open verdict before
    assert 'suggested: “open-weights”' in page


def test_only_the_default_branch_is_recorded(fake, start_app):
    app = start_app()
    sha = fake.add_repo("acme-ai/aurora", model_repo_files())
    push_default(app, fake, "acme-ai/aurora", sha, branch="feature")
    assert app.client.get("/report/acme-ai/aurora").status_code == 404


def test_details_url_points_at_the_repository_page(fake, start_app):
    app = start_app(public_url="https://ow.example.com")
    sha = fake.add_repo("acme-ai/aurora", model_repo_files())
    push_default(app, fake, "acme-ai/aurora", sha)
    assert completed(fake, sha, "acme-ai/aurora")[0]["details_url"] == "https://ow.example.com/report/acme-ai/aurora"


def test_hostile_repository_text_is_shown_as_text(fake, start_app):
    app = start_app()
    readme = ("# <script>alert(1)</script> Evil\n\nEvil is an open-source model "
              "[click](javascript:alert(2)) <img src=x onerror=alert(3)>.\n")
    sha = fake.add_repo("acme-ai/evil", model_repo_files(readme))
    push_default(app, fake, "acme-ai/evil", sha)
    for path in ("/report/acme-ai", "/report/acme-ai/evil"):
        page = app.client.get(path).text
        assert "<script" not in page and "<img" not in page and 'href="javascript' not in page
    assert "open-source" in app.client.get("/report/acme-ai/evil").text


def test_private_repositories_never_reach_an_anonymous_page_or_badge(fake, start_app):
    app = start_app()
    push_default(app, fake, "acme-ai/secret", fake.add_repo("acme-ai/secret", model_repo_files()), private=True)
    push_default(app, fake, "acme-ai/unsaid", fake.add_repo("acme-ai/unsaid", model_repo_files()), private=None)
    assert app.store.repository("acme-ai/secret").level == "restricted-weights"  # it was checked
    owner = app.client.get("/report/acme-ai").text
    assert "secret" not in owner and "unsaid" not in owner and "0 repositories" in owner
    hidden, unknown = app.client.get("/report/acme-ai/secret"), app.client.get("/report/acme-ai/nothing")
    assert hidden.status_code == unknown.status_code == 404 and hidden.text == unknown.text
    badges = [app.client.get(f"/badge/acme-ai/{name}.svg") for name in ("secret", "unsaid", "nothing")]
    assert len({b.content for b in badges}) == 1 and b"unknown" in badges[0].content
    assert len({(b.headers["etag"], b.headers["cache-control"]) for b in badges}) == 1


def test_repository_events_change_what_pages_show_at_once(fake, start_app):
    app = start_app()
    push_default(app, fake, "acme-ai/aurora", fake.add_repo("acme-ai/aurora", model_repo_files()))
    assert "acme-ai/aurora" in app.client.get("/report/acme-ai").text
    event = payload("push/with-new-branch.payload.json", "acme-ai/aurora", INSTALLATION)
    event["repository"].update(private=True, visibility="private", updated_at=github_stamp(time.time() + 10))
    app.deliver("repository", {"action": "privatized", "repository": event["repository"],
                               "installation": event["installation"], "sender": event["sender"]})
    assert "acme-ai/aurora" not in app.client.get("/report/acme-ai").text
    event["repository"].update(private=False, visibility="public", full_name="acme-ai/aurora-2", name="aurora-2",
                               updated_at=github_stamp(time.time() + 20))
    app.deliver("repository", {"action": "renamed", "changes": {"repository": {"name": {"from": "aurora"}}},
                               "repository": event["repository"], "installation": event["installation"],
                               "sender": event["sender"]})
    assert app.client.get("/report/acme-ai/aurora").status_code == 404
    assert app.client.get("/report/acme-ai/aurora-2").status_code == 200
    app.deliver("repository", {"action": "deleted", "repository": event["repository"],
                               "installation": event["installation"], "sender": event["sender"]})
    assert app.client.get("/report/acme-ai/aurora-2").status_code == 404


def _privacy_event(action: str, repo: str, at: float) -> dict:
    event = payload("push/with-new-branch.payload.json", repo, INSTALLATION)
    private = action == "privatized"
    event["repository"].update(private=private, visibility="private" if private else "public",
                               updated_at=github_stamp(at))
    return {"action": action, "repository": event["repository"], "installation": event["installation"],
            "sender": event["sender"]}


def test_a_check_of_a_push_made_while_public_never_makes_a_private_repository_public_again(fake, start_app):
    app = start_app()
    sha = fake.add_repo("acme-ai/aurora", model_repo_files())
    fake.slow[r"/git/trees/"] = 1.0  # the push's check is still reading when the repository is made private
    data = push_payload(sha, "acme-ai/aurora")
    data["repository"].update(default_branch="main", private=False, visibility="public")
    app.deliver("push", data)
    privatized_at = time.time() + 5
    fake.set_private("acme-ai/aurora", True, privatized_at)
    app.deliver("repository", _privacy_event("privatized", "acme-ai/aurora", privatized_at))
    assert not completed(fake, sha, "acme-ai/aurora")
    wait_for(lambda: completed(fake, sha, "acme-ai/aurora"))
    wait_for(lambda: app.store.repository("acme-ai/aurora") is not None
             and app.store.repository("acme-ai/aurora").sha == sha)
    assert app.store.repository("acme-ai/aurora").private is True
    assert app.client.get("/report/acme-ai/aurora").status_code == 404
    app.deliver("repository", _privacy_event("publicized", "acme-ai/aurora", privatized_at - 60))  # a late replay
    assert app.client.get("/report/acme-ai/aurora").status_code == 404
    app.deliver("repository", _privacy_event("publicized", "acme-ai/aurora", privatized_at + 60))
    assert app.client.get("/report/acme-ai/aurora").status_code == 200


def test_badge_says_the_verdict_with_cache_headers(fake, start_app):
    app = start_app()
    push_default(app, fake, "acme-ai/aurora", fake.add_repo("acme-ai/aurora", model_repo_files()))
    badge = app.client.get("/badge/acme-ai/aurora.svg")
    assert badge.headers["content-type"].startswith("image/svg+xml")
    assert b"openness" in badge.content and b"restricted" in badge.content
    assert "max-age=" in badge.headers["cache-control"]
    again = app.client.get("/badge/acme-ai/aurora.svg", headers={"If-None-Match": badge.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_the_backfill_fills_the_pages_and_keeps_private_repositories_off_them(fake, start_app):
    from tests.github.conftest import raw_payload, wait_for
    public = fake.add_repo("acme-ai/aurora", model_repo_files())
    secret = fake.add_repo("acme-ai/secret", model_repo_files())
    fake.repos["acme-ai/secret"]["private"] = True  # the installation listing says so
    app = start_app()
    created = raw_payload("installation/created.payload.json")
    created["installation"]["id"] = INSTALLATION
    created["installation"]["account"]["login"] = "acme-ai"
    created["repositories"] = []  # "all repositories": the app lists them itself
    app.deliver("installation", created)
    wait_for(lambda: completed(fake, public, "acme-ai/aurora") and completed(fake, secret, "acme-ai/secret"))
    wait_for(lambda: app.store.pending_backfill(INSTALLATION, 10) == [])
    page = app.client.get("/report/acme-ai").text
    assert "acme-ai/aurora" in page and "acme-ai/secret" not in page
    assert app.store.repository("acme-ai/secret").level == "restricted-weights"  # checked, kept, not shown


def test_an_owner_with_two_thousand_repositories_gets_every_row_sorted_and_filtered(tmp_path):
    from types import SimpleNamespace

    from app.state.store import open_store
    from app.web.pages import render_owner
    from app.web.viewer import Viewer
    from tests.web import sized

    store = open_store(f"sqlite:///{tmp_path}/many.sqlite3")
    names = sized.fill(store, count=2000, history=1)
    viewer = Viewer(store, SimpleNamespace(signin_enabled=False), "/report/acme-ai")
    records = store.repositories_of("acme-ai")
    row_names = lambda html: re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html)  # noqa: E731
    page = render_owner("acme-ai", records, viewer, "name", True, "all")
    assert row_names(page) == sorted(names, reverse=True)
    assert "2000 repositories: 500 appear to meet OSAID" in page and "and 1940 more in the table" in page
    restricted = row_names(render_owner("acme-ai", records, viewer, "verdict", False, "restricted-weights"))
    assert len(restricted) == 500


def test_a_stored_delivery_is_accepted_even_when_applying_it_fails_and_its_change_is_applied_later(
        fake, start_app, monkeypatch):
    app = start_app(lost_after_seconds=0.2)
    push_default(app, fake, "acme-ai/aurora", fake.add_repo("acme-ai/aurora", model_repo_files()))
    applying = app.store.apply_change

    def store_fails_after_the_commit(change):
        monkeypatch.setattr(app.store, "apply_change", applying)  # once
        raise ConnectionError("the database went away")

    monkeypatch.setattr(app.store, "apply_change", store_fails_after_the_commit)
    response = app.deliver("repository", _privacy_event("privatized", "acme-ai/aurora", time.time() + 5))
    assert response.status_code == 202  # stored: GitHub must not redeliver it, nor think it lost
    assert app.client.get("/report/acme-ai/aurora").status_code == 200  # not applied yet
    wait_for(lambda: app.client.get("/report/acme-ai/aurora").status_code == 404, timeout=10)
    assert app.store.state(response.json()["delivery"]) == "done"

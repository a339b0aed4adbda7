"""push -> one completed check run with annotations, summary and conclusion."""

from __future__ import annotations

from tests.github.conftest import REPO, model_repo_files, push_payload, wait_for


def test_push_creates_a_completed_check_run(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    response = app.deliver("push", push_payload(sha))
    assert response.status_code == 202 and response.json()["message"] == "queued"
    run = wait_for(lambda: next((r for r in fake.runs_for(REPO, sha) if r["status"] == "completed"), None))
    assert run["name"] == "openwashing" and run["conclusion"] == "failure"
    assert "restricted-weights" in run["output"]["title"] and "1 error" in run["output"]["title"]
    assert "Llama 2 Community License" in run["output"]["summary"]
    [annotation] = fake.annotations[run["id"]]
    assert annotation == {"path": "README.md", "start_line": 3, "end_line": 3, "annotation_level": "failure",
                          "title": "OpenSourceClaim", "start_column": 17, "end_column": 27,
                          "message": annotation["message"],
                          "raw_details": 'Suggested wording: "open-weights"'}
    assert "Llama 2 Community License" in annotation["message"]
    assert fake.violations == []
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "done")


def test_api_calls_per_push(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    app.deliver("push", push_payload(sha))
    wait_for(lambda: any(r["status"] == "completed" for r in fake.runs_for(REPO, sha)))
    paths = [(r.method, r.path) for r in fake.requests]
    assert sum(1 for m, p in paths if "/git/trees/" in p) == 1
    blobs = [p for m, p in paths if "/git/blobs/" in p]
    assert len(blobs) == 2  # README.md and LICENSE; not the weights, not the code
    # A second push of a commit with the same documents reads no blobs (cached by SHA).
    fake.requests.clear()
    sha2 = fake.commit(REPO, {**model_repo_files(), "src/other.py": "x = 1\n"})
    app.deliver("push", push_payload(sha2))
    wait_for(lambda: any(r["status"] == "completed" for r in fake.runs_for(REPO, sha2)))
    assert not [r for r in fake.requests if "/git/blobs/" in r.path]


def test_tags_and_branch_deletions_are_ignored(fake, start_app):
    app = start_app()
    tag = push_payload("a" * 40, ref="refs/tags/v1")
    deletion = push_payload("0" * 40)
    deletion["deleted"] = True
    for body in (tag, deletion):
        response = app.deliver("push", body)
        assert response.status_code == 202 and response.json()["message"].startswith("ignored")
    assert fake.requests == []


def test_a_document_that_could_not_be_read_never_passes_as_checked(fake, start_app):
    """A README with a NUL byte, or one over max_file_bytes, is skipped: the check says so and is
    neutral, never success."""
    from tests.github.conftest import completed

    clean = "# Tiny\n\nA small model.\n"
    cases = {"binary": {"README.md": clean + "\x00 hidden: an open-source model\n"},
             "large": {"README.md": clean + "words " * 400,
                       ".github/openwashing.yml": "max_file_bytes: 1000\n"}}
    app = start_app()
    for name, files in cases.items():
        repo = f"acme-ai/{name}"
        sha = fake.add_repo(repo, files)
        app.deliver("push", push_payload(sha, repo))
        [run] = wait_for(lambda sha=sha, repo=repo: completed(fake, sha, repo))
        assert run["conclusion"] == "neutral", name
        assert run["output"]["title"].startswith("Not every file was read"), run["output"]["title"]
        assert "README.md" in run["output"]["summary"] and "skipped" in run["output"]["summary"]
    ok = fake.add_repo("acme-ai/ok", {"README.md": clean})
    app.deliver("push", push_payload(ok, "acme-ai/ok"))
    assert wait_for(lambda: completed(fake, ok, "acme-ai/ok"))[0]["conclusion"] == "success"

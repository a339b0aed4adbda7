"""Other events and payload shapes: re-runs, feature branches, truncated trees."""

from __future__ import annotations

import json

from tests.github.conftest import REPO, WEBHOOKS, completed, model_repo_files, payload, push_payload, wait_for


def test_rerun_updates_the_same_check_run(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    app.deliver("push", push_payload(sha))
    [first] = wait_for(lambda: completed(fake, sha))
    rerun = payload("check_run/rerequested.payload.json")
    rerun["check_run"]["head_sha"] = sha
    rerun["check_run"]["pull_requests"] = []
    response = app.deliver("check_run", rerun)
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "done")
    assert [r["id"] for r in fake.runs_for(REPO, sha)] == [first["id"]]
    assert len(fake.calls("POST", "/check-runs$")) == 1  # the push's run, created completed in one write
    assert len(fake.calls("PATCH", f"/check-runs/{first['id']}$")) == 1  # the re-run: one write


def test_check_suite_rerequested(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    suite = payload("check_suite/rerequested.payload.json")
    suite["check_suite"]["head_sha"] = sha
    suite["check_suite"]["pull_requests"] = []
    app.deliver("check_suite", suite)
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "failure"


def test_push_to_a_feature_branch_in_probots_older_payload_shape(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    body = json.loads((WEBHOOKS / "push/probot.feature-branch.payload.json").read_text())
    body["repository"]["full_name"] = REPO
    body["after"] = sha
    assert body["ref"] == "refs/heads/bkeepers-patch-3"
    app = start_app()
    app.deliver("push", body)
    wait_for(lambda: completed(fake, sha))


def test_truncated_tree_is_noted_in_the_summary(fake, start_app):
    fake.truncate_trees = True
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert "truncated" in run["output"]["summary"]

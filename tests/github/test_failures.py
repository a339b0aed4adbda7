"""When GitHub misbehaves: retries, rate limits, idempotent creates, neutral endings, bad config."""

from __future__ import annotations

import time

from tests.github.conftest import REPO, completed, model_repo_files, push_payload, wait_for
from tests.github.fake_github import Fault


def test_502_on_create_then_success_makes_one_check_run(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    fake.faults.append(Fault("POST", r"/check-runs$", 502, times=1))
    app = start_app()
    app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))
    assert len(fake.runs_for(REPO, sha)) == 1


def test_502_after_github_created_the_run_still_makes_one(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    original = fake._create_run

    def create_then_fail(*args, **kwargs):  # GitHub created it, but the answer was lost
        original(*args, **kwargs)
        from starlette.responses import JSONResponse
        fake._create_run = original
        return JSONResponse({"message": "Bad Gateway"}, status_code=502)

    fake._create_run = create_then_fail
    app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))
    assert len(fake.runs_for(REPO, sha)) == 1


def test_server_errors_on_reads_are_retried(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    fake.faults.append(Fault("GET", r"/git/trees/", 503, times=2))
    app = start_app()
    app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))
    assert completed(fake, sha)[0]["conclusion"] == "failure"


def test_rate_limit_waits_as_github_says_and_succeeds(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    limited = {"message": "You have exceeded a secondary rate limit."}
    fake.faults.append(Fault("POST", r"/check-runs$", 403, times=1, headers={"Retry-After": "1"}, body=limited))
    app = start_app()
    started = time.monotonic()
    app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))
    assert time.monotonic() - started >= 1.0
    assert len(fake.runs_for(REPO, sha)) == 1
    assert len(fake.calls("POST", r"/check-runs$")) == 2


def test_primary_rate_limit_waits_until_reset(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    reset = str(int(time.time()) + 1)
    limited = {"message": "API rate limit exceeded for installation ID 77."}
    fake.faults.append(Fault("GET", r"/git/trees/", 403, times=1, body=limited,
                             headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}))
    app = start_app()
    app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))


def test_a_rate_limit_wait_longer_than_the_budget_ends_the_job_with_the_reason(fake, start_app):
    """GitHub asks for an hour: the job does not sleep it; it stops within its budget and says why."""
    sha = fake.add_repo(REPO, model_repo_files())
    limited = {"message": "You have exceeded a secondary rate limit."}
    fake.faults.append(Fault("GET", r"/git/trees/", 429, times=1, headers={"Retry-After": "3600"}, body=limited))
    app = start_app(job_time_budget_seconds=20, max_rate_limit_wait_seconds=7200)
    started = time.monotonic()
    response = app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha), timeout=30)
    assert time.monotonic() - started < 20
    assert run["conclusion"] == "failure" and "3600 s" in run["output"]["summary"]
    assert app.store.state(response.json()["delivery"]) == "failed"


def test_giving_up_ends_in_a_failing_check_run_with_the_reason(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    fake.faults.append(Fault("GET", r"/git/trees/", 500, times=100))
    app = start_app(max_retries=2)
    response = app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "failure"  # never "neutral": a required check must not pass unchecked
    assert "GitHub answered 500" in run["output"]["summary"] and "could not" in run["output"]["title"]
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "failed")


def test_more_than_fifty_findings_are_all_annotated(fake, start_app):
    readme = "# A\n\n" + "\n\n".join(f"Model {i} is an open-source model." for i in range(120)) + "\n"
    sha = fake.add_repo(REPO, model_repo_files(readme))
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    wait_for(lambda: len(fake.annotations[run["id"]]) == 120)
    assert max(len(r.body["output"].get("annotations", [])) for r in fake.calls("PATCH", "/check-runs/")) == 50
    assert fake.violations == []


def test_malformed_config_completes_with_an_annotation_on_the_bad_line(fake, start_app):
    files = {**model_repo_files(), ".github/openwashing.yml": "ignore: []\nfail_on: sometimes\n"}
    sha = fake.add_repo(REPO, files)
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "failure" and "Invalid configuration" in run["output"]["title"]
    first = fake.annotations[run["id"]][0]
    assert (first["path"], first["start_line"]) == (".github/openwashing.yml", 2)
    assert "fail_on" in first["message"]


def test_organisation_config_is_the_fallback(fake, start_app):
    fake.add_repo("acme-ai/.github", {".github/openwashing.yml": "ignore: [OpenSourceClaim]\n"})
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "success"
    assert "acme-ai/.github/.github/openwashing.yml" in run["output"]["summary"]


def test_extends_merges_the_organisation_config(fake, start_app):
    fake.add_repo("acme-ai/.github", {".github/openwashing.yml": "ignore: [OpenSourceClaim]\nfail_on: warning\n"})
    files = {**model_repo_files(), ".github/openwashing.yml": "_extends: .github\nfail_on: never\n"}
    sha = fake.add_repo(REPO, files)
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    summary = run["output"]["summary"]
    assert run["conclusion"] == "success" and "(\\_extends)" in summary  # escaped Markdown


def test_repository_without_readme_gets_a_clear_summary(fake, start_app):
    sha = fake.add_repo(REPO, {"src/main.py": "print(1)\n"})
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "success" and "No README or model card" in run["output"]["summary"]


def test_organisation_config_is_revalidated_with_its_etag(fake, start_app, monkeypatch):
    monkeypatch.setattr("app.github.repository.ORG_CONFIG_TTL_SECONDS", 0)
    fake.add_repo("acme-ai/.github", {".github/openwashing.yml": "ignore: [OpenSourceClaim]\n"})
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))
    sha2 = fake.commit(REPO, {**model_repo_files(), "x.txt": "x"})
    app.deliver("push", push_payload(sha2))
    [run] = wait_for(lambda: completed(fake, sha2))
    config_calls = fake.calls("GET", r"/acme-ai/\.github/contents/")
    assert [c.status for c in config_calls] == [200, 304]
    assert run["conclusion"] == "success"


def test_process_workers_do_the_work(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app(worker_type="process", workers=2)
    response = app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "done")

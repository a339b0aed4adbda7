"""pull_request -> a review of one-click suggestions on changed lines only, never posted twice."""

from __future__ import annotations

import pytest

from tests.github.conftest import REPO, model_repo_files, payload, wait_for

BASE_README = "# Aurora-8B\n\nAurora-8B is an open-source model for chat.\n\nA second paragraph.\n"
HEAD_README = BASE_README + "\nWe open-source Aurora-8B so everyone can build on it.\n"


def pull_payload(number: int, head: str, action: str = "opened") -> dict:
    body = payload("pull_request/opened.payload.json", number=number, action=action)
    body["pull_request"]["head"]["sha"] = head
    body["pull_request"]["number"] = number
    return body


def open_pull(fake, number: int = 5, head_repo: str | None = None):
    base = fake.add_repo(REPO, model_repo_files(BASE_README))
    head = fake.commit(REPO, model_repo_files(HEAD_README))
    fake.add_pull(REPO, number, base, head, head_repo=head_repo)
    return base, head


def test_review_suggests_only_on_lines_the_pull_request_adds(fake, start_app):
    _, head = open_pull(fake)
    app = start_app()
    app.deliver("pull_request", pull_payload(5, head))
    wait_for(lambda: fake.reviews and any(r["status"] == "completed" for r in fake.runs_for(REPO, head)))
    [review] = fake.reviews
    assert review["event"] == "COMMENT" and review["commit_id"] == head
    assert "1 finding on lines this pull request does not change" in review["body"]
    [comment] = fake.review_comments
    assert (comment["path"], comment["line"], comment["side"]) == ("README.md", 7, "RIGHT")
    assert "```suggestion\nWe release the weights of Aurora-8B so everyone can build on it.\n```" in comment["body"]
    assert "<!-- openwashing:fp=" in comment["body"]
    run = fake.runs_for(REPO, head)[0]
    assert len(fake.annotations[run["id"]]) == 2  # both findings are annotated, in and out of the diff
    assert fake.violations == []


def test_a_new_push_does_not_repeat_suggestions(fake, start_app):
    base, head = open_pull(fake)
    app = start_app()
    app.deliver("pull_request", pull_payload(5, head))
    wait_for(lambda: len(fake.reviews) == 1)
    newer = fake.commit(REPO, {**model_repo_files(HEAD_README), "notes.txt": "unrelated\n"})
    fake.add_pull(REPO, 5, base, newer)
    app.deliver("pull_request", pull_payload(5, newer, "synchronize"))
    wait_for(lambda: any(r["status"] == "completed" for r in fake.runs_for(REPO, newer)))
    wait_for(lambda: app.store.counts().get("done") == 2)
    assert len(fake.reviews) == 1 and len(fake.review_comments) == 1


def test_pull_request_from_a_fork(fake, start_app):
    _, head = open_pull(fake, number=9, head_repo="someone/aurora-fork")
    app = start_app()
    app.deliver("pull_request", pull_payload(9, head))
    wait_for(lambda: len(fake.reviews) == 1)
    assert fake.runs_for(REPO, head)[0]["status"] == "completed"
    assert fake.review_comments[0]["path"] == "README.md"


def test_at_most_thirty_comments_and_the_rest_summarised(fake, start_app):
    base = fake.add_repo(REPO, model_repo_files("# A\n"))
    lines = "\n\n".join(f"Model {i} is an open-source model." for i in range(35))
    head = fake.commit(REPO, model_repo_files("# A\n\n" + lines + "\n"))
    fake.add_pull(REPO, 3, base, head)
    app = start_app()
    app.deliver("pull_request", pull_payload(3, head))
    wait_for(lambda: len(fake.reviews) == 1)
    assert len(fake.review_comments) == 30
    assert "5 more suggestions did not fit" in fake.reviews[0]["body"]


@pytest.mark.parametrize("author, reviews", [("openwashing[bot]", 1), ("mallory", 2)])
def test_only_the_apps_own_comments_can_say_a_suggestion_was_made(fake, start_app, author, reviews):
    """The store forgot what it posted: GitHub's comments decide, but a marker pasted by someone
    else does not silence the suggestion."""
    base, head = open_pull(fake)
    app = start_app()
    app.deliver("pull_request", pull_payload(5, head))
    wait_for(lambda: len(fake.reviews) == 1)
    with app.store.engine.transaction() as tx:
        tx.execute("DELETE FROM review_fingerprints")
    for comment in fake.review_comments:
        comment["user"] = {"login": author, "id": 9, "type": "Bot" if author.endswith("[bot]") else "User"}
    newer = fake.commit(REPO, {**model_repo_files(HEAD_README), "notes.txt": "unrelated\n"})
    fake.add_pull(REPO, 5, base, newer)
    app.deliver("pull_request", pull_payload(5, newer, "synchronize"))
    wait_for(lambda: app.store.counts().get("done") == 2)
    assert len(fake.reviews) == reviews


def test_a_line_too_long_for_one_comment_gets_no_suggestion_and_the_review_says_so(fake, start_app):
    long_line = "Aurora-8B is an open-source model " + "and it is fast " * 5000 + "for chat."
    base = fake.add_repo(REPO, model_repo_files("# A\n"))
    head = fake.commit(REPO, model_repo_files("# A\n\n" + long_line + "\n"))
    fake.add_pull(REPO, 4, base, head)
    app = start_app()
    app.deliver("pull_request", pull_payload(4, head))
    wait_for(lambda: len(fake.reviews) == 1)
    assert fake.review_comments == []  # nothing cut inside a fence
    assert "too long for one review comment" in fake.reviews[0]["body"]
    assert fake.violations == []

"""Slash commands end to end: permitted and refused users, fixes, conflicts, buttons, limits."""

from __future__ import annotations

from tests.github.conftest import REPO, model_repo_files, payload, wait_for

README = "# Aurora-8B\n\nAurora-8B is an open-source model for chat.\n\nWe thank the open-source community.\n"
FIXED = "# Aurora-8B\n\nAurora-8B is an open-weights model for chat.\n\nWe thank the open-source community.\n"
WRITER, READER = "maintainer-mo", "passer-by"


def comment(body: str, number: int = 1, user: str = WRITER, pull: bool = False, **issue) -> dict:
    data = payload("issue_comment/created.with-installation.payload.json")
    data["repository"]["default_branch"] = "main"
    data["comment"].update(body=body, id=5000 + number, user={"login": user, "id": 9, "type": "User"})
    data["issue"].update({"number": number, "locked": False, **issue})
    if pull:
        data["issue"]["pull_request"] = {"url": "", "html_url": "", "diff_url": "", "patch_url": "", "merged_at": None}
    else:
        data["issue"].pop("pull_request", None)
    return data


def replies(fake, number: int) -> list[str]:
    return [c["body"] for c in fake.issue_comments if c["issue"] == number]


def setup(fake):
    base = fake.add_repo(REPO, model_repo_files(README))
    fake.permissions[(REPO, WRITER)] = "write"
    fake.permissions[(REPO, READER)] = "read"
    return base


def open_pull(fake, number: int, head_repo: str | None = None):
    base = setup(fake)
    head = fake.commit(REPO, {**model_repo_files(README), "notes.md": "notes\n"})
    fake.add_pull(REPO, number, base, head, head_repo=head_repo, head_ref="feature")
    return base, head


def run(app, fake, body: dict, number: int) -> str:
    response = app.deliver("issue_comment", body)
    assert response.status_code == 202, response.text
    wait_for(lambda: app.store.state(response.json()["delivery"]) in ("done", "failed"))
    return "\n".join(replies(fake, number))


def test_help_is_open_to_everyone_and_acknowledged(fake, start_app):
    setup(fake)
    app = start_app()
    text = run(app, fake, comment("/openwashing help", user=READER), 1)
    assert "/openwashing fix" in text and text.startswith(f"@{READER}")
    assert {"comment": 5001, "content": "eyes", "repo": REPO} in fake.reactions


def test_check_on_a_pull_request(fake, start_app):
    _, head = open_pull(fake, 4)
    app = start_app()
    text = run(app, fake, comment("Please look again.\n/OpenWashing CHECK", number=4, pull=True), 4)
    assert "openness **`restricted-weights`**" in text and "1 finding" in text
    assert fake.runs_for(REPO, head)[0]["status"] == "completed"


def test_check_on_an_issue_scans_the_default_branch(fake, start_app):
    base = setup(fake)
    app = start_app()
    text = run(app, fake, comment("@openwashing check", number=2), 2)
    assert f"Checked `{base[:12]}`" in text and fake.runs_for(REPO, base)


def test_refused_users_get_a_polite_reason(fake, start_app):
    setup(fake)
    app = start_app()
    for command in ("check", "fix", "ignore FossClaim"):
        text = run(app, fake, comment(f"/openwashing {command}", number=3, user=READER), 3)
        assert f"Sorry @{READER}, `/openwashing {command.split()[0]}` needs write access" in text
    assert not fake.calls("PUT") and not fake.calls("POST", r"/pulls$") and not fake.calls("POST", "/check-runs")


def test_explain_the_verdict_and_a_licence(fake, start_app):
    setup(fake)
    app = start_app()
    text = run(app, fake, comment("/openwashing explain\n/openwashing explain llama3.1", user=READER), 1)
    assert "Openness: `restricted-weights`" in text and "Llama 2 Community License" in text
    assert "Llama 3.1 Community License Agreement" in text and "monthly-active-user cap" in text
    assert text.index("restricted-weights") < text.index("Llama 3.1")  # in the order written


def test_fix_on_a_same_repository_pull_request_commits_to_its_branch(fake, start_app):
    open_pull(fake, 6)
    app = start_app()
    text = run(app, fake, comment("/openwashing fix", number=6, pull=True), 6)
    log = fake.repos[REPO]["commit_log"]
    assert [c["branch"] for c in log] == ["feature"]  # one commit for the whole fix
    assert fake.files_at(fake.repos[REPO]["branches"]["feature"])["README.md"].decode() == FIXED
    assert "Committed the suggested wording" in text and "`feature`" in text
    assert not fake.calls("POST", r"/pulls$") and not fake.calls("PUT", r"/contents/")


def test_fix_on_a_fork_pull_request_changes_nothing_and_says_why(fake, start_app):
    open_pull(fake, 8, head_repo="someone/aurora-fork")
    app = start_app()
    text = run(app, fake, comment("/openwashing fix", number=8, pull=True), 8)
    assert not [n for n in fake.repos[REPO]["pulls"] if n > 100]
    assert not fake.calls("POST", r"/git/") and not fake.calls("PATCH", r"/git/refs")
    assert "comes from a fork" in text and "nothing was changed" in text


def test_fix_on_an_issue_opens_a_pull_request(fake, start_app):
    base = setup(fake)
    app = start_app()
    run(app, fake, comment("/openwashing fix", number=12), 12)
    [created] = [p for n, p in fake.repos[REPO]["pulls"].items() if n > 100]
    assert created["base"] == base and fake.files_at(created["head"])["README.md"].decode() == FIXED
    assert fake.repos[REPO]["branches"]["main"] == base  # the default branch itself is untouched


def test_fix_when_the_branch_moved_underneath_changes_nothing(fake, start_app):
    open_pull(fake, 6)
    moved = fake.commit(REPO, {**model_repo_files(README), "notes.md": "someone else's change\n"})
    fake.repos[REPO]["branches"]["feature"] = moved  # a push landed after the pull request was read
    app = start_app()
    text = run(app, fake, comment("/openwashing fix", number=6, pull=True), 6)
    assert "Nothing was changed" in text and "feature moved" in text
    assert fake.repos[REPO]["branches"]["feature"] == moved and not fake.calls("PUT")


def test_ignore_opens_a_pull_request_with_the_reason(fake, start_app):
    setup(fake)
    app = start_app()
    text = run(app, fake, comment("/openwashing ignore FossClaim we only say FOSS about the tooling", number=9), 9)
    [created] = [p for n, p in fake.repos[REPO]["pulls"].items() if n > 100]
    config = fake.files_at(created["head"])[".github/openwashing.yml"].decode()
    assert config == "ignore:\n  - FossClaim  # we only say FOSS about the tooling\n"
    assert "switch off `FossClaim`" in text and created["title"] == "openwashing: ignore FossClaim"


def test_ignore_an_unknown_rule(fake, start_app):
    setup(fake)
    app = start_app()
    text = run(app, fake, comment("/openwashing ignore NoSuchRule", number=9), 9)
    assert "no rule or licence called `NoSuchRule`" in text and not fake.calls("POST", r"/pulls$")


def test_the_bots_own_comments_are_ignored(fake, start_app):
    setup(fake)
    app = start_app()
    body = comment("/openwashing help")
    body["comment"]["user"] = {"login": "openwashing[bot]", "id": 2, "type": "Bot"}
    response = app.deliver("issue_comment", body)
    assert "ignored" in response.json()["message"] and fake.requests == []


def test_unknown_command_points_to_help(fake, start_app):
    setup(fake)
    app = start_app()
    text = run(app, fake, comment("/openwashing frobnicate now"), 1)
    assert "`frobnicate` is not an openwashing command. `/openwashing help` lists them." in text


def test_commands_in_code_blocks_and_quotes_are_not_run(fake, start_app):
    setup(fake)
    app = start_app()
    response = app.deliver("issue_comment", comment("> /openwashing fix\n```\n/openwashing fix\n```\n"))
    assert "ignored" in response.json()["message"]


def test_limits_too_many_commands_locked_and_huge_comments(fake, start_app):
    setup(fake)
    app = start_app()
    text = run(app, fake, comment("\n".join(["/openwashing help"] * 11)), 1)
    assert "has 11 commands" in text and "ran none" in text
    locked = app.deliver("issue_comment", comment("/openwashing help", number=2, locked=True))
    huge = app.deliver("issue_comment", comment("/openwashing help\n" + "x" * 70_000, number=3))
    assert "ignored" in locked.json()["message"] and "ignored" in huge.json()["message"]
    assert replies(fake, 2) == [] and replies(fake, 3) == []


def test_check_run_button_fixes_for_the_user_who_pressed_it(fake, start_app):
    _, head = open_pull(fake, 6)
    app = start_app()
    button = payload("check_run/requested_action.payload.json")
    button["requested_action"] = {"identifier": "fix"}
    button["sender"]["login"] = WRITER
    button["check_run"]["head_sha"] = head
    button["check_run"]["pull_requests"] = [{"number": 6, "url": "", "id": 1, "head": {}, "base": {}}]
    response = app.deliver("check_run", button)
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "done")
    assert fake.files_at(fake.repos[REPO]["branches"]["feature"])["README.md"].decode() == FIXED
    assert "Committed the suggested wording" in replies(fake, 6)[0]


def test_check_run_offers_the_fix_button_when_there_are_findings(fake, start_app):
    from tests.github.conftest import push_payload
    sha = setup(fake)
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run_] = wait_for(lambda: [r for r in fake.runs_for(REPO, sha) if r["status"] == "completed"])
    assert run_["actions"] == [{"label": "Fix wording", "description": "Commit the suggested wording",
                                "identifier": "fix"}]


def test_an_ignore_reason_cannot_reorder_text_or_mention_anyone(fake, start_app):
    setup(fake)
    app = start_app()
    hostile = "ok \u202eevil\u202c \u2066x\u2069 zero\u200bwidth \u0085 ping @octocat and @acme-ai/team"
    run(app, fake, comment(f"/openwashing ignore FossClaim {hostile}", number=9), 9)
    [created] = [p for n, p in fake.repos[REPO]["pulls"].items() if n > 100]
    config = fake.files_at(created["head"])[".github/openwashing.yml"].decode()
    [commit] = [c for c in fake.repos[REPO]["commit_log"] if c.get("path") == ".github/openwashing.yml"]
    for text in (config, commit["message"]):
        assert not any(ch in text for ch in "\u202e\u202c\u2066\u2069\u200b\u0085"), text
        assert "@octocat" not in text and "@acme-ai" not in text and "\uff20octocat" in text

"""The store behaves the same on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import time

import pytest

from app.state.records import CheckedCommit
from app.state.store import Incoming, open_store
from app.state.work import CheckRequest, InstallationChange, RepositoryChange, queued_form


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'ow.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    opened = open_store(url)
    yield opened
    opened.close()


def incoming(delivery: str, *keys: str, installation: int | None = 1, action: str | None = None) -> Incoming:
    work = [queued_form(CheckRequest("o/r", k, installation or 1, "push")) for k in keys]
    return Incoming(delivery, "push", action, installation, b"{}", work)


def test_deliveries_are_stored_once_and_jobs_coalesce(store):
    first = incoming("d1", "a" * 40)
    results = store.accept_deliveries([first, incoming("d2", "a" * 40), incoming("d1", "b" * 40)])
    assert results == [[first.work[0]["key"]], [], None]
    assert (store.state("d1"), store.state("d2")) == ("queued", "coalesced")
    assert store.delivery("d1").work == first.work


def test_one_bad_delivery_never_fails_the_others(store):
    results = store.accept_deliveries([incoming("ok-1", "a" * 40), incoming("bad", "b" * 40, action="\ud800"),
                                       incoming("ok-2", "c" * 40, installation=2 ** 70)])
    assert isinstance(results[1], Exception)
    assert store.state("ok-1") == "queued" and store.state("ok-2") == "queued" and store.state("bad") is None


def test_job_leases_expire_and_attempts_are_counted(store):
    store.accept_deliveries([incoming("d", "a" * 40)])
    assert store.start_job("d", "worker-1", lease_seconds=0.05) == 1
    assert store.expired_jobs() == []
    time.sleep(0.1)
    assert store.expired_jobs() == ["d"]
    assert store.start_job("d", "worker-2", lease_seconds=30) == 2


def test_a_renewed_job_lease_outlives_its_length_and_a_reclaim_decides_in_one_step(store):
    store.accept_deliveries([incoming("d", "a" * 40)])
    store.start_job("d", "host:1:1:a", lease_seconds=0.2)
    for _ in range(4):  # a heartbeat
        time.sleep(0.1)
        assert store.renew_job("d", "host:1:1:a", 0.2)
    assert store.expired_jobs() == [] and not store.reclaim_job("d")  # renewed: not taken back
    assert not store.reclaim_job("d", "host:2:2:b")  # only the holder named
    assert store.jobs_in_progress() == [("d", "host:1:1:a")]
    assert store.reclaim_job("d", "host:1:1:a") and store.state("d") == "queued"
    assert not store.renew_job("d", "host:1:1:a", 0.2)  # the old holder learns it lost the job
    store.start_job("d", "host:3:3:c", lease_seconds=0.05)
    time.sleep(0.1)
    assert store.reclaim_job("d") and not store.reclaim_job("d")  # once


def test_named_leases_have_one_owner_until_they_expire(store):
    assert store.try_lease("maintenance", "a", 0.2)
    assert not store.try_lease("maintenance", "b", 0.2)
    assert store.try_lease("maintenance", "a", 0.2)  # the owner renews
    time.sleep(0.25)
    assert store.try_lease("maintenance", "b", 0.2)
    store.end_lease("maintenance", "b", next_start=123.0)
    assert store.lease_next_start("maintenance") == 123.0


def test_installations_and_backfill_progress(store):
    store.apply_change(InstallationChange(7, "acme", added=("acme/a", "acme/b")))
    store.apply_change(InstallationChange(7, "acme", added=("acme/c",), removed=("acme/a",)))
    assert store.installation_repositories(7) == ["acme/b", "acme/c"]
    assert store.pending_backfill(7, 10) == ["acme/a", "acme/b", "acme/c"]
    store.finish_backfill(7, "acme/a", "done")
    assert store.pending_backfill(7, 10) == ["acme/b", "acme/c"]
    assert store.backfill_progress() == {(7, "done"): 1, (7, "pending"): 2}
    store.apply_change(InstallationChange(7, "acme", deleted=True))
    assert store.installation_repositories(7) is None and store.pending_backfill(7, 10) == []


def test_prune_keeps_what_deduplication_needs(store):
    store.accept_deliveries([incoming("old", "a" * 40), Incoming("ping", "ping", None, None, b"x" * 1000, [])])
    store.set_state("ping", "ignored")
    store.save_blob("blob", b"content")
    store.engine.query("SELECT 1")
    pruned = store.prune(keep_seconds=3600, keep_blob_seconds=3600)
    assert pruned["deliveries_removed"] == 0 and store.state("ping") == "ignored"
    pruned = store.prune(keep_seconds=-1, keep_blob_seconds=-1)
    assert pruned["deliveries_removed"] == 1 and store.state("ping") is None
    assert store.state("old") == "queued"  # unfinished work is never pruned
    assert store.blob("blob") is None


def test_migrations_run_once(store):
    reopened = open_store(store.url)
    rows = reopened.engine.query("SELECT version FROM schema_version")
    reopened.close()
    assert sorted(rows) == [(1,), (2,), (3,), (4,), (5,), (6,)]


def test_check_runs_fingerprints_and_blobs(store):
    store.remember_check_run("o/r", "s", "openwashing", 5, "success")
    store.remember_check_run("o/r", "s", "openwashing", 6, "failure")
    assert store.check_run_id("o/r", "s", "openwashing") == 6
    store.remember_fingerprints("o/r", 3, ["f1", "f2", "f1"])
    assert store.fingerprints("o/r", 3) == {"f1", "f2"}
    store.save_blob("sha", b"\x00bytes")
    assert store.blob("sha") == b"\x00bytes"


def checked(name: str, sha: str, level: str = "open-weights", private: bool | None = False) -> CheckedCommit:
    return CheckedCommit(name, 7, sha, level, "failure", f"https://github.example/{name}/runs/1", 2,
                         {"level": level}, private, "main")


def test_verdicts_are_kept_per_repository_with_their_history(store):
    store.record_check(checked("Acme/Model", "a" * 40, "restricted-weights"))
    store.record_check(checked("Acme/Model", "b" * 40, "open-weights"))
    store.record_check(checked("acme/other", "c" * 40, private=None))
    record = store.repository("acme/model")
    assert (record.full_name, record.sha, record.level, record.scorecard) == (
        "Acme/Model", "b" * 40, "open-weights", {"level": "open-weights"})
    assert [v.level for v in store.history("ACME/model")] == ["open-weights", "restricted-weights"]
    assert [r.full_name for r in store.repositories_of("ACME")] == ["Acme/Model", "acme/other"]
    assert store.repository("acme/other").public is False  # never said: counts as private


def test_privacy_names_and_removal_follow_github(store):
    store.apply_change(InstallationChange(7, "acme", added=("acme/a", "acme/b"), privacy=(("acme/a", True),)))
    store.record_check(checked("acme/a", "a" * 40, private=None))
    assert store.repository("acme/a").private is True  # the listing said so; a check without the flag keeps it
    store.apply_change(RepositoryChange("acme/a", 7, private=False, privacy_at=100.0))
    assert store.repository("acme/a").public
    store.apply_change(RepositoryChange("acme/a", 7, private=True, renamed_to="beta/a2", privacy_at=200.0))
    assert store.repository("acme/a") is None and store.repository("beta/a2").private is True
    assert [v.sha for v in store.history("beta/a2")] == ["a" * 40]
    store.apply_change(InstallationChange(7, "acme", removed=("beta/a2",)))
    assert store.repository("beta/a2") is None and store.history("beta/a2") == []
    store.record_check(checked("acme/c", "c" * 40))
    store.apply_change(InstallationChange(7, "acme", deleted=True))
    assert store.repositories_of("acme") == []


# What GitHub said of one repository's privacy, at GitHub's time: a push while it was public, the
# repository made private, a check whose job read it while public, made public again, a check that
# read it private. Deliveries and jobs finish in any order.
PRIVACY_FACTS = {
    "push while public": ("push", False, 100.0),
    "privatized": ("change", True, 200.0),
    "check read it public": ("check", False, 150.0),
    "publicized": ("change", False, 300.0),
    "check read it private": ("check", True, 250.0),
}


def _say(store, kind: str, private: bool, at: float | None) -> None:
    if kind == "change":
        store.apply_change(RepositoryChange("acme/m", 7, private=private, privacy_at=at))
    elif kind == "push":
        store.note_repository("acme/m", 7, private, "main", at)
    else:
        store.record_check(CheckedCommit("acme/m", 7, "a" * 40, "open-weights", "failure", "https://x/runs/1", 0,
                                         {}, private, "main", at))


@pytest.mark.parametrize("facts", [("push while public", "privatized", "check read it public"),
                                   ("push while public", "privatized", "check read it public", "publicized",
                                    "check read it private")])
def test_privacy_is_the_newest_fact_whatever_order_it_arrives_in(store, facts):
    newest = max(facts, key=lambda f: PRIVACY_FACTS[f][2])
    for order in itertools.permutations(facts):
        store.apply_change(InstallationChange(7, "acme", removed=("acme/m",)))
        for fact in order:
            _say(store, *PRIVACY_FACTS[fact])
        assert store.repository("acme/m").private is PRIVACY_FACTS[newest][1], order


def test_a_fact_without_a_time_may_only_make_a_repository_private(store):
    store.note_repository("acme/m", 7, False, "main", 100.0)
    store.note_repository("acme/m", 7, False)  # an installation listing: no time
    assert store.repository("acme/m").public
    store.note_repository("acme/m", 7, True)
    assert store.repository("acme/m").private is True
    store.note_repository("acme/m", 7, False, None, 100.0)  # a replay of the old public fact
    assert store.repository("acme/m").private is True
    store.note_repository("acme/m", 7, True, None, 400.0)
    store.note_repository("acme/m", 7, False, None, 400.0)  # a tie: private wins
    assert store.repository("acme/m").private is True
    store.note_repository("acme/m", 7, False, None, 401.0)
    assert store.repository("acme/m").public


def test_sessions_expire_and_keep_their_access(store):
    store.save_session("k1", "octocat", "token", time.time() + 60)
    store.save_access("k1", {"acme": ["acme/a"]})
    session = store.session("k1")
    assert (session.login, session.access) == ("octocat", {"acme": ["acme/a"]})
    store.save_session("k2", "old", "token", time.time() - 1)
    assert store.session("k2") is None
    store.end_session("k1")
    assert store.session("k1") is None


def test_hub_pages_are_kept_by_key_and_pruned_when_unused(store):
    from app.jobs.hub import StoreHubCache

    cache = StoreHubCache(store)
    assert cache.get("model:acme/acme-7b@abc") is None
    cache.put("model:acme/acme-7b@abc", {"sha": "abc", "web": "https://hub.example", "card_data": {"license": "mit"}})
    cache.put("model:acme/acme-7b@abc", {"sha": "abc", "web": "https://hub.example", "card_data": {"license": "mit"}})
    assert cache.get("model:acme/acme-7b@abc")["card_data"] == {"license": "mit"}
    store.prune(keep_seconds=-1, keep_blob_seconds=-1)
    assert cache.get("model:acme/acme-7b@abc") is None


def test_github_time_reads_both_ways_github_writes_a_repository_time():
    from app.state.work import github_time

    push_style = {"updated_at": "2019-05-15T15:20:41Z", "pushed_at": 1557933657}  # push payloads: seconds
    assert github_time(push_style) == 1557933657.0  # the newer of the two
    assert github_time({"updated_at": "2019-05-15T15:20:41Z"}) == 1557933641.0
    assert github_time({"updated_at": "yesterday", "pushed_at": True}) is None
    assert github_time({}) is None

"""Turns per installation: one job at a time, a pause between jobs, and a dead holder's turn lapses."""

from __future__ import annotations

import time

import pytest

from app.state.store import open_store
from app.state.turns import FileTurns, RedisTurns, StoreTurns, Turn
from tests.conftest import REDIS_URL


@pytest.fixture
def turns_factory(request, tmp_path):
    opened = []

    def make(kind: str, interval: float, lease: float = 5.0):
        if kind == "files":
            return FileTurns(str(tmp_path / "locks"), interval)
        if kind == "store":
            url = request.getfixturevalue("pg_url")
            store = open_store(url)
            opened.append(store)
            return StoreTurns(store, interval, lease)
        import redis
        return RedisTurns(redis.Redis.from_url(REDIS_URL), request.getfixturevalue("redis_prefix"), interval, lease)

    yield make
    for store in opened:
        store.close()


@pytest.mark.parametrize("kind", ["files", "store", "redis"])
def test_one_job_at_a_time_and_the_pause_between_jobs(turns_factory, kind):
    turns = turns_factory(kind, interval=0.3)
    first = turns.take(7)
    assert isinstance(first, Turn)
    assert not isinstance(turns.take(7), Turn)  # busy: the caller is told to come back
    assert isinstance(turns.take(8), Turn)  # another installation is not held up
    turns.give_back(first)
    wait = turns.take(7)
    assert isinstance(wait, float) and 0 < wait <= 0.3  # the pause after the last job's writes
    time.sleep(wait + 0.02)
    assert isinstance(turns.take(7), Turn)


@pytest.mark.parametrize("kind", ["store", "redis"])  # lock files: the kernel releases them (below)
def test_the_turn_of_a_holder_that_died_lapses(turns_factory, kind):
    turns = turns_factory(kind, interval=0.0, lease=0.2)
    assert isinstance(turns.take(9), Turn)  # and never given back
    assert not isinstance(turns.take(9), Turn)
    time.sleep(0.25)
    assert isinstance(turns.take(9), Turn)


def test_lock_files_follow_processes(tmp_path):
    import multiprocessing
    import os

    def hold(folder):
        turns = FileTurns(folder, 0.0)
        turns.take(3)
        os._exit(0)  # dies without giving the turn back

    child = multiprocessing.get_context("fork").Process(target=hold, args=(str(tmp_path),))
    child.start()
    child.join()
    assert isinstance(FileTurns(str(tmp_path), 0.0).take(3), Turn)


def test_a_job_ending_while_another_takes_its_turn_still_imposes_the_pause(turns_factory, pg_url):
    """The race the e2e test found: the next start was read before the lease was taken, so a job
    ending in between let the next one write at once."""
    turns = turns_factory("store", interval=0.3)
    holder = turns.take(11)
    assert isinstance(holder, Turn)
    taking = turns.store.try_lease

    def holder_ends_first(*args, **kwargs):
        turns.give_back(holder)  # the holder finishes just as the next job asks
        return taking(*args, **kwargs)

    turns.store.try_lease = holder_ends_first
    wait = turns.take(11)
    assert isinstance(wait, float) and 0 < wait <= 0.3


@pytest.mark.parametrize("kind", ["store", "redis"])
def test_a_renewed_turn_is_kept_and_a_taken_over_one_is_not_fought_for(turns_factory, kind):
    turns = turns_factory(kind, interval=0.0, lease=0.2)
    held = turns.take(12, "host-a:1:1:x")
    for _ in range(4):  # twice the lease, renewed
        time.sleep(0.1)
        assert turns.renew(held)
    assert not isinstance(turns.take(12, "host-b:2:2:y"), Turn)
    time.sleep(0.25)  # the holder stops renewing: its turn lapses and someone else takes it
    other = turns.take(12, "host-b:2:2:y")
    assert isinstance(other, Turn) and not turns.renew(held)


@pytest.mark.parametrize("kind", ["store", "redis"])
def test_the_turns_of_dead_holders_are_given_back_at_once(turns_factory, kind):
    turns = turns_factory(kind, interval=0.0, lease=30.0)
    dead, alive = turns.take(13, "host-a:1:1:dead"), turns.take(14, "host-a:2:2:alive")
    assert isinstance(dead, Turn) and isinstance(alive, Turn)
    assert turns.release_dead(lambda holder: holder.endswith("dead")) == 1
    assert isinstance(turns.take(13, "host-a:3:3:new"), Turn)  # no 30-second wait
    assert not isinstance(turns.take(14, "host-a:3:3:new"), Turn)

"""The throttling counters in the database: fixed windows, shared by every worker, expiring."""

from __future__ import annotations

import threading

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select

from scheduler.store import RateLimitRow
from scheduler.store.ratelimits import DatabaseStorage

START = 1_800_000_000.0  # seconds since the epoch


class Seconds:
    """A clock the test moves: seconds since the epoch."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def storage(engine, seconds) -> DatabaseStorage:
    return storage_from_string("rota+db://", engine=engine, clock=seconds)


def test_the_scheme_builds_a_database_storage_and_needs_an_engine(storage):
    assert isinstance(storage, DatabaseStorage) and storage.check()
    with pytest.raises(ValueError, match="needs engine"):
        storage_from_string("rota+db://")


def test_hits_count_within_the_window_and_start_again_after_it(storage, seconds):
    assert storage.incr("k", 900) == 1
    seconds.now += 100
    assert storage.incr("k", 900, amount=2) == 3
    assert storage.get("k") == 3
    assert storage.get_expiry("k") == START + 900  # the window runs from the first hit
    seconds.now = START + 900
    assert storage.get("k") == 0 and storage.get_expiry("k") == seconds.now
    assert storage.incr("k", 900) == 1  # a new window
    assert storage.get_expiry("k") == START + 1800


def test_two_storages_on_one_database_share_the_count(engine, seconds):
    first = storage_from_string("rota+db://", engine=engine, clock=seconds)
    second = storage_from_string("rota+db://", engine=engine, clock=seconds)
    limiter_a, limiter_b = FixedWindowRateLimiter(first), FixedWindowRateLimiter(second)
    five = parse("5/15 minutes")
    for limiter in (limiter_a, limiter_b, limiter_a, limiter_b, limiter_a):
        assert limiter.hit(five, "ana")
    assert not limiter_b.hit(five, "ana")
    assert not limiter_a.test(five, "ana")
    assert limiter_a.test(five, "ben")  # another key has its own count


def test_concurrent_hits_are_never_lost(engine):
    storages = [storage_from_string("rota+db://", engine=engine) for _ in range(4)]

    def hammer(storage):
        for _ in range(10):
            storage.incr("shared", 900)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in storages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert storages[0].get("shared") == 40


def test_long_keys_fit_and_stay_apart(storage):
    one, other = "a" * 300 + "1", "a" * 300 + "2"
    assert storage.incr(one, 60) == 1
    assert storage.incr(other, 60) == 1
    assert storage.incr(one, 60) == 2


def test_expired_counters_are_purged_and_clear_and_reset_forget(storage, seconds, engine):
    storage.incr("old", 60)
    storage.incr("gone", 60)
    seconds.now += 61
    storage.incr("fresh", 60)
    with engine.connect() as connection:
        keys = connection.scalars(select(RateLimitRow.key)).all()
    assert keys == ["fresh"]
    storage.clear("fresh")
    assert storage.get("fresh") == 0
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.reset() == 2
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(RateLimitRow)) == 0

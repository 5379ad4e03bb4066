"""Sign-in throttling: failures per account and per address, shared by every worker, expiring."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support.app import make_app
from support.web_support import give_csrf
from support.world import PASSWORD

from scheduler.store import RateLimitRow
from web import create_app

ACCOUNT_LOCKED = "Too many sign-in attempts for this account. Try again in"
ADDRESS_LOCKED = "Too many sign-in attempts from your address. Try again in"


def sign_in(client, username: str, password: str = PASSWORD, address: str = "192.0.2.1"):
    """POST the sign-in form from `address`; return the response."""
    token = give_csrf(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_forty_wrong_passwords_then_the_right_one_is_refused(client):
    answers = [sign_in(client, "ana", "wrong-one").status_code for _ in range(40)]
    assert answers == [401] * 5 + [429] * 35
    response = sign_in(client, "ana")
    assert response.status_code == 429
    assert f"{ACCOUNT_LOCKED} 15 minutes." in response.text
    assert 'name="username" value="ana"' in response.text  # what they typed stays
    assert int(response.headers["Retry-After"]) == 15 * 60
    assert client.get("/").status_code == 302  # not signed in


def test_the_account_is_the_username_case_folded(client):
    for name in ("ANA", "Ana", " ana", "anA", "ana"):
        assert sign_in(client, name, "wrong-one").status_code == 401
    assert sign_in(client, "ana").status_code == 429


def test_a_locked_account_does_not_lock_others_or_other_addresses_out(client):
    for _ in range(5):
        sign_in(client, "ana", "wrong-one")
    assert sign_in(client, "ben").status_code == 302
    assert sign_in(client, "ana", address="198.51.100.7").status_code == 429  # the account's


def test_only_failures_count(client):
    for _ in range(4):
        assert sign_in(client, "ana", "wrong-one").status_code == 401
    for _ in range(30):  # successes are never slowed, by account or by address
        assert sign_in(client, "ana").status_code == 302
    assert sign_in(client, "ana", "wrong-one").status_code == 401  # the 5th failure
    assert sign_in(client, "ana").status_code == 429


def test_failures_from_one_address_lock_that_address_out(client):
    for n in range(20):
        assert sign_in(client, f"guess{n}", "wrong-one").status_code == 401
    response = sign_in(client, "ben")
    assert response.status_code == 429 and f"{ADDRESS_LOCKED} 15 minutes." in response.text
    assert sign_in(client, "ben", address="198.51.100.7").status_code == 302


def test_the_lockout_ends_with_its_window(client, clock):
    for _ in range(5):
        sign_in(client, "ana", "wrong-one")
    clock.now += timedelta(minutes=9, seconds=30)
    response = sign_in(client, "ana")
    assert response.status_code == 429 and f"{ACCOUNT_LOCKED} 6 minutes." in response.text
    clock.now += timedelta(minutes=5, seconds=29)
    assert f"{ACCOUNT_LOCKED} 1 minute." in sign_in(client, "ana").text
    clock.now += timedelta(seconds=1)
    assert sign_in(client, "ana").status_code == 302


def test_two_workers_on_one_database_share_the_count(engine, world, clock, tmp_path, sessions):
    first = make_app(engine, clock, tmp_path / "jobs1").test_client()
    second = make_app(engine, clock, tmp_path / "jobs2").test_client()
    for client in (first, second, first, second, first):
        assert sign_in(client, "ana", "wrong-one").status_code == 401
    assert sign_in(second, "ana").status_code == 429
    assert sign_in(first, "ana").status_code == 429
    with sessions() as session:  # the counts are in the database, not in either process
        keys = session.scalars(select(RateLimitRow.key)).all()
    assert len(keys) == 2  # the account's and the address's
    assert not any("ana" in key for key in keys)  # what was typed as a username is not kept


def test_the_limits_are_configurable(engine, world, clock, tmp_path):
    strict = make_app(
        engine,
        clock,
        tmp_path / "jobs",
        LOGIN_LIMIT_ACCOUNT="2 per minute",
        LOGIN_LIMIT_ADDRESS="100 per hour",
    ).test_client()
    assert [sign_in(strict, "ana", "wrong-one").status_code for _ in range(3)] == [401, 401, 429]
    clock.now += timedelta(minutes=1)
    assert sign_in(strict, "ana").status_code == 302


@pytest.mark.parametrize("variable", ["ROTA_LOGIN_LIMIT_ACCOUNT", "ROTA_LOGIN_LIMIT_ADDRESS"])
def test_a_limit_that_is_no_rate_is_refused_at_start(engine, monkeypatch, variable):
    monkeypatch.setenv(variable, "5 per fortnight")
    with pytest.raises(ValueError, match=f"{variable}: '5 per fortnight' is not a rate limit"):
        create_app({"ENGINE": engine, "MIGRATE": False, "SECRET_KEY": "test"})


def test_behind_a_proxy_the_forwarded_address_counts(engine, world, clock, tmp_path):
    proxied = make_app(engine, clock, tmp_path / "jobs", PROXY_HOPS=1).test_client()

    def via_proxy(client_address: str, username: str, password: str = PASSWORD):
        token = give_csrf(proxied)
        return proxied.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            headers={"X-Forwarded-For": client_address},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the proxy
        )

    for n in range(20):
        assert via_proxy("203.0.113.9", f"guess{n}", "wrong-one").status_code == 401
    assert via_proxy("203.0.113.9", "ben").status_code == 429
    assert via_proxy("203.0.113.10", "ben").status_code == 302  # another client


def test_only_sign_in_posts_are_throttled(client):
    for _ in range(5):
        sign_in(client, "ana", "wrong-one")
    assert client.get("/login").status_code == 200  # the form still shows
    assert sign_in(client, "ben").status_code == 302
    assert client.get("/").status_code == 200  # signed in as ben, pages unaffected


@pytest.fixture
def redis_url(tmp_path):
    """Start a throwaway Redis on a Unix socket (skip when redis-server is not installed)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    socket = tmp_path / "redis.sock"
    process = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if socket.exists():
                break
            time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis+unix://{socket}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_a_redis_url_two_workers_share_the_count_in_redis(
    engine, world, clock, tmp_path, sessions, monkeypatch, redis_url
):
    from limits.storage import RedisStorage

    monkeypatch.setenv("ROTA_REDIS_URL", redis_url)
    first, second = (make_app(engine, clock, tmp_path / f"jobs{n}") for n in (1, 2))
    assert isinstance(first.extensions["rota.limiter"].storage, RedisStorage)
    for client in (first.test_client(), second.test_client()) * 2 + (first.test_client(),):
        assert sign_in(client, "ana", "wrong-one").status_code == 401
    response = sign_in(second.test_client(), "ana")
    assert response.status_code == 429 and ACCOUNT_LOCKED in response.text
    with sessions() as session:  # nothing counted in the database
        assert session.scalar(select(func.count()).select_from(RateLimitRow)) == 0

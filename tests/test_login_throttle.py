"""Login throttling under parallel requests, per account and address (issue 6, point 3).

The subject is concurrency, so the guesses go to a real uvicorn server from many threads
at once, from distinct loopback source addresses (127.0.0.x), with the counters in memory
and in Redis.
"""

import threading
from collections.abc import Iterator
from typing import Literal

import httpx
import pytest
import redis
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.accounts import security, throttle
from app.core.config import settings
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    code_at,
    free_step,
    post_code,
    wait_for_step,
)
from tests.support.servers import app_env, free_port, serving, uvicorn_command

OWNER = BASE_USERS["caseworker"][0]
PROXY = "127.0.0.3"  # the one proxy the server trusts
PER_ADDRESS = 12
REDIS = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="module", params=["memory", "redis"])
def server(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[str]:
    """The app under uvicorn, trusting one proxy, counters in memory or in Redis."""
    url = "memory://" if request.param == "memory" else REDIS
    if request.param == "redis":
        throttle._limiter(url).storage.reset()
    env = app_env(
        SPARRING_DATABASE_URL=sqlite_url,
        SPARRING_TRUSTED_PROXIES=PROXY,
        SPARRING_RATE_LIMIT_URL=url,
        SPARRING_LOGIN_MAX_FAILURES_PER_ADDRESS=str(PER_ADDRESS),
    )
    port = free_port()
    with serving(
        env, port=port, command=uvicorn_command(port, "--limit-concurrency", "200")
    ) as base:
        yield base
    if request.param == "redis":
        throttle._limiter(url).storage.reset()


def browser(base: str, source: str) -> httpx.Client:
    """A client whose connections come from `source`, with the login form's CSRF token."""
    client = httpx.Client(
        base_url=base,
        transport=httpx.HTTPTransport(local_address=source),
        headers={"Origin": base},
        timeout=120,
    )
    client.get("/login").raise_for_status()
    return client


def attempt(client: httpx.Client, email: str, password: str, **headers: str) -> httpx.Response:
    token = client.cookies.get("vs_csrf") or ""
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


def parallel_guesses(base: str, source: str, email: str, count: int = 30) -> list[int]:
    """`count` wrong passwords sent at the same moment from separate connections."""
    clients = [browser(base, source) for _ in range(count)]
    start = threading.Barrier(count)
    statuses: list[int] = []

    def guess(client: httpx.Client, n: int) -> None:
        start.wait()
        statuses.append(attempt(client, email, f"wrong guess number {n}").status_code)

    threads = [threading.Thread(target=guess, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return statuses


def test_parallel_guesses_are_counted_and_the_owner_still_gets_in(
    sqlite_db: str, server: str, request: pytest.FixtureRequest
) -> None:
    statuses = parallel_guesses(server, "127.0.0.2", OWNER)
    limit = settings.login_max_failures
    assert sorted(set(statuses)) == [401, 429], statuses
    assert statuses.count(401) <= limit and len(statuses) == 30
    print(f"30 parallel wrong passwords: {statuses.count(401)} checked, {statuses.count(429)} 429")
    # The attacker's address is locked for this account, even with the right password...
    attacker = browser(server, "127.0.0.2")
    assert attempt(attacker, OWNER, PASSWORD).status_code == 429
    # ...while the owner, at their own machine, logs in.
    owner = browser(server, "127.0.0.4")
    assert attempt(owner, OWNER, PASSWORD).status_code == 303
    assert (
        post_code(owner, code_at(OWNER, free_step(OWNER) or wait_for_step(OWNER))).status_code
        == 303
    )
    assert owner.get("/api/v1/me").json()["email"] == OWNER
    if "redis" in request.node.name:  # the counters really are in Redis
        keys = redis.Redis.from_url(REDIS).keys("videosparring-login*127.0.0.2*")
        assert keys, "no counters in Redis"


def test_an_unknown_email_is_locked_out_exactly_like_a_known_one(
    sqlite_db: str, server: str
) -> None:
    known = parallel_guesses(server, "127.0.0.7", OWNER, count=10)
    unknown = parallel_guesses(server, "127.0.0.8", "nobody@kommune.test", count=10)
    assert sorted(known) == sorted(unknown)
    a, b = browser(server, "127.0.0.7"), browser(server, "127.0.0.8")
    locked_known = attempt(a, OWNER, "again")
    locked_unknown = attempt(b, "nobody@kommune.test", "again")
    assert locked_known.status_code == locked_unknown.status_code == 429
    assert locked_known.text.replace(OWNER, "E") == locked_unknown.text.replace(
        "nobody@kommune.test", "E"
    ).replace(b.cookies.get("vs_csrf") or "-", a.cookies.get("vs_csrf") or "-")


def test_one_address_guessing_many_accounts_is_stopped(sqlite_db: str, server: str) -> None:
    client = browser(server, "127.0.0.9")
    statuses = [attempt(client, f"person{n}@kommune.test", "guess").status_code for n in range(20)]
    assert statuses == [401] * PER_ADDRESS + [429] * (20 - PER_ADDRESS)
    # The owner elsewhere is untouched.
    assert attempt(browser(server, "127.0.0.10"), OWNER, PASSWORD).status_code == 303


def test_forwarded_for_counts_only_from_the_trusted_proxy(sqlite_db: str, server: str) -> None:
    # From an address that is no proxy, a new X-Forwarded-For per guess changes nothing.
    direct = browser(server, "127.0.0.11")
    statuses = [
        attempt(direct, OWNER, "guess", **{"X-Forwarded-For": f"10.0.0.{n}"}).status_code
        for n in range(settings.login_max_failures + 1)
    ]
    assert statuses[-1] == 429
    # Through the trusted proxy, each client is itself: one is locked, the other gets in.
    proxy = browser(server, PROXY)
    for _ in range(settings.login_max_failures):
        attempt(proxy, OWNER, "guess", **{"X-Forwarded-For": "198.51.100.7"})
    assert attempt(proxy, OWNER, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    owner = attempt(proxy, OWNER, PASSWORD, **{"X-Forwarded-For": "198.51.100.8"})
    assert owner.status_code == 303


def scope_request(peer: str, forwarded: list[str]) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_client_address_reads_forwarded_for_only_from_named_proxies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "trusted_proxies", "")
    assert throttle.client_address(scope_request("127.0.0.1", ["1.2.3.4"])) == "127.0.0.1"
    monkeypatch.setattr(settings, "trusted_proxies", "127.0.0.1, 10.0.0.0/8")
    # The nearest address that is not one of ours; what the client wrote further left is not read.
    request = scope_request("127.0.0.1", ["6.6.6.6, 203.0.113.5", "10.1.2.3"])
    assert throttle.client_address(request) == "203.0.113.5"
    assert throttle.client_address(scope_request("192.0.2.1", ["1.2.3.4"])) == "192.0.2.1"


def test_unknown_email_costs_the_same_argon2_work(
    sqlite_db: str, anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(security, "_hasher", Counting())
    answers = []
    for email in (OWNER, "nobody@kommune.test"):
        anonymous.get("/login")
        token = anonymous.cookies.get("vs_csrf")
        response = anonymous.post(
            "/login",
            data={"email": email, "password": "not it at all", "csrf_token": token},
            follow_redirects=False,
        )
        answers.append((response.status_code, response.text.replace(email, "E")))
    assert answers[0] == answers[1] and answers[0][0] == 401
    assert len(verified) == 2 and all(h.startswith("$argon2id$") for h in verified)


def test_serve_trusts_proxy_headers_only_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from app.cli import main as cli

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(settings, "trusted_proxies", "")
    cli(["serve"])
    monkeypatch.setattr(settings, "trusted_proxies", "10.0.0.5, 10.1.0.0/16")
    cli(["serve"])
    assert calls[0]["proxy_headers"] is False and calls[0]["forwarded_allow_ips"] == ""
    assert calls[1]["proxy_headers"] is True
    assert calls[1]["forwarded_allow_ips"] == "10.0.0.5,10.1.0.0/16"


def test_logins_go_on_and_are_still_counted_while_redis_is_away(
    sqlite_db: str, anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "rate_limit_url", f"redis://127.0.0.1:{free_port()}/0")

    def post(password: str) -> int:
        anonymous.get("/login")
        token = anonymous.cookies.get("vs_csrf")
        data = {"email": OWNER, "password": password, "csrf_token": token}
        return anonymous.post("/login", data=data, follow_redirects=False).status_code

    assert post(PASSWORD) == 303
    anonymous.cookies.clear()
    statuses = [post("wrong guess") for _ in range(settings.login_max_failures + 1)]
    assert statuses == [401] * settings.login_max_failures + [429]


def test_a_malformed_trusted_proxy_is_refused_at_start() -> None:
    """A typo in the setting stops the start with a message, not every login with a 500."""
    from pydantic import ValidationError

    from app.core.config import Settings

    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies="10.0.0.1, proxy.kommune.local")
    assert Settings(trusted_proxies="10.0.0.1, 192.168.0.0/24").trusted_proxies

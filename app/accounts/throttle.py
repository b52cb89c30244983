"""Login throttling: who the client is, and atomic counters of failed logins.

Every login attempt takes one unit from two limits *before* its password is checked: one
for the account and client address together, one for the address overall. Taking is the
limiter's atomic increment (a lock in memory, INCR in Redis), so thirty parallel guesses
cannot all pass a check that none of them has counted yet; at most the limit reach the
password check. A successful login gives its units back. The account is keyed by the
e-mail as typed (normalised), whether or not it exists, so an unknown address is locked
out exactly like a known one. Locking per address, not per account, means a guesser
cannot lock the owner out of their own machine.
"""

import logging
import threading

from fastapi import Request
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.core.config import Settings, settings
from app.core.errors import TooManyAttempts
from app.core.i18n import N_plural
from app.core.proxies import is_trusted_proxy

log = logging.getLogger(__name__)


def storage_url(config: Settings = settings) -> str:
    """The configured counter storage: memory in the embedded default, Redis at scale."""
    if config.rate_limit_url:
        return config.rate_limit_url
    if config.queue_url.startswith(("redis://", "rediss://")):
        return config.queue_url
    return "memory://"


_made: dict[str, FixedWindowRateLimiter] = {}
_making = threading.Lock()


def _limiter(url: str) -> FixedWindowRateLimiter:
    # One at a time: the first logins arrive in parallel, and a storage made while another
    # thread is still importing its client library finds that library half there.
    with _making:
        if url not in _made:
            options: dict[str, float | str | bool] = {}
            if url.startswith("redis"):
                options = {"key_prefix": "videosparring-login", "wrap_exceptions": True}
            _made[url] = FixedWindowRateLimiter(storage_from_string(url, **options))
        return _made[url]


def limiter() -> FixedWindowRateLimiter:
    return _limiter(storage_url())


def reset(url: str | None = None) -> None:
    """Forget every counter (tests; an operator after a false alarm)."""
    _limiter(url or storage_url()).storage.reset()


def _limits() -> tuple[RateLimitItem, RateLimitItem]:
    minutes = settings.login_lockout_minutes
    return (
        RateLimitItemPerMinute(settings.login_max_failures, minutes, namespace="acct"),
        RateLimitItemPerMinute(settings.login_max_failures_per_address, minutes, namespace="addr"),
    )


def _generation_key(account: str) -> str:
    return f"videosparring-unlock/{account}"


def _generation(counters: FixedWindowRateLimiter, account: str) -> str:
    """The account's counters since its last unlock: an unlock starts a new generation, so
    the counters of every address at once are left behind (they expire on their own)."""
    return str(counters.storage.get(_generation_key(account)))


def take_attempt(*, account: str, address: str) -> bool:
    """Count one attempt on both limits; False (and nothing to check) when either is spent."""
    per_account, per_address = _limits()
    try:
        return _take(limiter(), per_account, per_address, account, address)
    except StorageError:
        # Redis is away: this process counts alone until it is back, rather than failing
        # every login or letting guesses through uncounted.
        log.warning("login limiter storage unreachable; counting in this process for now")
        return _take(_limiter("memory://"), per_account, per_address, account, address)


def take_or_refuse(*, account: str, address: str) -> None:
    """`take_attempt`, or TooManyAttempts (429) saying how long to wait."""
    if not take_attempt(account=account, address=address):
        raise TooManyAttempts(
            N_plural(
                "Too many failed attempts. Try again in %(num)d minute.",
                "Too many failed attempts. Try again in %(num)d minutes.",
            ),
            code="account.locked",
            num=settings.login_lockout_minutes,
        )


def unlock(*, account: str) -> None:
    """An administrator lets the person try again now: the account's failed logins, from
    every address, no longer count. An address that guessed at many accounts stays locked."""
    # The generation outlives every counter it leaves behind (one lock-out window).
    expiry = int(settings.login_lockout_minutes * 60 * 2)
    url = storage_url()
    try:
        _limiter(url).storage.incr(_generation_key(account), expiry)
    except StorageError:
        log.warning("login limiter storage unreachable; unlocking in this process only")
    if url != "memory://":  # what this process counted alone while Redis was away
        _limiter("memory://").storage.incr(_generation_key(account), expiry)


def _take(
    counters: FixedWindowRateLimiter,
    per_account: RateLimitItem,
    per_address: RateLimitItem,
    account: str,
    address: str,
) -> bool:
    ok_account = counters.hit(per_account, account, _generation(counters, account), address)
    ok_address = counters.hit(per_address, address)
    return ok_account and ok_address


def give_back(*, account: str, address: str) -> None:
    """A successful login was no guess: its account counter starts again, the address's unit
    is returned."""
    per_account, per_address = _limits()
    try:
        _give(limiter(), per_account, per_address, account, address)
    except StorageError:
        _give(_limiter("memory://"), per_account, per_address, account, address)


def _give(
    counters: FixedWindowRateLimiter,
    per_account: RateLimitItem,
    per_address: RateLimitItem,
    account: str,
    address: str,
) -> None:
    counters.clear(per_account, account, _generation(counters, account), address)
    counters.hit(per_address, address, cost=-1)


def client_address(request: Request) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not one of ours (what a client writes there itself
    is further left and never read)."""
    peer = request.client.host if request.client else "unknown"
    if not is_trusted_proxy(peer):
        return peer
    forwarded = [
        part.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for part in header.split(",")
        if part.strip()
    ]
    for hop in reversed(forwarded):
        if not is_trusted_proxy(hop):
            return hop[:64]
    return peer

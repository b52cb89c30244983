"""The second factor: an authenticator app's codes (TOTP, RFC 6238) and one-time recovery
codes, set up at the first login.

Whoever holds an account's password is not yet the person: an administrator can set one
through a reset link. So every role that sees content needs the code of the person's own
authenticator as well, and a password reset never touches it. The TOTP secret is stored
encrypted with a key derived from the server secret (a copy of the database alone does not
give codes); recovery codes are stored as keyed hashes. A code works once: the last time
step accepted is kept, and a single conditional UPDATE claims a newer one, so two parallel
logins with the same code cannot both pass.
"""

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app.accounts import throttle
from app.accounts.models import RecoveryCode, Role, User
from app.core.config import settings
from app.core.errors import BadInput, NotAuthenticated
from app.core.i18n import N_
from app.core.secrets import derived_key
from app.core.timeutil import utcnow

ISSUER = "Videosparring"
STEP_SECONDS = 30
# Codes of the step before and after the server's are accepted: phones' clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODES = 10


class BadCode(NotAuthenticated):
    """A wrong, used or expired code."""


def required(user: User, *, demo_mode: bool) -> bool:
    """Whether this person's login needs a second factor. Every role that sees content
    does; a leader only where the setting says so (or once they have set one up); demo
    accounts not while the installation is in demo mode."""
    if user.totp_enrolled_at is not None:
        return True
    if demo_mode and user.demo:
        return False
    return not (user.role == Role.leader and settings.second_factor_optional_for_leaders)


def enrolled(user: User) -> bool:
    return user.totp_enrolled_at is not None


# The secret at rest ----------------------------------------------------------------------


def _keystream(user_id: int, nonce: bytes, length: int) -> bytes:
    key = derived_key("totp-secret")
    out = b""
    block = 0
    while len(out) < length:
        out += hmac.new(key, f"{user_id}:".encode() + nonce + bytes([block]), "sha256").digest()
        block += 1
    return out[:length]


def _seal(user_id: int, secret: str) -> str:
    """The base32 secret encrypted for this user (a fresh nonce each time)."""
    raw = base64.b32decode(secret)
    nonce = secrets.token_bytes(16)
    sealed = bytes(a ^ b for a, b in zip(raw, _keystream(user_id, nonce, len(raw)), strict=True))
    return "v1:" + base64.b64encode(nonce + sealed).decode()


def _unseal(user_id: int, stored: str) -> str:
    data = base64.b64decode(stored.removeprefix("v1:"))
    nonce, sealed = data[:16], data[16:]
    raw = bytes(a ^ b for a, b in zip(sealed, _keystream(user_id, nonce, len(sealed)), strict=True))
    return base64.b32encode(raw).decode()


# Setting up ------------------------------------------------------------------------------


def pending_secret(*, session: Session, user: User) -> str:
    """The secret the person is setting up (made once, kept until they confirm it)."""
    assert user.id is not None and user.totp_enrolled_at is None
    if user.totp_secret is None:
        user.totp_secret = _seal(user.id, pyotp.random_base32())
        session.add(user)
        session.flush()
    return _unseal(user.id, user.totp_secret)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """The QR code as an inline SVG, made here: no outside service sees the secret."""
    qr = segno.make(uri, error="m")
    # A viewBox without a fixed size: the page's CSS sizes it (app.css, .qr svg).
    return str(qr.svg_inline(omitsize=True, dark="#000", light="#fff", title="QR"))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(*, session: Session, user: User, code: str, address: str) -> list[str]:
    """The person typed a code from their new authenticator: it is set up. Returns the
    recovery codes, shown this once."""
    assert user.id is not None
    if user.totp_enrolled_at is not None or user.totp_secret is None:
        raise BadInput(
            N_("The second factor is already set up. Log in again."),
            code="second_factor.already_set_up",
        )
    _take_attempt(user, address)
    step = _matching_step(_unseal(user.id, user.totp_secret), _digits(code), None)
    if step is None:
        raise BadCode(
            N_("The code is wrong or has expired. Type the code the app shows now."),
            code="second_factor.bad_code",
        )
    throttle.give_back(account=_account(user), address=address)
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step
    session.add(user)
    return new_recovery_codes(session=session, user=user)


def new_recovery_codes(*, session: Session, user: User) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working."""
    for old in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    session.flush()
    codes = ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)))  # type: ignore[arg-type]
    session.flush()
    return codes


def recovery_codes_left(*, session: Session, user: User) -> int:
    query = select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None)
    )
    return len(session.exec(query).all())


def remove(*, session: Session, user: User) -> None:
    """Forget the authenticator and the recovery codes (after two administrators agreed);
    the person sets up a new one at their next login."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    user.second_factor_notice_due = True
    session.add(user)
    for old in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    session.flush()


# Checking a code at login ----------------------------------------------------------------


def check(*, session: Session, user: User, code: str, address: str) -> str:
    """Accept the authenticator's code or an unused recovery code, once; raises BadCode
    or TooManyAttempts (the same counters as passwords). Returns "totp" or "recovery"."""
    assert user.id is not None
    _take_attempt(user, address)
    used = _claim_totp(session, user, code) or _claim_recovery(session, user, code)
    if used is None:
        raise BadCode(
            N_("The code is wrong, used or expired. Type the code the app shows now."),
            code="second_factor.bad_code",
        )
    throttle.give_back(account=_account(user), address=address)
    return used


def _claim_totp(session: Session, user: User, code: str) -> str | None:
    digits = _digits(code)
    if not user.totp_enrolled_at or not user.totp_secret or digits is None:
        return None
    step = _matching_step(_unseal(user.id, user.totp_secret), digits, user.totp_last_step)  # type: ignore[arg-type]
    if step is None:
        return None
    claimed = session.execute(
        update(User)
        .where(
            col(User.id) == user.id,
            or_(col(User.totp_last_step).is_(None), col(User.totp_last_step) < step),
        )
        .values(totp_last_step=step)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None  # another login took this step (or a later one) first
    session.refresh(user)
    return "totp"


def _claim_recovery(session: Session, user: User, code: str) -> str | None:
    cleaned = "".join(c for c in code.lower() if c.isalnum())
    if len(cleaned) != 12:
        return None
    formatted = "-".join(cleaned[i : i + 4] for i in range(0, 12, 4))
    claimed = session.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hash) == _code_hash(formatted),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )
    return "recovery" if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def looks_like_code(text: str) -> bool:
    """Whether this is typed like the authenticator's six digits (a password is longer)."""
    return _digits(text) is not None


def _digits(code: str) -> str | None:
    cleaned = "".join(c for c in (code or "") if not c.isspace() and c != "-")
    return cleaned if len(cleaned) == 6 and cleaned.isascii() and cleaned.isdigit() else None


def _matching_step(secret: str, digits: str | None, after: int | None) -> int | None:
    """The time step (now, or one either side) whose code this is, newer than `after`."""
    if digits is None:
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    # The wall clock, as the person's phone has it (never the app's clock of record).
    now = int(time.time()) // STEP_SECONDS
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def _code_hash(code: str) -> str:
    return hmac.new(derived_key("recovery-code"), code.encode(), hashlib.sha256).hexdigest()


def _account(user: User) -> str:
    return f"second-factor:{user.email}"


def _take_attempt(user: User, address: str) -> None:
    throttle.take_or_refuse(account=_account(user), address=address)

"""The rules of signing in through the provider: which account, which role, which factor.

A provider identity (issuer + subject) belongs to one account. It is made at a first
sign-in, together with a new account without a password, or by the person linking it to
the account they are logged in to. It is never found by e-mail address: an account with
the provider's e-mail that is not linked stays the other person's, and the sign-in is
refused until they link it themselves.
"""

from typing import Any

from sqlmodel import Session, col, select

from app.accounts import demo
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.core.config import settings
from app.core.errors import BadInput, Conflict, NotPermitted
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.identity.models import ProviderIdentity


class SignInRefused(NotPermitted):
    """The provider vouched for the person, and this service still says no."""


class AwaitingRole(SignInRefused):
    """The account exists but has no role yet: an administrator must give one."""


def _values(claim: Any) -> list[str]:
    if isinstance(claim, list | tuple):
        return [str(v) for v in claim]
    return [] if claim is None else [str(claim)]


def role_from_claims(claims: dict[str, Any]) -> Role | None:
    """The first rule of `oidc_role_claims` that the claims meet, or None."""
    for claim, value, role in settings.oidc_role_rules:
        if value in _values(claims.get(claim)):
            return Role(role)
    return None


def second_factor_from_claims(claims: dict[str, Any]) -> bool:
    """Whether the provider's amr or acr says a second factor was shown, and counts."""
    if not settings.oidc_second_factor_from_provider:
        return False
    amr = {v.strip() for v in settings.oidc_second_factor_amr.split(",") if v.strip()}
    acr = {v.strip() for v in settings.oidc_second_factor_acr.split(",") if v.strip()}
    return bool(amr & set(_values(claims.get("amr")))) or str(claims.get("acr", "")) in acr


def find(*, session: Session, issuer: str, subject: str) -> ProviderIdentity | None:
    query = select(ProviderIdentity).where(
        ProviderIdentity.issuer == issuer, ProviderIdentity.subject == subject
    )
    return session.exec(query).first()


def has_identity(*, session: Session, user_id: int) -> bool:
    """Whether the person signs in through the provider (their password is not reset here)."""
    query = select(ProviderIdentity.id).where(col(ProviderIdentity.user_id) == user_id)
    return session.exec(query).first() is not None


def provider_logins(*, session: Session) -> dict[int, bool]:
    """The accounts with a provider identity, each with whether it still awaits a role."""
    rows = session.exec(select(ProviderIdentity.user_id, ProviderIdentity.awaiting_role))
    logins: dict[int, bool] = {}
    for user_id, awaiting in rows:
        logins[user_id] = logins.get(user_id, False) or awaiting
    return logins


def identities_of(*, session: Session, user_id: int) -> list[ProviderIdentity]:
    query = select(ProviderIdentity).where(col(ProviderIdentity.user_id) == user_id)
    return list(session.exec(query).all())


def _id(user: User) -> int:
    assert user.id is not None
    return user.id


def _email_and_name(claims: dict[str, Any]) -> tuple[str, str]:
    email = str(claims.get("email") or claims.get("preferred_username") or "")
    name = str(claims.get("name") or email.split("@")[0])
    return email, name


def sign_in(*, session: Session, issuer: str, claims: dict[str, Any]) -> User:
    """The account behind the provider's identity, made at the first sign-in. Raises
    SignInRefused (no e-mail, the e-mail is another account's, disabled) or AwaitingRole."""
    identity = find(session=session, issuer=issuer, subject=str(claims["sub"]))
    role = role_from_claims(claims)
    if identity is None:
        demo.refuse_new_accounts(session)  # the demo's passwords are public: no real people
        email, name = _email_and_name(claims)
        try:
            user = accounts.create_user(
                session=session,
                email=email,
                name=name or email,
                role=role or Role.leader,  # the least; inactive anyway until a role is given
                active=role is not None,
            )
        except Conflict as exc:
            raise SignInRefused(
                N_(
                    "An account with your e-mail address already exists. Log in to it "
                    "with your password and link your municipality login on your account "
                    "page."
                ),
                code="identity.email_taken",
            ) from exc
        except BadInput as exc:
            raise SignInRefused(
                N_("The identity provider gave no usable e-mail address."),
                code="identity.no_email",
            ) from exc
        identity = ProviderIdentity(
            issuer=issuer,
            subject=str(claims["sub"]),
            user_id=_id(user),
            awaiting_role=role is None,
        )
    else:
        user = accounts.get_user(session=session, user_id=identity.user_id)
        if not user.active and identity.awaiting_role and role is not None:
            # The provider gives a role now that gave none at the first sign-in.
            accounts.update_user(session=session, user=user, role=role, active=True)
            identity.awaiting_role = False
        elif user.active:
            identity.awaiting_role = False
    identity.last_sign_in_at = utcnow()
    session.add(identity)
    session.flush()
    if not user.active:
        if identity.awaiting_role:
            raise AwaitingRole(
                N_(
                    "You are signed in at the municipality, but you have no role here yet. "
                    "An administrator must give you one before you can use Videosparring."
                ),
                code="identity.awaiting_role",
            )
        raise SignInRefused(N_("Your account is disabled."), code="identity.disabled")
    return user


def link(*, session: Session, user: User, issuer: str, claims: dict[str, Any]) -> None:
    """Tie the provider's identity to the logged-in person's account, at their own asking."""
    subject = str(claims["sub"])
    identity = find(session=session, issuer=issuer, subject=subject)
    if identity is not None and identity.user_id != user.id:
        raise Conflict(
            N_("That municipality login already belongs to another account."),
            code="identity.taken",
        )
    if identity is None:
        if any(i.issuer == issuer for i in identities_of(session=session, user_id=_id(user))):
            raise Conflict(
                N_("Your account is already linked to another municipality login."),
                code="identity.already_linked",
            )
        identity = ProviderIdentity(issuer=issuer, subject=subject, user_id=_id(user))
    identity.last_sign_in_at = utcnow()
    session.add(identity)
    session.flush()

"""A lost authenticator: removing someone's second factor takes two administrators.

One proposes, a different one approves; neither can be the person. Where an installation
has fewer than three administrators, two of them may be all there is besides the person, so
the approval moves to the server (`videosparring second-factor approve ID`), whose operator
is a further person. Each step goes to the audit log (app.admin.actions).
"""

from sqlmodel import Session, col, select

from app.accounts import second_factor
from app.accounts import service as accounts
from app.accounts.models import Role, SecondFactorRemoval, User
from app.accounts.subject import Subject
from app.core.errors import BadInput, Conflict, NotFound, NotPermitted
from app.core.i18n import N_
from app.core.timeutil import utcnow

# Below this many administrators, two of them may be the only ones besides the person: the
# approval moves to the server, where its operator is a further person.
WEB_APPROVAL_ADMINS = 3


def propose_removal(*, session: Session, admin: Subject, user: User) -> SecondFactorRemoval:
    """One administrator asks to remove the person's second factor (their phone is lost)."""
    if user.id == admin.id:
        raise NotPermitted(
            N_("Another administrator must propose removing your own second factor."),
            code="second_factor.not_yourself",
        )
    if not second_factor.enrolled(user):
        raise BadInput(N_("The person has no second factor to remove."), code="second_factor.none")
    if open_removal_of(session=session, user_id=user.id):  # type: ignore[arg-type]
        raise Conflict(
            N_("A removal of the person's second factor is already waiting for approval."),
            code="second_factor.already_proposed",
        )
    removal = SecondFactorRemoval(user_id=user.id, proposed_by_id=admin.id)  # type: ignore[arg-type]
    session.add(removal)
    session.flush()
    return removal


def open_removal_of(*, session: Session, user_id: int) -> SecondFactorRemoval | None:
    query = select(SecondFactorRemoval).where(
        SecondFactorRemoval.user_id == user_id,
        col(SecondFactorRemoval.approved_at).is_(None),
        col(SecondFactorRemoval.withdrawn_at).is_(None),
    )
    return session.exec(query).first()


def open_removals(*, session: Session) -> list[SecondFactorRemoval]:
    query = select(SecondFactorRemoval).where(
        col(SecondFactorRemoval.approved_at).is_(None),
        col(SecondFactorRemoval.withdrawn_at).is_(None),
    )
    return list(session.exec(query.order_by(col(SecondFactorRemoval.id))).all())


def _open_removal(session: Session, removal_id: int) -> SecondFactorRemoval:
    removal = session.get(SecondFactorRemoval, removal_id)
    if removal is None or removal.approved_at or removal.withdrawn_at:
        raise NotFound(
            N_("There is no such removal waiting for approval."), code="second_factor.no_removal"
        )
    return removal


def web_approval_allowed(*, session: Session) -> bool:
    admins = select(User).where(User.role == Role.administrator, col(User.active).is_(True))
    return len(session.exec(admins).all()) >= WEB_APPROVAL_ADMINS


def approve_removal(
    *, session: Session, approver: Subject | None, removal_id: int
) -> tuple[SecondFactorRemoval, User]:
    """A second administrator agrees (`approver`), or the server's operator (None): the
    second factor goes, the person's sessions end, and they set up a new one at their next
    login, where they are told (and by e-mail, by the caller)."""
    removal = _open_removal(session, removal_id)
    if approver is not None:
        if approver.id in (removal.proposed_by_id, removal.user_id):
            raise NotPermitted(
                N_("A different administrator must approve: not the one who proposed it."),
                code="second_factor.same_admin",
            )
        if not web_approval_allowed(session=session):
            raise NotPermitted(
                N_(
                    "With fewer than three administrators the removal is approved on the "
                    "server: videosparring second-factor approve %(id)s"
                ),
                code="second_factor.approve_on_server",
                id=removal_id,
            )
    user = accounts.get_user(session=session, user_id=removal.user_id)
    second_factor.remove(session=session, user=user)
    accounts.end_sessions(session=session, user_id=removal.user_id)
    removal.approved_by_id = approver.id if approver else None
    removal.approved_via = "web" if approver else "server"
    removal.approved_at = utcnow()
    session.add(removal)
    session.flush()
    return removal, user


def withdraw_removal(*, session: Session, admin: Subject, removal_id: int) -> User:
    """The proposal is dropped (by any administrator but the person themself)."""
    removal = _open_removal(session, removal_id)
    if removal.user_id == admin.id:
        raise NotPermitted(
            N_("Another administrator must decide on your own second factor."),
            code="second_factor.not_yourself",
        )
    removal.withdrawn_at = utcnow()
    session.add(removal)
    return accounts.get_user(session=session, user_id=removal.user_id)

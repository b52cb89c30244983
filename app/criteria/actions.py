"""What the administrator does to the rubric: change it, audit it.

The route's dependency has checked that the person is an administrator; the service holds
the rubric's rules; the audit log gets the entry once the change is committed. The JSON
routes and the criteria page's forms call these and nothing else.
"""

from sqlmodel import Session

from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit
from app.criteria import offer, service
from app.criteria.defaults import EDITION
from app.criteria.models import (
    CriteriaOrder,
    Criterion,
    CriterionCreate,
    CriterionUpdate,
    GroupCreate,
    GroupPublic,
    GroupUpdate,
)


def _audit(session: Session, admin: Subject, detail: str) -> None:
    audit_on_commit(session, admin, Action.criteria_changed, detail=detail)


def add(*, session: Session, admin: Subject, body: CriterionCreate) -> Criterion:
    """A new criterion at the end of the rubric."""
    criterion = service.create(session=session, body=body)
    _audit(session, admin, f"criterion {criterion.id} added")
    return criterion


def edit(
    *, session: Session, admin: Subject, criterion_id: int, body: CriterionUpdate
) -> Criterion:
    """A new wording becomes a new version: feedback keeps the wording it was given under."""
    criterion = service.update(session=session, criterion_id=criterion_id, body=body)
    _audit(session, admin, f"criterion {criterion_id} edited (version {criterion.version})")
    return criterion


def set_retired(*, session: Session, admin: Subject, criterion_id: int, retired: bool) -> None:
    """Retired: cannot be chosen for new feedback, still shown on old feedback."""
    service.set_retired(session=session, criterion_id=criterion_id, retired=retired)
    _audit(session, admin, f"criterion {criterion_id} {'retired' if retired else 'restored'}")


def reorder(*, session: Session, admin: Subject, body: CriteriaOrder) -> None:
    service.reorder(session=session, body=body)
    _audit(session, admin, "criteria reordered")


def move(*, session: Session, admin: Subject, criterion_id: int, direction: str) -> None:
    """One place up or down among the criteria of its group, as the page lists them."""
    if service.move(session=session, criterion_id=criterion_id, up=direction == "up"):
        _audit(session, admin, f"criterion {criterion_id} moved {direction}")


def set_rubric_settings(
    *, session: Session, admin: Subject, criteria_required: bool, reflection_required: bool | None
) -> None:
    """Whether every item but replies must name a criterion, and whether caseworkers reflect
    before they see a supervisor's feedback (None: as it was)."""
    service.set_rubric_settings(
        session=session,
        criteria_required=criteria_required,
        reflection_required=reflection_required,
    )
    detail = f"criteria required: {criteria_required}"
    if reflection_required is not None:
        detail += f"; reflection first: {reflection_required}"
    _audit(session, admin, detail)


def add_group(*, session: Session, admin: Subject, body: GroupCreate) -> GroupPublic:
    group = service.create_group(session=session, body=body)
    _audit(session, admin, f"criteria group {group.id} added")
    return GroupPublic.model_validate(group, from_attributes=True)


def edit_group(
    *, session: Session, admin: Subject, group_id: int, body: GroupUpdate
) -> GroupPublic:
    group = service.update_group(session=session, group_id=group_id, body=body)
    _audit(session, admin, f"criteria group {group_id} edited")
    return GroupPublic.model_validate(group, from_attributes=True)


def accept_defaults(*, session: Session, admin: Subject, token: str) -> None:
    """The default rubric's differences as shown (`token`): new versions, new criteria and
    retirements; feedback keeps the wording it was given under."""
    done = offer.accept(session=session, token=token)
    ids = {"added": done.added, "new versions": done.versioned, "retired": done.retired}
    listed = "; ".join(f"{what} {','.join(map(str, got))}" for what, got in ids.items() if got)
    _audit(session, admin, f"default rubric {EDITION} accepted: {listed or 'no changes'}")


def hide_defaults(*, session: Session, admin: Subject, hidden: bool) -> None:
    """The offer of the default rubric put away, or shown again; the rubric stays as it is."""
    offer.hide(session=session, hidden=hidden)
    _audit(session, admin, f"default rubric {EDITION} {'hidden' if hidden else 'shown again'}")

"""JSON API for the rubric: anyone signed in reads it; the administrator changes it."""

from typing import Annotated

from fastapi import APIRouter
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, CurrentUser, require
from app.accounts.models import Role
from app.accounts.subject import Subject
from app.core.db import SessionDep
from app.core.ids import DbId
from app.criteria import actions, service
from app.criteria.models import (
    CataloguePublic,
    CriteriaOrder,
    CriterionCreate,
    CriterionPublic,
    CriterionUpdate,
    GroupCreate,
    GroupPublic,
    GroupUpdate,
    RubricSettingsUpdate,
)

router = APIRouter(prefix="/criteria", tags=["criteria"])
Admin = Annotated[Subject, require(Role.administrator)]
Changes = [CsrfProtected]


def _catalogue(session: Session) -> CataloguePublic:
    rubric = service.rubric_settings(session=session)
    return CataloguePublic(
        criteria=service.to_public(service.catalogue(session=session)),
        groups=service.groups(session=session),
        criteria_required=rubric.criteria_required,
        reflection_required=rubric.reflection_required,
    )


@router.get("", response_model=CataloguePublic)
def read_catalogue(session: SessionDep, user: CurrentUser) -> CataloguePublic:
    """The criteria in rubric order (retired ones marked), the groups, and whether feedback
    must name a criterion."""
    return _catalogue(session)


@router.post("", status_code=201, response_model=CriterionPublic, dependencies=Changes)
def add_criterion(body: CriterionCreate, session: SessionDep, admin: Admin) -> CriterionPublic:
    criterion = actions.add(session=session, admin=admin, body=body)
    return service.public_one(session=session, criterion_id=criterion.id)  # type: ignore[arg-type]


@router.patch("/{criterion_id}", response_model=CriterionPublic, dependencies=Changes)
def edit_criterion(
    criterion_id: DbId, body: CriterionUpdate, session: SessionDep, admin: Admin
) -> CriterionPublic:
    """A new wording becomes a new version: feedback keeps the wording it was given under."""
    actions.edit(session=session, admin=admin, criterion_id=criterion_id, body=body)
    return service.public_one(session=session, criterion_id=criterion_id)


@router.post("/{criterion_id}/retire", response_model=CriterionPublic, dependencies=Changes)
def retire_criterion(criterion_id: DbId, session: SessionDep, admin: Admin) -> CriterionPublic:
    """Cannot be chosen for new feedback; still shown on old feedback."""
    actions.set_retired(session=session, admin=admin, criterion_id=criterion_id, retired=True)
    return service.public_one(session=session, criterion_id=criterion_id)


@router.post("/{criterion_id}/restore", response_model=CriterionPublic, dependencies=Changes)
def restore_criterion(criterion_id: DbId, session: SessionDep, admin: Admin) -> CriterionPublic:
    actions.set_retired(session=session, admin=admin, criterion_id=criterion_id, retired=False)
    return service.public_one(session=session, criterion_id=criterion_id)


@router.put("/order", response_model=CataloguePublic, dependencies=Changes)
def reorder_criteria(body: CriteriaOrder, session: SessionDep, admin: Admin) -> CataloguePublic:
    actions.reorder(session=session, admin=admin, body=body)
    return _catalogue(session)


@router.put("/settings", response_model=CataloguePublic, dependencies=Changes)
def save_rubric_settings(
    body: RubricSettingsUpdate, session: SessionDep, admin: Admin
) -> CataloguePublic:
    """Whether every item but replies must name a criterion; whether caseworkers reflect
    first."""
    actions.set_rubric_settings(
        session=session,
        admin=admin,
        criteria_required=body.criteria_required,
        reflection_required=body.reflection_required,
    )
    return _catalogue(session)


@router.post("/groups", status_code=201, response_model=GroupPublic, dependencies=Changes)
def add_group(body: GroupCreate, session: SessionDep, admin: Admin) -> GroupPublic:
    return actions.add_group(session=session, admin=admin, body=body)


@router.patch("/groups/{group_id}", response_model=GroupPublic, dependencies=Changes)
def edit_group(group_id: DbId, body: GroupUpdate, session: SessionDep, admin: Admin) -> GroupPublic:
    return actions.edit_group(session=session, admin=admin, group_id=group_id, body=body)

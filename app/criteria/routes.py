"""JSON API for the rubric: anyone signed in reads it; the administrator changes it."""

from typing import Annotated

from fastapi import APIRouter, Request
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, CurrentUser, require
from app.accounts.models import Role, User
from app.audit.service import Action, audit_on_commit
from app.core.db import SessionDep
from app.core.ids import DbId
from app.criteria import service
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
Admin = Annotated[User, require(Role.administrator)]
Changes = [CsrfProtected]


def _catalogue(session: Session) -> CataloguePublic:
    return CataloguePublic(
        criteria=service.to_public(service.catalogue(session=session)),
        groups=service.groups(session=session),
        criteria_required=service.rubric_settings(session=session).criteria_required,
    )


def _audit(session: Session, request: Request, admin: User, detail: str) -> None:
    audit_on_commit(session, request, admin, Action.criteria_changed, detail=detail)


@router.get("", response_model=CataloguePublic)
def read_catalogue(session: SessionDep, user: CurrentUser) -> CataloguePublic:
    """The criteria in rubric order (retired ones marked), the groups, and whether feedback
    must name a criterion."""
    return _catalogue(session)


@router.post("", status_code=201, response_model=CriterionPublic, dependencies=Changes)
def add_criterion(
    body: CriterionCreate, request: Request, session: SessionDep, admin: Admin
) -> CriterionPublic:
    criterion = service.create(session=session, body=body)
    _audit(session, request, admin, f"criterion {criterion.id} added")
    return service.public_one(session=session, criterion_id=criterion.id)  # type: ignore[arg-type]


@router.patch("/{criterion_id}", response_model=CriterionPublic, dependencies=Changes)
def edit_criterion(
    criterion_id: DbId, body: CriterionUpdate, request: Request, session: SessionDep, admin: Admin
) -> CriterionPublic:
    """A new wording becomes a new version: feedback keeps the wording it was given under."""
    criterion = service.update(session=session, criterion_id=criterion_id, body=body)
    _audit(
        session, request, admin, f"criterion {criterion_id} edited (version {criterion.version})"
    )
    return service.public_one(session=session, criterion_id=criterion_id)


@router.post("/{criterion_id}/retire", response_model=CriterionPublic, dependencies=Changes)
def retire_criterion(
    criterion_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> CriterionPublic:
    """Cannot be chosen for new feedback; still shown on old feedback."""
    service.set_retired(session=session, criterion_id=criterion_id, retired=True)
    _audit(session, request, admin, f"criterion {criterion_id} retired")
    return service.public_one(session=session, criterion_id=criterion_id)


@router.post("/{criterion_id}/restore", response_model=CriterionPublic, dependencies=Changes)
def restore_criterion(
    criterion_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> CriterionPublic:
    service.set_retired(session=session, criterion_id=criterion_id, retired=False)
    _audit(session, request, admin, f"criterion {criterion_id} restored")
    return service.public_one(session=session, criterion_id=criterion_id)


@router.put("/order", response_model=CataloguePublic, dependencies=Changes)
def reorder_criteria(
    body: CriteriaOrder, request: Request, session: SessionDep, admin: Admin
) -> CataloguePublic:
    service.reorder(session=session, body=body)
    _audit(session, request, admin, "criteria reordered")
    return _catalogue(session)


@router.put("/settings", response_model=CataloguePublic, dependencies=Changes)
def save_rubric_settings(
    body: RubricSettingsUpdate, request: Request, session: SessionDep, admin: Admin
) -> CataloguePublic:
    """Whether every item but replies must name a criterion."""
    service.set_criteria_required(session=session, required=body.criteria_required)
    _audit(session, request, admin, f"criteria required: {body.criteria_required}")
    return _catalogue(session)


@router.post("/groups", status_code=201, response_model=GroupPublic, dependencies=Changes)
def add_group(
    body: GroupCreate, request: Request, session: SessionDep, admin: Admin
) -> GroupPublic:
    group = service.create_group(session=session, body=body)
    _audit(session, request, admin, f"criteria group {group.id} added")
    return GroupPublic.model_validate(group, from_attributes=True)


@router.patch("/groups/{group_id}", response_model=GroupPublic, dependencies=Changes)
def edit_group(
    group_id: DbId, body: GroupUpdate, request: Request, session: SessionDep, admin: Admin
) -> GroupPublic:
    group = service.update_group(session=session, group_id=group_id, body=body)
    _audit(session, request, admin, f"criteria group {group_id} edited")
    return GroupPublic.model_validate(group, from_attributes=True)

"""The administrator's criteria page: the rubric by group, and plain forms (no JavaScript
needed) that change it; a refusal shows the form again with the message, storing nothing."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, require
from app.accounts.models import Role, User
from app.audit.service import Action, audit_on_commit
from app.core.db import SessionDep
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import N_, N_plural, request_language
from app.core.ids import DbId, parse_id
from app.core.templates import render
from app.criteria import service
from app.criteria.models import (
    DESCRIPTION_MAX,
    NAME_MAX,
    CriteriaOrder,
    Criterion,
    CriterionCreate,
    CriterionPublic,
    CriterionUpdate,
    GroupCreate,
    GroupPublic,
    GroupUpdate,
)

router = APIRouter(prefix="/admin/criteria", include_in_schema=False)
Admin = Annotated[User, require(Role.administrator)]
# Longer than any field may be: the page says how long it may be rather than a bare 422.
FORM_MAX = 5000
LIMITS = dict.fromkeys(("name_da", "name_en", "group_name_da", "group_name_en"), NAME_MAX)
LIMITS |= dict.fromkeys(("description_da", "description_en"), DESCRIPTION_MAX)


def _sections(
    criteria: list[CriterionPublic], groups: list[GroupPublic]
) -> list[tuple[GroupPublic | None, list[CriterionPublic]]]:
    """The rubric as the page shows it: those in no group (the defaults), then each group."""
    known = {g.id for g in groups}
    loose = [c for c in criteria if c.group_id not in known]
    out: list[tuple[GroupPublic | None, list[CriterionPublic]]]
    out = [(g, [c for c in criteria if c.group_id == g.id]) for g in groups]
    return [(None, loose), *out] if loose or not groups else out


def _display_order(session: Session) -> list[Criterion]:
    """Every criterion in the page's order, which the number keys then follow too."""
    groups = [g.id for g in service.groups(session=session)]
    rows = [c for c, _ in service.catalogue(session=session)]
    loose = [c for c in rows if c.group_id not in groups]
    return loose + [c for g in groups for c in rows if c.group_id == g]


def _keep_display_order(session: Session) -> None:
    """After a criterion changes group, its number follows where the page shows it."""
    order = [c.id for c in _display_order(session)]
    if order != [c.id for c, _ in service.catalogue(session=session)]:
        service.reorder(session=session, body=CriteriaOrder(criterion_ids=order))  # type: ignore[arg-type]


def _page(
    request: Request, session: Session, status_code: int = 200, **refusal: object
) -> HTMLResponse:
    """The page; after a refusal, `refusal` holds the error, the form it is about (it opens
    with what was typed: `values`) and the field to mark."""
    groups = service.groups(session=session)
    context = {
        "sections": _sections(service.to_public(service.catalogue(session=session)), groups),
        "groups": groups,
        "required": service.rubric_settings(session=session).criteria_required,
        "name_max": NAME_MAX,
        "description_max": DESCRIPTION_MAX,
        "values": {},
    }
    return render(request, "admin/criteria.html", context | refusal, status_code=status_code)


def _check_lengths(values: dict[str, str]) -> None:
    for name, value in values.items():
        limit = LIMITS.get(name)
        if limit is not None and len(" ".join(value.split())) > limit:
            raise BadInput(
                N_plural(
                    "The text can be at most %(num)d character long.",
                    "The text can be at most %(num)d characters long.",
                ),
                code="criterion.too_long",
                num=limit,
                field=name,
            )


def _group_id(value: str) -> int | None:
    """The group chosen in a select: none, or an id (one that is not an id is refused)."""
    if not value:
        return None
    parsed = parse_id(value)
    if parsed is None:
        raise BadInput(
            N_("The group does not exist. Choose an existing group."),
            code="criterion.unknown_group",
            field="group_id",
        )
    return parsed


def _field_of(code: str, values: dict[str, str]) -> str | None:
    """The field a refusal from the rubric's service is about, to mark it."""
    if code == "criterion.unknown_group":
        return "group_id"
    blank = [k for k, v in values.items() if "name" in k and not v.strip()]
    return blank[0] if code == "criterion.name_required" and blank else None


def _change(
    request: Request,
    session: Session,
    admin: User,
    *,
    form: str,
    values: dict[str, str],
    act: Callable[[dict[str, str]], tuple[str, str]],
) -> Response:
    """Run one change (`act` gets the fields on one line each and answers what to audit and
    where to go back to); refused: roll back what it did, show the page with the message."""
    try:
        _check_lengths(values)
        detail, anchor = act({k: " ".join(v.split()) for k, v in values.items()})
        _keep_display_order(session)
    except VideosparringError as exc:
        session.rollback()  # nothing stored, not even what ran before the refusal
        return _page(
            request,
            session,
            error=exc.message(request_language(request)),
            status_code=exc.status_code,
            form=form,
            values=values,
            field=exc.field or _field_of(exc.code, values),
        )
    audit_on_commit(session, request, admin, Action.criteria_changed, detail=detail)
    return RedirectResponse(f"/admin/criteria?saved=1#{anchor}", status_code=303)


@router.get("", response_class=HTMLResponse)
def criteria_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    return _page(request, session)


@router.post("/settings", dependencies=[CsrfProtected])
def save_settings(
    request: Request,
    session: SessionDep,
    admin: Admin,
    criteria_required: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    required = bool(criteria_required)
    service.set_criteria_required(session=session, required=required)
    detail = f"criteria required: {required}"
    audit_on_commit(session, request, admin, Action.criteria_changed, detail=detail)
    return RedirectResponse("/admin/criteria?saved=1#rubric-settings", status_code=303)


class GroupForm(BaseModel):
    name_da: str = Field(default="", max_length=FORM_MAX)
    name_en: str = Field(default="", max_length=FORM_MAX)


class WordingForm(GroupForm):
    description_da: str = Field(default="", max_length=FORM_MAX)
    description_en: str = Field(default="", max_length=FORM_MAX)
    group_id: str = Field(default="", max_length=32)  # "": in no group


@router.post("/groups", dependencies=[CsrfProtected])
def add_group(
    request: Request, session: SessionDep, admin: Admin, form: Annotated[GroupForm, Form()]
) -> Response:
    def act(v: dict[str, str]) -> tuple[str, str]:
        body = GroupCreate(name_da=v["group_name_da"], name_en=v["group_name_en"])
        group = service.create_group(session=session, body=body)
        return f"criteria group {group.id} added", f"group-{group.id}"

    values = {f"group_{k}": v for k, v in form.model_dump().items()}
    return _change(request, session, admin, form="group-new", values=values, act=act)


@router.post("/groups/{group_id}", dependencies=[CsrfProtected])
def rename_group(
    group_id: DbId,
    request: Request,
    session: SessionDep,
    admin: Admin,
    form: Annotated[GroupForm, Form()],
) -> Response:
    def act(v: dict[str, str]) -> tuple[str, str]:
        body = GroupUpdate(name_da=v["group_name_da"], name_en=v["group_name_en"])
        service.update_group(session=session, group_id=group_id, body=body)
        return f"criteria group {group_id} edited", f"group-{group_id}"

    values = {f"group_{k}": v for k, v in form.model_dump().items()}
    return _change(request, session, admin, form=f"group-{group_id}", values=values, act=act)


def _wording(v: dict[str, str]) -> dict[str, str]:
    return {k: v[k] for k in ("name_da", "name_en", "description_da", "description_en")}


@router.post("", dependencies=[CsrfProtected])
def add_criterion(
    request: Request, session: SessionDep, admin: Admin, form: Annotated[WordingForm, Form()]
) -> Response:
    """A new criterion at the end of its group."""

    def act(v: dict[str, str]) -> tuple[str, str]:
        body = CriterionCreate(**_wording(v), group_id=_group_id(v["group_id"]))
        criterion = service.create(session=session, body=body)
        return f"criterion {criterion.id} added", f"criterion-{criterion.id}"

    return _change(request, session, admin, form="new", values=form.model_dump(), act=act)


@router.post("/{criterion_id}", dependencies=[CsrfProtected])
def edit_criterion(
    criterion_id: DbId,
    request: Request,
    session: SessionDep,
    admin: Admin,
    form: Annotated[WordingForm, Form()],
) -> Response:
    """A changed wording becomes a new version: feedback keeps the wording it was given under."""

    def act(v: dict[str, str]) -> tuple[str, str]:
        group = _group_id(v["group_id"])
        body = CriterionUpdate(**_wording(v), group_id=group, clear_group=group is None)
        criterion = service.update(session=session, criterion_id=criterion_id, body=body)
        detail = f"criterion {criterion_id} edited (version {criterion.version})"
        return detail, f"criterion-{criterion_id}"

    values = form.model_dump()
    return _change(
        request, session, admin, form=f"criterion-{criterion_id}", values=values, act=act
    )


@router.post("/{criterion_id}/move", dependencies=[CsrfProtected])
def move_criterion(
    criterion_id: DbId,
    request: Request,
    session: SessionDep,
    admin: Admin,
    direction: Annotated[str, Form(pattern="^(up|down)$")],
) -> Response:
    """One place up or down among the criteria of its group, as the page lists them."""
    mine = service.get(session=session, criterion_id=criterion_id)  # 404 if unknown
    order = _display_order(session)
    same = [c.id for c in order if c.group_id == mine.group_id]
    at = same.index(criterion_id)
    other = at - 1 if direction == "up" else at + 1
    if 0 <= other < len(same):
        ids = [c.id for c in order]
        i, j = ids.index(criterion_id), ids.index(same[other])
        ids[i], ids[j] = ids[j], ids[i]
        service.reorder(session=session, body=CriteriaOrder(criterion_ids=ids))  # type: ignore[arg-type]
        detail = f"criterion {criterion_id} moved {direction}"
        audit_on_commit(session, request, admin, Action.criteria_changed, detail=detail)
    return RedirectResponse(f"/admin/criteria?saved=1#criterion-{criterion_id}", status_code=303)


def _set_retired(
    request: Request, session: Session, admin: User, criterion_id: int, retired: bool
) -> Response:
    service.set_retired(session=session, criterion_id=criterion_id, retired=retired)
    detail = f"criterion {criterion_id} {'retired' if retired else 'restored'}"
    audit_on_commit(session, request, admin, Action.criteria_changed, detail=detail)
    return RedirectResponse(f"/admin/criteria?saved=1#criterion-{criterion_id}", status_code=303)


@router.post("/{criterion_id}/retire", dependencies=[CsrfProtected])
def retire_criterion(
    criterion_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> Response:
    """Cannot be chosen for new feedback; old feedback still shows it."""
    return _set_retired(request, session, admin, criterion_id, True)


@router.post("/{criterion_id}/restore", dependencies=[CsrfProtected])
def restore_criterion(
    criterion_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> Response:
    return _set_retired(request, session, admin, criterion_id, False)

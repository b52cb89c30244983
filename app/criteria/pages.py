"""The administrator's criteria page: the rubric by group, and plain forms (no JavaScript
needed) that change it; a refusal shows the form again with the message, storing nothing."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.accounts.deps import Administrator as Admin
from app.accounts.deps import CsrfProtected
from app.core.db import SessionDep, roll_back
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import N_, N_plural, request_language
from app.core.ids import DbId, parse_id
from app.core.templates import render
from app.criteria import actions, offer, service
from app.criteria.models import (
    DESCRIPTION_MAX,
    LEVELS_MAX,
    LEVELS_MOST,
    NAME_MAX,
    CriterionCreate,
    CriterionUpdate,
    GroupCreate,
    GroupUpdate,
)

router = APIRouter(prefix="/admin/criteria", include_in_schema=False)
# Longer than any field may be: the page says how long it may be rather than a bare 422.
FORM_MAX = 5000
LIMITS = dict.fromkeys(("name_da", "name_en", "group_name_da", "group_name_en"), NAME_MAX)
LIMITS |= dict.fromkeys(("description_da", "description_en"), DESCRIPTION_MAX)
LIMITS |= dict.fromkeys(("levels_da", "levels_en"), LEVELS_MAX)
# Kept as typed, line by line: one level per line.
MULTILINE = ("levels_da", "levels_en")


def _page(
    request: Request, session: Session, status_code: int = 200, **refusal: object
) -> HTMLResponse:
    """The page; after a refusal, `refusal` holds the error, the form it is about (it opens
    with what was typed: `values`) and the field to mark."""
    context = {
        "sections": service.sections(session=session),
        "groups": service.groups(session=session),
        "required": service.rubric_settings(session=session).criteria_required,
        "reflection_required": service.rubric_settings(session=session).reflection_required,
        "levels_most": LEVELS_MOST,
        "offer": offer.offer(session=session),
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
    *,
    form: str,
    values: dict[str, str],
    act: Callable[[dict[str, str]], str],
) -> Response:
    """Run one change (`act` gets the fields on one line each and answers where to go back
    to); refused: roll back what it did, show the page with the message."""
    try:
        _check_lengths(values)
        anchor = act({k: v if k in MULTILINE else " ".join(v.split()) for k, v in values.items()})
        service.keep_display_order(session=session)
    except VideosparringError as exc:
        roll_back(session)  # nothing stored, not even what ran before the refusal
        return _page(
            request,
            session,
            error=exc.message(request_language(request)),
            status_code=exc.status_code,
            form=form,
            values=values,
            field=exc.field or _field_of(exc.code, values),
        )
    return _saved(anchor)


def _saved(anchor: str) -> Response:
    return RedirectResponse(f"/admin/criteria?saved=1#{anchor}", status_code=303)


@router.get("", response_class=HTMLResponse)
def criteria_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    return _page(request, session)


@router.post("/settings", dependencies=[CsrfProtected])
def save_settings(
    session: SessionDep,
    admin: Admin,
    criteria_required: Annotated[str, Form(max_length=5)] = "",
    reflection_required: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    actions.set_rubric_settings(
        session=session,
        admin=admin,
        criteria_required=bool(criteria_required),
        reflection_required=bool(reflection_required),
    )
    return _saved("rubric-settings")


@router.post("/defaults", dependencies=[CsrfProtected])
def answer_defaults(
    request: Request,
    session: SessionDep,
    admin: Admin,
    answer: Annotated[str, Form(pattern="^(accept|hide|show)$")],
    token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The offer of the default rubric: accepted as shown, hidden, or shown again."""

    def act(v: dict[str, str]) -> str:
        if answer == "accept":
            actions.accept_defaults(session=session, admin=admin, token=token)
            return "main"
        actions.hide_defaults(session=session, admin=admin, hidden=answer == "hide")
        return "default-rubric"

    return _change(request, session, form="defaults", values={}, act=act)


class GroupForm(BaseModel):
    name_da: str = Field(default="", max_length=FORM_MAX)
    name_en: str = Field(default="", max_length=FORM_MAX)


class WordingForm(GroupForm):
    description_da: str = Field(default="", max_length=FORM_MAX)
    description_en: str = Field(default="", max_length=FORM_MAX)
    levels_da: str = Field(default="", max_length=FORM_MAX)
    levels_en: str = Field(default="", max_length=FORM_MAX)
    group_id: str = Field(default="", max_length=32)  # "": in no group


GroupFields = Annotated[GroupForm, Form()]
WordingFields = Annotated[WordingForm, Form()]


def _group_values(form: GroupForm) -> dict[str, str]:
    """The group form's fields by the names the page gives them."""
    return {f"group_{k}": v for k, v in form.model_dump().items()}


@router.post("/groups", dependencies=[CsrfProtected])
def add_group(request: Request, session: SessionDep, admin: Admin, form: GroupFields) -> Response:
    def act(v: dict[str, str]) -> str:
        body = GroupCreate(name_da=v["group_name_da"], name_en=v["group_name_en"])
        return f"group-{actions.add_group(session=session, admin=admin, body=body).id}"

    return _change(request, session, form="group-new", values=_group_values(form), act=act)


@router.post("/groups/{group_id}", dependencies=[CsrfProtected])
def rename_group(
    group_id: DbId, request: Request, session: SessionDep, admin: Admin, form: GroupFields
) -> Response:
    def act(v: dict[str, str]) -> str:
        body = GroupUpdate(name_da=v["group_name_da"], name_en=v["group_name_en"])
        actions.edit_group(session=session, admin=admin, group_id=group_id, body=body)
        return f"group-{group_id}"

    values = _group_values(form)
    return _change(request, session, form=f"group-{group_id}", values=values, act=act)


def _wording(v: dict[str, str]) -> dict[str, str]:
    fields = ("name_da", "name_en", "description_da", "description_en", *MULTILINE)
    return {k: v[k] for k in fields}


@router.post("", dependencies=[CsrfProtected])
def add_criterion(
    request: Request, session: SessionDep, admin: Admin, form: WordingFields
) -> Response:
    """A new criterion at the end of its group."""

    def act(v: dict[str, str]) -> str:
        body = CriterionCreate(**_wording(v), group_id=_group_id(v["group_id"]))
        return f"criterion-{actions.add(session=session, admin=admin, body=body).id}"

    return _change(request, session, form="new", values=form.model_dump(), act=act)


@router.post("/{criterion_id}", dependencies=[CsrfProtected])
def edit_criterion(
    criterion_id: DbId, request: Request, session: SessionDep, admin: Admin, form: WordingFields
) -> Response:
    """A changed wording becomes a new version: feedback keeps the wording it was given under."""

    def act(v: dict[str, str]) -> str:
        group = _group_id(v["group_id"])
        body = CriterionUpdate(**_wording(v), group_id=group, clear_group=group is None)
        actions.edit(session=session, admin=admin, criterion_id=criterion_id, body=body)
        return f"criterion-{criterion_id}"

    form_id = f"criterion-{criterion_id}"
    return _change(request, session, form=form_id, values=form.model_dump(), act=act)


@router.post("/{criterion_id}/move", dependencies=[CsrfProtected])
def move_criterion(
    criterion_id: DbId,
    session: SessionDep,
    admin: Admin,
    direction: Annotated[str, Form(pattern="^(up|down)$")],
) -> Response:
    """One place up or down among the criteria of its group, as the page lists them."""
    actions.move(session=session, admin=admin, criterion_id=criterion_id, direction=direction)
    return _saved(f"criterion-{criterion_id}")


@router.post("/{criterion_id}/retire", dependencies=[CsrfProtected])
def retire_criterion(criterion_id: DbId, session: SessionDep, admin: Admin) -> Response:
    """Cannot be chosen for new feedback; old feedback still shows it."""
    actions.set_retired(session=session, admin=admin, criterion_id=criterion_id, retired=True)
    return _saved(f"criterion-{criterion_id}")


@router.post("/{criterion_id}/restore", dependencies=[CsrfProtected])
def restore_criterion(criterion_id: DbId, session: SessionDep, admin: Admin) -> Response:
    actions.set_retired(session=session, admin=admin, criterion_id=criterion_id, retired=False)
    return _saved(f"criterion-{criterion_id}")

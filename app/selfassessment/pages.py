"""The self-assessment's pages: a caseworker answers the open round; the administrator
schedules rounds and sees the change over time (the leader sees it on /leader)."""

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts.deps import Administrator, CsrfProtected, require
from app.accounts.subject import Subject
from app.core.db import SessionDep, roll_back
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import N_, N_plural, request_language
from app.core.ids import DbId
from app.core.templates import render
from app.core.timeutil import local_today
from app.selfassessment import actions, curve, service
from app.selfassessment.models import LABEL_MAX, RoundCreate

router = APIRouter(include_in_schema=False)
Caseworker = Annotated[Subject, require(*service.ANSWERING_ROLES)]
MIN_GROUP = 3  # fewer respondents than this in a team and round: not shown


def _answer_page(
    request: Request,
    session: Session,
    subject: Subject,
    status_code: int = 200,
    error: str | None = None,
    values: dict[int, int] | None = None,
) -> HTMLResponse:
    found = service.open_round(session=session)
    answered = found is not None and service.has_answered(
        session=session,
        round_id=found.id,  # type: ignore[arg-type]
        user_id=subject.id,
    )
    shown = service.statements(session=session, round_id=found.id) if found else []  # type: ignore[arg-type]
    context = {
        "round": found,
        "answered": answered,
        "statements": shown,
        "scale": service.SCALE,
        "error": error,
        "values": values or {},
        "min_group": MIN_GROUP,
    }
    return render(request, "selfassessment/answer.html", context, status_code=status_code)


@router.get("/self-assessment", response_class=HTMLResponse)
def answer_page(request: Request, session: SessionDep, subject: Caseworker) -> HTMLResponse:
    return _answer_page(request, session, subject)


@router.post("/self-assessment/{round_id}", dependencies=[CsrfProtected])
async def answer(
    round_id: DbId, request: Request, session: SessionDep, subject: Caseworker
) -> Response:
    """One value per statement (`s0`, `s1`, …); none missing."""
    form = await request.form()
    values: dict[int, int] = {}
    for name, value in form.items():
        if name.startswith("s") and name[1:].isdigit() and value in ("1", "2", "3", "4", "5"):
            values[int(name[1:])] = int(value)  # type: ignore[arg-type]
    ordered = [values.get(i, 0) for i in range(max(values, default=-1) + 1)]
    try:
        actions.answer(session=session, subject=subject, round_id=round_id, values=ordered)
    except VideosparringError as exc:
        roll_back(session)
        message = exc.message(request_language(request))
        return _answer_page(request, session, subject, exc.status_code, message, values)
    return RedirectResponse("/self-assessment?answered=1", status_code=303)


def _admin_page(
    request: Request,
    session: Session,
    status_code: int = 200,
    error: VideosparringError | None = None,
    values: dict[str, str] | None = None,
    round_id: int | None = None,
) -> HTMLResponse:
    """`round_id`: the round whose form the error and `values` belong to (None: the form
    for a new round)."""
    lang = request_language(request)
    context = {
        "rounds": service.rounds(session=session),
        "respondents": service.respondents(session=session),
        "statements": service.current_statements(session=session),
        "results": curve.results(session=session, min_group=MIN_GROUP, lang=lang),
        "min_group": MIN_GROUP,
        "today": local_today(),
        "label_max": LABEL_MAX,
        "error": error.message(lang) if error else None,
        "field": error.field if error else None,
        "values": values or {},
        "error_round": round_id,
    }
    return render(request, "selfassessment/admin.html", context, status_code=status_code)


@router.get("/admin/self-assessment", response_class=HTMLResponse)
def admin_page(request: Request, session: SessionDep, admin: Administrator) -> HTMLResponse:
    return _admin_page(request, session)


def _admin_act(
    request: Request,
    session: Session,
    act: Callable[[], object | None],
    done: str,
    values: dict[str, str] | None = None,
    round_id: int | None = None,
) -> Response:
    """Do what the administrator asked and go back to the page saying so; refused (not an
    unknown round: 404), nothing changes and the form it came from says why."""
    try:
        act()
    except VideosparringError as exc:
        if exc.status_code == 404 and round_id is not None:
            raise
        roll_back(session)
        return _admin_page(request, session, exc.status_code, exc, values, round_id)
    return RedirectResponse(f"/admin/self-assessment?{done}=1", status_code=303)


def _round_form(
    label: Annotated[str, Form(max_length=500)],
    opens_on: Annotated[str, Form(max_length=10)],
    closes_on: Annotated[str, Form(max_length=10)],
) -> dict[str, str]:
    """A round's form as it was typed (checked by `_round_from`)."""
    return {"label": label, "opens_on": opens_on, "closes_on": closes_on}


RoundForm = Annotated[dict[str, str], Depends(_round_form)]


@router.post("/admin/self-assessment", dependencies=[CsrfProtected])
def schedule(
    request: Request, session: SessionDep, admin: Administrator, values: RoundForm
) -> Response:

    def act() -> object:
        return actions.schedule(session=session, admin=admin, body=_round_from(values))

    return _admin_act(request, session, act, "scheduled", values)


@router.post("/admin/self-assessment/{round_id}", dependencies=[CsrfProtected])
def change(
    round_id: DbId,
    request: Request,
    session: SessionDep,
    admin: Administrator,
    label: Annotated[str, Form(max_length=500)],
    opens_on: Annotated[str, Form(max_length=10)],
    closes_on: Annotated[str, Form(max_length=10)],
) -> Response:
    """A round's name and days. The fields are its own, not `RoundForm`'s: a dependency's
    refusals come before the path's, and a round id that is no number must be said first."""
    values = _round_form(label, opens_on, closes_on)

    def act() -> object:
        body = _round_from(values)
        return actions.change(session=session, admin=admin, round_id=round_id, body=body)

    return _admin_act(request, session, act, "changed", values, round_id)


@router.post("/admin/self-assessment/{round_id}/delete", dependencies=[CsrfProtected])
def cancel(round_id: DbId, request: Request, session: SessionDep, admin: Administrator) -> Response:
    def act() -> None:
        actions.cancel(session=session, admin=admin, round_id=round_id)

    return _admin_act(request, session, act, "deleted", None, round_id)


def _round_from(values: dict[str, str]) -> RoundCreate:
    """The form's fields as a round, or a refusal that names the field."""
    label = " ".join(values["label"].split())
    if len(label) > LABEL_MAX:
        raise BadInput(
            N_plural(
                "The name can be at most %(num)d character long.",
                "The name can be at most %(num)d characters long.",
            ),
            code="self_assessment.too_long",
            num=LABEL_MAX,
            field="label",
        )
    days: dict[str, date] = {}
    for name in ("opens_on", "closes_on"):
        try:
            days[name] = date.fromisoformat(values[name])
        except ValueError as exc:
            raise BadInput(
                N_("Write the date as YYYY-MM-DD."), code="self_assessment.bad_date", field=name
            ) from exc
    return RoundCreate.model_validate({"label": label, **days})

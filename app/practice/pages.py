"""The scores page of a recording (the caseworker's self-score, a supervisor's score with
their feedback items beside each criterion, and what each may compare), a supervisor's
calibration page, and the caseworker's own page. Plain forms: no JavaScript needed."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts.deps import CsrfProtected, CurrentSubject, require
from app.accounts.models import Role
from app.accounts.subject import Subject
from app.core.db import SessionDep, roll_back
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import N_, request_language
from app.core.templates import render
from app.core.timeutil import day_start, local_today
from app.feedback.reading import items_by_criterion
from app.feedback.reflection import waits_for_reflection
from app.insight import progress
from app.practice import own, publishing
from app.scores import actions, service
from app.scores import figures as score_figures

router = APIRouter(include_in_schema=False)
# The calibration page's period, by default: long enough for a few shared recordings.
DEFAULT_DAYS = 182


def _page(
    request: Request,
    session: Session,
    subject: Subject,
    recording_id: str,
    status_code: int = 200,
    error: str | None = None,
    typed: dict[int, int] | None = None,
) -> HTMLResponse:
    recording = service.scoring_recording(session, subject, recording_id)
    waiting = waits_for_reflection(session, subject, recording)
    items = (
        {}
        if recording.owner_id == subject.id
        else items_by_criterion(session, recording.id, subject.id)
    )
    shown = actions.viewed(session, subject, recording, waiting=waiting, items=items)
    mine = shown.mine.levels if shown.mine else {}
    context = {
        "scores": shown,
        "chosen": typed if typed is not None else mine,
        "error": error,
    }
    return render(request, "scores/page.html", context, status_code=status_code)


@router.get("/recordings/{recording_id}/scores", response_class=HTMLResponse)
def scores_page(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    return _page(request, session, subject, recording_id)


@router.post("/recordings/{recording_id}/scores", dependencies=[CsrfProtected])
async def save_scores(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> Response:
    """Saved as a draft, or published (`publish`): refused, nothing stored and the page
    shows what was chosen with the message."""
    form = await request.form()
    publish = form.get("publish") == "1"
    try:
        levels = service.as_levels(form)
        publishing.save(session, subject, recording_id, levels, publish)
    except VideosparringError as exc:
        if exc.status_code in (403, 404):
            raise
        roll_back(session)
        message = exc.message(request_language(request))
        typed = service.as_levels(form) if exc.code != "scores.bad_level" else None
        return _page(request, session, subject, recording_id, exc.status_code, message, typed)
    saved = "published" if publish else "saved"
    return RedirectResponse(f"/recordings/{recording_id}/scores?{saved}=1", status_code=303)


def _day(value: str | None, fallback: date) -> date:
    if not value:
        return fallback
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            N_("Give the date as year-month-day, for example 2026-12-07."),
            code="scores.bad_date",
        ) from None


@router.get("/calibration", response_class=HTMLResponse, dependencies=[require(Role.supervisor)])
def calibration_page(
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """The reader's agreement with each colleague who scored the same recordings."""
    today = local_today()
    first = _day(since, today - timedelta(days=DEFAULT_DAYS))
    last = _day(until, today)
    if last < first:
        raise BadInput(N_("The period must end after it begins."), code="scores.bad_period")
    start = day_start(first)
    end = day_start(last + timedelta(days=1))
    colleagues = actions.agreement(session, subject, start, end, request_language(request))
    context = {"colleagues": colleagues, "since": first, "until": last}
    return render(request, "scores/calibration.html", context)


@router.get(
    "/insight",
    response_class=HTMLResponse,
    dependencies=[require(Role.caseworker, Role.supervisor)],
)
def my_conversations(
    request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    """The caseworker's own figures over their recordings, as a small chart; their scores on
    the criteria, a small chart per criterion; and their learning points."""
    series = progress.own(session=session, subject=subject)
    context = {
        "series": series,
        "chart": progress.chart(series),
        "trends": score_figures.own_trends(session, subject),
        "learning": own.learning_points(session=session, subject=subject),
    }
    return render(request, "insight/mine.html", context)

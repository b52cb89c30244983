"""Pages for the recordings a person may see: the list, and one recording with its player,
transcript and shares."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.errors import NotPermitted
from app.core.i18n import N_, request_language
from app.core.templates import render
from app.feedback import recording_view
from app.library import service
from app.recordings import service as recording_service
from app.recordings.pages import LANGUAGE_CHOICES
from app.recordings.service import UPLOAD_ROLES
from app.retention import service as retention
from app.sharing import service as access
from app.transcripts import pages as transcript_pages
from app.transcripts import service as transcript_service

router = APIRouter(include_in_schema=False)
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


@router.get("/")
def home(user: CurrentUser) -> RedirectResponse:
    target = {"administrator": "/admin/users", "leader": "/leader"}.get(user.role, "/recordings")
    return RedirectResponse(target, status_code=303)


@router.get("/recordings", response_class=HTMLResponse)
def recordings_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    if user.role == "leader":
        raise NotPermitted(
            N_("Your role does not give access to this."), code="account.not_permitted"
        )
    rows = access.list_visible(session=session, user=user)
    statuses = service.status_views(
        session=session, recordings=rows, lang=request_language(request)
    )
    busy = sum(1 for view in statuses.values() if view.busy)
    return render(
        request,
        "recordings/list.html",
        {
            "recordings": rows,
            "shared": access.shared_with(
                session=session, user=user, recording_ids=[r.id for r in rows]
            ),
            "statuses": statuses,
            "busy": busy,
            "uploaded": request.query_params.get("uploaded"),
            "deleted": request.query_params.get("deleted"),
            "can_upload": user.role in UPLOAD_ROLES,
        },
    )


@router.get("/recordings/{recording_id}", response_class=HTMLResponse)
def recording_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    # The page shows the transcript: part of the transcript's viewing.
    audit_viewing(request, session, user, Action.view, recording.id, Kind.transcript, "page")
    transcript = transcript_service.get(session=session, recording_id=recording.id)
    segments = (
        transcript_service.segments(session=session, transcript=transcript) if transcript else []
    )
    is_owner = recording.owner_id == user.id
    people, teams = access.share_candidates(session=session, recording=recording)
    policy = retention.policy(session=session)
    lang = request_language(request)
    statuses = service.status_views(session=session, recordings=[recording], lang=lang)
    filters = recording_view.Filters.from_query(request.query_params)
    feedback = recording_view.build(
        session=session, user=user, recording=recording, filters=filters, lang=lang
    )
    everything = request.query_params.get("all") == "1"
    return render(
        request,
        "recordings/detail.html",
        {
            "recording": recording,
            "feedback": feedback,
            "timeline": recording_view.timeline_data(feedback),
            "feedback_filters": filters,
            "shown_threads": feedback.threads
            if everything
            else feedback.threads[: recording_view.FIRST_THREADS],
            "kinds": recording_view.kinds_in_order(),
            "statuses": statuses,
            "retried": request.query_params.get("retried"),
            "transcript": transcript,
            "segments": segments,
            "shown_segments": segments if everything else segments[: transcript_pages.FIRST_LINES],
            "is_owner": is_owner,
            "shared": access.shared_with(session=session, user=user, recording_ids=[recording.id]),
            "language_name": LANGUAGE_NAMES.get(recording.language, recording.language),
            "shares": access.shares_of(session=session, recording=recording) if is_owner else [],
            "people": people if is_owner else [],
            "teams": teams if is_owner else [],
            "consent": recording_service.consent_of(session=session, recording=recording),
            "days_left": retention.days_left(recording.delete_after),
            "warn_days": policy.warn_days,
        },
    )


@router.post("/recordings/{recording_id}/delete", dependencies=[CsrfProtected])
def delete_from_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    service.delete_owned(
        session=session, request=request, user=user, recording_id=recording_id, reason=Action.delete
    )
    return RedirectResponse("/recordings?deleted=1", status_code=303)


@router.post("/recordings/{recording_id}/retry", dependencies=[CsrfProtected])
def retry_from_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    service.retry_owned(session=session, request=request, user=user, recording_id=recording_id)
    return RedirectResponse(f"/recordings/{recording_id}?retried=1", status_code=303)


@router.post("/recordings/{recording_id}/consent/withdraw", dependencies=[CsrfProtected])
def withdraw_consent_from_page(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    service.delete_owned(
        session=session,
        request=request,
        user=user,
        recording_id=recording_id,
        reason=Action.consent_withdrawn,
    )
    return RedirectResponse("/recordings?deleted=1", status_code=303)

"""Pages for the recordings a person may see: the list, and one recording with its player,
transcript and shares."""

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from app.access import actions as access_actions
from app.access import consent as consent_rules
from app.access import policy
from app.access import service as shares
from app.access.service import Shared
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.accounts.subject import Subject
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.childvoice import service as child_voice
from app.clips import pages as clip_pages
from app.core.db import SessionDep
from app.core.errors import NotPermitted
from app.core.i18n import N_, request_language, translate
from app.core.templates import render
from app.feedback.reflection import invites_reflection, waits_for_reflection
from app.feedback.targets import Target
from app.insight import view as insight_view
from app.library import finding as finding_service
from app.library import service
from app.library.waiting import waiting_for
from app.player import view as player_view
from app.player.view import Panel
from app.recordings import service as recording_service
from app.recordings.models import Purpose, Recording, RecordingStatus
from app.recordings.pages import LANGUAGE_CHOICES
from app.recordings.service import UPLOAD_ROLES
from app.retention import service as retention
from app.scores import service as scores
from app.selfassessment import service as self_assessment
from app.transcripts import again, unsure
from app.transcripts import service as transcript_service
from app.transcripts.models import Segment

router = APIRouter(include_in_schema=False)
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


@router.get("/")
def home(subject: CurrentSubject) -> RedirectResponse:
    target = {"administrator": "/admin/users", "leader": "/leader"}.get(subject.role, "/recordings")
    return RedirectResponse(target, status_code=303)


@router.get("/recordings", response_class=HTMLResponse)
def recordings_page(request: Request, session: SessionDep, subject: CurrentSubject) -> HTMLResponse:
    if subject.role == "leader":
        raise NotPermitted(
            N_("Your role does not give access to this."), code="account.not_permitted"
        )
    lang = request_language(request)
    finding = finding_service.parse(request.query_params)
    found = finding_service.find(session=session, subject=subject, finding=finding)
    rows = found.rows
    statuses = service.status_views(session=session, recordings=rows, lang=lang)
    # An empty list says what to do first; an empty search offers to clear it.
    anything = found.total > 0 or (
        finding.filtered and finding_service.any_readable(session=session, subject=subject)
    )
    return render(
        request,
        "recordings/list.html",
        {
            "recordings": rows,
            "found": found,
            "finding": found.finding,
            "anything": anything,
            "ignored": [translate(msgid, lang, **params) for msgid, params in finding.ignored],
            "people": finding_service.people(session=session, subject=subject),
            "status_words": finding_service.STATUS_WORDS,
            "sort_words": finding_service.SORT_WORDS,
            "per_page_choices": finding_service.PER_PAGE_CHOICES,
            "shared": policy.shared_with(session, subject, [r.id for r in rows]),
            "statuses": statuses,
            "busy": sum(1 for view in statuses.values() if view.busy),
            "uploaded": request.query_params.get("uploaded"),
            "deleted": request.query_params.get("deleted"),
            "can_upload": subject.role in UPLOAD_ROLES,
            "waiting": waiting_for(session, subject),
            "self_assessment": self_assessment.waiting_round(session=session, subject=subject),
        },
    )


def _player(
    request: Request, session: Session, subject: Subject, recording: Recording, lang: str
) -> player_view.Player:
    """The ready recording's player; its caseworker also gets the clips under the video."""
    own = recording.owner_id == subject.id
    heard = transcript_service.get(session=session, recording_id=recording.id)
    if heard is not None and heard.model_name == transcript_service.GIVEN:
        # The demo's transcript was written by a person: it says so instead.
        note = transcript_service.provenance(heard, lang)
    else:
        note = translate(
            N_(
                "The transcript was made by a machine and may contain errors. Correct it "
                "before use."
            )
            if own
            else N_(
                "The transcript was made by a machine and may contain errors. "
                "Only the recording's caseworker can correct it."
            ),
            lang,
        )
    everything = request.query_params.get("all") == "1"
    correctable = subject.role in policy.RECEIVING_ROLES
    transcript = player_view.recording_transcript(
        session,
        recording,
        editable=own,
        everything=everything,
        note=note,
        lang=lang,
        speaker_on=recording.id if correctable else None,
    )
    target = Target.of_recording(recording)
    panels = [
        player_view.insight_tab(
            session=session,
            target=target,
            lang=lang,
            correctable=correctable,
            refresh=f"/recordings/{recording.id}/insight/panel",
        ),
        Panel(
            "details",
            translate(N_("Details"), lang),
            "recordings/_details.html",
            slot="extra",
            data={
                "language_name": LANGUAGE_NAMES.get(recording.language, recording.language),
                "sees_scores": scores.sees_scores(session, subject, recording),
                **again.panel_data(session=session, recording=recording, own=own, lang=lang),
            },
        ),
    ]
    if own:
        section = clip_pages.section(session=session, recording=recording, lang=lang)
        # Below the player, closed until asked for: the feedback and transcript come first.
        panels.insert(0, Panel("clips", "", "clips/_on_recording.html", "extra", {"cs": section}))
    return player_view.build(
        session=session,
        subject=subject,
        target=target,
        media=player_view.recording_media(recording),
        transcript=transcript,
        query=request.query_params,
        lang=lang,
        panels=panels,
    )


def _heard_so_far(session: Session, recording: Recording) -> list[Segment]:
    """While the worker hears the recording: the lines stored so far."""
    found = transcript_service.get(session=session, recording_id=recording.id)
    return transcript_service.segments(session=session, transcript=found) if found else []


@router.get("/recordings/{recording_id}", response_class=HTMLResponse)
def recording_page(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    recording = policy.recording(session, subject, recording_id)
    # The page shows the transcript: part of the transcript's viewing.
    audit_viewing(session, subject, Action.view, recording.id, Kind.transcript, "page")
    own = recording.owner_id == subject.id
    lang = request_language(request)
    what = Shared(recording_id=recording.id, owner_id=recording.owner_id)
    people, teams = shares.candidates(session=session, what=what) if own else ([], [])
    ready = recording.status == RecordingStatus.ready
    so_far = [] if ready else _heard_so_far(session, recording)
    return render(
        request,
        "recordings/detail.html",
        {
            "recording": recording,
            "player": _player(request, session, subject, recording, lang) if ready else None,
            "statuses": service.status_views(session=session, recordings=[recording], lang=lang),
            "retried": request.query_params.get("retried"),
            "segments": so_far,
            "so_far_marks": unsure.marks(session=session, lines=so_far),
            "is_owner": own,
            "reflect_first": ready and waits_for_reflection(session, subject, recording),
            "reflect_invite": ready and invites_reflection(session, subject, recording),
            "shared": policy.shared_with(session, subject, [recording.id]),
            "shares": shares.views(session=session, what=what) if own else [],
            "people": people,
            "teams": teams,
            "consent": recording_service.consent_of(session=session, recording=recording),
            "person_names": json.loads(recording.person_names or "[]") if own else [],
            "consent_offer": consent_rules.offer(
                session=session, recording_id=recording.id, owner_id=recording.owner_id
            )
            if own
            else None,
            "withdrawn": _withdrawn(request),
            "days_left": retention.days_left(recording.delete_after),
            "warn_days": retention.policy(session=session).warn_days,
            # The child's own rating: with the recording, for whoever sees the recording.
            "child_ratings": child_voice.shown(
                session=session, recording_id=recording.id, lang=lang
            ),
        },
    )


def _withdrawn(request: Request) -> tuple[Purpose, int] | None:
    """After a purpose was withdrawn on the page: which, and how many shares ended."""
    purpose, ended = request.query_params.get("withdrawn"), request.query_params.get("ended")
    if purpose not in {p.value for p in Purpose} or not (ended or "").isdigit():
        return None
    return Purpose(purpose), int(ended or 0)


@router.post("/recordings/{recording_id}/delete", dependencies=[CsrfProtected])
def delete_from_page(
    recording_id: str, session: SessionDep, subject: CurrentSubject
) -> RedirectResponse:
    service.delete_owned(
        session=session, subject=subject, recording_id=recording_id, reason=Action.delete
    )
    return RedirectResponse("/recordings?deleted=1", status_code=303)


@router.post("/recordings/{recording_id}/retry", dependencies=[CsrfProtected])
def retry_from_page(
    recording_id: str, session: SessionDep, subject: CurrentSubject
) -> RedirectResponse:
    service.retry_owned(session=session, subject=subject, recording_id=recording_id)
    return RedirectResponse(f"/recordings/{recording_id}?retried=1", status_code=303)


@router.post("/recordings/{recording_id}/consent/withdraw", dependencies=[CsrfProtected])
def withdraw_consent_from_page(
    recording_id: str, session: SessionDep, subject: CurrentSubject
) -> RedirectResponse:
    service.delete_owned(
        session=session,
        subject=subject,
        recording_id=recording_id,
        reason=Action.consent_withdrawn,
    )
    return RedirectResponse("/recordings?deleted=1", status_code=303)


@router.post(
    "/recordings/{recording_id}/consent/purposes/{purpose}/withdraw", dependencies=[CsrfProtected]
)
def withdraw_consent_purpose_from_page(
    recording_id: str, purpose: str, session: SessionDep, subject: CurrentSubject
) -> RedirectResponse:
    ended = access_actions.withdraw_purpose(
        session=session, subject=subject, recording_id=recording_id, purpose=purpose
    )
    to = f"/recordings/{recording_id}?withdrawn={purpose}&ended={ended}#consent"
    return RedirectResponse(to, status_code=303)


LINES_PAGE = 500  # lines a fragment holds at most


@router.get("/recordings/{recording_id}/transcript/lines", response_class=HTMLResponse)
def transcript_lines(
    recording_id: str,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=LINES_PAGE)] = LINES_PAGE,
) -> HTMLResponse:
    """Lines of the transcript from `offset` on, as the recording page renders them."""
    recording = policy.recording(session, subject, recording_id)
    lang = request_language(request)
    audit_viewing(session, subject, Action.view, recording.id, Kind.transcript, "page")
    transcript = transcript_service.get(session=session, recording_id=recording.id)
    lines = (
        transcript_service.segments(session=session, transcript=transcript) if transcript else []
    )
    shown = lines[offset : offset + limit]
    return render(
        request,
        "transcripts/_lines.html",
        {
            "lines": shown,
            "marks": unsure.marks(session=session, lines=shown),
            "editable_on": recording.id if recording.owner_id == subject.id else None,
            "speakers": insight_view.line_speakers(
                session=session, recording_id=recording.id, lines=shown, lang=lang
            ),
            "speaker_on": recording.id if subject.role in policy.RECEIVING_ROLES else None,
        },
    )

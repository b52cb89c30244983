"""The caseworker's review of what a team will see of a clip (posts without JavaScript):
the blurred clip to watch and approve, spans where a face was missed, the names listed on
the recording, and each name or number found in the clip's lines, to show or hide."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentSubject
from app.clips import actions
from app.clips.actions import ProtectionChange
from app.clips.pages import _protected_media
from app.core.db import SessionDep
from app.core.i18n import request_language
from app.core.ids import DbId
from app.core.templates import render
from app.feedback.forms import parse_time

router = APIRouter(include_in_schema=False)
Changes = [CsrfProtected]
Phrase = Annotated[str, Form(max_length=400)]
Time = Annotated[str, Form(max_length=20)]
Names = Annotated[str, Form(max_length=8000)]


def _back(clip_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/clips/{clip_id}/protection{anchor}", status_code=303)


@router.get("/clips/{clip_id}/protection", response_class=HTMLResponse)
def protection_page(
    clip_id: DbId, request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    """The clip as a team will see, hear and read it, for its caseworker."""
    clip, review = actions.protection_review(session=session, subject=subject, clip_id=clip_id)
    media = _protected_media(clip, request_language(request), "?variant=team")
    context = {"clip": clip, "review": review, "media": media}
    return render(request, "clips/protection.html", context)


@router.post("/clips/{clip_id}/protection/approve", dependencies=Changes)
def approve(clip_id: DbId, session: SessionDep, subject: CurrentSubject) -> RedirectResponse:
    clip = actions.approve_protected(session=session, subject=subject, clip_id=clip_id)
    return RedirectResponse(f"/recordings/{clip.recording_id}#clip-{clip.id}", status_code=303)


@router.post("/clips/{clip_id}/protection/missed", dependencies=Changes)
def mark_missed(
    clip_id: DbId, session: SessionDep, subject: CurrentSubject, start: Time, end: Time
) -> RedirectResponse:
    """A span where a face shows: the whole frame is blurred there."""
    begins, ends = parse_time(start, field="start"), parse_time(end, field="end")
    actions.mark_missed(session=session, subject=subject, clip_id=clip_id, start=begins, end=ends)
    return _back(clip_id, "#missed")


@router.post("/clips/{clip_id}/protection/missed/{index}/remove", dependencies=Changes)
def unmark_missed(
    clip_id: DbId, index: int, session: SessionDep, subject: CurrentSubject
) -> RedirectResponse:
    actions.unmark_missed(session=session, subject=subject, clip_id=clip_id, index=index)
    return _back(clip_id, "#missed")


@router.post("/clips/{clip_id}/protection/{change}", dependencies=Changes)
def change_redactions(
    clip_id: DbId, change: ProtectionChange, session: SessionDep, subject: CurrentSubject,
    text: Phrase,
) -> RedirectResponse:  # fmt: skip
    """show: a find is shown after all; unshow: hidden again; hide: a word hidden too;
    unhide: no longer."""
    actions.change_redactions(
        session=session, subject=subject, clip_id=clip_id, change=change, text=text
    )
    return _back(clip_id, "#redactions")


@router.post("/recordings/{recording_id}/person-names", dependencies=Changes)
def person_names(
    recording_id: str,
    session: SessionDep,
    subject: CurrentSubject,
    names: Names = "",
    clip_id: Annotated[int | None, Form(ge=1, le=2**62)] = None,
) -> RedirectResponse:
    """The people named on the recording, one per line; back to the clip's review or the
    recording."""
    actions.set_person_names(
        session=session, subject=subject, recording_id=recording_id, names=names
    )
    if clip_id is not None:
        return _back(clip_id, "#names")
    return RedirectResponse(f"/recordings/{recording_id}#names", status_code=303)

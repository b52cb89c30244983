"""The sparring document: a printable page, and the same document as a PDF made here.

A recording's here; a clip's (app.clips.pages) through the same two functions, with the
clip's own lines and, for a team, names and numbers hidden and the PDF shown, not saved."""

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.downloads import attachment
from app.core.i18n import request_language
from app.core.templates import render, templates
from app.feedback import document, pdf
from app.feedback.deps import OnRecording
from app.feedback.targets import Here

router = APIRouter(include_in_schema=False)


@router.get("/recordings/{recording_id}/sparring", response_class=HTMLResponse)
def sparring_page(at: OnRecording, request: Request) -> HTMLResponse:
    """The document on screen, laid out for printing, with a link to its PDF."""
    return document_page(at, request)


@router.get("/recordings/{recording_id}/sparring.pdf")
async def sparring_pdf(at: OnRecording, request: Request) -> Response:
    """The document as a PDF (an audited download)."""
    recording = at.recording
    filename = f"{recording.case_reference}-{recording.id[:8]}-sparring.pdf"
    return await document_pdf(at, request, filename=filename)


def document_page(
    at: Here,
    request: Request,
    *,
    lines: Sequence[Any] | None = None,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    doc = _document(at, request, Action.view, Kind.sparring, lines, title)
    context = {"doc": doc, "recording": at.recording, **(extra or {})}
    return render(request, "feedback/document.html", context)


async def document_pdf(
    at: Here,
    request: Request,
    *,
    filename: str,
    inline: bool = False,
    lines: Sequence[Any] | None = None,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Made in the PDF pool or kept from the last time it was made (app/feedback/pdf.py):
    the event loop and the request threads stay free for the other pages meanwhile.
    `inline`: shown in the browser, not offered as a file (a team's)."""
    action = Action.view if inline else Action.download
    doc = await run_in_threadpool(_document, at, request, action, Kind.sparring_pdf, lines, title)
    recording, lang = at.recording, request_language(request)
    context = {"doc": doc, "recording": recording, "pdf": True, "lang": lang, **(extra or {})}

    def source() -> str:
        return templates.get_template("feedback/document.html").render(context)

    key = pdf.key_of(f"{recording.id}{at.target.audit_prefix}{bool(at.target.redact)}", lang, doc)
    body = await pdf.renderer.pdf(at.subject.id, key, source)
    return Response(body, media_type="application/pdf", headers=attachment(filename, inline=inline))


def _document(
    at: Here,
    request: Request,
    action: str,
    kind: str,
    lines: Sequence[Any] | None,
    title: str | None,
) -> document.SparringDocument:
    """The document as the reader may see it; its viewing (or download) is audited."""
    doc = document.for_reader(at, lang=request_language(request), lines=lines, title=title)
    detail = f"{at.target.audit_prefix}{kind}{' protected' if at.target.redact else ''}"
    audit_viewing(at.session, at.subject, action, at.recording.id, kind, detail)
    return doc

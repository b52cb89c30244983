"""The FastAPI application: API under /api/v1, pages at the root, assets from /static."""

import contextlib
import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.access import events as access_events
from app.access import pages as access_pages
from app.access import routes as access_routes
from app.accounts import demo, second_factor_pages
from app.accounts import login as log_in
from app.accounts import pages as account_pages
from app.accounts import routes as account_routes
from app.accounts.deps import Held, LoginRequired, add_hold
from app.admin import audit_names
from app.admin import pages as admin_pages
from app.childvoice import pages as child_pages
from app.clips import content as clip_content
from app.clips import pages as clip_pages
from app.clips import protection_pages as clip_protection_pages
from app.clips import routes as clip_routes
from app.core import requests
from app.core.allocator import tune_for_streaming
from app.core.errors import (
    VideosparringError,
    error_response,
    handle_data_error,
    handle_database_down,
    handle_http_error,
    handle_store_down,
    handle_validation_error,
)
from app.core.i18n import request_language
from app.core.middleware import SecurityMiddleware
from app.core.requests import RequestContext
from app.core.templates import add_context_hook
from app.criteria import pages as criteria_pages
from app.criteria import routes as criteria_routes
from app.feedback import forms as feedback_forms
from app.feedback import notification_pages, notifications, pdf
from app.feedback import pages as feedback_pages
from app.feedback import routes as feedback_routes
from app.feedback.models import NotificationReason
from app.health import routes as health_routes
from app.identity import pages as identity_pages
from app.insight import pages as insight_pages
from app.insight import routes as insight_routes
from app.leader import pages as leader_pages
from app.leader import service as leader_service
from app.library import pages as library_pages
from app.library import routes as library_routes
from app.live import routes as live_routes
from app.live.hub import default_hub
from app.media.store import StoreError
from app.metrics import registry as metrics
from app.metrics import server as metrics_server
from app.practice import pages as practice_pages
from app.practice import publishing as practice_publishing
from app.recordings import pages as recording_pages
from app.recordings import routes as recording_routes
from app.selfassessment import pages as self_assessment_pages
from app.sessions import events as session_events
from app.sessions import figures as session_figures
from app.sessions import pages as session_pages
from app.sessions import routes as session_routes
from app.sessions import service as session_service
from app.transcripts import pages as transcript_pages
from app.transcripts import routes as transcript_routes
from app.uploads import pages as upload_pages
from app.uploads import routes as upload_routes

STATIC_DIR = Path(__file__).resolve().parent / "static"


@contextlib.asynccontextmanager
async def _lifespan(_app: Any) -> AsyncIterator[None]:
    """What was built at start lives as long as the process: out of the garbage collector's
    sight. Its full collections otherwise walked some 200,000 objects every few requests,
    ~100 ms each: the p95 of a page with 2,000 feedback items (bench/feedback_bench.py).
    Young collections run less often too: one request makes thousands of short-lived rows."""
    tune_for_streaming()  # uploads: request chunks reuse heap memory (app/core/allocator.py)
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    metrics = metrics_server.start()  # on its own port, when the operator asks for it
    yield
    metrics_server.stop(metrics)
    pdf.renderer.close()  # its processes end with the app


def register() -> None:
    """What features below tell features above them, through registries filled here, in
    one place (never as a side effect of an import). The start command's demo set-up calls
    it too: the demo's shares and invitations notify as the web app's do."""
    add_context_hook(notification_pages.unread_badge)  # the count in every page's top bar
    add_context_hook(demo.banner)  # every page says so while the demo accounts exist
    requests.on_answered(metrics.observe)  # request latency, timed once with the access line
    session_events.on_access_changed(default_hub().recheck_room)  # removed: cut off now
    # A notification's item seen through a clip or in a team session opens there.
    notifications.add_way_to_see(clip_content.way_to_see)
    notifications.add_way_to_see(session_service.way_to_see)
    # Told when a share reaches them, or they are invited to a session; what they choose
    # to get by e-mail is on their account page.
    access_events.on_granted(notifications.shared)
    notifications.add_opener(NotificationReason.clip_shared, clip_content.open_shared)
    notifications.add_opener(NotificationReason.invited, session_service.open_invitation)
    notifications.add_opener(NotificationReason.moved, session_service.open_invitation)
    notifications.add_opener(NotificationReason.scored, practice_publishing.open_scores)
    add_context_hook(notification_pages.mail_choices)
    # Sign-in through the municipality: its button on the pages, signing out there too.
    add_context_hook(identity_pages.identity_context)
    log_in.add_logout_hook(identity_pages.end_at_provider)
    # The audit log names a sparring session by its kind and time.
    audit_names.name_sessions_with(session_service.log_names)
    # A browser showing the child's page is held there until the caseworker unlocks it.
    add_hold(child_pages.hold)
    # The leader's page counts sparring sessions per team (groups under the minimum hidden).
    leader_service.add_table("sessions", session_figures.leader_table)


def create_app() -> FastAPI:
    register()
    app = FastAPI(
        lifespan=_lifespan,
        title="Videosparring",
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the Swagger page loads scripts from a CDN: not here
        redoc_url=None,
    )
    api = APIRouter(prefix="/api/v1")
    api.include_router(account_routes.router)
    api.include_router(recording_routes.router)
    api.include_router(upload_routes.router)
    api.include_router(library_routes.router)
    api.include_router(transcript_routes.router)
    api.include_router(transcript_routes.batches)
    api.include_router(insight_routes.router)
    api.include_router(access_routes.router)
    api.include_router(criteria_routes.router)
    api.include_router(feedback_routes.router)
    api.include_router(feedback_routes.notes)
    api.include_router(clip_routes.on_recording)
    api.include_router(clip_routes.router)
    api.include_router(session_routes.router)
    api.include_router(live_routes.router)  # the WebSocket of a session's live channel
    app.include_router(api)
    app.include_router(account_pages.router)
    app.include_router(second_factor_pages.router)
    app.include_router(identity_pages.router)
    # /recordings/new before /recordings/{recording_id}
    app.include_router(recording_pages.router)
    app.include_router(upload_pages.router)  # /recordings/record
    app.include_router(library_pages.router)
    app.include_router(transcript_pages.router)
    app.include_router(access_pages.router)
    app.include_router(feedback_forms.router)
    app.include_router(admin_pages.router)
    app.include_router(criteria_pages.router)
    app.include_router(notification_pages.router)
    app.include_router(notification_pages.account)
    app.include_router(leader_pages.router)
    app.include_router(insight_pages.router)
    app.include_router(feedback_pages.router)
    app.include_router(clip_pages.router)
    app.include_router(clip_protection_pages.router)
    app.include_router(session_pages.router)
    app.include_router(practice_pages.router)
    app.include_router(health_routes.router)
    app.include_router(self_assessment_pages.router)
    app.include_router(child_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(RequestContext, prefixes=[api.prefix])  # outermost: every line has its id

    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(DataError, handle_data_error)
    # Not a DataError (a value refused): the connection failed or was cut.
    app.add_exception_handler(OperationalError, handle_database_down)
    app.add_exception_handler(InterfaceError, handle_database_down)
    # The media store down or refusing, where no caller said more: a 503, not a 500.
    app.add_exception_handler(StoreError, handle_store_down)

    @app.exception_handler(VideosparringError)
    async def _error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, VideosparringError)
        if isinstance(exc, LoginRequired) and not request.url.path.startswith("/api/"):
            target = quote(request.url.path, safe="/")
            return RedirectResponse(f"/login?next={target}", status_code=302)
        if isinstance(exc, Held) and not request.url.path.startswith("/api/"):
            return RedirectResponse(exc.to, status_code=303)
        return error_response(
            request,
            status_code=exc.status_code,
            message=exc.message(request_language(request)),
            code=exc.code,
            field=exc.field,
            headers=exc.headers,
        )

    return app


app = create_app()

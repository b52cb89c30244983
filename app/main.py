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
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.accounts import pages as account_pages
from app.accounts import routes as account_routes
from app.accounts.deps import LoginRequired
from app.admin import pages as admin_pages
from app.clips import feedback as clip_feedback
from app.clips import pages as clip_pages
from app.clips import routes as clip_routes
from app.core.allocator import tune_for_streaming
from app.core.errors import (
    VideosparringError,
    error_response,
    handle_data_error,
    handle_http_error,
    handle_validation_error,
)
from app.core.i18n import request_language
from app.core.middleware import SecurityMiddleware
from app.core.templates import add_context_hook
from app.criteria import pages as criteria_pages
from app.criteria import routes as criteria_routes
from app.feedback import forms as feedback_forms
from app.feedback import notification_pages, notifications
from app.feedback import pages as feedback_pages
from app.feedback import routes as feedback_routes
from app.leader import pages as leader_pages
from app.library import pages as library_pages
from app.library import routes as library_routes
from app.live import routes as live_routes
from app.live.hub import default_hub
from app.recordings import pages as recording_pages
from app.recordings import routes as recording_routes
from app.sessions import events as session_events
from app.sessions import pages as session_pages
from app.sessions import routes as session_routes
from app.sharing import pages as sharing_pages
from app.sharing import routes as sharing_routes
from app.transcripts import pages as transcript_pages
from app.transcripts import routes as transcript_routes

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
    yield


def create_app() -> FastAPI:
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
    api.include_router(library_routes.router)
    api.include_router(transcript_routes.router)
    api.include_router(sharing_routes.router)
    api.include_router(criteria_routes.router)
    api.include_router(feedback_routes.router)
    api.include_router(feedback_routes.notes)
    api.include_router(clip_routes.on_recording)
    api.include_router(clip_routes.router)
    api.include_router(session_routes.router)
    api.include_router(live_routes.router)  # the WebSocket of a session's live channel
    app.include_router(api)
    app.include_router(account_pages.router)
    # /recordings/new before /recordings/{recording_id}
    app.include_router(recording_pages.router)
    app.include_router(library_pages.router)
    app.include_router(transcript_pages.router)
    app.include_router(sharing_pages.router)
    app.include_router(feedback_forms.router)
    app.include_router(admin_pages.router)
    app.include_router(criteria_pages.router)
    app.include_router(notification_pages.router)
    add_context_hook(notification_pages.unread_badge)  # the count in every page's top bar
    session_events.on_access_changed(default_hub().recheck_room)  # removed: cut off now
    # A reply to someone who sees the item only through a shared clip opens the clip.
    notifications.add_way_to_see(clip_feedback.seen_through_clip)
    app.include_router(leader_pages.router)
    app.include_router(feedback_pages.router)
    app.include_router(clip_pages.router)
    app.include_router(session_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityMiddleware)

    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(DataError, handle_data_error)

    @app.exception_handler(VideosparringError)
    async def _error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, VideosparringError)
        if isinstance(exc, LoginRequired) and not request.url.path.startswith("/api/"):
            target = quote(request.url.path, safe="/")
            return RedirectResponse(f"/login?next={target}", status_code=302)
        return error_response(
            request,
            status_code=exc.status_code,
            message=exc.message(request_language(request)),
            code=exc.code,
            field=exc.field,
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()

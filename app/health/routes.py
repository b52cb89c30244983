"""/healthz and /livez: the process answers (nothing else asked, so a slow database never
gets a live process restarted). /readyz: 200 while the critical checks pass, else 503, with
every check in the body; `?all=1` answers 503 when any check fails (for a monitor)."""

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.health import checks

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
@router.get("/livez")
def live() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz")
async def ready(all: bool = Query(default=False)) -> JSONResponse:  # noqa: A002
    report = await run_in_threadpool(checks.report)
    passed = report.healthy if all else report.ready
    return JSONResponse(report.as_json(), status_code=200 if passed else 503, headers=NO_STORE)

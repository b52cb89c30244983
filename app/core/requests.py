"""Each HTTP request gets an id (the client's X-Request-ID when it is a safe short token)
that its log lines, the jobs it makes, and its answer's X-Request-ID header carry; one
access line per request, by route template, never the raw path or its query string."""

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from app.core import logs

log = logging.getLogger("videosparring.access")
# Told of every answered request (method, route template, status, seconds): the metrics,
# registered by app.main, so a request is timed and its route found once.
Observer = Callable[[str, str, int, float], None]
_observers: list[Observer] = []


def on_answered(observer: Observer) -> None:
    """Once, however often called."""
    if observer not in _observers:
        _observers.append(observer)


def route_template(scope: dict[str, Any], prefixes: Sequence[str] = ()) -> str:
    """The matched route's template ("unmatched" otherwise). A route of an included router
    knows its path below the routers' prefixes: the one of `prefixes` (static text) that
    the request's path starts with is put before it."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        return "unmatched"
    regex = getattr(route, "path_regex", None)
    path = scope.get("path", "")
    for prefix in prefixes:
        if path.startswith(f"{prefix}/") and regex is not None and regex.match(path[len(prefix) :]):
            return f"{prefix}{template}"
    return str(template)


class RequestContext:
    """Pure ASGI: the request id in `app.core.logs.request_id` for the whole answer;
    `prefixes`: those of the included routers (`route_template`)."""

    def __init__(self, app: Any, prefixes: Sequence[str] = ()) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = logs.new_request_id(given)
        if scope["type"] == "websocket":
            with logs.context(request_id=rid):
                await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = [500]

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
            await send(message)

        with logs.context(request_id=rid):
            try:
                await self.app(scope, receive, sending)
            finally:
                route = route_template(scope, self.prefixes)
                seconds = time.perf_counter() - began
                method = scope.get("method", "GET")
                for observer in _observers:
                    observer(method, route, status[0], seconds)
                log.info(
                    "%s %s %s",
                    scope.get("method", "GET"),
                    route,
                    status[0],
                    extra={
                        "method": scope.get("method", "GET"),
                        "route": route,
                        "status": status[0],
                        "duration_ms": round(seconds * 1000, 1),
                    },
                )

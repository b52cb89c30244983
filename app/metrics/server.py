"""The metrics' own port: started with the app when `SPARRING_METRICS_PORT` is set, bound to
`SPARRING_METRICS_ADDRESS` (127.0.0.1 unless the operator's network is named)."""

from typing import Any

from prometheus_client import start_http_server

from app.core.config import settings
from app.metrics.registry import REGISTRY


def start() -> Any | None:
    """The running server, or None when metrics are off."""
    if not settings.metrics_port:
        return None
    server, _thread = start_http_server(
        settings.metrics_port, addr=settings.metrics_address, registry=REGISTRY
    )
    return server


def stop(server: Any | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
